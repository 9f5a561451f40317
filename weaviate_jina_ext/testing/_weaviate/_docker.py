"""The Docker backend: detecting an engine, and running the compose file with it.

:func:`docker_weaviate` runs ``docker/docker-compose.yml`` through pytest-docker under a
project name of its own, with host ports chosen by Docker. Values for the compose file's
variables travel in a private ``--env-file`` (:func:`_env_file_text`), never on a command
line, and loopback proxy URLs are rewritten so the container reaches the host
(:func:`_for_container`).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from weaviate_jina_ext._exceptions import WeaviateBackendError, WeaviateStartError
from weaviate_jina_ext.testing._weaviate._compose import read_compose
from weaviate_jina_ext.testing._weaviate._instance import _LOOPBACK, WeaviateInstance
from weaviate_jina_ext.testing._weaviate._readiness import (
    READY_PATH,
    _readiness_probe,
    wait_until_ready,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

#: The ports Weaviate listens on inside the container; Docker publishes them on free host ports.
_CONTAINER_HTTP_PORT: Final = 8080
_CONTAINER_GRPC_PORT: Final = 50051
#: How a container names the host (mapped to the host gateway in the compose file).
_DOCKER_HOST_ALIAS: Final = "host.docker.internal"


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


def _env_file_text(values: Mapping[str, str]) -> str:
    """A Compose ``--env-file``: single-quoted values are taken literally by Compose."""
    lines = []
    for key, value in values.items():
        if "'" in value or "\n" in value:
            msg = f"{key}: values with quotes or newlines cannot go into a Compose env file"
            raise WeaviateBackendError(msg)
        lines.append(f"{key}='{value}'\n")
    return "".join(lines)


#: Compose projects started by this process so far; numbers their unique project names.
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

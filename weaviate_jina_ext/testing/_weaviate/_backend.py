"""Choosing a backend: :func:`start_weaviate` provides a Weaviate from the first that can work.

``"auto"`` means an existing server when ``WEAVIATE_URL`` is set, else Docker when an engine
answers and Compose v2 can run the compose files, else a local ``weaviate-server`` process
(:func:`resolve_backend`). An engine without a usable Compose makes ``auto`` fall back to
the process backend with one warning that says what is missing and how to install it; the
``docker`` backend named explicitly fails at once with the same fix. A named backend is used
as is, and settings it cannot apply are refused rather than ignored. :func:`start_cluster`
does the same for a 3-node cluster.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from typing import TYPE_CHECKING, Final, TypedDict

from weaviate_jina_ext._exceptions import WeaviateBackendError
from weaviate_jina_ext.testing._weaviate._cluster import weaviate_cluster, weaviate_process
from weaviate_jina_ext.testing._weaviate._compose import pinned_version
from weaviate_jina_ext.testing._weaviate._docker import (
    COMPOSE_FIX,
    compose_problem,
    docker_available,
    docker_cluster,
    docker_weaviate,
)
from weaviate_jina_ext.testing._weaviate._existing import existing_weaviate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from weaviate_jina_ext.testing._weaviate._cluster import WeaviateCluster
    from weaviate_jina_ext.testing._weaviate._instance import WeaviateInstance

#: Names accepted by :func:`start_weaviate` (``"auto"`` tries the others in this order).
BACKENDS: Final = ("auto", "existing", "docker", "process")


class _Settings(TypedDict):
    """What every launcher applies, passed on as given."""

    extra_env: Mapping[str, str] | None
    modules: Iterable[str] | None
    jina_api_key: str | None
    startup_timeout: float


def _settings(
    extra_env: Mapping[str, str] | None,
    modules: Iterable[str] | None,
    jina_api_key: str | None,
    startup_timeout: float,
) -> _Settings:
    return _Settings(
        extra_env=extra_env,
        modules=modules,
        jina_api_key=jina_api_key,
        startup_timeout=startup_timeout,
    )


#: Fallback warnings already given in this process (each is given once).
_WARNED: set[str] = set()


def resolve_backend(
    backend: str = "auto",
    *,
    environ: Mapping[str, str] | None = None,
    docker: Callable[[], bool] = docker_available,
    compose: Callable[[], str | None] = compose_problem,
) -> str:
    """Turn ``"auto"`` into the backend to use; other names are checked and returned.

    ``"auto"`` means existing when ``WEAVIATE_URL`` is set, else docker when an engine
    answers and Compose v2 is usable, else process (warning once when an engine answers
    but Compose is missing, v1 or too old).

    Raises:
        WeaviateBackendError: An unknown name, or ``"docker"`` where no engine answers or
            Compose v2 is not usable (the message names what to install).
    """
    if backend not in BACKENDS:
        msg = f"backend={backend!r} is not one of {', '.join(BACKENDS)}"
        raise WeaviateBackendError(msg)
    if backend == "docker":
        if not docker():
            msg = (
                "the docker backend needs a Docker engine, and `docker info` does not answer: "
                "start Docker (or set DOCKER_HOST), or use the 'process' backend"
            )
            raise WeaviateBackendError(msg)
        if problem := compose():
            msg = f"the docker backend cannot run the compose files: {problem}; {COMPOSE_FIX}"
            raise WeaviateBackendError(msg)
    if backend != "auto":
        return backend
    env = os.environ if environ is None else environ
    if env.get("WEAVIATE_URL"):
        return "existing"
    if not docker():
        return "process"
    if problem := compose():
        msg = (
            f"a Docker engine answers but {problem}, so the process backend is used instead; "
            f"to use Docker, {COMPOSE_FIX}"
        )
        if msg not in _WARNED:
            _WARNED.add(msg)
            warnings.warn(msg, UserWarning, stacklevel=2)
        return "process"
    return "docker"


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
        settings = _settings(extra_env, modules, jina_api_key, startup_timeout)
        with docker_weaviate(**settings) as instance:
            yield instance
    else:
        settings = _settings(extra_env, modules, jina_api_key, startup_timeout)
        with weaviate_process(version, **settings) as instance:
            yield instance


@contextlib.contextmanager
def start_cluster(
    backend: str = "auto",
    *,
    extra_env: Mapping[str, str] | None = None,
    modules: Iterable[str] | None = None,
    jina_api_key: str | None = None,
    startup_timeout: float = 180.0,
) -> Iterator[WeaviateCluster]:
    """Provide a 3-node Weaviate cluster from ``backend`` (``auto``, ``docker``, ``process``).

    Docker runs ``docker/docker-compose.cluster.yml``; the process backend runs three
    ``weaviate-server`` processes on loopback (:func:`weaviate_cluster`). Both yield a
    :class:`WeaviateCluster` whose nodes can be killed and restarted.

    Raises:
        WeaviateBackendError: The backend cannot be used (an existing server is one node
            started elsewhere).
    """
    chosen = resolve_backend(backend, environ={})  # a cluster is never the existing server
    settings = _settings(extra_env, modules, jina_api_key, startup_timeout)
    if chosen == "docker":
        cm = docker_cluster(**settings)
    elif chosen == "process":
        cm = weaviate_cluster(3, **settings)
    else:
        msg = "a cluster cannot come from the 'existing' backend; use 'docker' or 'process'"
        raise WeaviateBackendError(msg)
    with cm as cluster:
        yield cluster

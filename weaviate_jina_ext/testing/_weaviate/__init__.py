"""Launchers for a real Weaviate: an existing server, Docker Compose, or local processes.

Every launcher is a plain context manager that yields a :class:`WeaviateInstance` (or a
:class:`WeaviateCluster`) and stops whatever it started on exit. The pytest plugin, the CLI,
the examples and ad-hoc scripts all use the same ones:

* :func:`existing_weaviate` uses a server somebody else runs (``WEAVIATE_URL``);
* :func:`docker_weaviate` runs ``docker/docker-compose.yml`` through pytest-docker;
* :func:`weaviate_process` runs ``weaviate-server`` as a local process, no Docker needed;
* :func:`weaviate_cluster` runs three such processes on loopback as one cluster, and
  :func:`docker_cluster` three containers;
* :func:`start_weaviate` picks the first of these that can work, :func:`start_cluster` the
  cluster of the backend in use.

The compose file is the single source of truth (``_compose``); bare processes need a
``weaviate-server`` binary (``_binary``), provisioned ahead of a run with
``python -m weaviate_jina_ext.testing ensure-binary``.

Modules: ``_instance`` (what a running server is), ``_readiness`` (waiting for it),
``_compose``, ``_binary``, ``_tokenizer`` (offline tokenizer data), ``_ports``,
``_process_group``, ``_process`` (one bare process), ``_cluster`` (bare-process launchers),
``_existing``, ``_image`` (the image the containers run), ``_docker`` and ``_backend``
(choosing among them).
"""

from __future__ import annotations

from weaviate_jina_ext._exceptions import (
    ComposeFileError,
    WeaviateBackendError,
    WeaviateBinaryError,
    WeaviateRigError,
    WeaviateStartError,
)
from weaviate_jina_ext.testing._weaviate._backend import (
    BACKENDS,
    resolve_backend,
    start_cluster,
    start_weaviate,
)
from weaviate_jina_ext.testing._weaviate._binary import (
    WEAVIATE_GO_PACKAGE,
    binary_path,
    cache_dir,
    embedded_binary_dir,
    ensure_weaviate_binary,
    find_weaviate_binary,
)
from weaviate_jina_ext.testing._weaviate._cluster import (
    WeaviateCluster,
    weaviate_cluster,
    weaviate_process,
)
from weaviate_jina_ext.testing._weaviate._compose import (
    ComposeService,
    compose_file_path,
    interpolate,
    pinned_version,
    read_compose,
)
from weaviate_jina_ext.testing._weaviate._docker import (
    compose_problem,
    docker_available,
    docker_cluster,
    docker_weaviate,
)
from weaviate_jina_ext.testing._weaviate._existing import existing_weaviate
from weaviate_jina_ext.testing._weaviate._image import ensure_image, local_image
from weaviate_jina_ext.testing._weaviate._instance import ConnectKwargs, WeaviateInstance
from weaviate_jina_ext.testing._weaviate._process import process_environment
from weaviate_jina_ext.testing._weaviate._readiness import READY_PATH, wait_until_ready
from weaviate_jina_ext.testing._weaviate._tokenizer import ensure_tokenizer_data

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
    "compose_problem",
    "docker_available",
    "docker_cluster",
    "docker_weaviate",
    "embedded_binary_dir",
    "ensure_image",
    "ensure_tokenizer_data",
    "ensure_weaviate_binary",
    "existing_weaviate",
    "find_weaviate_binary",
    "interpolate",
    "local_image",
    "pinned_version",
    "process_environment",
    "read_compose",
    "resolve_backend",
    "start_cluster",
    "start_weaviate",
    "wait_until_ready",
    "weaviate_cluster",
    "weaviate_process",
]

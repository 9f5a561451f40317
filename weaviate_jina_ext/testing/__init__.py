"""The offline test rig: a local Jina-compatible server, Weaviate launchers, a pytest plugin.

* :class:`FakeJina` serves the Jina API's embeddings, multi-vector and rerank endpoints on
  loopback, with deterministic vectors, request recording and fault injection;
  :class:`JinaProxy` puts it behind ``https://api.jina.ai`` for a Weaviate started with its
  ``env()`` (transparent mode).
* :func:`start_weaviate` finds or starts a real Weaviate with the Jina modules: an existing
  instance (``WEAVIATE_URL``), Docker when an engine answers, else a local
  ``weaviate-server`` process (built with Go once and cached). :func:`weaviate_cluster`
  starts three nodes on loopback.
* :func:`local_stack` combines both for examples and experiments.
* The pytest plugin (``weaviate_jina_ext.testing._plugin``) is loaded automatically and
  offers the ``weaviate_jina_*`` and ``jina_*`` fixtures.

Importing this package starts nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from weaviate_jina_ext.testing._endpoint import JinaEndpoint, jina_endpoint
    from weaviate_jina_ext.testing._errors import RigNotStartedError
    from weaviate_jina_ext.testing._fake import (
        IMAGE_KEY_PREFIX,
        EmbedFn,
        FakeJina,
        FaultAction,
        Faults,
        RateLimit,
        RecordedRequest,
        ScriptedResponse,
        hashing_embedder,
    )
    from weaviate_jina_ext.testing._http import FakeResponse
    from weaviate_jina_ext.testing._plugin import FAKE_JINA_KEY
    from weaviate_jina_ext.testing._proxy import JINA_API_HOST, JinaProxy
    from weaviate_jina_ext.testing._stack import DEMO_KEY, LocalStack, local_stack
    from weaviate_jina_ext.testing._weaviate import (
        ComposeFileError,
        ConnectKwargs,
        WeaviateBackendError,
        WeaviateBinaryError,
        WeaviateCluster,
        WeaviateInstance,
        WeaviateRigError,
        WeaviateStartError,
        binary_path,
        cache_dir,
        docker_available,
        docker_cluster,
        docker_weaviate,
        embedded_binary_dir,
        ensure_tokenizer_data,
        ensure_weaviate_binary,
        existing_weaviate,
        find_weaviate_binary,
        pinned_version,
        read_compose,
        start_cluster,
        start_weaviate,
        wait_until_ready,
        weaviate_cluster,
        weaviate_process,
    )

# Public name -> defining module. Imported on first use, so that loading the pytest
# plugin (which imports this package) pulls in no launcher, server or proxy code.
_EXPORTS: dict[str, str] = {
    "ComposeFileError": "weaviate_jina_ext.testing._weaviate",
    "ConnectKwargs": "weaviate_jina_ext.testing._weaviate",
    "DEMO_KEY": "weaviate_jina_ext.testing._stack",
    "EmbedFn": "weaviate_jina_ext.testing._fake._embedder",
    "FAKE_JINA_KEY": "weaviate_jina_ext.testing._plugin",
    "FakeJina": "weaviate_jina_ext.testing._fake._server",
    "FakeResponse": "weaviate_jina_ext.testing._http",
    "FaultAction": "weaviate_jina_ext.testing._fake._faults",
    "Faults": "weaviate_jina_ext.testing._fake._faults",
    "IMAGE_KEY_PREFIX": "weaviate_jina_ext.testing._fake._embedder",
    "JINA_API_HOST": "weaviate_jina_ext.testing._proxy",
    "JinaProxy": "weaviate_jina_ext.testing._proxy",
    "JinaEndpoint": "weaviate_jina_ext.testing._endpoint",
    "LocalStack": "weaviate_jina_ext.testing._stack",
    "RateLimit": "weaviate_jina_ext.testing._fake._limits",
    "RecordedRequest": "weaviate_jina_ext.testing._fake._recording",
    "RigNotStartedError": "weaviate_jina_ext.testing._errors",
    "ScriptedResponse": "weaviate_jina_ext.testing._fake._faults",
    "WeaviateBackendError": "weaviate_jina_ext.testing._weaviate",
    "WeaviateBinaryError": "weaviate_jina_ext.testing._weaviate",
    "WeaviateCluster": "weaviate_jina_ext.testing._weaviate",
    "WeaviateInstance": "weaviate_jina_ext.testing._weaviate",
    "WeaviateRigError": "weaviate_jina_ext.testing._weaviate",
    "WeaviateStartError": "weaviate_jina_ext.testing._weaviate",
    "binary_path": "weaviate_jina_ext.testing._weaviate",
    "cache_dir": "weaviate_jina_ext.testing._weaviate",
    "docker_available": "weaviate_jina_ext.testing._weaviate",
    "docker_cluster": "weaviate_jina_ext.testing._weaviate",
    "docker_weaviate": "weaviate_jina_ext.testing._weaviate",
    "embedded_binary_dir": "weaviate_jina_ext.testing._weaviate",
    "ensure_tokenizer_data": "weaviate_jina_ext.testing._weaviate",
    "ensure_weaviate_binary": "weaviate_jina_ext.testing._weaviate",
    "existing_weaviate": "weaviate_jina_ext.testing._weaviate",
    "find_weaviate_binary": "weaviate_jina_ext.testing._weaviate",
    "hashing_embedder": "weaviate_jina_ext.testing._fake._embedder",
    "jina_endpoint": "weaviate_jina_ext.testing._endpoint",
    "local_stack": "weaviate_jina_ext.testing._stack",
    "pinned_version": "weaviate_jina_ext.testing._weaviate",
    "read_compose": "weaviate_jina_ext.testing._weaviate",
    "start_cluster": "weaviate_jina_ext.testing._weaviate",
    "start_weaviate": "weaviate_jina_ext.testing._weaviate",
    "wait_until_ready": "weaviate_jina_ext.testing._weaviate",
    "weaviate_cluster": "weaviate_jina_ext.testing._weaviate",
    "weaviate_process": "weaviate_jina_ext.testing._weaviate",
}


__all__ = [
    "DEMO_KEY",
    "FAKE_JINA_KEY",
    "IMAGE_KEY_PREFIX",
    "JINA_API_HOST",
    "ComposeFileError",
    "ConnectKwargs",
    "EmbedFn",
    "FakeJina",
    "FakeResponse",
    "FaultAction",
    "Faults",
    "JinaEndpoint",
    "JinaProxy",
    "LocalStack",
    "RateLimit",
    "RecordedRequest",
    "RigNotStartedError",
    "ScriptedResponse",
    "WeaviateBackendError",
    "WeaviateBinaryError",
    "WeaviateCluster",
    "WeaviateInstance",
    "WeaviateRigError",
    "WeaviateStartError",
    "binary_path",
    "cache_dir",
    "docker_available",
    "docker_cluster",
    "docker_weaviate",
    "embedded_binary_dir",
    "ensure_tokenizer_data",
    "ensure_weaviate_binary",
    "existing_weaviate",
    "find_weaviate_binary",
    "hashing_embedder",
    "jina_endpoint",
    "local_stack",
    "pinned_version",
    "read_compose",
    "start_cluster",
    "start_weaviate",
    "wait_until_ready",
    "weaviate_cluster",
    "weaviate_process",
]


def __getattr__(name: str) -> Any:  # noqa: ANN401 - returns whatever the export is
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'weaviate_jina_ext.testing' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

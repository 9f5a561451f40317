"""The offline test rig: a local Jina-compatible server, Weaviate launchers, a pytest plugin.

* :class:`FakeJina` serves the Jina API's embeddings, multi-vector and rerank endpoints on
  loopback, with deterministic vectors, request recording and fault injection;
  :class:`JinaProxy` puts it behind ``https://api.jina.ai`` for a Weaviate started with its
  ``env()`` (transparent mode).
* :func:`start_weaviate` finds or starts a real Weaviate with the Jina modules: an existing
  instance (``WEAVIATE_URL``), Docker when an engine answers, else a local
  ``weaviate-server`` process (built with Go once and cached). :func:`weaviate_cluster`
  starts three nodes on loopback.
* :func:`local_stack` combines both for examples and experiments; its local server, like
  the plugin's, accepts :data:`FAKE_JINA_KEY`.
* The pytest plugin (``weaviate_jina_ext.testing._plugin``) is loaded automatically and
  offers the ``weaviate_jina_*`` and ``jina_*`` fixtures.
* The rig's errors: :class:`WeaviateRigError` (and its subclasses), :class:`ServiceTimeoutError`
  and :class:`RigNotStartedError`, all under :class:`weaviate_jina_ext.JinaExtError`.

Provisioning (the pinned version, the ``weaviate-server`` binary and its cache, the tokenizer
data, the Docker image) is done ahead of a run by the command line,
``python -m weaviate_jina_ext.testing ensure-binary | ensure-image | print-version |
binary-path``, and is not part of this index. Importing this package starts nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from weaviate_jina_ext._exceptions import (
        ComposeFileError,
        ServiceTimeoutError,
        WeaviateBackendError,
        WeaviateBinaryError,
        WeaviateRigError,
        WeaviateStartError,
    )
    from weaviate_jina_ext.testing._endpoint import JinaEndpoint, jina_endpoint
    from weaviate_jina_ext.testing._errors import RigNotStartedError
    from weaviate_jina_ext.testing._fake._embedder import (
        IMAGE_KEY_PREFIX,
        EmbedFn,
        hashing_embedder,
    )
    from weaviate_jina_ext.testing._fake._faults import FaultAction, Faults, ScriptedResponse
    from weaviate_jina_ext.testing._fake._limits import RateLimit
    from weaviate_jina_ext.testing._fake._recording import RecordedRequest
    from weaviate_jina_ext.testing._fake._server import FakeJina
    from weaviate_jina_ext.testing._http import FakeResponse
    from weaviate_jina_ext.testing._key import FAKE_JINA_KEY
    from weaviate_jina_ext.testing._proxy import JINA_API_HOST, JinaProxy
    from weaviate_jina_ext.testing._stack import LocalStack, local_stack
    from weaviate_jina_ext.testing._weaviate import (
        ConnectKwargs,
        WeaviateCluster,
        WeaviateInstance,
        docker_cluster,
        docker_weaviate,
        embedded_binary_dir,
        existing_weaviate,
        start_cluster,
        start_weaviate,
        weaviate_cluster,
        weaviate_process,
    )

# Public name -> defining module. Imported on first use, so that loading the pytest
# plugin (which imports this package) pulls in no launcher, server or proxy code.
_EXPORTS: dict[str, str] = {
    "ComposeFileError": "weaviate_jina_ext._exceptions",
    "ConnectKwargs": "weaviate_jina_ext.testing._weaviate",
    "EmbedFn": "weaviate_jina_ext.testing._fake._embedder",
    "FAKE_JINA_KEY": "weaviate_jina_ext.testing._key",
    "FakeJina": "weaviate_jina_ext.testing._fake._server",
    "FakeResponse": "weaviate_jina_ext.testing._http",
    "FaultAction": "weaviate_jina_ext.testing._fake._faults",
    "Faults": "weaviate_jina_ext.testing._fake._faults",
    "IMAGE_KEY_PREFIX": "weaviate_jina_ext.testing._fake._embedder",
    "JINA_API_HOST": "weaviate_jina_ext.testing._proxy",
    "JinaEndpoint": "weaviate_jina_ext.testing._endpoint",
    "JinaProxy": "weaviate_jina_ext.testing._proxy",
    "LocalStack": "weaviate_jina_ext.testing._stack",
    "RateLimit": "weaviate_jina_ext.testing._fake._limits",
    "RecordedRequest": "weaviate_jina_ext.testing._fake._recording",
    "RigNotStartedError": "weaviate_jina_ext.testing._errors",
    "ScriptedResponse": "weaviate_jina_ext.testing._fake._faults",
    "ServiceTimeoutError": "weaviate_jina_ext._exceptions",
    "WeaviateBackendError": "weaviate_jina_ext._exceptions",
    "WeaviateBinaryError": "weaviate_jina_ext._exceptions",
    "WeaviateCluster": "weaviate_jina_ext.testing._weaviate",
    "WeaviateInstance": "weaviate_jina_ext.testing._weaviate",
    "WeaviateRigError": "weaviate_jina_ext._exceptions",
    "WeaviateStartError": "weaviate_jina_ext._exceptions",
    "docker_cluster": "weaviate_jina_ext.testing._weaviate",
    "docker_weaviate": "weaviate_jina_ext.testing._weaviate",
    "embedded_binary_dir": "weaviate_jina_ext.testing._weaviate",
    "existing_weaviate": "weaviate_jina_ext.testing._weaviate",
    "hashing_embedder": "weaviate_jina_ext.testing._fake._embedder",
    "jina_endpoint": "weaviate_jina_ext.testing._endpoint",
    "local_stack": "weaviate_jina_ext.testing._stack",
    "start_cluster": "weaviate_jina_ext.testing._weaviate",
    "start_weaviate": "weaviate_jina_ext.testing._weaviate",
    "weaviate_cluster": "weaviate_jina_ext.testing._weaviate",
    "weaviate_process": "weaviate_jina_ext.testing._weaviate",
}


__all__ = [
    "ComposeFileError",
    "ConnectKwargs",
    "EmbedFn",
    "FAKE_JINA_KEY",
    "FakeJina",
    "FakeResponse",
    "FaultAction",
    "Faults",
    "IMAGE_KEY_PREFIX",
    "JINA_API_HOST",
    "JinaEndpoint",
    "JinaProxy",
    "LocalStack",
    "RateLimit",
    "RecordedRequest",
    "RigNotStartedError",
    "ScriptedResponse",
    "ServiceTimeoutError",
    "WeaviateBackendError",
    "WeaviateBinaryError",
    "WeaviateCluster",
    "WeaviateInstance",
    "WeaviateRigError",
    "WeaviateStartError",
    "docker_cluster",
    "docker_weaviate",
    "embedded_binary_dir",
    "existing_weaviate",
    "hashing_embedder",
    "jina_endpoint",
    "local_stack",
    "start_cluster",
    "start_weaviate",
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

"""The local Jina-compatible server: one module per concern, this file is the index.

* :mod:`._server` - :class:`FakeJina`, the API on a loopback port (lifecycle, transport).
* :mod:`._app` - the transport-independent API: routing, keys, answers.
* :mod:`._parsing` - request bodies checked into jobs, or into Jina error answers.
* :mod:`._outputs` - vectors cut, normalised, encoded and wrapped into answers.
* :mod:`._embedder` - :func:`hashing_embedder` and the :class:`EmbedFn` protocol.
* :mod:`._faults` - :class:`Faults`, :class:`ScriptedResponse` and their application.
* :mod:`._limits` - :class:`RateLimit` and the per-key limiter.
* :mod:`._recording` - :class:`RecordedRequest` and the bounded request log.
* :mod:`._answers` - the internal error answer raised inside request handling.

:class:`FakeResponse` belongs to the HTTP layer the proxy shares
(:mod:`weaviate_jina_ext.testing._http`) and is re-exported here.
"""

from __future__ import annotations

from weaviate_jina_ext.testing._fake._embedder import IMAGE_KEY_PREFIX, EmbedFn, hashing_embedder
from weaviate_jina_ext.testing._fake._faults import FaultAction, Faults, ScriptedResponse
from weaviate_jina_ext.testing._fake._limits import RateLimit
from weaviate_jina_ext.testing._fake._recording import RecordedRequest
from weaviate_jina_ext.testing._fake._server import FakeJina
from weaviate_jina_ext.testing._http import FakeResponse

__all__ = [
    "IMAGE_KEY_PREFIX",
    "EmbedFn",
    "FakeJina",
    "FakeResponse",
    "FaultAction",
    "Faults",
    "RateLimit",
    "RecordedRequest",
    "ScriptedResponse",
    "hashing_embedder",
]

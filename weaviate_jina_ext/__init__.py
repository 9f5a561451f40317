"""Jina AI embeddings as a first-class, tested part of weaviate-client v4 apps.

Connect helpers that add the Jina key header, config builders validated against a model
catalogue, a Jina API client for bring-your-own vectors, and (in ``weaviate_jina_ext.testing``)
an offline rig: a real Weaviate process and a local Jina-compatible server.
"""

from __future__ import annotations

from weaviate_jina_ext._catalogue import (
    JinaModelInfo,
    UnknownModelWarning,
    get_model,
    list_models,
    lookup_model,
)
from weaviate_jina_ext._configure import JinaConfigure
from weaviate_jina_ext._connect import (
    JINA_MODULES,
    async_ensure_jina_modules,
    connect_to_custom,
    connect_to_embedded,
    connect_to_local,
    connect_to_weaviate_cloud,
    ensure_jina_modules,
    jina_headers,
    use_async_with_custom,
    use_async_with_embedded,
    use_async_with_local,
    use_async_with_weaviate_cloud,
)
from weaviate_jina_ext._embeddings import (
    AUTO_TASK,
    AsyncJinaClient,
    AutoTask,
    EmbeddingResult,
    JinaClient,
    MultiVectorResult,
    RerankHit,
    RerankResult,
    TokenUsage,
)
from weaviate_jina_ext._exceptions import (
    ComposeFileError,
    HeaderConflictError,
    InvalidDimensionsError,
    InvalidJinaKeyError,
    InvalidTaskError,
    JinaAPIError,
    JinaAuthenticationError,
    JinaBadRequestError,
    JinaConfigError,
    JinaExtError,
    JinaModuleNotEnabledError,
    JinaPaymentRequiredError,
    JinaRateLimitError,
    JinaServerError,
    MissingJinaKeyError,
    ModelModuleMismatchError,
    ServiceTimeoutError,
    UnknownModelError,
    WeaviateBackendError,
    WeaviateBinaryError,
    WeaviateRigError,
    WeaviateStartError,
)
from weaviate_jina_ext._keys import mask_key, resolve_api_key

__all__ = [
    "AUTO_TASK",
    "AsyncJinaClient",
    "AutoTask",
    "ComposeFileError",
    "EmbeddingResult",
    "HeaderConflictError",
    "InvalidDimensionsError",
    "InvalidJinaKeyError",
    "InvalidTaskError",
    "JINA_MODULES",
    "JinaAPIError",
    "JinaAuthenticationError",
    "JinaBadRequestError",
    "JinaClient",
    "JinaConfigError",
    "JinaConfigure",
    "JinaExtError",
    "JinaModelInfo",
    "JinaModuleNotEnabledError",
    "JinaPaymentRequiredError",
    "JinaRateLimitError",
    "JinaServerError",
    "MissingJinaKeyError",
    "ModelModuleMismatchError",
    "MultiVectorResult",
    "RerankHit",
    "RerankResult",
    "ServiceTimeoutError",
    "TokenUsage",
    "UnknownModelError",
    "UnknownModelWarning",
    "WeaviateBackendError",
    "WeaviateBinaryError",
    "WeaviateRigError",
    "WeaviateStartError",
    "async_ensure_jina_modules",
    "connect_to_custom",
    "connect_to_embedded",
    "connect_to_local",
    "connect_to_weaviate_cloud",
    "ensure_jina_modules",
    "get_model",
    "jina_headers",
    "list_models",
    "lookup_model",
    "mask_key",
    "resolve_api_key",
    "use_async_with_custom",
    "use_async_with_embedded",
    "use_async_with_local",
    "use_async_with_weaviate_cloud",
]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version("weaviate-jina-ext")
    msg = f"module 'weaviate_jina_ext' has no attribute {name!r}"
    raise AttributeError(msg)

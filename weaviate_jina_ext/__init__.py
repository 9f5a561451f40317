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
from weaviate_jina_ext._exceptions import (
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
)
from weaviate_jina_ext._keys import mask_key, resolve_api_key

__all__ = [
    "HeaderConflictError",
    "InvalidDimensionsError",
    "InvalidJinaKeyError",
    "InvalidTaskError",
    "JinaAPIError",
    "JinaAuthenticationError",
    "JinaBadRequestError",
    "JinaConfigError",
    "JinaExtError",
    "JinaModelInfo",
    "JinaModuleNotEnabledError",
    "JinaPaymentRequiredError",
    "JinaRateLimitError",
    "JinaServerError",
    "MissingJinaKeyError",
    "ModelModuleMismatchError",
    "ServiceTimeoutError",
    "UnknownModelError",
    "UnknownModelWarning",
    "get_model",
    "list_models",
    "lookup_model",
    "mask_key",
    "resolve_api_key",
]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version("weaviate-jina-ext")
    msg = f"module 'weaviate_jina_ext' has no attribute {name!r}"
    raise AttributeError(msg)

"""Jina AI embeddings as a first-class, tested part of weaviate-client v4 apps.

Connect helpers that add the Jina key header, config builders validated against a model
catalogue, a Jina API client for bring-your-own vectors, and (in ``weaviate_jina_ext.testing``)
an offline rig: a real Weaviate process and a local Jina-compatible server.

This index exports the library only; the rig's names, its errors included
(``WeaviateRigError`` and its subclasses, ``ServiceTimeoutError``), are exported from
``weaviate_jina_ext.testing``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from weaviate_jina_ext._catalogue import (
        JinaModelInfo,
        UnknownModelWarning,
        find_model,
        get_model,
        list_models,
    )
    from weaviate_jina_ext._configure import JinaConfigure
    from weaviate_jina_ext._connect import (
        JINA_MODULES,
        JinaBaseUrlHeaderWarning,
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
    from weaviate_jina_ext._doctor import DoctorFinding, DoctorReport, doctor
    from weaviate_jina_ext._embeddings import AsyncJinaClient, JinaClient
    from weaviate_jina_ext._exceptions import (
        HeaderConflictError,
        ImportAbortCause,
        ImportAbortedError,
        ImportIncompleteError,
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
        JinaUnreachableError,
        MissingJinaKeyError,
        ModelModuleMismatchError,
        UnknownModelError,
    )
    from weaviate_jina_ext._import._async import async_import_objects
    from weaviate_jina_ext._import._ids import derive_uuid
    from weaviate_jina_ext._import._plan import ImportPlan, JinaLimits, plan_import
    from weaviate_jina_ext._import._sync import import_objects
    from weaviate_jina_ext._import._types import FailedObject, ImportObject, ImportReport
    from weaviate_jina_ext._keys import resolve_api_key
    from weaviate_jina_ext._requests import AUTO_TASK, AutoTask
    from weaviate_jina_ext._results import (
        EmbeddingResult,
        MultiVectorResult,
        RerankHit,
        RerankResult,
        TokenUsage,
    )
    from weaviate_jina_ext._secrets import mask_key

# Public name -> defining module, imported on first use. The pytest plugin lives in this
# package, so every pytest run of every user imports this file: it must not import
# weaviate-client (slow, and it changes warning filters) until a name is actually used.
_EXPORTS: dict[str, str] = {
    "AUTO_TASK": "weaviate_jina_ext._requests",
    "AsyncJinaClient": "weaviate_jina_ext._embeddings",
    "AutoTask": "weaviate_jina_ext._requests",
    "DoctorFinding": "weaviate_jina_ext._doctor",
    "DoctorReport": "weaviate_jina_ext._doctor",
    "EmbeddingResult": "weaviate_jina_ext._results",
    "FailedObject": "weaviate_jina_ext._import._types",
    "HeaderConflictError": "weaviate_jina_ext._exceptions",
    "ImportAbortCause": "weaviate_jina_ext._exceptions",
    "ImportAbortedError": "weaviate_jina_ext._exceptions",
    "ImportIncompleteError": "weaviate_jina_ext._exceptions",
    "ImportObject": "weaviate_jina_ext._import._types",
    "ImportPlan": "weaviate_jina_ext._import._plan",
    "ImportReport": "weaviate_jina_ext._import._types",
    "InvalidDimensionsError": "weaviate_jina_ext._exceptions",
    "InvalidJinaKeyError": "weaviate_jina_ext._exceptions",
    "InvalidTaskError": "weaviate_jina_ext._exceptions",
    "JINA_MODULES": "weaviate_jina_ext._connect",
    "JinaAPIError": "weaviate_jina_ext._exceptions",
    "JinaAuthenticationError": "weaviate_jina_ext._exceptions",
    "JinaBadRequestError": "weaviate_jina_ext._exceptions",
    "JinaBaseUrlHeaderWarning": "weaviate_jina_ext._connect",
    "JinaClient": "weaviate_jina_ext._embeddings",
    "JinaConfigError": "weaviate_jina_ext._exceptions",
    "JinaConfigure": "weaviate_jina_ext._configure",
    "JinaExtError": "weaviate_jina_ext._exceptions",
    "JinaLimits": "weaviate_jina_ext._import._plan",
    "JinaModelInfo": "weaviate_jina_ext._catalogue",
    "JinaModuleNotEnabledError": "weaviate_jina_ext._exceptions",
    "JinaPaymentRequiredError": "weaviate_jina_ext._exceptions",
    "JinaRateLimitError": "weaviate_jina_ext._exceptions",
    "JinaServerError": "weaviate_jina_ext._exceptions",
    "JinaUnreachableError": "weaviate_jina_ext._exceptions",
    "MissingJinaKeyError": "weaviate_jina_ext._exceptions",
    "ModelModuleMismatchError": "weaviate_jina_ext._exceptions",
    "MultiVectorResult": "weaviate_jina_ext._results",
    "RerankHit": "weaviate_jina_ext._results",
    "RerankResult": "weaviate_jina_ext._results",
    "TokenUsage": "weaviate_jina_ext._results",
    "UnknownModelError": "weaviate_jina_ext._exceptions",
    "UnknownModelWarning": "weaviate_jina_ext._catalogue",
    "async_ensure_jina_modules": "weaviate_jina_ext._connect",
    "async_import_objects": "weaviate_jina_ext._import._async",
    "connect_to_custom": "weaviate_jina_ext._connect",
    "connect_to_embedded": "weaviate_jina_ext._connect",
    "connect_to_local": "weaviate_jina_ext._connect",
    "connect_to_weaviate_cloud": "weaviate_jina_ext._connect",
    "derive_uuid": "weaviate_jina_ext._import._ids",
    "doctor": "weaviate_jina_ext._doctor",
    "ensure_jina_modules": "weaviate_jina_ext._connect",
    "find_model": "weaviate_jina_ext._catalogue",
    "get_model": "weaviate_jina_ext._catalogue",
    "import_objects": "weaviate_jina_ext._import._sync",
    "jina_headers": "weaviate_jina_ext._connect",
    "list_models": "weaviate_jina_ext._catalogue",
    "mask_key": "weaviate_jina_ext._secrets",
    "plan_import": "weaviate_jina_ext._import._plan",
    "resolve_api_key": "weaviate_jina_ext._keys",
    "use_async_with_custom": "weaviate_jina_ext._connect",
    "use_async_with_embedded": "weaviate_jina_ext._connect",
    "use_async_with_local": "weaviate_jina_ext._connect",
    "use_async_with_weaviate_cloud": "weaviate_jina_ext._connect",
}

__all__ = [
    "AUTO_TASK",
    "AsyncJinaClient",
    "AutoTask",
    "DoctorFinding",
    "DoctorReport",
    "EmbeddingResult",
    "FailedObject",
    "HeaderConflictError",
    "ImportAbortCause",
    "ImportAbortedError",
    "ImportIncompleteError",
    "ImportObject",
    "ImportPlan",
    "ImportReport",
    "InvalidDimensionsError",
    "InvalidJinaKeyError",
    "InvalidTaskError",
    "JINA_MODULES",
    "JinaAPIError",
    "JinaAuthenticationError",
    "JinaBadRequestError",
    "JinaBaseUrlHeaderWarning",
    "JinaClient",
    "JinaConfigError",
    "JinaConfigure",
    "JinaExtError",
    "JinaLimits",
    "JinaModelInfo",
    "JinaModuleNotEnabledError",
    "JinaPaymentRequiredError",
    "JinaRateLimitError",
    "JinaServerError",
    "JinaUnreachableError",
    "MissingJinaKeyError",
    "ModelModuleMismatchError",
    "MultiVectorResult",
    "RerankHit",
    "RerankResult",
    "TokenUsage",
    "UnknownModelError",
    "UnknownModelWarning",
    "async_ensure_jina_modules",
    "async_import_objects",
    "connect_to_custom",
    "connect_to_embedded",
    "connect_to_local",
    "connect_to_weaviate_cloud",
    "derive_uuid",
    "doctor",
    "ensure_jina_modules",
    "find_model",
    "get_model",
    "import_objects",
    "jina_headers",
    "list_models",
    "mask_key",
    "plan_import",
    "resolve_api_key",
    "use_async_with_custom",
    "use_async_with_embedded",
    "use_async_with_local",
    "use_async_with_weaviate_cloud",
]


def __getattr__(name: str) -> Any:  # noqa: ANN401 - returns whatever the export is
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version("weaviate-jina-ext")
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'weaviate_jina_ext' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""Jina-aware twins of every ``weaviate.connect_*`` and ``weaviate.use_async_with_*`` helper.

Each helper keeps the client helper's own parameters, in its own order, and adds the Jina
options after a bare ``*``. It resolves the key (argument, then ``JINAAI_APIKEY``, then
``JINAAI_API_KEY``, then ``JINA_API_KEY``), checks it, merges the Jina headers into the
caller's headers and then calls the client's helper by keyword. What comes back is the
client's own ``WeaviateClient`` / ``WeaviateAsyncClient``: nothing wraps it.

Weaviate reads the key per request from the ``X-Jinaai-Api-Key`` header, so a key given
here is used for every vectorization the server does on this client's behalf (imports,
``near_text``, ``hybrid``); with no key anywhere no header is sent and the server's own
``JINAAI_APIKEY`` applies.
"""

from __future__ import annotations

import logging
import sys
import warnings
from typing import TYPE_CHECKING, Any, Final

import weaviate
from weaviate.embedded import WEAVIATE_VERSION

from weaviate_jina_ext._catalogue import (
    MODULE_TEXT2VEC,
)
from weaviate_jina_ext._compat import connection_headers, integration_headers
from weaviate_jina_ext._exceptions import HeaderConflictError, JinaModuleNotEnabledError
from weaviate_jina_ext._keys import resolve_api_key, validate_api_key
from weaviate_jina_ext._module_rules import JINA_MODULES, canonical_module
from weaviate_jina_ext._rules import optional_positive_int
from weaviate_jina_ext._secrets import mask_key, shown_header_value
from weaviate_jina_ext._wire import HEADER_API_KEY, HEADER_RATELIMIT_RPM, HEADER_RATELIMIT_TPM

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from weaviate.auth import AuthCredentials
    from weaviate.client import WeaviateAsyncClient, WeaviateClient
    from weaviate.config import AdditionalConfig

__all__ = [
    "JINA_MODULES",
    "JinaBaseUrlHeaderWarning",
    "async_ensure_jina_modules",
    "connect_to_custom",
    "connect_to_embedded",
    "connect_to_local",
    "connect_to_weaviate_cloud",
    "ensure_jina_modules",
    "jina_headers",
    "use_async_with_custom",
    "use_async_with_embedded",
    "use_async_with_local",
    "use_async_with_weaviate_cloud",
]

_log = logging.getLogger("weaviate_jina_ext")

#: Every Weaviate module that talks to the Jina API.


#: What the client's ``Integrations.jinaai(base_url=...)`` sends; no Weaviate code reads it.
_BASE_URL_HEADER: Final = "X-Jinaai-Baseurl"


class JinaBaseUrlHeaderWarning(UserWarning):
    """Headers carry ``X-Jinaai-Baseurl``, which Weaviate ignores.

    The client's ``Integrations.jinaai(base_url=...)`` sends it, but Weaviate's Jina modules
    call the ``base_url`` stored in each collection's config (default
    ``https://api.jina.ai``), so the header silently does nothing.
    """


def _caller_stacklevel() -> int:
    # The first frame outside this module: the user's call, through any helper of ours.
    level, frame = 1, sys._getframe(1)
    while frame.f_code.co_filename == __file__ and frame.f_back is not None:
        level, frame = level + 1, frame.f_back
    return level


def _warn_base_url_header(names: Iterable[object]) -> None:
    if any(isinstance(n, str) and n.lower() == _BASE_URL_HEADER.lower() for n in names):
        msg = (
            f"headers carry {_BASE_URL_HEADER} (what Integrations.jinaai(base_url=...) sends), "
            f"but Weaviate reads no such header: its Jina modules call the base_url stored in "
            f"each collection's config. Set base_url= on the collection's vectorizer instead "
            f"(e.g. JinaConfigure.Vectors.text2vec_jinaai(base_url=...)), and drop base_url "
            f"from Integrations.jinaai"
        )
        warnings.warn(msg, JinaBaseUrlHeaderWarning, stacklevel=_caller_stacklevel())


def _check_rate(name: str, value: object) -> None:
    optional_positive_int(
        name, value, unit="per minute", hint="; leave it unset for the server default"
    )


def jina_headers(
    headers: Mapping[str, str] | None = None,
    *,
    jina_api_key: str | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    require_key: bool = False,
) -> dict[str, str]:
    """Merge the Jina headers into ``headers`` without dropping or silently overriding any.

    Args:
        headers: The caller's own headers (kept as given).
        jina_api_key: The Jina key; when ``None``, a key already in ``headers`` is used,
            else the environment (``JINAAI_APIKEY``, ``JINAAI_API_KEY``, ``JINA_API_KEY``).
        requests_per_minute: Sent as ``X-Jinaai-Ratelimit-RequestPM-Embedding`` so the
            server paces its Jina calls.
        tokens_per_minute: Sent as ``X-Jinaai-Ratelimit-TokenPM-Embedding``.
        require_key: Raise when no key is found instead of relying on the server's key.

    Returns:
        A new dict: the caller's headers plus the Jina ones.

    Warns:
        JinaBaseUrlHeaderWarning: ``headers`` carry ``X-Jinaai-Baseurl``, which Weaviate
            ignores (set ``base_url=`` on the collection's vectorizer instead).

    Raises:
        InvalidJinaKeyError: The key is empty or contains whitespace/control characters.
        MissingJinaKeyError: ``require_key`` and no key anywhere.
        HeaderConflictError: A header is given twice (any letter case) with two values.
        JinaConfigError: A rate limit is not a positive int.
    """
    _check_rate("requests_per_minute", requests_per_minute)
    _check_rate("tokens_per_minute", tokens_per_minute)
    _warn_base_url_header(headers or {})
    merged: dict[str, str] = {}
    lower_to_name: dict[str, str] = {}
    for name, value in (headers or {}).items():
        low = name.lower()
        if low in lower_to_name and merged[lower_to_name[low]] != value:
            first = merged[lower_to_name[low]]
            msg = (
                f"header {name!r} is given twice with different values "
                f"({shown_header_value(name, first)} and {shown_header_value(name, value)}); keep one"
            )
            raise HeaderConflictError(msg)
        lower_to_name[low] = name
        merged[name] = value

    caller_key_name = lower_to_name.get(HEADER_API_KEY.lower())
    if caller_key_name is not None:
        validate_api_key(merged[caller_key_name], source=f"headers[{caller_key_name!r}]")
    key = (
        resolve_api_key(jina_api_key, required=require_key)
        if jina_api_key is not None or caller_key_name is None
        else merged[caller_key_name]
    )

    additions: dict[str, str] = {}
    if key is not None:
        additions.update(integration_headers(key, requests_per_minute))
    elif requests_per_minute is not None:
        additions[HEADER_RATELIMIT_RPM] = str(requests_per_minute)
    if tokens_per_minute is not None:
        additions[HEADER_RATELIMIT_TPM] = str(tokens_per_minute)

    for name, value in additions.items():
        existing = lower_to_name.get(name.lower())
        if existing is None:
            merged[name] = value
            lower_to_name[name.lower()] = name
        elif merged[existing] != value:
            msg = (
                f"header {existing!r} is set in headers= ({shown_header_value(name, merged[existing])}) "
                f"and by the Jina options ({shown_header_value(name, value)}); give it in one place only"
            )
            raise HeaderConflictError(msg)
    if key is not None:
        _log.debug("jina key header set", extra={"weaviate_jina_ext.key": mask_key(key)})
    return merged


def _enabled_modules(meta: Mapping[str, Any]) -> tuple[str, ...]:
    modules = meta.get("modules") or {}
    return tuple(sorted(modules))


def _check_modules(meta: Mapping[str, Any], wanted: Iterable[str]) -> None:
    enabled = _enabled_modules(meta)
    for module in wanted:
        # Older servers name the multi-vector module text2colbert-jinaai: one module.
        if not any(canonical_module(n) == canonical_module(module) for n in enabled):
            shown = ", ".join(enabled) or "none"
            msg = (
                f"the Weaviate server (version {meta.get('version', '?')}) does not have the "
                f"{module} module enabled; enabled modules: {shown}. Start Weaviate with "
                f"ENABLE_MODULES={module} (comma-separated with any others), or with Weaviate "
                f"1.33+ make sure API_BASED_MODULES_DISABLED is not true"
            )
            raise JinaModuleNotEnabledError(msg, module=module, enabled=enabled)


def ensure_jina_modules(
    client: WeaviateClient, modules: Iterable[str] = (MODULE_TEXT2VEC,)
) -> None:
    """Check through the server's ``/v1/meta`` that the Jina ``modules`` are enabled.

    Also warns (:class:`JinaBaseUrlHeaderWarning`) when the client's headers carry
    ``X-Jinaai-Baseurl``, e.g. from ``client.integrations.configure(Integrations.jinaai(
    base_url=...))``, which Weaviate ignores.

    Raises:
        JinaModuleNotEnabledError: A module is missing; the message lists the enabled
            modules and how to enable it.
    """
    _warn_base_url_header(connection_headers(client))
    _check_modules(client.get_meta(), modules)


async def async_ensure_jina_modules(
    client: WeaviateAsyncClient, modules: Iterable[str] = (MODULE_TEXT2VEC,)
) -> None:
    """Async twin of :func:`ensure_jina_modules` for a connected ``WeaviateAsyncClient``."""
    _warn_base_url_header(connection_headers(client))
    _check_modules(await client.get_meta(), modules)


def _verified(client: WeaviateClient, verify_modules: bool | Iterable[str]) -> WeaviateClient:
    if verify_modules is False:
        return client
    wanted = (MODULE_TEXT2VEC,) if verify_modules is True else tuple(verify_modules)
    try:
        ensure_jina_modules(client, wanted)
    except BaseException:
        client.close()
        raise
    return client


def _embedded_env(environment_variables: dict[str, str] | None) -> dict[str, str]:
    env = dict(environment_variables or {})
    env.setdefault("ENABLE_MODULES", ",".join(JINA_MODULES))
    return env


def connect_to_local(
    host: str = "localhost",
    port: int = 8080,
    grpc_port: int = 50051,
    headers: dict[str, str] | None = None,
    additional_config: AdditionalConfig | None = None,
    skip_init_checks: bool = False,
    auth_credentials: str | AuthCredentials | None = None,
    *,
    jina_api_key: str | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    require_key: bool = False,
    verify_modules: bool | Iterable[str] = False,
) -> WeaviateClient:
    """``weaviate.connect_to_local`` with the Jina key and rate-limit headers added.

    The Jina options are described in :func:`jina_headers`. ``verify_modules=True`` (or a
    list of module names) checks the server's enabled modules after connecting and closes
    the client before raising :class:`JinaModuleNotEnabledError`.
    """
    merged = jina_headers(
        headers,
        jina_api_key=jina_api_key,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
        require_key=require_key,
    )
    client = weaviate.connect_to_local(
        host=host,
        port=port,
        grpc_port=grpc_port,
        headers=merged,
        additional_config=additional_config,
        skip_init_checks=skip_init_checks,
        auth_credentials=auth_credentials,
    )
    return _verified(client, verify_modules)


def connect_to_weaviate_cloud(
    cluster_url: str,
    auth_credentials: str | AuthCredentials,
    headers: dict[str, str] | None = None,
    additional_config: AdditionalConfig | None = None,
    skip_init_checks: bool = False,
    *,
    jina_api_key: str | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    require_key: bool = False,
    verify_modules: bool | Iterable[str] = False,
) -> WeaviateClient:
    """``weaviate.connect_to_weaviate_cloud`` with the Jina key and rate-limit headers added.

    See :func:`connect_to_local` for the Jina options.
    """
    merged = jina_headers(
        headers,
        jina_api_key=jina_api_key,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
        require_key=require_key,
    )
    client = weaviate.connect_to_weaviate_cloud(
        cluster_url=cluster_url,
        auth_credentials=auth_credentials,
        headers=merged,
        additional_config=additional_config,
        skip_init_checks=skip_init_checks,
    )
    return _verified(client, verify_modules)


def connect_to_custom(
    http_host: str,
    http_port: int,
    http_secure: bool,
    grpc_host: str,
    grpc_port: int,
    grpc_secure: bool,
    headers: dict[str, str] | None = None,
    additional_config: AdditionalConfig | None = None,
    auth_credentials: str | AuthCredentials | None = None,
    skip_init_checks: bool = False,
    *,
    jina_api_key: str | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    require_key: bool = False,
    verify_modules: bool | Iterable[str] = False,
) -> WeaviateClient:
    """``weaviate.connect_to_custom`` with the Jina key and rate-limit headers added.

    See :func:`connect_to_local` for the Jina options.
    """
    merged = jina_headers(
        headers,
        jina_api_key=jina_api_key,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
        require_key=require_key,
    )
    client = weaviate.connect_to_custom(
        http_host=http_host,
        http_port=http_port,
        http_secure=http_secure,
        grpc_host=grpc_host,
        grpc_port=grpc_port,
        grpc_secure=grpc_secure,
        headers=merged,
        additional_config=additional_config,
        auth_credentials=auth_credentials,
        skip_init_checks=skip_init_checks,
    )
    return _verified(client, verify_modules)


def connect_to_embedded(
    hostname: str = "127.0.0.1",
    port: int = 8079,
    grpc_port: int = 50050,
    headers: dict[str, str] | None = None,
    additional_config: AdditionalConfig | None = None,
    version: str = WEAVIATE_VERSION,
    persistence_data_path: str | None = None,
    binary_path: str | None = None,
    environment_variables: dict[str, str] | None = None,
    *,
    jina_api_key: str | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    require_key: bool = False,
    verify_modules: bool | Iterable[str] = False,
) -> WeaviateClient:
    """``weaviate.connect_to_embedded`` with the Jina headers and the Jina modules enabled.

    Unless ``environment_variables`` sets ``ENABLE_MODULES``, the embedded server is started
    with every Jina module enabled. See :func:`connect_to_local` for the Jina options.
    """
    merged = jina_headers(
        headers,
        jina_api_key=jina_api_key,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
        require_key=require_key,
    )
    client = weaviate.connect_to_embedded(
        hostname=hostname,
        port=port,
        grpc_port=grpc_port,
        headers=merged,
        additional_config=additional_config,
        version=version,
        persistence_data_path=persistence_data_path,
        binary_path=binary_path,
        environment_variables=_embedded_env(environment_variables),
    )
    return _verified(client, verify_modules)


def use_async_with_local(
    host: str = "localhost",
    port: int = 8080,
    grpc_port: int = 50051,
    headers: dict[str, str] | None = None,
    additional_config: AdditionalConfig | None = None,
    skip_init_checks: bool = False,
    auth_credentials: str | AuthCredentials | None = None,
    *,
    jina_api_key: str | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    require_key: bool = False,
) -> WeaviateAsyncClient:
    """``weaviate.use_async_with_local`` with the Jina headers added; not yet connected.

    Call ``await client.connect()`` (or use ``async with``), then optionally
    :func:`async_ensure_jina_modules`.
    """
    merged = jina_headers(
        headers,
        jina_api_key=jina_api_key,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
        require_key=require_key,
    )
    return weaviate.use_async_with_local(
        host=host,
        port=port,
        grpc_port=grpc_port,
        headers=merged,
        additional_config=additional_config,
        skip_init_checks=skip_init_checks,
        auth_credentials=auth_credentials,
    )


def use_async_with_weaviate_cloud(
    cluster_url: str,
    auth_credentials: str | AuthCredentials,
    headers: dict[str, str] | None = None,
    additional_config: AdditionalConfig | None = None,
    skip_init_checks: bool = False,
    *,
    jina_api_key: str | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    require_key: bool = False,
) -> WeaviateAsyncClient:
    """``weaviate.use_async_with_weaviate_cloud`` with the Jina headers added; not connected."""
    merged = jina_headers(
        headers,
        jina_api_key=jina_api_key,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
        require_key=require_key,
    )
    return weaviate.use_async_with_weaviate_cloud(
        cluster_url=cluster_url,
        auth_credentials=auth_credentials,
        headers=merged,
        additional_config=additional_config,
        skip_init_checks=skip_init_checks,
    )


def use_async_with_custom(
    http_host: str,
    http_port: int,
    http_secure: bool,
    grpc_host: str,
    grpc_port: int,
    grpc_secure: bool,
    headers: dict[str, str] | None = None,
    additional_config: AdditionalConfig | None = None,
    auth_credentials: str | AuthCredentials | None = None,
    skip_init_checks: bool = False,
    *,
    jina_api_key: str | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    require_key: bool = False,
) -> WeaviateAsyncClient:
    """``weaviate.use_async_with_custom`` with the Jina headers added; not yet connected."""
    merged = jina_headers(
        headers,
        jina_api_key=jina_api_key,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
        require_key=require_key,
    )
    return weaviate.use_async_with_custom(
        http_host=http_host,
        http_port=http_port,
        http_secure=http_secure,
        grpc_host=grpc_host,
        grpc_port=grpc_port,
        grpc_secure=grpc_secure,
        headers=merged,
        additional_config=additional_config,
        auth_credentials=auth_credentials,
        skip_init_checks=skip_init_checks,
    )


def use_async_with_embedded(
    hostname: str = "127.0.0.1",
    port: int = 8079,
    grpc_port: int = 50050,
    headers: dict[str, str] | None = None,
    additional_config: AdditionalConfig | None = None,
    version: str = WEAVIATE_VERSION,
    persistence_data_path: str | None = None,
    binary_path: str | None = None,
    environment_variables: dict[str, str] | None = None,
    *,
    jina_api_key: str | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    require_key: bool = False,
) -> WeaviateAsyncClient:
    """``weaviate.use_async_with_embedded`` with the Jina headers and modules; not connected."""
    merged = jina_headers(
        headers,
        jina_api_key=jina_api_key,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
        require_key=require_key,
    )
    return weaviate.use_async_with_embedded(
        hostname=hostname,
        port=port,
        grpc_port=grpc_port,
        headers=merged,
        additional_config=additional_config,
        version=version,
        persistence_data_path=persistence_data_path,
        binary_path=binary_path,
        environment_variables=_embedded_env(environment_variables),
    )

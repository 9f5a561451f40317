"""A Weaviate somebody else runs, named by a URL (``WEAVIATE_URL``).

:func:`existing_weaviate` only checks that the server answers ready; it never starts or
stops anything, and cannot change the server's modules or environment.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from weaviate_jina_ext._exceptions import WeaviateBackendError
from weaviate_jina_ext.testing._weaviate._instance import WeaviateInstance
from weaviate_jina_ext.testing._weaviate._readiness import (
    READY_PATH,
    _readiness_probe,
    wait_until_ready,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

#: The gRPC port assumed when neither ``grpc_port=`` nor ``WEAVIATE_GRPC_PORT`` is given.
_DEFAULT_GRPC_PORT: Final = 50051


@contextlib.contextmanager
def existing_weaviate(
    url: str | None = None,
    grpc_port: int | None = None,
    api_key: str | None = None,
    *,
    timeout: float = 30.0,
) -> Iterator[WeaviateInstance]:
    """Use a Weaviate somebody else runs; checks it is ready, never stops it.

    Args:
        url: Its REST URL; ``WEAVIATE_URL`` when ``None``.
        grpc_port: Its gRPC port (same host); ``WEAVIATE_GRPC_PORT``, else 50051.
        api_key: A Weaviate API key; ``WEAVIATE_API_KEY`` when ``None``.
        timeout: Seconds to wait for it to answer ready.

    Raises:
        WeaviateBackendError: No URL given or set, or the URL is not ``http(s)://host[:port]``.
        ServiceTimeoutError: It did not answer ready in time.
    """
    raw = url or os.environ.get("WEAVIATE_URL")
    if not raw:
        msg = "no Weaviate URL: pass url= or set WEAVIATE_URL (for example http://localhost:8080)"
        raise WeaviateBackendError(msg)
    parts = urlsplit(raw if "://" in raw else f"http://{raw}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"WEAVIATE_URL={raw!r} is not an http(s)://host[:port] URL"
        raise WeaviateBackendError(msg)
    secure = parts.scheme == "https"
    grpc = grpc_port or int(os.environ.get("WEAVIATE_GRPC_PORT") or _DEFAULT_GRPC_PORT)
    instance = WeaviateInstance(
        http_host=parts.hostname,
        http_port=parts.port or (443 if secure else 80),
        grpc_host=parts.hostname,
        grpc_port=grpc,
        backend="existing",
        http_secure=secure,
        grpc_secure=secure,
        api_key=api_key or os.environ.get("WEAVIATE_API_KEY") or None,
    )
    wait_until_ready(
        _readiness_probe(instance),
        service="weaviate (existing)",
        url=instance.url + READY_PATH,
        timeout=timeout,
        pause=0.5,
    )
    yield instance

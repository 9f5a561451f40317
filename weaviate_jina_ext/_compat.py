"""The only module that touches weaviate-client internals.

Private names of the client used by this package are imported here and nowhere else, so a
client upgrade that moves them breaks in exactly one place (and ``tests/test_compat.py``
says which).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from weaviate.collections.classes.config_named_vectors import (
    _NamedVectorConfigCreate as NamedVectorConfigCreate,
)
from weaviate.collections.classes.config_vectorizers import (
    _Text2ColbertJinaAIConfig,
)
from weaviate.collections.classes.config_vectorizers import (
    _VectorizerConfigCreate as VectorizerConfigCreate,
)
from weaviate.collections.classes.config_vectors import VectorConfigCreate
from weaviate.connect.integrations import Integrations

from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._secrets import is_credential_header

__all__ = [
    "NamedVectorConfigCreate",
    "VectorizerConfigCreate",
    "colbert_with_base_url",
    "connection_credentials",
    "integration_headers",
]


def integration_headers(api_key: str, requests_per_minute: int | None) -> dict[str, str]:
    """The headers the client's own ``Integrations.jinaai(...)`` produces for a key.

    Building on the client keeps header names and formatting identical to what
    ``client.integrations.configure(Integrations.jinaai(...))`` would send.
    """
    config: Any = Integrations.jinaai(
        api_key=api_key, requests_per_minute_embeddings=requests_per_minute
    )
    headers: dict[str, str] = config._to_header()
    return headers


def connection_credentials(collection: object) -> tuple[str, ...]:
    """The credentials in the headers a collection's client sends (its Jina key among them).

    Read from the collection's private ``_connection`` (its ``additional_headers``), so the
    importer can clear them from Weaviate's messages even when the client was built without
    this package's helpers. Anything else (a stand-in collection) gives nothing.
    """
    connection = getattr(collection, "_connection", None)
    headers = getattr(connection, "additional_headers", None)
    if not isinstance(headers, Mapping):
        return ()
    found = []
    for name, value in headers.items():
        if isinstance(name, str) and isinstance(value, str) and is_credential_header(name):
            scheme, sep, token = value.partition(" ")
            found.append(token if sep and scheme.lower() == "bearer" else value)
    return tuple(found)


class _ColbertConfigWithBaseURL(_Text2ColbertJinaAIConfig):
    """The client's ``text2colbert-jinaai`` config plus ``baseURL``, which the server reads."""

    baseURL: str | None = None  # noqa: N815  # the server's key, as the client spells it


_VectorConfig = TypeVar("_VectorConfig", VectorConfigCreate, NamedVectorConfigCreate)


def colbert_with_base_url(config: _VectorConfig, base_url: str | None) -> _VectorConfig:
    """``config`` (a client-built ColBERT vector) with ``baseURL`` set to ``base_url``.

    The client's ColBERT factories take no ``base_url`` although ``text2multivec-jinaai``
    reads ``baseURL`` like the other Jina modules; this swaps the vectorizer part for the
    same settings plus ``baseURL``. ``None`` returns ``config`` unchanged.
    """
    if base_url is None:
        return config
    current = config.vectorizer
    if not isinstance(current, _Text2ColbertJinaAIConfig):
        msg = f"expected a text2colbert-jinaai config, got {type(current).__name__}"
        raise JinaConfigError(msg)
    vectorizer = _ColbertConfigWithBaseURL(
        model=current.model,
        dimensions=current.dimensions,
        vectorizeClassName=current.vectorizeClassName,
        baseURL=base_url,
    )
    return config.model_copy(update={"vectorizer": vectorizer})

"""The only module that touches weaviate-client internals or differs by client version.

Private names of the client used by this package are imported here and nowhere else, so a
client upgrade that moves them breaks in exactly one place (and ``tests/test_compat.py``
says which). The package supports weaviate-client 4.16 (the first with ``Configure.Vectors``)
through 4.24; where those versions behave differently, the difference is named here, with the
versions, and the rest of the package asks this module instead of checking a version itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import version
from typing import Any, Final, TypeVar

from weaviate.collections.classes.config_named_vectors import (
    _NamedVectorConfigCreate as NamedVectorConfigCreate,
)
from weaviate.collections.classes.config_vectorizers import (
    _Text2ColbertJinaAIConfig,
)
from weaviate.collections.classes.config_vectorizers import (
    _VectorizerConfigCreate as VectorizerConfigCreate,
)

# weaviate-client 4.16-4.23 name this class ``_VectorConfigCreate``; 4.24 made it public as
# ``VectorConfigCreate`` and keeps ``_VectorConfigCreate`` as an alias, so the private name
# works on every supported version.
from weaviate.collections.classes.config_vectors import (
    _VectorConfigCreate as VectorConfigCreate,
)
from weaviate.connect.integrations import Integrations

from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._secrets import is_credential_header


def _minor(text: str) -> tuple[int, int]:
    """``(major, minor)`` of a version string such as ``"4.16.10"`` or ``"4.24.0rc1"``."""
    major, minor = text.split(".")[:2]
    return int(major), int("".join(c for c in minor if c.isdigit()) or 0)


#: The installed weaviate-client's ``(major, minor)``.
CLIENT_VERSION: Final = _minor(version("weaviate-client"))

# Not worked around, excluded by the floor in pyproject.toml (weaviate-client>=4.16.4):
# 4.16.0-4.16.3 default ``vectorize_collection_name`` to False in ``Configure.Vectors`` and
# ``Configure.MultiVectors`` (4.16.0-4.16.2 also in ``NamedVectors`` and ``Vectorizer``),
# against their own documentation and Weaviate's default, so the builders (which keep the
# documented True) would configure a collection differently from the client's own factories.

#: Whether ``Collection.exists()`` (sync and async) raises errors other than "not found".
#: weaviate-client 4.16-4.18 catch *every* exception there and answer ``False``, so a closed
#: client, a refused connection or a rejected key reads as a missing collection; 4.19 and later
#: answer ``False`` only for Weaviate's 404 and raise the rest. Where this is ``False``, a
#: ``False`` from ``exists()`` must be confirmed by reading the collection's config (which
#: raises the real error, or 404 when the collection is really gone).
EXISTS_RAISES_ERRORS: Final = CLIENT_VERSION >= (4, 19)

__all__ = [
    "CLIENT_VERSION",
    "EXISTS_RAISES_ERRORS",
    "NamedVectorConfigCreate",
    "VectorizerConfigCreate",
    "colbert_with_base_url",
    "connection_credentials",
    "connection_headers",
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


def connection_headers(client: object) -> Mapping[Any, Any]:
    """The extra headers a client (or a collection's client) sends with every request.

    Read from the private ``_connection.additional_headers``, which also holds what
    ``client.integrations.configure(...)`` added after connecting. Anything else (a
    stand-in object) gives an empty mapping.
    """
    connection = getattr(client, "_connection", None)
    headers = getattr(connection, "additional_headers", None)
    return headers if isinstance(headers, Mapping) else {}


def connection_credentials(collection: object) -> tuple[str, ...]:
    """The credentials in the headers a collection's client sends (its Jina key among them).

    Read from the collection's private ``_connection`` (its ``additional_headers``), so the
    importer can clear them from Weaviate's messages even when the client was built without
    this package's helpers. Anything else (a stand-in collection) gives nothing.
    """
    headers = connection_headers(collection)
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

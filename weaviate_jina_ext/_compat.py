"""The only module that touches weaviate-client internals.

Private names of the client used by this package are imported here and nowhere else, so a
client upgrade that moves them breaks in exactly one place (and ``tests/test_compat.py``
says which).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weaviate.collections.classes.config_named_vectors import (
    _NamedVectorConfigCreate as NamedVectorConfigCreate,
)
from weaviate.collections.classes.config_vectorizers import (
    _VectorizerConfigCreate as VectorizerConfigCreate,
)
from weaviate.connect.integrations import Integrations

from weaviate_jina_ext._secrets import is_credential_header

__all__ = [
    "NamedVectorConfigCreate",
    "VectorizerConfigCreate",
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

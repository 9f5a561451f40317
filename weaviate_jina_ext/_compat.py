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
from typing import Any, Final

from weaviate.collections.classes.config_named_vectors import (
    _NamedVectorConfigCreate as NamedVectorConfigCreate,
)
from weaviate.collections.classes.config_vectorizers import (
    _VectorizerConfigCreate as VectorizerConfigCreate,
)
from weaviate.connect.integrations import Integrations

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

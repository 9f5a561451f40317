"""The only module that touches weaviate-client internals.

Private names of the client used by this package are imported here and nowhere else, so a
client upgrade that moves them breaks in exactly one place (and ``tests/test_compat.py``
says which).
"""

from __future__ import annotations

from typing import Any

from weaviate.collections.classes.config_named_vectors import (
    _NamedVectorConfigCreate as NamedVectorConfigCreate,
)
from weaviate.collections.classes.config_vectorizers import (
    _VectorizerConfigCreate as VectorizerConfigCreate,
)
from weaviate.connect.integrations import Integrations

__all__ = ["NamedVectorConfigCreate", "VectorizerConfigCreate", "integration_headers"]


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

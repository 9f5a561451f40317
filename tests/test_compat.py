"""The client internals the package relies on are still where ``_compat`` expects them."""

from __future__ import annotations

from weaviate_jina_ext import _compat


def test_integration_headers_match_client() -> None:
    """The client's Integrations.jinaai still yields the header names Weaviate reads."""
    headers = _compat.integration_headers("jina_0123456789abcdef", 120)
    assert headers == {
        "X-Jinaai-Api-Key": "jina_0123456789abcdef",
        "X-Jinaai-Ratelimit-RequestPM-Embedding": "120",
    }


def test_private_config_types_importable() -> None:
    """The client's private config base classes used for return types still exist."""
    assert _compat.NamedVectorConfigCreate.__name__ == "_NamedVectorConfigCreate"
    assert _compat.VectorizerConfigCreate.__name__ == "_VectorizerConfigCreate"

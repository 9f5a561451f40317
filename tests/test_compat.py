"""The client internals the package relies on are still where ``_compat`` expects them."""

from __future__ import annotations

from typing import Any

import pytest
import weaviate
from weaviate.connect import ConnectionParams
from weaviate.exceptions import WeaviateClosedClientError

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


def _unconnected_collection() -> Any:
    """A collection of a real client that was never connected (nothing listens on its ports)."""
    params = ConnectionParams.from_params("127.0.0.1", 9, False, "127.0.0.1", 10, False)
    client = weaviate.WeaviateClient(connection_params=params, skip_init_checks=True)
    return client.collections.use("Articles")


def test_client_version_is_the_installed_one() -> None:
    """CLIENT_VERSION is read from the installed distribution, within the supported range."""
    assert tuple(int(p) for p in weaviate.__version__.split(".")[:2]) == _compat.CLIENT_VERSION
    assert (4, 16) <= _compat.CLIENT_VERSION < (5, 0)


def test_exists_flag_matches_the_installed_client() -> None:
    """EXISTS_RAISES_ERRORS says what this client's Collection.exists() really does.

    On 4.16-4.18 a closed client answers False; on 4.19+ it raises. Run by the client matrix
    on every minor, so each side of the change is checked against a real client.
    """
    collection = _unconnected_collection()
    if _compat.EXISTS_RAISES_ERRORS:
        with pytest.raises(WeaviateClosedClientError):
            collection.exists()
    else:
        assert collection.exists() is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4.16.10", (4, 16)), ("4.24.0rc1", (4, 24)), ("4.19.0.dev3", (4, 19)), ("5.0", (5, 0))],
)
def test_minor_parses_release_and_pre_release_versions(
    text: str, expected: tuple[int, int]
) -> None:
    assert _compat._minor(text) == expected

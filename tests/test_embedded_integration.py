"""The embedded helpers start a real Weaviate offline, with the Jina key header set."""

from __future__ import annotations

import hashlib
import socket
from typing import TYPE_CHECKING

import pytest
from weaviate.classes.config import DataType, Property

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._secrets import mask_key
from weaviate_jina_ext.testing import embedded_binary_dir
from weaviate_jina_ext.testing._weaviate import pinned_version

if TYPE_CHECKING:
    from pathlib import Path

    from weaviate_jina_ext.testing import FakeJina

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_connect_to_embedded_offline(
    jina_fake: FakeJina, jina_api_key: str, tmp_path: Path
) -> None:
    """connect_to_embedded runs the cached server with the Jina modules and sends the key."""
    with wje.connect_to_embedded(
        port=_free_port(),
        grpc_port=_free_port(),
        version=pinned_version(),
        binary_path=str(embedded_binary_dir()),
        persistence_data_path=str(tmp_path),
        jina_api_key=jina_api_key,
        verify_modules=list(wje.JINA_MODULES),
    ) as client:
        articles = client.collections.create(
            "EmbeddedArticle",
            properties=[Property(name="body", data_type=DataType.TEXT)],
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(base_url=jina_fake.url),
        )
        jina_fake.clear()
        articles.data.insert({"body": "embedded and offline"})
        sent = [r for r in jina_fake.requests if r.path == "/v1/embeddings"]
        assert [r.key for r in sent] == [mask_key(jina_api_key)]
        hit = articles.query.near_text("offline embedded", limit=1).objects
        assert hit[0].properties["body"] == "embedded and offline"


@pytest.mark.anyio
async def test_use_async_with_embedded_offline(
    jina_fake: FakeJina, jina_api_key: str, tmp_path: Path
) -> None:
    """use_async_with_embedded gives an async client whose inserts carry the key."""
    client = wje.use_async_with_embedded(
        port=_free_port(),
        grpc_port=_free_port(),
        version=pinned_version(),
        binary_path=str(embedded_binary_dir()),
        persistence_data_path=str(tmp_path),
        jina_api_key=jina_api_key,
    )
    async with client:
        await wje.async_ensure_jina_modules(client)
        articles = await client.collections.create(
            "EmbeddedAsync",
            properties=[Property(name="body", data_type=DataType.TEXT)],
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(base_url=jina_fake.url),
        )
        jina_fake.clear()
        await articles.data.insert({"body": "async embedded"})
        assert {r.key for r in jina_fake.requests} == {mask_key(jina_api_key)}


def test_embedded_binary_dir_is_what_embedded_mode_expects() -> None:
    """The directory holds the server under the name the client's embedded mode looks for."""
    tag = "v" + pinned_version()
    expected = embedded_binary_dir() / f"weaviate-{tag}-{hashlib.sha256(tag.encode()).hexdigest()}"
    assert expected.is_symlink()
    assert expected.resolve().name == "weaviate-server"

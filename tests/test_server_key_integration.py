"""Where the Jina key comes from on a real Weaviate, and what happens without the Jina modules.

One Weaviate (a process or a container, by the session's backend) runs with a server-side key (``JINAAI_APIKEY``) and a local Jina server
that accepts both that key and a client's key, so the recorded requests show which key
Weaviate chose. Another runs with the API-based modules disabled and no Jina module enabled,
for the ``verify_modules`` check.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
import weaviate
from weaviate.classes.config import DataType, Property
from weaviate.classes.query import Rerank

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._secrets import mask_key
from weaviate_jina_ext.testing import FakeJina, JinaProxy

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

    from weaviate.client import WeaviateClient

    from weaviate_jina_ext.testing import JinaEndpoint, WeaviateInstance

    Start = Callable[..., AbstractContextManager[WeaviateInstance]]

pytestmark = pytest.mark.integration

SERVER_KEY = "jina_server_side_key_0002"
HEADER_KEY = "jina_header_side_key_0003"
ARTICLES = [
    {"body": "Rocket launches carry satellites into orbit."},
    {"body": "Espresso coffee is brewed from fine coffee grounds."},
    {"body": "The violin and the cello are string instruments."},
]
#: The only module the second server enables: local, needs no configuration.
OTHER_MODULE = "ref2vec-centroid"


@pytest.fixture(scope="module")
def keyed_jina(jina_endpoint: JinaEndpoint) -> Iterator[FakeJina]:
    """A local Jina server that accepts the server's key and the client's key."""
    with FakeJina(host=jina_endpoint.bind_host, api_keys=[SERVER_KEY, HEADER_KEY]) as jina:
        yield jina


@pytest.fixture(scope="module")
def keyed_jina_url(keyed_jina: FakeJina, jina_endpoint: JinaEndpoint) -> str:
    """``keyed_jina``'s URL as Weaviate reaches it."""
    return jina_endpoint.base_url(keyed_jina)


@pytest.fixture(scope="module")
def keyed_server(
    keyed_jina: FakeJina, jina_endpoint: JinaEndpoint, weaviate_jina_start: Start
) -> Iterator[WeaviateInstance]:
    """A Weaviate with ``JINAAI_APIKEY=SERVER_KEY``, its api.jina.ai calls proxied to ``keyed_jina``.

    The rig never hands the developer's own key to a server: only ``jina_api_key`` counts.
    """
    with (
        JinaProxy(keyed_jina, host=jina_endpoint.bind_host) as proxy,
        weaviate_jina_start(jina_api_key=SERVER_KEY, extra_env=proxy.env()) as w,
    ):
        yield w


@pytest.fixture(scope="module")
def server_without_jina(weaviate_jina_start: Start) -> Iterator[WeaviateInstance]:
    """A Weaviate with API-based modules disabled and only a non-Jina module enabled."""
    with weaviate_jina_start(
        modules=(OTHER_MODULE,), extra_env={"API_BASED_MODULES_DISABLED": "true"}
    ) as instance:
        yield instance


def _collection(
    client: WeaviateClient, base_url: str, *, rerank: bool = False
) -> weaviate.collections.Collection[Any, Any]:
    name = "T" + uuid.uuid4().hex[:12]
    client.collections.create(
        name,
        properties=[Property(name="body", data_type=DataType.TEXT)],
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(base_url=base_url),
        reranker_config=JinaConfigure.Reranker.jinaai() if rerank else None,
    )
    return client.collections.use(name)


def _import_and_search(collection: weaviate.collections.Collection[Any, Any]) -> None:
    with collection.batch.fixed_size(batch_size=50) as batch:
        for article in ARTICLES:
            batch.add_object(properties=article)
    assert collection.batch.failed_objects == []
    top = collection.query.near_text("violin and cello", limit=1).objects[0]
    assert top.properties["body"] == ARTICLES[2]["body"]


def _keys(jina: FakeJina, path: str) -> set[str | None]:
    return {r.key for r in jina.requests if r.path == path}


# --- key precedence -----------------------------------------------------------------------------


def test_client_without_key_uses_server_key(
    keyed_server: WeaviateInstance, keyed_jina: FakeJina, keyed_jina_url: str
) -> None:
    """With no key on the client, imports and near_text use the server's JINAAI_APIKEY."""
    with wje.connect_to_custom(**keyed_server.connect_kwargs()) as client:
        collection = _collection(client, keyed_jina_url)
        keyed_jina.clear()
        _import_and_search(collection)
        assert _keys(keyed_jina, "/v1/embeddings") == {mask_key(SERVER_KEY)}
        client.collections.delete(collection.name)


@pytest.mark.parametrize("source", ["argument", "environment"])
def test_client_key_wins_over_server_key(
    keyed_server: WeaviateInstance,
    keyed_jina: FakeJina,
    keyed_jina_url: str,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
) -> None:
    """A key sent in the client's header (from jina_api_key= or JINAAI_APIKEY) beats the server's key."""
    if source == "environment":
        monkeypatch.setenv("JINAAI_APIKEY", HEADER_KEY)
        client = wje.connect_to_custom(**keyed_server.connect_kwargs())
    else:
        client = wje.connect_to_custom(**keyed_server.connect_kwargs(), jina_api_key=HEADER_KEY)
    with client:
        collection = _collection(client, keyed_jina_url)
        keyed_jina.clear()
        _import_and_search(collection)
        assert _keys(keyed_jina, "/v1/embeddings") == {mask_key(HEADER_KEY)}
        client.collections.delete(collection.name)


def test_reranker_prefers_server_key(
    keyed_server: WeaviateInstance, keyed_jina: FakeJina, keyed_jina_url: str
) -> None:
    """reranker-jinaai reads the server's key before the client's header, unlike the vectorizers."""
    with wje.connect_to_custom(**keyed_server.connect_kwargs(), jina_api_key=HEADER_KEY) as client:
        collection = _collection(client, keyed_jina_url, rerank=True)
        _import_and_search(collection)
        keyed_jina.clear()
        response = collection.query.near_text(
            "rocket", limit=3, rerank=Rerank(prop="body", query="espresso coffee")
        )
        assert response.objects[0].properties["body"] == ARTICLES[1]["body"]
        assert _keys(keyed_jina, "/v1/embeddings") == {mask_key(HEADER_KEY)}
        assert _keys(keyed_jina, "/v1/rerank") == {mask_key(SERVER_KEY)}
        client.collections.delete(collection.name)


# --- module not enabled -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verify", "module"),
    [(True, "text2vec-jinaai"), (["reranker-jinaai"], "reranker-jinaai")],
    ids=["default", "reranker"],
)
def test_verify_modules_names_enabled_modules_and_fix(
    server_without_jina: WeaviateInstance, verify: bool | list[str], module: str
) -> None:
    """verify_modules raises JinaModuleNotEnabledError listing the enabled modules and ENABLE_MODULES."""
    with pytest.raises(wje.JinaModuleNotEnabledError) as info:
        wje.connect_to_custom(**server_without_jina.connect_kwargs(), verify_modules=verify)
    error = info.value
    assert error.module == module
    assert error.enabled == (OTHER_MODULE,)
    message = str(error)
    assert module in message
    assert OTHER_MODULE in message
    assert f"ENABLE_MODULES={module}" in message
    assert "API_BASED_MODULES_DISABLED" in message


def test_verify_modules_closes_the_client(
    server_without_jina: WeaviateInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client a failed module check connected is closed before the error propagates."""
    made: list[WeaviateClient] = []
    original = weaviate.connect_to_custom

    def recording(**kwargs: Any) -> WeaviateClient:
        client = original(**kwargs)
        made.append(client)
        return client

    monkeypatch.setattr(weaviate, "connect_to_custom", recording)
    with pytest.raises(wje.JinaModuleNotEnabledError):
        wje.connect_to_custom(**server_without_jina.connect_kwargs(), verify_modules=True)
    assert len(made) == 1
    assert not made[0].is_connected()


def test_without_verification_the_same_server_connects(
    server_without_jina: WeaviateInstance,
) -> None:
    """verify_modules=False (the default) connects to that server; its meta lists no Jina module."""
    with wje.connect_to_custom(**server_without_jina.connect_kwargs()) as client:
        assert client.is_ready()
        modules = set(client.get_meta()["modules"])
    assert modules == {OTHER_MODULE}
    assert modules.isdisjoint(wje.JINA_MODULES)


@pytest.mark.anyio
async def test_async_module_check_raises(server_without_jina: WeaviateInstance) -> None:
    """async_ensure_jina_modules raises the same error on a connected async client."""
    async with wje.use_async_with_custom(**server_without_jina.connect_kwargs()) as client:
        with pytest.raises(wje.JinaModuleNotEnabledError, match="ENABLE_MODULES"):
            await wje.async_ensure_jina_modules(client)

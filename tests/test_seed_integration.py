"""Every step of the Jina flow on a real Weaviate, with Jina calls answered by the local server.

Weaviate's module reaches the local Jina-compatible server through ``base_url``; the server
records what Weaviate sent, so each test checks both what the user sees and what went over
the wire (key header, model, task, dimensions).
"""

from __future__ import annotations

import base64
import contextlib
import math
import uuid
from typing import TYPE_CHECKING, Any, cast

import pytest
import weaviate
from _corpus import ARTICLES, PROPS
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.query import HybridFusion, HybridVector, MetadataQuery

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._secrets import mask_key

if TYPE_CHECKING:
    from weaviate.client import WeaviateClient

    from weaviate_jina_ext.testing import FakeJina, WeaviateInstance

pytestmark = pytest.mark.integration


def _name() -> str:
    return "T" + uuid.uuid4().hex[:12]


def _embedding_requests(jina: FakeJina) -> list[Any]:
    return [r for r in jina.requests if r.path.endswith("/v1/embeddings")]


def _create(
    client: WeaviateClient, base_url: str | None, **vectorizer: Any
) -> weaviate.collections.Collection[Any, Any]:
    name = _name()
    client.collections.create(
        name,
        properties=PROPS,
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(
            base_url=base_url, vectorize_collection_name=False, **vectorizer
        ),
    )
    return client.collections.use(name)


def _import(collection: weaviate.collections.Collection[Any, Any]) -> None:
    with collection.batch.fixed_size(batch_size=50) as batch:
        for article in ARTICLES:
            batch.add_object(properties=article)
    assert collection.batch.failed_objects == []


# --- instantiate with a key ---------------------------------------------------------------


def _sync_clients(server: WeaviateInstance, key: str) -> list[WeaviateClient]:
    kwargs = server.connect_kwargs()
    return [
        wje.connect_to_custom(**kwargs, jina_api_key=key),
        wje.connect_to_local(
            host=server.http_host,
            port=server.http_port,
            grpc_port=server.grpc_port,
            jina_api_key=key,
        ),
    ]


@pytest.mark.server_lines
def test_sync_helpers_send_key_to_jina(
    weaviate_jina_server: WeaviateInstance,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    jina_api_key: str,
) -> None:
    """Objects inserted through each sync helper reach Jina with the helper's key."""
    for client in _sync_clients(weaviate_jina_server, jina_api_key):
        with client:
            collection = _create(client, jina_fake_base_url)
            jina_fake.clear()
            collection.data.insert({"title": "hello", "body": "world"})
            requests = _embedding_requests(jina_fake)
            assert requests, "Weaviate did not call the Jina server"
            assert {r.key for r in requests} == {mask_key(jina_api_key)}
            assert requests[0].headers.get("x-header-vectordb-source") == "Weaviate"
            client.collections.delete(collection.name)


@pytest.mark.server_lines
@pytest.mark.anyio
async def test_async_helpers_send_key_to_jina(
    weaviate_jina_server: WeaviateInstance,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    jina_api_key: str,
) -> None:
    """Objects inserted through each async helper reach Jina with the helper's key."""
    kwargs = weaviate_jina_server.connect_kwargs()
    clients = [
        wje.use_async_with_custom(**kwargs, jina_api_key=jina_api_key),
        wje.use_async_with_local(
            host=weaviate_jina_server.http_host,
            port=weaviate_jina_server.http_port,
            grpc_port=weaviate_jina_server.grpc_port,
            jina_api_key=jina_api_key,
        ),
    ]
    for client in clients:
        async with client:
            await wje.async_ensure_jina_modules(client)
            name = _name()
            await client.collections.create(
                name,
                properties=PROPS,
                vector_config=JinaConfigure.Vectors.text2vec_jinaai(base_url=jina_fake_base_url),
            )
            jina_fake.clear()
            await client.collections.use(name).data.insert({"title": "a", "body": "b"})
            assert {r.key for r in _embedding_requests(jina_fake)} == {mask_key(jina_api_key)}
            await client.collections.delete(name)


def test_wrong_key_surfaces_401_without_key(
    weaviate_jina_server: WeaviateInstance, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """A key the Jina server refuses fails the insert with Jina's message, never the key."""
    bad = "jina_WRONGKEY_abcdef0123456789"
    with wje.connect_to_custom(**weaviate_jina_server.connect_kwargs(), jina_api_key=bad) as c:
        collection = _create(c, jina_fake_base_url)
        with pytest.raises(weaviate.exceptions.WeaviateBaseError) as info:
            collection.data.insert({"title": "x", "body": "y"})
        message = str(info.value)
        assert "401" in message
        assert bad not in message
        c.collections.delete(collection.name)


def test_unreachable_base_url_is_reported(weaviate_jina_client: WeaviateClient) -> None:
    """A base_url nothing listens on fails the insert with a connection error from Weaviate."""
    collection = _create(weaviate_jina_client, "http://127.0.0.1:9")
    with pytest.raises(weaviate.exceptions.WeaviateBaseError, match=r"(?i)connect|refused"):
        collection.data.insert({"title": "x", "body": "y"})


def test_verify_modules_passes_on_jina_server(weaviate_jina_server: WeaviateInstance) -> None:
    """verify_modules=True accepts a server with every Jina module enabled."""
    kwargs = weaviate_jina_server.connect_kwargs()
    with wje.connect_to_custom(**kwargs, verify_modules=list(wje.JINA_MODULES)) as client:
        assert client.is_ready()


# --- configure ------------------------------------------------------------------------------


@pytest.mark.server_lines
@pytest.mark.parametrize("style", ["vectors", "named-vectors", "vectorizer"], ids=lambda s: str(s))
def test_config_round_trips_with_explicit_model(
    weaviate_jina_client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str, style: str
) -> None:
    """Each config style is stored by the server with the model and settings written out."""
    name = _name()
    base = jina_fake_base_url
    if style == "vectors":
        extra: dict[str, Any] = {
            "vector_config": JinaConfigure.Vectors.text2vec_jinaai(
                name="body", model="jina-embeddings-v3", dimensions=256, base_url=base
            )
        }
    elif style == "named-vectors":
        extra = {
            "vectorizer_config": [
                JinaConfigure.NamedVectors.text2vec_jinaai(
                    "body", model="jina-embeddings-v3", dimensions=256, base_url=base
                )
            ]
        }
    else:
        extra = {
            "vectorizer_config": JinaConfigure.Vectorizer.text2vec_jinaai(
                model="jina-embeddings-v3", dimensions=256, base_url=base
            )
        }
    with (
        pytest.warns(DeprecationWarning, match=r"(?i)deprecat")
        if style != "vectors"
        else contextlib.nullcontext()
    ):
        weaviate_jina_client.collections.create(name, properties=PROPS, **extra)
    config = weaviate_jina_client.collections.use(name).config.get()
    if style == "vectorizer":
        assert config.vectorizer is not None
        module = config.vectorizer_config
        assert module is not None
        stored = dict(module.model)
    else:
        assert config.vector_config is not None
        stored = dict(config.vector_config["body"].vectorizer.model)
    assert stored["model"] == "jina-embeddings-v3"
    assert stored["dimensions"] == 256
    assert stored["baseURL"].rstrip("/") == base


# --- import ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "dimensions", "length", "task"),
    [
        ("jina-embeddings-v2-base-en", None, 768, None),
        ("jina-embeddings-v3", 256, 256, "retrieval.passage"),
        ("jina-embeddings-v4", 512, 512, None),
    ],
    ids=["v2", "v3", "v4"],
)
def test_server_side_import(
    weaviate_jina_client: WeaviateClient,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    model: str,
    dimensions: int | None,
    length: int,
    task: str | None,
) -> None:
    """Batch import stores every object with a vector of the model's length; Weaviate sends task only for v3."""
    collection = _create(
        weaviate_jina_client, jina_fake_base_url, model=model, dimensions=dimensions
    )
    jina_fake.clear()
    _import(collection)
    objects = collection.query.fetch_objects(limit=100, include_vector=True).objects
    assert len(objects) == len(ARTICLES)
    assert all(len(o.vector["default"]) == length for o in objects)
    requests = _embedding_requests(jina_fake)
    assert requests
    for request in requests:
        assert request.json["model"] == model
        assert request.json.get("task") == task
        assert request.json.get("dimensions") == dimensions
        assert request.json["embedding_type"] == "float"


# --- near_text ------------------------------------------------------------------------------


@pytest.mark.server_lines
def test_near_text_ranks_and_limits(
    weaviate_jina_client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """near_text puts the article sharing the query's words first and honours limit."""
    collection = _create(weaviate_jina_client, jina_fake_base_url, model="jina-embeddings-v3")
    _import(collection)
    jina_fake.clear()
    response = collection.query.near_text("violin and cello string instruments", limit=2)
    assert [o.properties["title"] for o in response.objects][:1] == ["Strings"]
    assert len(response.objects) == 2
    (query_request,) = _embedding_requests(jina_fake)
    assert query_request.json["task"] == "retrieval.query"
    assert query_request.json["input"] == ["violin and cello string instruments"]


# --- hybrid ---------------------------------------------------------------------------------


@pytest.mark.server_lines
def test_hybrid_alpha_extremes_and_mix(
    weaviate_jina_client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """alpha=0 ranks like BM25, alpha=1 like near_text, and a mix finds the shared top hit."""
    collection = _create(weaviate_jina_client, jina_fake_base_url)
    _import(collection)
    query = "espresso coffee grounds"

    def titles(objects: list[Any]) -> list[str]:
        return [str(o.properties["title"]) for o in objects]

    bm25 = titles(collection.query.bm25(query, limit=5).objects)
    keyword = titles(collection.query.hybrid(query, alpha=0, limit=5).objects)
    assert keyword == bm25
    vector = titles(collection.query.near_text(query, limit=5).objects)
    semantic = titles(collection.query.hybrid(query, alpha=1, limit=5).objects)
    assert semantic == vector
    for fusion in (HybridFusion.RANKED, HybridFusion.RELATIVE_SCORE):
        mixed = collection.query.hybrid(
            query, alpha=0.5, fusion_type=fusion, limit=3, return_metadata=MetadataQuery(score=True)
        )
        assert titles(mixed.objects)[0] == "Espresso"


@pytest.mark.server_lines
def test_hybrid_target_vector(
    weaviate_jina_client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """Hybrid search with target_vector searches the named vector it is given."""
    name = _name()
    weaviate_jina_client.collections.create(
        name,
        properties=PROPS,
        vector_config=[
            JinaConfigure.Vectors.text2vec_jinaai(
                name="title_vec", base_url=jina_fake_base_url, source_properties=["title"]
            ),
            JinaConfigure.Vectors.text2vec_jinaai(
                name="body_vec",
                base_url=jina_fake_base_url,
                source_properties=["body"],
                model="jina-embeddings-v3",
                dimensions=128,
            ),
        ],
    )
    collection = weaviate_jina_client.collections.use(name)
    _import(collection)
    jina_fake.clear()
    response = collection.query.hybrid("cello violin", alpha=1, target_vector="body_vec", limit=1)
    assert response.objects[0].properties["title"] == "Strings"
    models = {r.json["model"] for r in _embedding_requests(jina_fake)}
    assert models == {"jina-embeddings-v3"}
    vec = collection.query.hybrid(
        "glaciers",
        alpha=1,
        vector=HybridVector.near_text("glaciers melting"),
        target_vector="title_vec",
        limit=1,
    )
    assert vec.objects[0].properties["title"] == "Glaciers"


# --- bring your own vectors ------------------------------------------------------------------


def test_bring_your_own_vectors(
    weaviate_jina_client: WeaviateClient,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    jina_api_key: str,
) -> None:
    """Vectors from JinaClient sit in the same space as Weaviate's: stored equal, near_text works."""
    model = "jina-embeddings-v3"
    texts = [a["body"] for a in ARTICLES]
    with wje.JinaClient(api_key=jina_api_key, base_url=jina_fake.url) as jina:
        vectors = jina.embed_for_weaviate(texts, model=model).vectors

    server_side = _create(
        weaviate_jina_client, jina_fake_base_url, model=model, source_properties=["body"]
    )
    _import(server_side)
    stored: dict[object, list[float]] = {
        o.properties["body"]: cast("list[float]", o.vector["default"])
        for o in server_side.query.fetch_objects(limit=100, include_vector=True).objects
    }
    for text, vector in zip(texts, vectors, strict=True):
        assert all(
            math.isclose(a, b, abs_tol=1e-6) for a, b in zip(vector, stored[text], strict=True)
        )

    byo = _create(weaviate_jina_client, jina_fake_base_url, model=model, source_properties=["body"])
    with byo.batch.fixed_size(batch_size=50) as batch:
        for article, vector in zip(ARTICLES, vectors, strict=True):
            batch.add_object(properties=article, vector=vector)
    assert byo.batch.failed_objects == []
    jina_fake.clear()
    top = byo.query.near_text("sourdough bread starter", limit=1).objects[0]
    assert top.properties["title"] == "Sourdough at home"
    # Only the query went to Jina: the objects came with their vectors.
    assert [r.json["input"] for r in _embedding_requests(jina_fake)] == [
        ["sourdough bread starter"]
    ]


# --- multimodal ------------------------------------------------------------------------------


def test_multi2vec_through_local_server(
    weaviate_jina_client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """multi2vec-jinaai embeds text and image fields through the local server."""
    name = _name()
    weaviate_jina_client.collections.create(
        name,
        properties=[
            Property(name="caption", data_type=DataType.TEXT),
            Property(name="image", data_type=DataType.BLOB),
        ],
        vector_config=JinaConfigure.Vectors.multi2vec_jinaai(
            base_url=jina_fake_base_url,
            text_fields=["caption"],
            image_fields=["image"],
            dimensions=64,
        ),
    )
    collection = weaviate_jina_client.collections.use(name)
    jina_fake.clear()
    image = base64.b64encode(b"\x89PNG fake image bytes").decode()
    collection.data.insert({"caption": "a red bicycle", "image": image})
    obj = collection.query.fetch_objects(include_vector=True).objects[0]
    assert len(obj.vector["default"]) == 64
    body = _embedding_requests(jina_fake)[0].json
    assert body["model"] == "jina-clip-v2"
    assert {"text": "a red bicycle"} in body["input"]
    assert any("image" in item for item in body["input"] if isinstance(item, dict))


def test_config_builders_reject_before_server(weaviate_jina_client: WeaviateClient) -> None:
    """Invalid configs never reach the server: no collection is created."""
    name = _name()
    with pytest.raises(wje.InvalidDimensionsError):
        weaviate_jina_client.collections.create(
            name,
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(dimensions=10_000),
        )
    assert not weaviate_jina_client.collections.exists(name)


def test_raw_client_config_still_works(
    weaviate_jina_client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """A collection built with the client's raw Configure call behaves like the builder's."""
    name = _name()
    weaviate_jina_client.collections.create(
        name,
        properties=PROPS,
        vector_config=Configure.Vectors.text2vec_jinaai(
            model="jina-embeddings-v2-base-en", base_url=jina_fake_base_url
        ),
    )
    collection = weaviate_jina_client.collections.use(name)
    _import(collection)
    assert collection.aggregate.over_all(total_count=True).total_count == len(ARTICLES)

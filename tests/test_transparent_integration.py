"""The documentation flow with no ``base_url`` at all: Weaviate calls https://api.jina.ai.

A Weaviate process runs with the proxy's ``HTTPS_PROXY``/``SSL_CERT_FILE``, so its Jina modules
reach the session's local Jina server while believing they talk to ``api.jina.ai``. That is the
only way to exercise configs written exactly as the documentation shows them, the
``reranker-jinaai`` module (its host is hard-wired) and the multi-vector module (the client
offers no ``base_url`` for it). Every request the local server records here must have come
through the proxy (``Host: api.jina.ai``), and any other host must be refused.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from typing import TYPE_CHECKING, Any

import pytest
import weaviate
from _corpus import ARTICLES, PROPS
from weaviate.classes.config import Configure
from weaviate.classes.query import MetadataQuery, Rerank

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._secrets import mask_key
from weaviate_jina_ext.testing import FAKE_JINA_KEY, JINA_API_HOST

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

    from weaviate.classes.config import VectorConfigCreate
    from weaviate.client import WeaviateClient

    from weaviate_jina_ext.testing import FakeJina, JinaProxy, RecordedRequest, WeaviateInstance

pytestmark = pytest.mark.integration

JINA_ROOT = f"https://{JINA_API_HOST}"


@pytest.fixture(scope="module")
def transparent_server(
    pytestconfig: pytest.Config,
    request: pytest.FixtureRequest,
    weaviate_jina_routing: str,
    jina_proxy: JinaProxy,
    weaviate_jina_start: Callable[..., AbstractContextManager[WeaviateInstance]],
) -> Iterator[WeaviateInstance]:
    """A Weaviate whose calls to https://api.jina.ai reach ``jina_fake`` through the proxy.

    The session server is reused when the run already routes it through the proxy.
    """
    if weaviate_jina_routing == "transparent" and not pytestconfig.getoption("--jina-live"):
        yield request.getfixturevalue("weaviate_jina_server")
        return
    # The rig never hands the developer's own key to a server it starts (the reranker would
    # prefer it to the client's key, and the local server would refuse it).
    with weaviate_jina_start(extra_env=jina_proxy.env()) as instance:
        yield instance


@pytest.fixture
def client(transparent_server: WeaviateInstance) -> Iterator[WeaviateClient]:
    """A client sending the local server's key; deletes the collections the test made."""
    with wje.connect_to_custom(
        **transparent_server.connect_kwargs(), jina_api_key=FAKE_JINA_KEY
    ) as connected:
        before = set(connected.collections.list_all(simple=True))
        yield connected
        created = set(connected.collections.list_all(simple=True)) - before
        if created:
            connected.collections.delete(sorted(created))


def _name() -> str:
    return "T" + uuid.uuid4().hex[:12]


def _import(collection: weaviate.collections.Collection[Any, Any]) -> None:
    with collection.batch.fixed_size(batch_size=50) as batch:
        for article in ARTICLES:
            batch.add_object(properties=article)
    assert collection.batch.failed_objects == []


def _through_proxy(jina: FakeJina, path: str) -> list[RecordedRequest]:
    """The requests on ``path``, after checking that every recorded one came via the proxy."""
    hosts = {r.headers.get("host") for r in jina.requests}
    assert hosts <= {JINA_API_HOST}, f"requests bypassed the proxy: {hosts}"
    return [r for r in jina.requests if r.path == path]


# --- the documentation's snippets, unchanged --------------------------------------------------


@pytest.mark.parametrize(
    ("snippet", "model"),
    [
        (lambda: Configure.Vectors.text2vec_jinaai(), "jina-embeddings-v4"),
        (lambda: JinaConfigure.Vectors.text2vec_jinaai(), "jina-embeddings-v4"),
        (
            lambda: JinaConfigure.Vectors.text2vec_jinaai(model="jina-embeddings-v3"),
            "jina-embeddings-v3",
        ),
    ],
    ids=["client-Configure", "JinaConfigure-default", "JinaConfigure-v3"],
)
def test_snippet_without_base_url_imports_and_searches(
    client: WeaviateClient,
    jina_fake: FakeJina,
    snippet: Callable[[], VectorConfigCreate],
    model: str,
) -> None:
    """A vectorizer config with the default base URL imports and answers near_text via api.jina.ai."""
    name = _name()
    client.collections.create(name, properties=PROPS, vector_config=snippet())
    collection = client.collections.use(name)
    config = collection.config.get()
    assert config.vector_config is not None
    stored = dict(config.vector_config["default"].vectorizer.model)
    assert stored["baseURL"].rstrip("/") == JINA_ROOT
    assert stored["model"] == model

    jina_fake.clear()
    _import(collection)
    imported = _through_proxy(jina_fake, "/v1/embeddings")
    assert imported, "Weaviate sent no embeddings request through the proxy"
    sent = [text for r in imported for text in r.json["input"]]
    assert len(sent) == len(ARTICLES)
    assert all(any(a["body"] in text for text in sent) for a in ARTICLES)
    assert {r.key for r in imported} == {mask_key(FAKE_JINA_KEY)}
    assert {r.json["model"] for r in imported} == {model}

    jina_fake.clear()
    response = collection.query.near_text("violin and cello string instruments", limit=2)
    assert [o.properties["title"] for o in response.objects][:1] == ["Strings"]
    (query,) = _through_proxy(jina_fake, "/v1/embeddings")
    assert query.json["input"] == ["violin and cello string instruments"]
    assert query.json["model"] == model


def test_readme_bring_your_own_vectors_runs_unchanged(
    client: WeaviateClient,
    jina_fake: FakeJina,
    jina_proxy: JinaProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bring-your-own-vectors snippet of docs/byov.md (JinaClient() with no base_url) works through the proxy."""
    for variable, value in jina_proxy.env().items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("JINAAI_APIKEY", FAKE_JINA_KEY)
    name = _name()
    jina_fake.clear()

    # As in docs/byov.md, but for the collection's name.
    texts = ["Rocket launches carry satellites into orbit.", "Sourdough needs a starter."]
    with wje.JinaClient() as jina:  # key: api_key= or JINAAI_APIKEY
        result = jina.embed_for_weaviate(texts, model="jina-embeddings-v3")

    client.collections.create(
        name,
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(model="jina-embeddings-v3"),
    )
    notes = client.collections.use(name)
    with notes.batch.fixed_size(batch_size=100) as batch:
        for text, vector in zip(texts, result.vectors):  # noqa: B905 - as docs/byov.md has it
            batch.add_object(properties={"body": text}, vector=vector)
    response = notes.query.near_text("satellites in orbit", limit=1)  # Weaviate embeds the query

    assert notes.batch.failed_objects == []
    assert response.objects[0].properties["body"] == texts[0]
    client_side, query = _through_proxy(jina_fake, "/v1/embeddings")
    assert client_side.json["input"] == texts
    assert client_side.json["task"] == "retrieval.passage"
    assert query.json["input"] == ["satellites in orbit"]
    assert query.json["task"] == "retrieval.query"
    assert {client_side.key, query.key} == {mask_key(FAKE_JINA_KEY)}


# --- reranker-jinaai (host hard-wired to api.jina.ai) -----------------------------------------


def test_reranker_reorders_by_jina_scores(client: WeaviateClient, jina_fake: FakeJina) -> None:
    """near_text with rerank= sends the hits to /v1/rerank and returns them in the scores' order."""
    name = _name()
    client.collections.create(
        name,
        properties=PROPS,
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(),
        reranker_config=JinaConfigure.Reranker.jinaai(),
    )
    collection = client.collections.use(name)
    _import(collection)
    near = "rocket launches into orbit"
    rerank_query = "espresso coffee grounds"
    plain = collection.query.near_text(near, limit=len(ARTICLES))
    assert plain.objects[0].properties["title"] == "Rockets and orbits"

    jina_fake.clear()
    response = collection.query.near_text(
        near,
        limit=len(ARTICLES),
        rerank=Rerank(prop="body", query=rerank_query),
        return_metadata=MetadataQuery(distance=True),
    )

    (rerank,) = _through_proxy(jina_fake, "/v1/rerank")
    assert rerank.key == mask_key(FAKE_JINA_KEY)
    assert rerank.json["query"] == rerank_query
    assert rerank.json["model"] == "jina-reranker-v2-base-multilingual"
    assert sorted(rerank.json["documents"]) == sorted(a["body"] for a in ARTICLES)

    # Ask the local server again for the scores it gave that very request.
    answer = jina_fake.handle(
        "POST",
        "/v1/rerank",
        {"Authorization": f"Bearer {FAKE_JINA_KEY}"},
        json.dumps(rerank.json).encode(),
    )
    assert answer.status == 200
    documents = rerank.json["documents"]
    scores = {documents[r["index"]]: r["relevance_score"] for r in answer.json()["results"]}

    bodies = [str(o.properties["body"]) for o in response.objects]
    assert bodies == sorted(bodies, key=lambda body: -scores[body])
    for obj in response.objects:
        assert obj.metadata.rerank_score is not None
        assert math.isclose(obj.metadata.rerank_score, scores[str(obj.properties["body"])])
    assert response.objects[0].properties["title"] == "Espresso"


# --- the multi-vector module (no base_url in the client) --------------------------------------


def test_multivector_module_imports_and_searches(
    client: WeaviateClient, jina_fake: FakeJina
) -> None:
    """jina-colbert-v2 stores one 128-float vector per token and near_text finds the best match."""
    name = _name()
    client.collections.create(
        name,
        properties=PROPS,
        vector_config=JinaConfigure.MultiVectors.text2vec_jinaai(name="colbert"),
    )
    collection = client.collections.use(name)
    jina_fake.clear()
    _import(collection)
    imported = _through_proxy(jina_fake, "/v1/multi-vector")
    assert imported
    assert {r.json["model"] for r in imported} == {"jina-colbert-v2"}
    assert {r.json.get("dimensions") for r in imported} == {128}

    objects = collection.query.fetch_objects(limit=100, include_vector=True).objects
    assert len(objects) == len(ARTICLES)
    for obj in objects:
        tokens = obj.vector["colbert"]
        assert len(tokens) > 1
        assert all(isinstance(t, list) and len(t) == 128 for t in tokens)

    jina_fake.clear()
    response = collection.query.near_text("violin and cello", limit=1)
    assert response.objects[0].properties["title"] == "Strings"
    (query,) = _through_proxy(jina_fake, "/v1/multi-vector")
    assert query.json["input"] == ["violin and cello"]


# --- nothing else leaves the machine ----------------------------------------------------------


def test_other_hosts_are_refused(
    client: WeaviateClient, jina_fake: FakeJina, caplog: pytest.LogCaptureFixture
) -> None:
    """A base_url on any host but api.jina.ai fails the insert: the proxy refuses the tunnel."""
    caplog.set_level(logging.WARNING, logger="weaviate_jina_ext.testing.proxy")
    name = _name()
    client.collections.create(
        name,
        properties=PROPS,
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(base_url="https://example.com"),
    )
    jina_fake.clear()
    with pytest.raises(weaviate.exceptions.WeaviateBaseError) as info:
        client.collections.use(name).data.insert(ARTICLES[0])
    assert "example.com" in str(info.value)
    assert "forbidden" in str(info.value).lower()
    assert jina_fake.requests == []
    assert any(
        "refused CONNECT to example.com:443" in r.getMessage()
        for r in caplog.records
        if r.name == "weaviate_jina_ext.testing.proxy"
    )

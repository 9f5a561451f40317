"""The documented subset, on whichever Weaviate line the run starts, with that line's facts.

Run it once per line of ``TESTED_LINES`` (process backend)::

    pytest -m "integration and server_lines" --weaviate-backend process --weaviate-version 1.31.5

Every expectation that differs by server version is read from :func:`server_line` for the
version the server reports, so the same test checks the behaviour on both sides of each
change: the default model (v2-base-en before 1.31.6, v4 after), the ``dimensions: 1024``
written and sent by 1.29.0-1.31.5, the multi-vector module's name, which modules exist,
``task``/``normalized``/``dimensions`` in requests, API-based modules on by default, and
``MODULES_VALIDATE_BASE_URL``. The package's own defaults must import on every line.

One Weaviate runs behind the rig's HTTPS proxy, so collections reach the local Jina server
either through ``base_url`` (loopback, never proxied) or as ``https://api.jina.ai`` (the
reranker and the ColBERT module, which take no ``base_url``).
"""

from __future__ import annotations

import contextlib
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import weaviate
from _corpus import ARTICLES, PROPS
from weaviate.classes.config import Configure
from weaviate.classes.query import HybridFusion, MetadataQuery, Rerank

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._secrets import mask_key
from weaviate_jina_ext._server_lines import LEGACY_MULTIVECTOR_MODULE, ServerLine, server_line
from weaviate_jina_ext.testing import FAKE_JINA_KEY

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

    from weaviate.client import WeaviateClient

    from weaviate_jina_ext.testing import FakeJina, JinaProxy, RecordedRequest, WeaviateInstance

pytestmark = [pytest.mark.integration, pytest.mark.server_lines]

V2 = "jina-embeddings-v2-base-en"
V3 = "jina-embeddings-v3"
V4 = "jina-embeddings-v4"
JINA_MODULE_NAMES = frozenset(
    {
        "text2vec-jinaai",
        "multi2vec-jinaai",
        "text2multivec-jinaai",
        LEGACY_MULTIVECTOR_MODULE,
        "multi2multivec-jinaai",
        "reranker-jinaai",
    }
)


# --- one server per module, behind the proxy ---------------------------------------------------


@pytest.fixture(scope="module")
def line_server(
    jina_proxy: JinaProxy,
    weaviate_jina_start: Callable[..., AbstractContextManager[WeaviateInstance]],
) -> Iterator[WeaviateInstance]:
    """A Weaviate of the run's version whose calls to api.jina.ai reach the local server."""
    with weaviate_jina_start(extra_env=jina_proxy.env()) as instance:
        yield instance


def _connect(server: WeaviateInstance) -> WeaviateClient:
    return wje.connect_to_custom(**server.connect_kwargs(), jina_api_key=FAKE_JINA_KEY)


@pytest.fixture(scope="module")
def line(line_server: WeaviateInstance) -> ServerLine:
    """The facts for the version the running server reports."""
    with _connect(line_server) as client:
        return server_line(str(client.get_meta()["version"]))


@pytest.fixture
def client(line_server: WeaviateInstance) -> Iterator[WeaviateClient]:
    """A client sending the local server's key; deletes the collections the test made."""
    with _connect(line_server) as connected:
        before = set(connected.collections.list_all(simple=True))
        yield connected
        created = set(connected.collections.list_all(simple=True)) - before
        if created:
            connected.collections.delete(sorted(created))


def _name() -> str:
    return "T" + uuid.uuid4().hex[:12]


def _import(collection: weaviate.collections.Collection[Any, Any]) -> list[str]:
    """Batch-import the articles; the messages of the objects that failed."""
    with collection.batch.fixed_size(batch_size=50) as batch:
        for article in ARTICLES:
            batch.add_object(properties=article)
    return [f.message for f in collection.batch.failed_objects]


def _requests(jina: FakeJina, path: str = "/v1/embeddings") -> list[RecordedRequest]:
    return [r for r in jina.requests if r.path == path]


def _stored(collection: weaviate.collections.Collection[Any, Any], vector: str) -> dict[str, Any]:
    config = collection.config.get()
    if vector == "default" and config.vector_config is None:
        assert config.vectorizer_config is not None
        return dict(config.vectorizer_config.model)
    assert config.vector_config is not None
    return dict(config.vector_config[vector].vectorizer.model)


def _meta_names(line: ServerLine) -> set[str]:
    """The Jina modules /v1/meta lists: the line's modules without the ColBERT alias."""
    names = set(line.jina_modules)
    if line.multivector_module != LEGACY_MULTIVECTOR_MODULE:
        names.discard(LEGACY_MULTIVECTOR_MODULE)
    return names


def _lengths(collection: weaviate.collections.Collection[Any, Any], vector: str) -> set[int]:
    objects = collection.query.fetch_objects(limit=100, include_vector=True).objects
    assert len(objects) == len(ARTICLES)
    return {len(o.vector[vector]) for o in objects}


# --- connect and the key header ---------------------------------------------------------------


def test_meta_lists_exactly_the_jina_modules_of_the_line(
    client: WeaviateClient, line: ServerLine
) -> None:
    """multi2multivec only from 1.32.0; the ColBERT module under its name of the day."""
    modules = set(client.get_meta()["modules"]) & JINA_MODULE_NAMES
    assert modules == _meta_names(line)
    assert ("multi2multivec-jinaai" in modules) is line.has_multi2multivec


def test_connect_helpers_send_the_key_header_and_verify_modules(
    line_server: WeaviateInstance,
    line: ServerLine,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
) -> None:
    """connect_to_custom and connect_to_local verify the line's modules and send the key."""
    kwargs = line_server.connect_kwargs()
    wanted = sorted(_meta_names(line))
    clients = [
        wje.connect_to_custom(**kwargs, jina_api_key=FAKE_JINA_KEY, verify_modules=wanted),
        wje.connect_to_local(
            host=line_server.http_host,
            port=line_server.http_port,
            grpc_port=line_server.grpc_port,
            jina_api_key=FAKE_JINA_KEY,
            verify_modules=wanted,
        ),
    ]
    for connected in clients:
        with connected:
            name = _name()
            connected.collections.create(
                name,
                properties=PROPS,
                vector_config=JinaConfigure.Vectors.text2vec_jinaai(base_url=jina_fake_base_url),
            )
            jina_fake.clear()
            connected.collections.use(name).data.insert(ARTICLES[0])
            requests = _requests(jina_fake)
            assert requests
            assert {r.key for r in requests} == {mask_key(FAKE_JINA_KEY)}
            connected.collections.delete(name)


# --- the package's defaults, in each config style ----------------------------------------------


@pytest.mark.parametrize("style", ["vectors", "named-vectors", "vectorizer"])
def test_package_defaults_import_in_every_config_style(
    client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str, style: str
) -> None:
    """Built without model or dimensions, every style stores v4 at 2048 and imports on any line."""
    name = _name()
    deprecated = style != "vectors"
    with (
        pytest.warns(DeprecationWarning, match=r"(?i)deprecat")
        if deprecated
        else contextlib.nullcontext()
    ):
        if style == "vectors":
            extra: dict[str, Any] = {
                "vector_config": JinaConfigure.Vectors.text2vec_jinaai(
                    name="body", base_url=jina_fake_base_url
                )
            }
        elif style == "named-vectors":
            extra = {
                "vectorizer_config": [
                    JinaConfigure.NamedVectors.text2vec_jinaai("body", base_url=jina_fake_base_url)
                ]
            }
        else:
            extra = {
                "vectorizer_config": JinaConfigure.Vectorizer.text2vec_jinaai(
                    base_url=jina_fake_base_url
                )
            }
        client.collections.create(name, properties=PROPS, **extra)
    collection = client.collections.use(name)
    vector = "default" if style == "vectorizer" else "body"
    stored = _stored(collection, vector)
    assert (stored["model"], stored["dimensions"]) == (V4, 2048)
    jina_fake.clear()
    assert _import(collection) == []
    assert _lengths(collection, vector) == {2048}
    assert {r.json["model"] for r in _requests(jina_fake)} == {V4}


# --- what the server itself defaults to -------------------------------------------------------


def test_server_defaults_follow_the_line(
    client: WeaviateClient, line: ServerLine, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """A raw config without model or dimensions gets the line's default model and dimensions.

    Before 1.31.6 that is v2-base-en with 1024 stored. 1.29.0-1.31.5 send the 1024 to the
    fixed-size v2 model, which the local Jina server refuses like the real API; 1.28 sends
    no dimensions for v2; 1.31.6 on stores none and uses v4's 2048.
    """
    name = _name()
    client.collections.create(
        name,
        properties=PROPS,
        vector_config=Configure.Vectors.text2vec_jinaai(base_url=jina_fake_base_url),
    )
    collection = client.collections.use(name)
    stored = _stored(collection, "default")
    assert stored["model"] == line.default_text_model
    assert stored.get("dimensions") == line.default_text_dimensions
    sent = line.text_dimensions_sent(line.default_text_model, None)
    jina_fake.clear()
    failures = _import(collection)
    assert {r.json.get("dimensions") for r in _requests(jina_fake)} == {sent}
    info = wje.get_model(line.default_text_model)
    if sent is not None and not info.takes_dimensions:
        assert len(failures) == len(ARTICLES)
        assert all("status: 422" in f and "dimensions" in f for f in failures)
    else:
        assert failures == []
        assert _lengths(collection, "default") == {sent or info.default_dimensions}


def test_a_bare_rest_config_gets_the_lines_defaults(
    line_server: WeaviateInstance, line: ServerLine, jina_fake_base_url: str
) -> None:
    """Through REST, with nothing but baseURL: model, dimensions and vectorizeClassName defaults.

    The Python client always sends vectorizeClassName, so only a bare REST call shows the
    server's own default (true before 1.31.6, false after).
    """
    name = _name()
    url = f"{line_server.url}/v1/schema"
    body = {
        "class": name,
        "properties": [{"name": "title", "dataType": ["text"]}],
        "vectorizer": "text2vec-jinaai",
        "moduleConfig": {"text2vec-jinaai": {"baseURL": jina_fake_base_url}},
    }
    created = httpx.post(url, json=body, timeout=60)
    assert created.status_code == 200, created.text
    try:
        stored = httpx.get(f"{url}/{name}", timeout=60).json()["moduleConfig"]["text2vec-jinaai"]
    finally:
        httpx.delete(f"{url}/{name}", timeout=60)
    assert stored["model"] == line.default_text_model
    assert stored.get("dimensions") == line.default_text_dimensions
    assert stored["vectorizeClassName"] is line.default_vectorize_class_name


@pytest.mark.parametrize(
    ("model", "dimensions"),
    [(V4, None), (V4, 512), (V3, 256), (V2, None)],
    ids=["v4-unset", "v4-512", "v3-256", "v2"],
)
def test_requests_carry_what_the_line_sends(
    client: WeaviateClient,
    line: ServerLine,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    model: str,
    dimensions: int | None,
) -> None:
    """task, normalized and dimensions in import and query requests, per line and model.

    The raw client call is used so that nothing is written that the test does not name.
    """
    name = _name()
    client.collections.create(
        name,
        properties=PROPS,
        vector_config=Configure.Vectors.text2vec_jinaai(
            model=model, dimensions=dimensions, base_url=jina_fake_base_url
        ),
    )
    collection = client.collections.use(name)
    sent = line.text_dimensions_sent(model, dimensions)
    info = wje.get_model(model)
    jina_fake.clear()
    failures = _import(collection)
    if sent is not None and not info.accepts_dimensions(sent):
        assert failures, f"{model} was sent dimensions={sent} and should have been refused"
        return
    assert failures == []
    assert _lengths(collection, "default") == {sent or info.default_dimensions}
    jina_fake.clear()
    response = collection.query.near_text("violin and cello string instruments", limit=1)
    assert response.objects[0].properties["title"] == "Strings"
    (query,) = _requests(jina_fake)
    assert query.json.get("dimensions") == sent
    assert query.json.get("task") == ("retrieval.query" if line.sends_task(model) else None)
    normalized = line.normalized_sent == "v3-or-clip" and line.sends_task(model)
    assert ("normalized" in query.json) is normalized


# --- search -----------------------------------------------------------------------------------


def test_near_text_and_hybrid(
    client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """near_text ranks by the words shared; hybrid alpha=0 is BM25, alpha=1 is near_text."""
    name = _name()
    client.collections.create(
        name,
        properties=PROPS,
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(
            model=V3, dimensions=128, base_url=jina_fake_base_url
        ),
    )
    collection = client.collections.use(name)
    assert _import(collection) == []

    def titles(objects: list[Any]) -> list[str]:
        return [str(o.properties["title"]) for o in objects]

    query = "espresso coffee grounds"
    near = titles(collection.query.near_text(query, limit=5).objects)
    assert near[0] == "Espresso"
    assert titles(collection.query.hybrid(query, alpha=0, limit=5).objects) == titles(
        collection.query.bm25(query, limit=5).objects
    )
    assert titles(collection.query.hybrid(query, alpha=1, limit=5).objects) == near
    for fusion in (HybridFusion.RANKED, HybridFusion.RELATIVE_SCORE):
        mixed = collection.query.hybrid(
            query, alpha=0.5, fusion_type=fusion, limit=3, return_metadata=MetadataQuery(score=True)
        )
        assert titles(mixed.objects)[0] == "Espresso"


def test_rerank_reorders_by_the_local_scores(
    client: WeaviateClient, line: ServerLine, jina_fake: FakeJina
) -> None:
    """reranker-jinaai (host fixed to api.jina.ai) reaches the local server with the key.

    Jina now answers each result's ``document`` as a bare string, as the local server does;
    releases without the fix cannot decode it and every rerank fails.
    """
    name = _name()
    client.collections.create(
        name,
        properties=PROPS,
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(model=V3),
        reranker_config=JinaConfigure.Reranker.jinaai(),
    )
    collection = client.collections.use(name)
    assert _import(collection) == []
    jina_fake.clear()

    def rerank() -> Any:
        return collection.query.near_text(
            "rocket launches into orbit",
            limit=len(ARTICLES),
            rerank=Rerank(prop="body", query="espresso coffee grounds"),
        )

    if not line.rerank_reads_string_documents:
        with pytest.raises(weaviate.exceptions.WeaviateQueryError, match="unmarshal string"):
            rerank()
        assert _requests(jina_fake, "/v1/rerank"), "the failure must come from Jina's answer"
        return
    response = rerank()
    (request,) = _requests(jina_fake, "/v1/rerank")
    assert request.key == mask_key(FAKE_JINA_KEY)
    assert request.json["model"] == "jina-reranker-v2-base-multilingual"
    assert response.objects[0].properties["title"] == "Espresso"
    scores = [o.metadata.rerank_score for o in response.objects]
    known = [s for s in scores if s is not None]
    assert len(known) == len(scores)
    assert known == sorted(known, reverse=True)


# --- ColBERT, and the module's two names -----------------------------------------------------


def test_colbert_imports_and_searches_where_the_module_exists(
    client: WeaviateClient, line: ServerLine, jina_fake: FakeJina
) -> None:
    """One 128-float vector per token and a near_text hit from 1.29; refused before.

    The client writes the module's old name, which every later line accepts.
    """
    name = _name()
    config = JinaConfigure.MultiVectors.text2vec_jinaai(name="colbert")
    if not line.has_multivector:
        with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError, match="no module"):
            client.collections.create(name, properties=PROPS, vector_config=config)
        return
    client.collections.create(name, properties=PROPS, vector_config=config)
    collection = client.collections.use(name)
    jina_fake.clear()
    assert _import(collection) == []
    imported = _requests(jina_fake, "/v1/multi-vector")
    assert {r.json["model"] for r in imported} == {"jina-colbert-v2"}
    objects = collection.query.fetch_objects(limit=100, include_vector=True).objects
    tokens = [token for o in objects for token in o.vector["colbert"]]
    assert tokens
    assert all(isinstance(token, list) and len(token) == 128 for token in tokens)
    jina_fake.clear()
    top = collection.query.near_text("violin and cello", limit=1, target_vector="colbert")
    assert top.objects[0].properties["title"] == "Strings"


@pytest.mark.parametrize("module", ["text2multivec-jinaai", LEGACY_MULTIVECTOR_MODULE])
def test_each_colbert_module_name_is_accepted_where_the_line_knows_it(
    line_server: WeaviateInstance, line: ServerLine, module: str
) -> None:
    """Through REST: the new name from 1.31.5, the old one wherever the module exists."""
    name = _name()
    url = f"{line_server.url}/v1/schema"
    body = {
        "class": name,
        "properties": [{"name": "body", "dataType": ["text"]}],
        "vectorConfig": {
            "colbert": {
                "vectorizer": {module: {"model": "jina-colbert-v2"}},
                "vectorIndexType": "hnsw",
                "vectorIndexConfig": {"multivector": {"enabled": True}},
            }
        },
    }
    try:
        created = httpx.post(url, json=body, timeout=60)
    finally:
        httpx.delete(f"{url}/{name}", timeout=60)
    if line.has_module(module):
        assert created.status_code == 200, created.text
    else:
        assert created.status_code == 422
        (error,) = created.json()["error"]
        assert f'no module with name "{module}"' in error["message"]


def test_multi2multivec_exists_from_1_32(
    client: WeaviateClient, line: ServerLine, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """Before 1.32 the server refuses the module; from 1.32 a text object gets token vectors."""
    name = _name()
    config = JinaConfigure.MultiVectors.multi2vec_jinaai(
        name="mm", text_fields=["body"], base_url=jina_fake_base_url
    )
    if not line.has_multi2multivec:
        with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError, match="multi2multivec"):
            client.collections.create(name, properties=PROPS, vector_config=config)
        return
    client.collections.create(name, properties=PROPS, vector_config=config)
    collection = client.collections.use(name)
    jina_fake.clear()
    collection.data.insert(ARTICLES[2])
    (request,) = _requests(jina_fake)
    assert request.json["return_multivector"] is True
    (obj,) = collection.query.fetch_objects(include_vector=True).objects
    assert len(obj.vector["mm"]) > 1


# --- server settings that changed ---------------------------------------------------------------


def test_api_based_modules_default_and_base_url_validation(
    weaviate_jina_start: Callable[..., AbstractContextManager[WeaviateInstance]],
    line: ServerLine,
    jina_fake_base_url: str,
) -> None:
    """No ENABLE_MODULES: Jina modules present from 1.33 only; MODULES_VALIDATE_BASE_URL from 1.37.

    With the validation on, a loopback ``http://`` base_url is refused at creation.
    """
    env = {"MODULES_VALIDATE_BASE_URL": "true"}
    with (
        weaviate_jina_start(modules=(), extra_env=env) as server,
        _connect(server) as connected,
    ):
        modules = set(connected.get_meta()["modules"]) & JINA_MODULE_NAMES
        assert bool(modules) is line.api_based_modules_on_by_default
        if not modules:
            return
        config = JinaConfigure.Vectors.text2vec_jinaai(base_url=jina_fake_base_url)
        if line.has_validate_base_url:
            with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError, match=r"(?i)url"):
                connected.collections.create(_name(), properties=PROPS, vector_config=config)
        else:
            connected.collections.create(_name(), properties=PROPS, vector_config=config)

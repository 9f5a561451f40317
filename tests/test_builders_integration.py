"""The builders' rules against a real Weaviate, Jina calls answered by the local server.

Each rule is shown from both sides: the builder's valid form works end to end, and the form
it refuses is one the server itself refuses (sent with the raw client, which does not check).
Weaviate reaches the local server through ``jina_fake_base_url``; the server records what
Weaviate sent, so stored vectors can be compared with the package's own requests.
"""

from __future__ import annotations

import base64
import math
import random
import string
import uuid
from typing import TYPE_CHECKING, Any, cast

import pytest
from weaviate.classes.config import Configure, DataType, Integrations, Multi2VecField, Property
from weaviate.classes.query import MetadataQuery
from weaviate.exceptions import UnexpectedStatusCodeError

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._module_rules import module_config_problems, text_property_problems

if TYPE_CHECKING:
    from weaviate.client import WeaviateClient

    from weaviate_jina_ext.testing import FakeJina

pytestmark = pytest.mark.integration

CLIP = "jina-clip-v2"
IMG_A = base64.b64encode(b"\x89PNG a red bicycle photo").decode()
IMG_B = base64.b64encode(b"\x89PNG a mountain lake photo").decode()


def _name(prefix: str = "B") -> str:
    return prefix + uuid.uuid4().hex[:10]


def _embedding_bodies(jina: FakeJina) -> list[Any]:
    return [r.json for r in jina.requests if r.path.endswith("/v1/embeddings")]


def _close(a: list[float], b: list[float], tol: float = 1e-5) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y, abs_tol=tol) for x, y in zip(a, b, strict=True)
    )


# --------------------------------------------------------------------------- item 7: multi2multivec


def test_multi2multivec_valid_form_works(
    weaviate_jina_client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """One text property, no weights: the collection embeds through the local server (v4 tokens)."""
    name = _name()
    weaviate_jina_client.collections.create(
        name,
        properties=[Property(name="body", data_type=DataType.TEXT)],
        vector_config=JinaConfigure.MultiVectors.multi2vec_jinaai(
            name="mm", base_url=jina_fake_base_url, text_fields=["body"]
        ),
    )
    collection = weaviate_jina_client.collections.use(name)
    jina_fake.clear()
    collection.data.insert({"body": "token vectors for a red bike"})
    obj = collection.query.fetch_objects(include_vector=True).objects[0]
    matrix = cast("list[list[float]]", obj.vector["mm"])
    assert len(matrix) > 1
    assert {len(row) for row in matrix} == {128}
    (body,) = _embedding_bodies(jina_fake)
    assert body["return_multivector"] is True
    assert body["input"] == [{"text": "token vectors for a red bike"}]
    assert "task" not in body
    assert "dimensions" not in body


INVALID_M2MV: list[tuple[str, dict[str, Any], str]] = [
    ("both-kinds", {"text_fields": ["body"], "image_fields": ["img"]}, "not both"),
    ("two-properties", {"text_fields": ["body", "title"]}, "only one text property"),
    ("weights", {"text_fields": [Multi2VecField(name="body", weight=0.5)]}, "weights"),
]


@pytest.mark.parametrize(
    ("fields", "server_says"), [c[1:] for c in INVALID_M2MV], ids=[c[0] for c in INVALID_M2MV]
)
def test_multi2multivec_invalid_forms_refused_by_both(
    weaviate_jina_client: WeaviateClient,
    jina_fake_base_url: str,
    fields: dict[str, Any],
    server_says: str,
) -> None:
    """The builder raises before sending; the raw client's same config gets a 422 from Weaviate."""
    properties = [
        Property(name="body", data_type=DataType.TEXT),
        Property(name="title", data_type=DataType.TEXT),
        Property(name="img", data_type=DataType.BLOB),
    ]
    name = _name()
    with pytest.raises(wje.JinaConfigError):
        weaviate_jina_client.collections.create(
            name,
            properties=properties,
            vector_config=JinaConfigure.MultiVectors.multi2vec_jinaai(
                name="mm", base_url=jina_fake_base_url, **fields
            ),
        )
    assert not weaviate_jina_client.collections.exists(name)
    with pytest.raises(UnexpectedStatusCodeError) as info:
        weaviate_jina_client.collections.create(
            name,
            properties=properties,
            vector_config=Configure.MultiVectors.multi2vec_jinaai(
                name="mm",
                base_url=jina_fake_base_url,  # type: ignore[arg-type]
                model="jina-embeddings-v4",
                **fields,
            ),
        )
    assert info.value.status_code == 422
    assert server_says in info.value.message
    assert not weaviate_jina_client.collections.exists(name)


def test_clip_v1_768_accepted_and_other_sizes_refused_by_server(
    weaviate_jina_client: WeaviateClient, jina_fake_base_url: str
) -> None:
    """Weaviate takes jina-clip-v1 with 768 and refuses 512, as the builder does."""
    props = [Property(name="img", data_type=DataType.BLOB)]
    ok = _name()
    weaviate_jina_client.collections.create(
        ok,
        properties=props,
        vector_config=JinaConfigure.Vectors.multi2vec_jinaai(
            model="jina-clip-v1", dimensions=768, image_fields=["img"], base_url=jina_fake_base_url
        ),
    )
    assert weaviate_jina_client.collections.exists(ok)
    with pytest.raises(UnexpectedStatusCodeError) as info:
        weaviate_jina_client.collections.create(
            _name(),
            properties=props,
            vector_config=Configure.Vectors.multi2vec_jinaai(
                model="jina-clip-v1", dimensions=512, image_fields=["img"]
            ),
        )
    assert info.value.status_code == 422
    assert "768" in info.value.message


# --------------------------------------------------------------------------- item 8: ColBERT base_url


def test_colbert_reaches_local_server_through_base_url(
    weaviate_jina_client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """A ColBERT collection with base_url embeds and searches through the local server, no proxy."""
    name = _name()
    weaviate_jina_client.collections.create(
        name,
        properties=[Property(name="body", data_type=DataType.TEXT)],
        vector_config=JinaConfigure.MultiVectors.text2vec_jinaai(
            name="colbert", base_url=jina_fake_base_url, dimensions=96
        ),
    )
    collection = weaviate_jina_client.collections.use(name)
    vector_config = collection.config.get().vector_config
    assert vector_config is not None
    stored = vector_config["colbert"].vectorizer.model
    assert stored["baseURL"] == jina_fake_base_url
    jina_fake.clear()
    collection.data.insert_many([{"body": "rockets reach orbit"}, {"body": "bread needs flour"}])
    top = collection.query.near_text("orbit rockets", limit=1, target_vector="colbert").objects
    assert top[0].properties["body"] == "rockets reach orbit"
    paths = [r.path for r in jina_fake.requests]
    assert paths
    assert all(p.endswith("/v1/multi-vector") for p in paths)
    assert {r.json["dimensions"] for r in jina_fake.requests} == {96}
    obj = collection.query.fetch_objects(include_vector=True, limit=1).objects[0]
    assert {len(row) for row in cast("list[list[float]]", obj.vector["colbert"])} == {96}


# --------------------------------------------------------------------------- item 9: vectorize_collection_name


def _letters(n: int) -> str:
    return "".join(random.choices(string.ascii_lowercase, k=n))


@pytest.mark.parametrize("vectorize_name", [False, True], ids=["default-false", "true"])
def test_vectorize_collection_name_changes_embedded_text(
    weaviate_jina_client: WeaviateClient,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    jina_api_key: str,
    vectorize_name: bool,
) -> None:
    """With the default the stored vector is the text's own; with True the name leads the text.

    So vectors brought from outside (``embed_for_weaviate`` on the property text) equal the
    stored ones only with the default.
    """
    suffix = _letters(8)
    name = f"Vcn{'Article'}{suffix}"  # Weaviate splits at capitals: "Vcn Article<suffix>"
    kwargs: dict[str, Any] = {"vectorize_collection_name": True} if vectorize_name else {}
    weaviate_jina_client.collections.create(
        name,
        properties=[Property(name="body", data_type=DataType.TEXT)],
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(
            model="jina-embeddings-v3", base_url=jina_fake_base_url, **kwargs
        ),
    )
    collection = weaviate_jina_client.collections.use(name)
    jina_fake.clear()
    collection.data.insert({"body": "hello world"})
    (body,) = _embedding_bodies(jina_fake)
    text = f"Vcn Article{suffix} hello world" if vectorize_name else "hello world"
    assert body["input"] == [text]
    stored = cast(
        "list[float]",
        collection.query.fetch_objects(include_vector=True).objects[0].vector["default"],
    )
    with wje.JinaClient(api_key=jina_api_key, base_url=jina_fake.url) as jina:
        own = jina.embed_for_weaviate(["hello world"], model="jina-embeddings-v3").vectors[0]
        of_sent_text = jina.embed_for_weaviate([text], model="jina-embeddings-v3").vectors[0]
    assert _close(stored, of_sent_text)
    assert _close(stored, own) is not vectorize_name


# --------------------------------------------------------------------------- item 11: BYO for CLIP

CLIP_OBJECTS: list[dict[str, object]] = [
    {"title": "Bike", "caption": "a red bicycle by a wall", "image": IMG_A},
    {"title": "Lake", "caption": "a calm mountain lake", "image": IMG_B},
    {"title": "Words only", "caption": "no picture here"},
]


def _clip_collection(client: WeaviateClient, base_url: str, **fields: Any) -> Any:
    name = _name("Clip")
    client.collections.create(
        name,
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(name="caption", data_type=DataType.TEXT),
            Property(name="image", data_type=DataType.BLOB),
        ],
        vector_config=JinaConfigure.Vectors.multi2vec_jinaai(
            base_url=base_url, dimensions=64, **fields
        ),
    )
    return client.collections.use(name)


@pytest.mark.parametrize(
    ("fields", "count"),
    [
        ({"text_fields": ["caption", "title"], "image_fields": ["image"]}, 3),
        # Weighted fields need one value each per object: the image-less object is left out.
        (
            {
                "text_fields": [Multi2VecField(name="caption", weight=3)],
                "image_fields": [Multi2VecField(name="image", weight=1)],
            },
            2,
        ),
    ],
    ids=["mean", "weighted"],
)
def test_clip_parity_objects_and_queries(
    weaviate_jina_client: WeaviateClient,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    jina_api_key: str,
    fields: dict[str, Any],
    count: int,
) -> None:
    """Vectors the package computes equal those Weaviate stored and searched with (CLIP)."""
    objects = CLIP_OBJECTS[:count]
    collection = _clip_collection(weaviate_jina_client, jina_fake_base_url, **fields)
    with collection.batch.fixed_size(batch_size=10) as batch:
        for obj in objects:
            batch.add_object(properties=obj)
    assert collection.batch.failed_objects == []
    stored = {
        o.properties["caption"]: cast("list[float]", o.vector["default"])
        for o in collection.query.fetch_objects(include_vector=True).objects
    }
    with wje.JinaClient(api_key=jina_api_key, base_url=jina_fake.url) as jina:
        ours = jina.embed_objects_for_weaviate(objects, model=CLIP, dimensions=64, **fields)
        jina_fake.clear()
        query = "red bicycle"
        weaviate_hits = collection.query.near_text(
            query, limit=len(objects), return_metadata=MetadataQuery(distance=True)
        ).objects
        (weaviate_query_body,) = _embedding_bodies(jina_fake)
        jina_fake.clear()
        our_query = jina.embed_for_weaviate(
            [query], model=CLIP, dimensions=64, query=True, module="multi2vec-jinaai"
        )
        (our_query_body,) = _embedding_bodies(jina_fake)
        image_query = jina.embed_objects_for_weaviate(
            [{"q": IMG_A}], model=CLIP, dimensions=64, image_fields=["q"]
        )
    for obj, vector in zip(objects, ours.vectors, strict=True):
        assert _close(stored[obj["caption"]], vector)
    assert our_query_body == weaviate_query_body
    assert weaviate_query_body["task"] == "retrieval.query"
    assert weaviate_query_body["normalized"] is True
    ours_hits = collection.query.near_vector(
        our_query.vectors[0], limit=len(objects), return_metadata=MetadataQuery(distance=True)
    ).objects
    assert [h.uuid for h in ours_hits] == [h.uuid for h in weaviate_hits]
    for mine, theirs in zip(ours_hits, weaviate_hits, strict=True):
        assert math.isclose(
            cast("float", mine.metadata.distance),
            cast("float", theirs.metadata.distance),
            abs_tol=1e-5,
        )
    by_image = collection.query.near_image(
        IMG_A, limit=1, return_metadata=MetadataQuery(distance=True)
    ).objects[0]
    by_vector = collection.query.near_vector(
        image_query.vectors[0], limit=1, return_metadata=MetadataQuery(distance=True)
    ).objects[0]
    assert by_image.uuid == by_vector.uuid
    assert math.isclose(
        cast("float", by_image.metadata.distance),
        cast("float", by_vector.metadata.distance),
        abs_tol=1e-5,
    )


# --------------------------------------------------------------------------- Weaviate #8668


def _colbert_without_text(client: WeaviateClient, base_url: str) -> str:
    name = "NoText" + _letters(8)  # letters only: Weaviate embeds it as "No Text<letters>"
    client.collections.create(
        name,
        properties=[Property(name="n", data_type=DataType.INT)],
        vector_config=JinaConfigure.MultiVectors.text2vec_jinaai(name="colbert", base_url=base_url),
    )
    return name


def test_colbert_without_text_property_embeds_the_name(
    weaviate_jina_client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """Auto-schema on (the default): the collection is created, objects embed the name alone."""
    (problem,) = text_property_problems("text2multivec-jinaai", {"n": "int"})
    assert "collection name alone" in problem
    name = _colbert_without_text(weaviate_jina_client, jina_fake_base_url)
    collection = weaviate_jina_client.collections.use(name)
    jina_fake.clear()
    collection.data.insert_many([{"n": 1}, {"n": 2}])
    inputs = [text for r in jina_fake.requests for text in r.json["input"]]
    assert inputs == [f"No Text{name[6:]}"] * 2
    config = collection.config.get()
    assert config.vector_config is not None
    stored = dict(config.vector_config["colbert"].vectorizer.model)
    properties = {p.name: p.data_type.value for p in config.properties}
    (lint,) = module_config_problems("text2colbert-jinaai", stored, properties)
    assert "no text property" in lint


def test_colbert_without_text_property_refused_without_autoschema(
    weaviate_jina_start: Any, jina_fake_base_url: str
) -> None:
    """Auto-schema off: Weaviate answers 422 'invalid properties' (Weaviate issue #8668)."""
    (problem,) = text_property_problems("text2multivec-jinaai", {"n": "int"})
    assert "invalid properties" in problem
    with (
        weaviate_jina_start(extra_env={"AUTOSCHEMA_ENABLED": "false"}) as instance,
        wje.connect_to_custom(**instance.connect_kwargs()) as client,
        pytest.raises(UnexpectedStatusCodeError) as info,
    ):
        _colbert_without_text(client, jina_fake_base_url)
    assert info.value.status_code == 422
    assert "invalid properties" in info.value.message


# --------------------------------------------------------------------------- linting stored configs


def test_stored_configs_linted_with_the_same_rules(
    weaviate_jina_client: WeaviateClient, jina_fake_base_url: str
) -> None:
    """Configs the server accepts but the builders refuse are found again in what it stores."""
    name = _name()
    weaviate_jina_client.collections.create(
        name,
        properties=[
            Property(name="title", data_type=DataType.TEXT),
            Property(name="caption", data_type=DataType.TEXT),
            Property(name="n", data_type=DataType.INT),
        ],
        vector_config=[
            # Weights on unsorted fields: accepted, applied to the wrong fields.
            Configure.Vectors.multi2vec_jinaai(
                name="clip",
                base_url=jina_fake_base_url,  # type: ignore[arg-type]
                model="jina-clip-v2",
                text_fields=[
                    Multi2VecField(name="title", weight=0.9),
                    Multi2VecField(name="caption", weight=0.1),
                ],
            ),
            # Dimensions v3 cannot produce: accepted, refused by Jina at the first import.
            Configure.Vectors.text2vec_jinaai(
                name="text",
                base_url=jina_fake_base_url,
                model="jina-embeddings-v3",
                dimensions=4096,
            ),
            # Source properties may name non-text properties: an int is embedded as text.
            Configure.MultiVectors.text2vec_jinaai(
                name="colbert", source_properties=["n"], vectorize_collection_name=False
            ),
            JinaConfigure.Vectors.text2vec_jinaai(
                name="fine", base_url=jina_fake_base_url, model="jina-embeddings-v3"
            ),
        ],
    )
    config = weaviate_jina_client.collections.use(name).config.get()
    assert config.vector_config is not None
    properties = {p.name: p.data_type.value for p in config.properties}
    found = {}
    for vector, named in config.vector_config.items():
        settings = dict(named.vectorizer.model)
        if named.vectorizer.source_properties:
            settings["properties"] = named.vectorizer.source_properties
        module = str(getattr(named.vectorizer.vectorizer, "value", named.vectorizer.vectorizer))
        found[vector] = " | ".join(module_config_problems(module, settings, properties))
    assert "alphabetical" in found["clip"]
    assert "32-1024" in found["text"]
    assert found["colbert"] == ""
    assert found["fine"] == ""


# --------------------------------------------------------------------------- importing into ColBERT


def test_import_objects_into_colbert_collection(
    weaviate_jina_client: WeaviateClient, jina_fake: FakeJina, jina_fake_base_url: str
) -> None:
    """import_objects takes a ColBERT collection (reported as text2colbert-jinaai) and verifies it."""
    name = _name()
    weaviate_jina_client.collections.create(
        name,
        properties=[Property(name="body", data_type=DataType.TEXT)],
        vector_config=JinaConfigure.MultiVectors.text2vec_jinaai(
            name="colbert", base_url=jina_fake_base_url, dimensions=64
        ),
    )
    collection = weaviate_jina_client.collections.use(name)
    module = collection.config.get().vector_config["colbert"].vectorizer.vectorizer  # type: ignore[index]
    assert str(getattr(module, "value", module)) == "text2colbert-jinaai"
    jina_fake.clear()
    objects = [{"body": f"document number {i} about rockets"} for i in range(25)]
    report = wje.import_objects(collection, objects, batch_size=10, verify=True)
    assert report.ok, report.summary()
    assert report.stored == 25
    assert all(r.path.endswith("/v1/multi-vector") for r in jina_fake.requests)
    stored = list(collection.iterator(include_vector=True))
    assert len(stored) == 25
    for obj in stored:
        rows = cast("list[list[float]]", obj.vector["colbert"])
        assert rows
        assert {len(row) for row in rows} == {64}


# --------------------------------------------------------------------------- item 10: Integrations base_url


def test_integrations_base_url_is_ignored_and_warned(
    weaviate_jina_client: WeaviateClient,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    jina_api_key: str,
) -> None:
    """The header Integrations.jinaai(base_url=...) adds changes nothing on the server; we warn."""
    weaviate_jina_client.integrations.configure(
        Integrations.jinaai(api_key=jina_api_key, base_url="http://jina.invalid:9")
    )
    with pytest.warns(wje.JinaBaseUrlHeaderWarning) as record:
        wje.ensure_jina_modules(weaviate_jina_client)
    assert record[0].filename == __file__
    name = _name()
    weaviate_jina_client.collections.create(
        name,
        properties=[Property(name="body", data_type=DataType.TEXT)],
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(base_url=jina_fake_base_url),
    )
    jina_fake.clear()
    weaviate_jina_client.collections.use(name).data.insert({"body": "still the collection's url"})
    # The vector came from the collection's base_url, not from the header's unreachable one.
    assert len(_embedding_bodies(jina_fake)) == 1

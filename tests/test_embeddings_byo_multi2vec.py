"""Bring-your-own vectors for multi2vec-jinaai (CLIP): the requests and vectors Weaviate makes.

Against the local Jina-compatible server over HTTP: the bodies must be what the module sends
(no task or ``normalized`` for object vectors; ``retrieval.query`` and ``normalized: true``
for text queries), and the vectors what the module stores (the mean of an object's inputs).
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from weaviate.classes.config import Multi2VecField

from weaviate_jina_ext import AsyncJinaClient, JinaClient
from weaviate_jina_ext._catalogue import UnknownModelWarning
from weaviate_jina_ext._exceptions import (
    InvalidDimensionsError,
    JinaAPIError,
    JinaConfigError,
    ModelModuleMismatchError,
)
from weaviate_jina_ext._module_rules import combine_vectors
from weaviate_jina_ext.testing._fake import FakeJina

KEY = "jina_BYOmultiSECRET1234567890abcd"
CLIP = "jina-clip-v2"
IMG_A = base64.b64encode(b"\x89PNG image a").decode()
IMG_B = base64.b64encode(b"\x89PNG image b").decode()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeJina]:
    with FakeJina(api_keys=[KEY]) as jina:
        yield jina


@pytest.fixture
def jina(server: FakeJina) -> FakeJina:
    server.clear()
    return server


@pytest.fixture
def client(jina: FakeJina) -> Iterator[JinaClient]:
    with JinaClient(api_key=KEY, base_url=jina.url) as c:
        yield c


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(p - q) < 1e-6 for p, q in zip(a, b, strict=True))


def _server_vectors(
    jina: FakeJina, inputs: list[Any], dims: int | None = None
) -> list[list[float]]:
    # What the server answers for a body without task or normalized (the object request).
    return jina.embed(inputs, model=CLIP, dimensions=dims)


def test_text_query_body_and_vectors(jina: FakeJina, client: JinaClient) -> None:
    """A near_text vector: plain strings, retrieval.query, normalized true, the dimensions."""
    result = client.embed_for_weaviate(
        ["a red bike"], model=CLIP, dimensions=64, query=True, module="multi2vec-jinaai"
    )
    (request,) = jina.requests
    assert request.json == {
        "input": ["a red bike"],
        "model": CLIP,
        "embedding_type": "float",
        "normalized": True,
        "task": "retrieval.query",
        "dimensions": 64,
    }
    expected = jina.embed(
        ["a red bike"], model=CLIP, task="retrieval.query", dimensions=64, normalized=True
    )
    assert _close(result.vectors[0], expected[0])


def test_text_object_body_has_no_task(jina: FakeJina, client: JinaClient) -> None:
    """Object vectors of single text fields: {"text"} inputs, neither task nor normalized."""
    client.embed_for_weaviate(["one", "two"], model=CLIP, module="multi2vec-jinaai")
    (request,) = jina.requests
    assert request.json == {
        "input": [{"text": "one"}, {"text": "two"}],
        "model": CLIP,
        "embedding_type": "float",
    }


def test_v4_in_multi2vec_sends_no_task(jina: FakeJina, client: JinaClient) -> None:
    """jina-embeddings-v4 in multi2vec-jinaai: Weaviate drops the task (name lacks v3/clip)."""
    client.embed_for_weaviate(
        ["q"], model="jina-embeddings-v4", query=True, module="multi2vec-jinaai"
    )
    assert jina.requests[0].json == {
        "input": ["q"],
        "model": "jina-embeddings-v4",
        "embedding_type": "float",
    }


def test_objects_mean_in_weaviate_order(jina: FakeJina, client: JinaClient) -> None:
    """Texts in property-name order (text[] expanded), then images, in one body; mean vector."""
    objects: list[dict[str, object]] = [
        {"title": "zebra", "caption": "a red bike", "tags": ["x", "y"], "img": IMG_A, "n": 3},
        {"caption": "only text", "img": None},
    ]
    result = client.embed_objects_for_weaviate(
        objects,
        model=CLIP,
        text_fields=["title", "caption", "tags"],
        image_fields=["img"],
        dimensions=128,
    )
    (request,) = jina.requests
    inputs = [
        {"text": "a red bike"},
        {"text": "x"},
        {"text": "y"},
        {"text": "zebra"},
        {"image": IMG_A},
        {"text": "only text"},
    ]
    assert request.json == {
        "input": inputs,
        "model": CLIP,
        "embedding_type": "float",
        "dimensions": 128,
    }
    each = _server_vectors(jina, inputs, 128)
    assert _close(result.vectors[0], combine_vectors(each[:5]))
    assert _close(result.vectors[1], each[5])
    assert len(result.vectors) == 2


def test_weighted_objects_follow_weaviate_formula(jina: FakeJina, client: JinaClient) -> None:
    """Weights are normalised and applied by position; the sum is divided by the input count."""
    result = client.embed_objects_for_weaviate(
        [{"caption": "a red bike", "img": IMG_B}],
        model=CLIP,
        text_fields=[Multi2VecField(name="caption", weight=3)],
        image_fields=[Multi2VecField(name="img", weight=1)],
    )
    text_vec, image_vec = _server_vectors(jina, [{"text": "a red bike"}, {"image": IMG_B}])
    expected = [(0.75 * t + 0.25 * i) / 2 for t, i in zip(text_vec, image_vec, strict=True)]
    assert _close(result.vectors[0], expected)


def test_image_query_is_an_image_only_object(jina: FakeJina, client: JinaClient) -> None:
    """near_image vectors equal an object holding only that image (one {"image"} input)."""
    result = client.embed_objects_for_weaviate([{"q": IMG_A}], model=CLIP, image_fields=["q"])
    assert _close(result.vectors[0], _server_vectors(jina, [{"image": IMG_A}])[0])


REFUSED: list[tuple[str, Any, type[Exception], str]] = [
    ("multi2multivec", lambda c: c.embed_for_weaviate(["a"], model="jina-embeddings-v4",
     module="multi2multivec-jinaai"), JinaConfigError, "'text2vec-jinaai', 'multi2vec-jinaai'"),
    ("text-model-in-multi2vec", lambda c: c.embed_for_weaviate(["a"], model="jina-embeddings-v3",
     module="multi2vec-jinaai"), ModelModuleMismatchError, "not by multi2vec-jinaai"),
    ("clip-v1-dims", lambda c: c.embed_for_weaviate(["a"], model="jina-clip-v1", dimensions=512,
     module="multi2vec-jinaai"), InvalidDimensionsError, "exactly 768"),
    ("clip-in-text2vec", lambda c: c.embed_for_weaviate(["a"], model=CLIP), JinaConfigError,
     "module='multi2vec-jinaai'"),
    ("no-fields", lambda c: c.embed_objects_for_weaviate([{"a": "x"}], model=CLIP),
     JinaConfigError, "none were given"),
    ("object-without-fields", lambda c: c.embed_objects_for_weaviate(
        [{"caption": "x"}, {"other": "y"}], model=CLIP, text_fields=["caption"]),
     JinaConfigError, "objects[1] has none of the fields"),
    ("weights-vs-text-array", lambda c: c.embed_objects_for_weaviate(
        [{"tags": ["a", "b"]}], model=CLIP, text_fields=[Multi2VecField(name="tags", weight=1)]),
     JinaConfigError, "2 inputs for 1 field weights"),
    ("single-dict", lambda c: c.embed_objects_for_weaviate({"caption": "x"}, model=CLIP,
     text_fields=["caption"]), JinaConfigError, "wrap a single object"),
    ("image-not-str", lambda c: c.embed_objects_for_weaviate([{"img": b"raw"}], model=CLIP,
     image_fields=["img"]), JinaConfigError, "must be a base64 str"),
    ("one-kind-weighted", lambda c: c.embed_objects_for_weaviate(
        [{"t": "x", "i": IMG_A}], model=CLIP,
        text_fields=[Multi2VecField(name="t", weight=1)], image_fields=["i"]),
     JinaConfigError, "weight every field"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "fragment"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_refused_before_sending(
    jina: FakeJina, client: JinaClient, call: Any, error: type[Exception], fragment: str
) -> None:
    """What Weaviate would refuse or mishandle is refused here, and nothing is sent."""
    with pytest.raises(error) as info:
        call(client)
    assert fragment in str(info.value)
    assert jina.requests == []


@pytest.mark.anyio
async def test_async_twin_gives_same_vectors(jina: FakeJina, client: JinaClient) -> None:
    """AsyncJinaClient's twins send the same bodies and return the same vectors."""
    objects: list[dict[str, object]] = [{"caption": "a red bike", "img": IMG_A}]
    fields: dict[str, Any] = {"text_fields": ["caption"], "image_fields": ["img"]}
    sync_objects = client.embed_objects_for_weaviate(objects, model=CLIP, **fields)
    sync_query = client.embed_for_weaviate(
        ["bike"], model=CLIP, query=True, module="multi2vec-jinaai"
    )
    async with AsyncJinaClient(api_key=KEY, base_url=jina.url) as a:
        async_objects = await a.embed_objects_for_weaviate(objects, model=CLIP, **fields)
        async_query = await a.embed_for_weaviate(
            ["bike"], model=CLIP, query=True, module="multi2vec-jinaai"
        )
    assert async_objects.vectors == sync_objects.vectors
    assert async_query.vectors == sync_query.vectors
    bodies = [r.json for r in jina.requests]
    assert bodies[:2] == bodies[2:]


def test_no_objects_no_request(jina: FakeJina, client: JinaClient) -> None:
    """An empty list returns an empty result without a request (after the checks)."""
    result = client.embed_objects_for_weaviate([], model=CLIP, text_fields=["caption"])
    assert result.vectors == []
    assert jina.requests == []
    with pytest.raises(JinaConfigError):
        client.embed_objects_for_weaviate([], model=CLIP)


def test_unknown_model_warns_at_caller(jina: FakeJina, client: JinaClient) -> None:
    """A model the catalogue does not know is sent as is, with a warning on the caller's line."""
    # A strict server refuses the unknown name (400); a lenient one embeds it.
    with pytest.warns(UnknownModelWarning) as record, contextlib.suppress(JinaAPIError):
        client.embed_objects_for_weaviate(
            [{"caption": "x"}], model="jina-clip-v9", text_fields=["caption"]
        )
    assert record[0].filename == __file__
    assert len(jina.requests) == 1  # sent: the server, not the client, judges the name


def test_unicode_and_order_survive(jina: FakeJina, client: JinaClient) -> None:
    """Odd unicode in texts and property names goes through unchanged, one vector per object."""
    objects: list[dict[str, object]] = [
        {"ä": "naïve café ☕", "z": "\u200bzero width"},
        {"ä": "日本語のテキスト"},
    ]
    result = client.embed_objects_for_weaviate(objects, model=CLIP, text_fields=["z", "ä"])
    (request,) = jina.requests
    assert request.json["input"] == [
        {"text": "\u200bzero width"},
        {"text": "naïve café ☕"},
        {"text": "日本語のテキスト"},
    ]
    assert len(result.vectors) == 2


def test_twins_have_the_same_signatures() -> None:
    """The async twins take exactly the sync methods' parameters."""
    import inspect  # noqa: PLC0415

    for name in ("embed_for_weaviate", "embed_objects_for_weaviate"):
        sync = inspect.signature(getattr(JinaClient, name)).parameters
        other = inspect.signature(getattr(AsyncJinaClient, name)).parameters
        assert [(p.name, p.kind, p.default) for p in sync.values()] == [
            (p.name, p.kind, p.default) for p in other.values()
        ]

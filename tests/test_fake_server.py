"""The local Jina-compatible server: wire format, validation, faults, limits and lifecycle."""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
import pytest

from weaviate_jina_ext import _wire
from weaviate_jina_ext._cli import build_parser
from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext.testing._fake import (
    IMAGE_KEY_PREFIX,
    FakeJina,
    Faults,
    RateLimit,
    ScriptedResponse,
    hashing_embedder,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

KEY = "jina_test_key_000000000001"
OTHER_KEY = "jina_test_key_000000000002"
V3 = "jina-embeddings-v3"
PNG_B64 = base64.b64encode(b"\x89PNG\r\n\x1a\n fake image bytes").decode()


@pytest.fixture
def fake() -> Iterator[FakeJina]:
    with FakeJina(api_keys=[KEY, OTHER_KEY]) as server:
        yield server


@pytest.fixture
def client(fake: FakeJina) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
        yield c


def post(client: httpx.Client, path: str = _wire.EMBEDDINGS_PATH, **body: Any) -> httpx.Response:
    return client.post(path, json=body)


def vectors(response: httpx.Response) -> np.ndarray[Any, np.dtype[np.float64]]:
    assert response.status_code == 200, response.text
    return np.array([item["embedding"] for item in response.json()["data"]])


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body.get("code") == code
    return str(body["detail"])


# --------------------------------------------------------------------------- wire format


def test_embeddings_response_has_exact_shape(client: httpx.Client) -> None:
    """A 200 carries model, object, usage (both counters) and indexed float embeddings."""
    body = post(client, model=V3, input=["hello world", "second text here"]).json()
    assert list(body) == ["model", "object", "usage", "data"]
    assert body["model"] == V3
    assert body["object"] == "list"
    assert body["usage"] == {"total_tokens": 7, "prompt_tokens": 7}
    assert [list(d) for d in body["data"]] == [["object", "index", "embedding"]] * 2
    assert [d["index"] for d in body["data"]] == [0, 1]
    assert {d["object"] for d in body["data"]} == {"embedding"}
    assert all(len(d["embedding"]) == 1024 for d in body["data"])
    assert all(isinstance(x, float) for x in body["data"][0]["embedding"])


@pytest.mark.parametrize(
    ("model", "dims"),
    [
        ("jina-embeddings-v2-small-en", 512),
        ("jina-embeddings-v2-base-en", 768),
        (V3, 1024),
        ("jina-embeddings-v4", 2048),
        ("jina-embeddings-v5-text-nano", 768),
        ("jina-clip-v2", 1024),
        ("jina-embeddings-v5-omni-nano", 768),
        ("jina-code-embeddings-0.5b", 896),
        ("jina-code-embeddings-1.5b", 1536),
    ],
    ids=lambda v: str(v),
)
def test_default_dimensions_come_from_the_catalogue(
    client: httpx.Client, model: str, dims: int
) -> None:
    """Without ``dimensions`` a model answers its catalogue length."""
    assert vectors(post(client, model=model, input="text")).shape == (1, dims)


@pytest.mark.parametrize(
    "payload",
    ["the same text", ["the same text"], {"text": "the same text"}, [{"text": "the same text"}]],
    ids=["str", "list", "text-object", "list-of-text-objects"],
)
def test_every_input_shape_gives_the_same_vector(client: httpx.Client, payload: object) -> None:
    """Strings, lists and ``{"text"}`` objects are the same input."""
    expected = vectors(post(client, model=V3, input="the same text"))
    np.testing.assert_array_equal(vectors(post(client, model=V3, input=payload)), expected)


def test_vectors_are_unit_length(client: httpx.Client) -> None:
    """Vectors are L2-normalised by default."""
    got = vectors(post(client, model=V3, input=["a", "b c d", ""]))
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)


def test_dimensions_truncate_then_renormalise(client: httpx.Client) -> None:
    """``dimensions`` with ``normalized: true`` keeps the Matryoshka prefix, renormalised."""
    full = vectors(post(client, model=V3, input="matryoshka"))[0]
    short = vectors(post(client, model=V3, input="matryoshka", dimensions=256, normalized=True))[0]
    assert short.shape == (256,)
    np.testing.assert_allclose(short, full[:256] / np.linalg.norm(full[:256]), atol=1e-6)


def test_normalized_defaults_to_false_where_the_schema_has_it(client: httpx.Client) -> None:
    """Without ``normalized`` v3 answers the bare prefix (default false, Jina's API guide v14).

    v4 has no ``normalized`` field (same source) and answers unit vectors.
    """
    full = vectors(post(client, model=V3, input="matryoshka"))[0]
    short = vectors(post(client, model=V3, input="matryoshka", dimensions=64))[0]
    np.testing.assert_allclose(short, full[:64], atol=1e-7)
    v4 = vectors(post(client, model="jina-embeddings-v4", input="matryoshka", dimensions=128))
    np.testing.assert_allclose(np.linalg.norm(v4, axis=1), 1.0, atol=1e-6)


def test_normalized_false_skips_renormalisation(client: httpx.Client) -> None:
    """``normalized: false`` returns the bare truncated prefix."""
    full = vectors(post(client, model=V3, input="matryoshka"))[0]
    raw = vectors(post(client, model=V3, input="matryoshka", dimensions=64, normalized=False))[0]
    np.testing.assert_allclose(raw, full[:64], atol=1e-7)
    assert np.linalg.norm(raw) < 0.9


@pytest.mark.parametrize("field", ["embedding_type", "encoding_type", "encoding_format"])
def test_base64_is_little_endian_float32(client: httpx.Client, field: str) -> None:
    """``base64`` (under any of its three field names) decodes to the float vector exactly."""
    floats = vectors(post(client, model=V3, input="pack me")).astype(np.float32)[0]
    body = post(client, model=V3, input="pack me", **{field: "base64"}).json()
    decoded = np.frombuffer(base64.b64decode(body["data"][0]["embedding"]), dtype="<f4")
    np.testing.assert_array_equal(decoded, floats)


def test_binary_types_pack_sign_bits(client: httpx.Client) -> None:
    """``ubinary`` packs the sign bits as uint8 and ``binary`` as int8 (uint8 - 128)."""
    floats = vectors(post(client, model=V3, input="bits", dimensions=64))[0]
    data = post(
        client, model=V3, input="bits", dimensions=64, embedding_type=["ubinary", "binary"]
    ).json()["data"][0]["embedding"]
    assert len(data["ubinary"]) == 8
    np.testing.assert_array_equal(np.unpackbits(np.array(data["ubinary"], "uint8")), floats > 0)
    np.testing.assert_array_equal((np.array(data["binary"]) + 128), data["ubinary"])


def test_list_of_types_returns_a_dict_keyed_by_type(client: httpx.Client) -> None:
    """A list ``embedding_type`` gives one entry per type in a dict."""
    emb = post(client, model=V3, input="x", embedding_type=["float", "base64"]).json()
    value = emb["data"][0]["embedding"]
    assert set(value) == {"float", "base64"}
    decoded = np.frombuffer(base64.b64decode(value["base64"]), dtype="<f4")
    np.testing.assert_array_equal(decoded, np.array(value["float"], dtype=np.float32))


@pytest.mark.parametrize(
    "types",
    [{"embedding_type": "int4"}, {"embedding_type": []}, {"encoding_type": 3}],
    ids=["unknown", "empty-list", "not-a-string"],
)
def test_invalid_embedding_type_is_422(client: httpx.Client, types: dict[str, Any]) -> None:
    """Output types outside float/base64/binary/ubinary are rejected."""
    assert_error(post(client, model=V3, input="x", **types), 422)


def test_conflicting_type_aliases_are_422(client: httpx.Client) -> None:
    """``embedding_type`` and ``encoding_type`` with different values are rejected."""
    response = post(client, model=V3, input="x", embedding_type="float", encoding_type="base64")
    assert "conflicting" in assert_error(response, 422)


# --------------------------------------------------------------------------- meaning


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    va, vb = np.asarray(a), np.asarray(b)
    return float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))


def test_texts_sharing_words_are_closer(fake: FakeJina) -> None:
    """Texts that share words are closer than texts that share none."""
    cat, rug, physics = fake.embed(
        ["the cat sat on the mat", "a cat sat on a rug", "quantum chromodynamics lecture notes"]
    )
    assert cosine(cat, rug) > 0.3
    assert cosine(cat, rug) > cosine(cat, physics) + 0.2
    assert abs(cosine(cat, physics)) < 0.2


def test_task_leaves_a_small_detectable_mark(fake: FakeJina) -> None:
    """Query, passage and no task give three distinct vectors that stay very close."""
    text = ["where is the cat"]
    query = fake.embed(text, task="retrieval.query")[0]
    passage = fake.embed(text, task="retrieval.passage")[0]
    none = fake.embed(text)[0]
    assert len({tuple(query), tuple(passage), tuple(none)}) == 3
    for a, b in ((query, passage), (query, none), (passage, none)):
        assert 0.95 < cosine(a, b) < 0.9999


def test_models_have_separate_vector_spaces(fake: FakeJina) -> None:
    """The same text embeds differently under two models of the same length."""
    a = fake.embed(["hello"], model="jina-embeddings-v2-base-en")[0]
    b = fake.embed(["hello"], model="jina-embeddings-v2-base-de")[0]
    assert abs(cosine(a, b)) < 0.2


def test_same_input_gives_identical_vectors_across_servers(client: httpx.Client) -> None:
    """Two servers answer bit-identical vectors for the same request."""
    first = vectors(post(client, model=V3, input=["repeat me"], task="retrieval.query"))
    with FakeJina() as other, httpx.Client(base_url=other.url) as c2:
        response = c2.post(
            _wire.EMBEDDINGS_PATH,
            json={"model": V3, "input": ["repeat me"], "task": "retrieval.query"},
            headers={"Authorization": "Bearer anything"},
        )
    np.testing.assert_array_equal(vectors(response), first)


def test_vectors_are_identical_in_a_fresh_process(fake: FakeJina) -> None:
    """A new interpreter computes the very same vector (no reliance on ``hash()``)."""
    code = (
        "import json; from weaviate_jina_ext.testing._fake import FakeJina; "
        "print(json.dumps(FakeJina().embed(['cross process'], task='retrieval.passage')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == fake.embed(["cross process"], task="retrieval.passage")


def test_standard_json_fallback_gives_the_same_answers(fake: FakeJina) -> None:
    """Without orjson the server answers the same vectors through the ``json`` module."""
    code = (
        "import sys, json; sys.modules['orjson'] = None\n"
        "from weaviate_jina_ext.testing._fake import FakeJina\n"
        "fake = FakeJina()\n"
        "body = json.dumps({'model': 'jina-embeddings-v3', 'input': ['fallback'],\n"
        "                   'embedding_type': ['float', 'ubinary']}).encode()\n"
        "answer = fake.handle('POST', '/v1/embeddings', {'Authorization': 'Bearer k'}, body)\n"
        "print(answer.body.decode())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    embedding = json.loads(out.stdout)["data"][0]["embedding"]
    assert np.array_equal(
        np.array(embedding["float"], dtype=np.float32),
        np.array(fake.embed(["fallback"])[0], dtype=np.float32),
    )
    assert len(embedding["ubinary"]) == 128


def test_late_chunking_mixes_in_the_other_inputs(client: httpx.Client) -> None:
    """With ``late_chunking`` an input's vector depends on its neighbours."""
    plain = vectors(post(client, model=V3, input=["alpha", "beta"]))
    late = vectors(post(client, model=V3, input=["alpha", "beta"], late_chunking=True))
    other = vectors(post(client, model=V3, input=["alpha", "gamma"], late_chunking=True))
    assert not np.allclose(plain[0], late[0])
    assert not np.allclose(late[0], other[0])
    assert cosine(plain[0], late[0]) > 0.8


def test_embed_helper_matches_http(fake: FakeJina, client: httpx.Client) -> None:
    """``FakeJina.embed`` returns what an HTTP request would."""
    got = vectors(post(client, model=V3, input=["a b", "c"], task="text-matching", dimensions=128))
    expected = fake.embed(["a b", "c"], task="text-matching", dimensions=128)
    np.testing.assert_array_equal(got, np.array(expected))


def test_custom_embed_fn_is_called_then_truncated(client: httpx.Client) -> None:
    """A pluggable embedder gets (texts, model, full dims, task); the server truncates."""
    calls: list[tuple[list[str], str, int, str | None]] = []

    def embed_fn(
        texts: Sequence[str], model: str, dims: int, task: str | None
    ) -> list[list[float]]:
        calls.append((list(texts), model, dims, task))
        return [[3.0, 4.0] + [0.0] * (dims - 2) for _ in texts]

    with FakeJina(embed_fn=embed_fn) as custom, httpx.Client(base_url=custom.url) as c:
        response = c.post(
            _wire.EMBEDDINGS_PATH,
            json={
                "model": V3,
                "input": ["x"],
                "task": "retrieval.query",
                "dimensions": 32,
                "normalized": True,
            },
            headers={"Authorization": "Bearer k"},
        )
    got = vectors(response)[0]
    assert calls == [(["x"], V3, 1024, "retrieval.query")]
    np.testing.assert_allclose(got[:2], [0.6, 0.8], atol=1e-7)
    assert got.shape == (32,)


def test_embed_fn_returning_the_wrong_shape_is_a_500() -> None:
    """An embedder returning too few vectors yields a 500 whose detail names embed_fn."""
    with (
        FakeJina(embed_fn=lambda texts, model, dims, task: [[1.0] * dims]) as custom,
        httpx.Client(base_url=custom.url, headers={"Authorization": "Bearer k"}) as c,
    ):
        response = post(c, model=V3, input=["one", "two"])
    assert "embed_fn" in assert_error(response, 500)


def test_hashing_embedder_is_deterministic_and_normalised() -> None:
    """The default embedder returns unit float32 rows, identical on every call."""
    first = hashing_embedder(["x y", "z"], "m", 64, None)
    again = hashing_embedder(["x y", "z"], "m", 64, None)
    assert first.dtype == np.float32
    assert first.shape == (2, 64)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-6)


# --------------------------------------------------------------------------- images


def test_images_are_embedded_by_content(client: httpx.Client) -> None:
    """``{"image"}`` and ``{"bytes"}`` of the same bytes match; a URL differs; text works too."""
    got = vectors(
        post(
            client,
            model="jina-clip-v2",
            input=[
                {"image": PNG_B64},
                {"bytes": PNG_B64},
                {"url": "https://example.com/cat.png"},
                {"text": "a cat"},
                f"data:image/png;base64,{PNG_B64}",
            ],
        )
    )
    np.testing.assert_array_equal(got[0], got[1])
    np.testing.assert_array_equal(got[0], got[4])
    assert not np.allclose(got[0], got[2])
    assert not np.allclose(got[0], got[3])


def test_images_are_charged_tokens(client: httpx.Client) -> None:
    """An image counts a fixed number of tokens in ``usage``."""
    body = post(client, model="jina-clip-v2", input=[{"image": PNG_B64}]).json()
    assert body["usage"]["total_tokens"] == 1000


def test_images_sent_to_a_text_model_are_422(client: httpx.Client) -> None:
    """Text-only models reject image objects."""
    response = post(client, model=V3, input=[{"image": PNG_B64}])
    assert "takes text inputs, not image" in assert_error(response, 422)


@pytest.mark.parametrize(
    "item",
    [{"bytes": "***not base64***"}, {"url": "ftp://example.com/x.png"}, {"image": ""}, {"x": 1}],
    ids=["bad-base64", "bad-scheme", "empty", "unknown-key"],
)
def test_malformed_image_objects_are_422(client: httpx.Client, item: dict[str, Any]) -> None:
    """Image objects must hold an http(s) URL or valid base64."""
    assert_error(post(client, model="jina-clip-v2", input=[item]), 422)


def test_image_embedder_sees_a_prefixed_digest() -> None:
    """Custom embedders receive images as ``IMAGE_KEY_PREFIX`` plus a SHA-256 digest."""
    seen: list[str] = []

    def embed_fn(
        texts: Sequence[str], model: str, dims: int, task: str | None
    ) -> list[list[float]]:
        seen.extend(texts)
        return [[1.0] * dims for _ in texts]

    with FakeJina(embed_fn=embed_fn) as custom, httpx.Client(base_url=custom.url) as c:
        c.post(
            _wire.EMBEDDINGS_PATH,
            json={"model": "jina-clip-v2", "input": [{"bytes": PNG_B64}]},
            headers={"Authorization": "Bearer k"},
        ).raise_for_status()
    assert seen[0].startswith(IMAGE_KEY_PREFIX)
    assert len(seen[0]) == len(IMAGE_KEY_PREFIX) + 64


# --------------------------------------------------------------------------- multi-vector


def test_v4_return_multivector_gives_token_vectors(client: httpx.Client) -> None:
    """v4 with ``return_multivector`` answers a 2-D ``embeddings`` of 128-dim rows per word."""
    body = post(
        client, model="jina-embeddings-v4", input=["one two three", "four"], return_multivector=True
    ).json()
    rows = [np.array(d["embeddings"]) for d in body["data"]]
    assert [r.shape for r in rows] == [(3, 128), (1, 128)]
    assert "embedding" not in body["data"][0]
    np.testing.assert_allclose(np.linalg.norm(rows[0], axis=1), 1.0, atol=1e-6)


def test_return_multivector_on_other_models_is_422(client: httpx.Client) -> None:
    """Only v4 produces multi-vectors on /v1/embeddings."""
    assert_error(post(client, model=V3, input="x", return_multivector=True), 422)


def test_colbert_multi_vector_endpoint(client: httpx.Client) -> None:
    """/v1/multi-vector answers one row per token with ``object: embeddings``."""
    body = post(
        client, _wire.MULTI_VECTOR_PATH, model="jina-colbert-v2", input=["a b c d"], dimensions=64
    ).json()
    assert body["object"] == "list"
    assert body["data"][0]["object"] == "embeddings"
    assert np.array(body["data"][0]["embeddings"]).shape == (4, 64)
    assert set(body["usage"]) >= {"total_tokens"}


def test_colbert_input_type_changes_vectors_and_caps_queries(client: httpx.Client) -> None:
    """Queries and documents embed differently, and queries stop at 32 tokens."""
    long_text = " ".join(f"w{i}" for i in range(40))

    def rows(input_type: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        body = post(
            client,
            _wire.MULTI_VECTOR_PATH,
            model="jina-colbert-v2",
            input=[long_text],
            input_type=input_type,
        ).json()
        return np.array(body["data"][0]["embeddings"])

    query, document = rows("query"), rows("document")
    assert query.shape == (32, 128)
    assert document.shape == (40, 128)
    assert not np.allclose(query[0], document[0])


@pytest.mark.parametrize(
    ("model", "extra"),
    [
        ("jina-colbert-v2", {"dimensions": 100}),
        ("jina-colbert-v1-en", {"dimensions": 64}),
        ("jina-colbert-v2", {"input_type": "passage"}),
        (V3, {}),
    ],
    ids=["v2-bad-dims", "v1-fixed-dims", "bad-input-type", "not-colbert"],
)
def test_multi_vector_validation_is_422(
    client: httpx.Client, model: str, extra: dict[str, Any]
) -> None:
    """ColBERT dims, input_type and model kind are validated."""
    assert_error(post(client, _wire.MULTI_VECTOR_PATH, model=model, input=["x"], **extra), 422)


def test_colbert_on_the_embeddings_endpoint_is_422(client: httpx.Client) -> None:
    """A ColBERT model sent to /v1/embeddings points at /v1/multi-vector."""
    response = post(client, model="jina-colbert-v2", input="x")
    assert _wire.MULTI_VECTOR_PATH in assert_error(response, 422)
    # The endpoint is judged before the fields: a multi-vector field still gets the pointer.
    response = post(client, model="jina-colbert-v2", input="x", input_type="query")
    assert _wire.MULTI_VECTOR_PATH in assert_error(response, 422)


# --------------------------------------------------------------------------- rerank


def test_rerank_sorts_by_score_and_returns_string_documents(client: httpx.Client) -> None:
    """Results are sorted by score, honour ``top_n`` and echo documents as plain strings."""
    docs = ["stock market news", "the cat sat on the mat", "a cat on a mat"]
    body = post(
        client,
        _wire.RERANK_PATH,
        model="jina-reranker-v2-base-multilingual",
        query="cat on the mat",
        documents=docs,
        top_n=2,
    ).json()
    assert list(body) == ["model", "object", "usage", "results"]
    assert body["object"] == "list"
    assert body["usage"]["total_tokens"] > 0
    results = body["results"]
    assert len(results) == 2
    assert {r["index"] for r in results} == {1, 2}
    assert results[0]["relevance_score"] >= results[1]["relevance_score"]
    assert all(r["document"] == docs[r["index"]] for r in results)
    assert all(0.0 <= r["relevance_score"] <= 1.0 for r in results)


def test_rerank_without_documents_and_top_n(client: httpx.Client) -> None:
    """``return_documents: false`` omits documents; ``top_n: null`` returns every one."""
    body = post(
        client,
        _wire.RERANK_PATH,
        model="jina-reranker-v1-base-en",
        query={"text": "q"},
        documents=[{"text": "a", "id": 1}, "b", "c"],
        top_n=None,
        return_documents=False,
    ).json()
    assert len(body["results"]) == 3
    assert all("document" not in r for r in body["results"])


@pytest.mark.parametrize("top_n", [0, -1, True, "3"], ids=repr)
def test_rerank_bad_top_n_is_422(client: httpx.Client, top_n: object) -> None:
    """``top_n`` must be a positive integer."""
    response = post(
        client,
        _wire.RERANK_PATH,
        model="jina-reranker-v2-base-multilingual",
        query="q",
        documents=["a"],
        top_n=top_n,
    )
    assert_error(response, 422)


@pytest.mark.parametrize(
    "body",
    [
        {"model": "jina-reranker-v2-base-multilingual", "documents": ["a"]},
        {"model": "jina-reranker-v2-base-multilingual", "query": "q", "documents": []},
        {"model": "jina-reranker-v2-base-multilingual", "query": ["q"], "documents": ["a"]},
        {"model": V3, "query": "q", "documents": ["a"]},
    ],
    ids=["no-query", "no-documents", "list-query", "embedding-model"],
)
def test_rerank_validation_is_422(client: httpx.Client, body: dict[str, Any]) -> None:
    """Rerank requests need a query, documents and a reranker model."""
    assert_error(client.post(_wire.RERANK_PATH, json=body), 422)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"input": "x"}, "model"),
        ({"model": V3}, "input"),
        ({"model": V3, "input": []}, "empty"),
        ({"model": "", "input": "x"}, "model"),
        ({"model": V3, "input": [1, 2]}, "input -> 0"),
        ({"model": V3, "input": "x", "normalized": "yes"}, "normalized"),
        ({"model": V3, "input": "x", "late_chunking": 1}, "late_chunking"),
        ({"model": V3, "input": "x", "truncate": "no"}, "truncate"),
    ],
    ids=[
        "no-model",
        "no-input",
        "empty-input",
        "empty-model",
        "token-ids",
        "normalized",
        "late_chunking",
        "truncate",
    ],
)
def test_malformed_requests_are_422(
    client: httpx.Client, body: dict[str, Any], needle: str
) -> None:
    """Missing or ill-typed fields are 422 with a string detail naming the field."""
    assert needle in assert_error(client.post(_wire.EMBEDDINGS_PATH, json=body), 422)


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"", "required"), (b"{not json", "JSON"), (b"[1, 2]", "object")],
    ids=["empty", "not-json", "not-object"],
)
def test_unusable_bodies_are_422(client: httpx.Client, content: bytes, needle: str) -> None:
    """Bodies that are empty, not JSON or not an object are rejected."""
    response = client.post(
        _wire.EMBEDDINGS_PATH, content=content, headers={"Content-Type": "application/json"}
    )
    assert needle in assert_error(response, 422)


def test_unknown_model_is_400_unless_lenient(client: httpx.Client) -> None:
    """An unknown model is 400 INPUT_MODEL_NOT_FOUND; a lenient server serves 768 dims."""
    response = post(client, model="jina-embeddings-v9", input="x")
    assert assert_error(response, 400, _wire.CODE_MODEL_NOT_FOUND) == (
        "Model 'jina-embeddings-v9' not found"
    )
    with (
        FakeJina(strict=False) as lenient,
        httpx.Client(base_url=lenient.url, headers={"Authorization": "Bearer k"}) as c,
    ):
        assert vectors(post(c, model="jina-embeddings-v9", input="x")).shape == (1, 768)


def test_unknown_fields_are_422_unless_lenient(fake: FakeJina, client: httpx.Client) -> None:
    """Unknown fields are 422 by default; ``lenient()`` ignores them for a while."""
    response = post(client, model=V3, input="x", colour="blue")
    assert "colour" in assert_error(response, 422)
    assert response.json()["errors"][0]["type"] == "extra_forbidden"
    weaviate_body = _wire.weaviate_module_request(V3, ["a"], query=True, dimensions=256)
    assert client.post(_wire.EMBEDDINGS_PATH, json=weaviate_body).status_code == 200
    with fake.lenient():
        assert post(client, model=V3, input="x", colour="blue").status_code == 200
    assert fake.strict
    assert post(client, model=V3, input="x", colour="blue").status_code == 422


@pytest.mark.parametrize(
    ("model", "task"),
    [
        (V3, "code.query"),
        ("jina-embeddings-v2-base-en", "retrieval.query"),
        ("jina-embeddings-v4", "classification"),
        (V3, 7),
    ],
    ids=["v3-code", "v2-any", "v4-classification", "not-a-string"],
)
def test_task_the_model_does_not_take_is_422(
    client: httpx.Client, model: str, task: object
) -> None:
    """A task outside the model's set is a 422 validation error."""
    assert "task" in assert_error(post(client, model=model, input="x", task=task), 422)


@pytest.mark.parametrize(
    ("model", "dims"),
    [(V3, 16), (V3, 2000), ("jina-embeddings-v2-base-en", 256), (V3, "256"), (V3, True)],
    ids=["below-range", "above-range", "fixed-length-model", "string", "bool"],
)
def test_dimensions_the_model_cannot_produce_are_422(
    client: httpx.Client, model: str, dims: object
) -> None:
    """``dimensions`` is checked against the catalogue's ranges."""
    assert "dimensions" in assert_error(post(client, model=model, input="x", dimensions=dims), 422)


@pytest.mark.parametrize(("model", "limit"), [("jina-embeddings-v4", 512), (V3, 2048)])
def test_too_many_inputs_are_422(client: httpx.Client, model: str, limit: int) -> None:
    """More inputs than ``max_inputs`` is rejected; exactly the limit is fine."""
    assert post(client, model=model, input=["x"] * limit, dimensions=128).status_code == 200
    response = post(client, model=model, input=["x"] * (limit + 1))
    assert str(limit) in assert_error(response, 422)


def test_overlong_input_is_422_unless_truncate(client: httpx.Client) -> None:
    """Inputs over the context are INPUT_TOKEN_LIMIT_EXCEEDED; ``truncate`` cuts them."""
    long_text = "word " * 8192  # about 10,240 estimated tokens, over v3's 8192
    response = post(client, model=V3, input=[long_text])
    assert_error(response, 422, _wire.CODE_TOKEN_LIMIT)
    body = post(client, model=V3, input=[long_text], truncate=True).json()
    assert body["usage"]["total_tokens"] == 8192


def test_late_chunking_over_the_joint_context_is_422(client: httpx.Client) -> None:
    """Late chunking counts all inputs together against the context."""
    chunk = "word " * 3000
    response = post(client, model=V3, input=[chunk, chunk, chunk], late_chunking=True)
    assert_error(response, 422, _wire.CODE_TOKEN_LIMIT)
    assert post(client, model=V3, input=[chunk, chunk, chunk]).status_code == 200


# --------------------------------------------------------------------------- auth and routing


def test_missing_key_is_401(fake: FakeJina) -> None:
    """No Authorization header is AUTH_MISSING_API_KEY."""
    response = httpx.post(fake.url + _wire.EMBEDDINGS_PATH, json={"model": V3, "input": "x"})
    assert_error(response, 401, _wire.CODE_MISSING_KEY)


@pytest.mark.parametrize("value", ["Basic abc", "Bearer", "Bearer two words", f"Token {KEY}"])
def test_malformed_authorization_is_401(fake: FakeJina, value: str) -> None:
    """Anything but ``Bearer <key>`` is AUTH_INVALID_FORMAT."""
    response = httpx.post(
        fake.url + _wire.EMBEDDINGS_PATH,
        json={"model": V3, "input": "x"},
        headers={"Authorization": value},
    )
    assert_error(response, 401, _wire.CODE_INVALID_FORMAT)


def test_unknown_key_is_401_without_echoing_it(fake: FakeJina) -> None:
    """A key outside ``api_keys`` is AUTH_INVALID_API_KEY and never echoed in full."""
    wrong = "jina_wrong_key_99999999zzzz"
    response = httpx.post(
        fake.url + _wire.EMBEDDINGS_PATH,
        json={"model": V3, "input": "x"},
        headers={"Authorization": f"bearer {wrong}"},
    )
    detail = assert_error(response, 401, _wire.CODE_INVALID_KEY)
    assert wrong not in response.text
    assert "zzzz" in detail


def test_any_non_empty_key_is_accepted_without_api_keys() -> None:
    """``api_keys=None`` accepts any Bearer key, even LlamaIndex's ``Bearer None``."""
    with FakeJina() as open_server:
        response = httpx.post(
            open_server.url + _wire.EMBEDDINGS_PATH,
            json={"model": V3, "input": "x"},
            headers={"Authorization": "Bearer None"},
        )
    assert response.status_code == 200


def test_empty_api_keys_accept_nothing() -> None:
    """An empty ``api_keys`` collection rejects every key."""
    with FakeJina(api_keys=[]) as closed:
        response = httpx.post(
            closed.url + _wire.EMBEDDINGS_PATH,
            json={"model": V3, "input": "x"},
            headers={"Authorization": f"Bearer {KEY}"},
        )
    assert_error(response, 401, _wire.CODE_INVALID_KEY)


def test_unknown_path_is_404_and_wrong_method_405(client: httpx.Client) -> None:
    """Unknown paths are 404; GET on an endpoint is 405 with ``Allow: POST``."""
    assert_error(client.post("/v2/embeddings", json={}), 404)
    response = client.get(_wire.EMBEDDINGS_PATH)
    assert_error(response, 405)
    assert response.headers["allow"] == "POST"


def test_trailing_slash_and_query_string_are_tolerated(client: httpx.Client) -> None:
    """``/v1/embeddings/`` and a query string reach the embeddings endpoint."""
    assert client.post("/v1/embeddings/?x=1", json={"model": V3, "input": "x"}).status_code == 200


def test_weaviate_style_request_is_served_and_recorded(fake: FakeJina) -> None:
    """Weaviate's exact headers and body (no Accept) get a 200 and are recorded as sent."""
    body = json.dumps(_wire.weaviate_module_request(V3, ["a", "b"], query=False)).encode()
    request = (
        f"POST /v1/embeddings HTTP/1.1\r\nHost: {fake.url[7:]}\r\n"
        f"Content-Type: application/json\r\nAuthorization: Bearer {KEY}\r\n"
        f"X-Header-Vectordb-Source: Weaviate\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    status, _, payload = raw_exchange(fake, [request])[0]
    assert status == 200
    assert len(json.loads(payload)["data"]) == 2
    recorded = fake.requests[-1]
    assert recorded.headers["x-header-vectordb-source"] == "Weaviate"
    assert "accept" not in recorded.headers
    assert recorded.json["task"] == "retrieval.passage"


# --------------------------------------------------------------------------- raw HTTP


def raw_exchange(fake: FakeJina, requests: list[bytes]) -> list[tuple[int, dict[str, str], bytes]]:
    """Send ``requests`` on one connection and read one response for each."""
    host, port = fake.url[len("http://") :].rsplit(":", 1)
    out = []
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        reader = sock.makefile("rb")
        try:
            for request in requests:
                sock.sendall(request)
                status_line = reader.readline().decode()
                headers: dict[str, str] = {}
                while (line := reader.readline().decode()) not in ("\r\n", ""):
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = reader.read(int(headers.get("content-length", "0")))
                out.append((int(status_line.split()[1]), headers, body))
        finally:
            reader.close()
    return out


def embeddings_request(body: bytes, extra: str = "") -> bytes:
    return (
        f"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


def test_keep_alive_serves_many_requests_on_one_connection(fake: FakeJina) -> None:
    """HTTP/1.1 keep-alive: three requests share one TCP connection."""
    body = json.dumps({"model": V3, "input": "x"}).encode()
    responses = raw_exchange(fake, [embeddings_request(body)] * 3)
    assert [status for status, _, _ in responses] == [200, 200, 200]
    assert all("connection" not in headers for _, headers, _ in responses)


def test_chunked_request_bodies_are_read(fake: FakeJina) -> None:
    """A ``Transfer-Encoding: chunked`` body is reassembled."""
    body = json.dumps({"model": V3, "input": "chunked"}).encode()
    chunked = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:10], body[10:])
    )
    request = (
        (
            f"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode()
        + chunked
        + b"0\r\n\r\n"
    )
    (status, _, payload), *_ = raw_exchange(fake, [request])
    assert status == 200
    assert json.loads(payload)["data"][0]["embedding"] == fake.embed(["chunked"])[0]


def test_oversized_body_is_413_and_closes(fake: FakeJina) -> None:
    """A declared body over 64 MiB is refused before it is read."""
    request = embeddings_request(b"", extra="").replace(
        b"Content-Length: 0", b"Content-Length: 99999999999"
    )
    (status, headers, _), *_ = raw_exchange(fake, [request])
    assert status == 413
    assert headers["connection"] == "close"


# --------------------------------------------------------------------------- faults


def test_fault_script_applies_in_order(fake: FakeJina, client: httpx.Client) -> None:
    """Scripted statuses answer the next requests in order, then service resumes."""
    fake.set_faults(Faults(script=[429, 500, "ok", 503, 402, 403], retry_after=7))
    statuses = [post(client, model=V3, input="x") for _ in range(7)]
    assert [r.status_code for r in statuses] == [429, 500, 200, 503, 402, 403, 200]
    assert_error(statuses[0], 429, _wire.CODE_RATE_TOKENS)
    assert statuses[0].headers["retry-after"] == "7"
    assert statuses[3].headers["retry-after"] == "7"
    assert_error(statuses[5], 403, _wire.CODE_BALANCE)


def test_an_injected_422_has_the_api_s_validation_shape(
    fake: FakeJina, client: httpx.Client
) -> None:
    """A scripted 422 answers like the server's own: a ``[RID: ...]`` detail and ``errors``."""
    fake.set_faults(Faults(script=[422]))
    body = post(client, model=V3, input="x").json()
    assert re.fullmatch(r"\[RID: [0-9a-f]{32}\] Validation error: 'body' .*", body["detail"])
    assert [e["field"] for e in body["errors"]] == ["body"]


def test_fault_then_applies_after_the_script(fake: FakeJina, client: httpx.Client) -> None:
    """``then`` answers every request once the script is used up."""
    fake.set_faults(Faults(script=["ok"], then=524))
    assert [post(client, model=V3, input="x").status_code for _ in range(3)] == [200, 524, 524]


def test_429_code_is_configurable(fake: FakeJina, client: httpx.Client) -> None:
    """Injected 429s can carry the concurrency code instead of the token one."""
    fake.set_faults(Faults(script=[429], code_429=_wire.CODE_RATE_CONCURRENCY))
    assert_error(post(client, model=V3, input="x"), 429, _wire.CODE_RATE_CONCURRENCY)


def test_fault_probabilities_are_seeded(client: httpx.Client, fake: FakeJina) -> None:
    """The same seed draws the same fault sequence; rate 1.0 always faults."""

    def run(seed: int) -> list[int]:
        fake.set_faults(Faults(rate_429=0.3, rate_500=0.2, rate_503=0.1, seed=seed))
        return [post(client, model=V3, input="x").status_code for _ in range(30)]

    first = run(1)
    assert first == run(1)
    assert set(first) == {200, 429, 500, 503}
    fake.set_faults(Faults(rate_503=1.0))
    assert {post(client, model=V3, input="x").status_code for _ in range(5)} == {503}


@pytest.mark.parametrize("status", [200, 429, 422])
def test_latency_delays_every_answer(fake: FakeJina, client: httpx.Client, status: int) -> None:
    """Every answer, served, faulted or refused by validation, takes at least ``latency``."""
    fake.set_faults(Faults(script=[429] if status == 429 else [], latency=0.2))
    body: dict[str, Any] = {"model": V3, "input": "x"}
    if status == 422:
        body["no_such_field"] = 1
    start = time.monotonic()
    assert post(client, **body).status_code == status
    assert time.monotonic() - start >= 0.2


def test_latency_includes_the_time_spent_computing() -> None:
    """The answer is computed inside the latency, not after it, as a real API's latency is.

    The embedder notes when it runs: well before the latency is over (the request then
    waits out the rest), where sleeping first would run it only after the full latency.
    """
    latency = 2.0
    called: list[float] = []

    def noting(texts: Sequence[str], model: str, dims: int, task: str | None) -> Any:
        called.append(time.monotonic())
        return hashing_embedder(texts, model, dims, task)

    with (
        FakeJina(api_keys=[KEY], embed_fn=noting, faults=Faults(latency=latency)) as fake,
        httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {KEY}"}) as c,
    ):
        start = time.monotonic()
        assert post(c, model=V3, input="x").status_code == 200
        answered = time.monotonic()
    assert answered - start >= latency
    assert called[0] - start < latency


def test_hang_outlasts_the_client_timeout_and_stop_cuts_it(fake: FakeJina) -> None:
    """A ``hang`` trips the client's timeout, and ``stop()`` does not wait for it."""
    fake.set_faults(Faults(script=["hang"], hang_seconds=30))
    with (
        httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {KEY}"}) as c,
        pytest.raises(httpx.ReadTimeout),
    ):
        c.post(_wire.EMBEDDINGS_PATH, json={"model": V3, "input": "x"}, timeout=0.3)
    start = time.monotonic()
    fake.stop()
    assert time.monotonic() - start < 2


def test_malformed_body_is_not_json(fake: FakeJina, client: httpx.Client) -> None:
    """``malformed`` answers 200 with a truncated JSON body."""
    fake.set_faults(Faults(script=["malformed"]))
    response = post(client, model=V3, input="x")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_array_detail_is_fastapi_shaped(fake: FakeJina, client: httpx.Client) -> None:
    """``array_detail`` answers 422 with a list ``detail`` that Weaviate cannot parse."""
    fake.set_faults(Faults(script=["array_detail"]))
    response = post(client, model=V3, input="x")
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_disconnect_closes_without_answer(fake: FakeJina, client: httpx.Client) -> None:
    """``disconnect`` drops the connection before any response byte."""
    fake.set_faults(Faults(script=["disconnect"]))
    with pytest.raises(httpx.RemoteProtocolError):
        post(client, model=V3, input="x")
    assert post(client, model=V3, input="x").status_code == 200


def test_empty_data_answers_200_with_no_vectors(fake: FakeJina, client: httpx.Client) -> None:
    """``empty_data`` answers a well-formed 200 with an empty ``data`` list."""
    fake.set_faults(Faults(script=["empty_data"]))
    body = post(client, model=V3, input="x").json()
    assert body["data"] == []
    assert body["model"] == V3


def test_scripted_response_is_sent_verbatim(fake: FakeJina, client: httpx.Client) -> None:
    """A ``ScriptedResponse`` is written as given."""
    page = b"<html>502 Bad Gateway</html>"
    fake.set_faults(
        Faults(
            script=[
                ScriptedResponse(502, page, {"X-Cache": "MISS"}, content_type="text/html"),
                ScriptedResponse(400, {"detail": "custom", "code": "X"}),
            ]
        )
    )
    first, second = post(client, model=V3, input="x"), post(client, model=V3, input="x")
    assert (first.status_code, first.content, first.headers["x-cache"]) == (502, page, "MISS")
    assert first.headers["content-type"] == "text/html"
    assert_error(second, 400, "X")


def test_set_faults_restarts_the_script(fake: FakeJina, client: httpx.Client) -> None:
    """Setting faults while running restarts the script; ``None`` clears them."""
    fake.set_faults(Faults(script=[500]))
    assert post(client, model=V3, input="x").status_code == 500
    fake.set_faults(Faults(script=[500]))
    assert post(client, model=V3, input="x").status_code == 500
    fake.set_faults(None)
    assert fake.faults is None
    assert post(client, model=V3, input="x").status_code == 200


def test_unauthenticated_requests_do_not_consume_the_script(fake: FakeJina) -> None:
    """Faults apply only to authenticated requests, after the 401 check."""
    fake.set_faults(Faults(script=[500]))
    url = fake.url + _wire.EMBEDDINGS_PATH
    assert httpx.post(url, json={"model": V3, "input": "x"}).status_code == 401
    ok = httpx.post(
        url, json={"model": V3, "input": "x"}, headers={"Authorization": f"Bearer {KEY}"}
    )
    assert ok.status_code == 500


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate_429": 1.5},
        {"rate_429": 0.6, "rate_500": 0.6},
        {"latency": -1},
        {"retry_after": -1},
        {"script": [200]},
        {"script": ["explode"]},
        {"then": True},
    ],
    ids=["rate>1", "sum>1", "negative-latency", "negative-retry", "ok-status", "unknown", "bool"],
)
def test_invalid_faults_raise(kwargs: dict[str, Any]) -> None:
    """``Faults`` validates its fields with a ``JinaConfigError``."""
    with pytest.raises(JinaConfigError):
        Faults(**kwargs)


# --------------------------------------------------------------------------- rate limits


class FakeClock:
    """Monotonic seconds that move only when the test advances them."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_requests_per_minute_are_enforced() -> None:
    """Past the RPM the API answers RATE_REQUEST_LIMIT_EXCEEDED until the window frees."""
    clock = FakeClock()
    limit = RateLimit(requests_per_minute=2, window=1.0, clock=clock)
    with (
        FakeJina(rate_limit=limit) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as c,
    ):
        first, second, third = (post(c, model=V3, input="x") for _ in range(3))
        assert (first.status_code, second.status_code) == (200, 200)
        assert first.headers["x-ratelimit-remaining-requests"] == "1"
        assert second.headers["x-ratelimit-remaining-requests"] == "0"
        assert_error(third, 429, _wire.CODE_RATE_REQUESTS)
        assert third.headers["retry-after"] == "1"
        clock.advance(1.05)
        assert post(c, model=V3, input="x").status_code == 200


def test_tokens_per_minute_are_enforced() -> None:
    """Past the TPM the API answers RATE_TOKEN_LIMIT_EXCEEDED with Retry-After."""
    with (
        FakeJina(rate_limit=RateLimit(tokens_per_minute=10)) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as c,
    ):
        first = post(c, model=V3, input="x" * 32)  # 8 tokens
        assert first.headers["x-ratelimit-remaining-tokens"] == "2"
        second = post(c, model=V3, input="x" * 32)
        assert_error(second, 429, _wire.CODE_RATE_TOKENS)
        assert 1 <= int(second.headers["retry-after"]) <= 60
        assert post(c, model=V3, input="x").status_code == 200


def test_rate_limits_are_per_key() -> None:
    """One key's exhausted window does not limit another key."""
    with FakeJina(rate_limit=RateLimit(requests_per_minute=1)) as server:
        url = server.url + _wire.EMBEDDINGS_PATH

        def call(key: str) -> int:
            return httpx.post(
                url, json={"model": V3, "input": "x"}, headers={"Authorization": f"Bearer {key}"}
            ).status_code

        assert [call(KEY), call(KEY), call(OTHER_KEY)] == [200, 429, 200]


def test_concurrency_limit_is_enforced() -> None:
    """More requests in flight than allowed get RATE_CONCURRENCY_LIMIT_EXCEEDED."""
    entered, release = threading.Event(), threading.Event()

    def held(texts: Sequence[str], model: str, dims: int, task: str | None) -> Any:
        entered.set()  # the first request is in flight, and stays so until released
        release.wait(5)
        return hashing_embedder(texts, model, dims, task)

    with FakeJina(rate_limit=RateLimit(concurrency=1), embed_fn=held) as server:
        results: list[int] = []

        def call() -> None:
            response = httpx.post(
                server.url + _wire.EMBEDDINGS_PATH,
                json={"model": V3, "input": "x"},
                headers={"Authorization": f"Bearer {KEY}"},
            )
            results.append(response.status_code)

        threads = [threading.Thread(target=call) for _ in range(2)]
        threads[0].start()
        assert entered.wait(5)
        threads[1].start()  # while the first is still held inside the embedder
        threads[1].join()
        release.set()
        threads[0].join()
    assert sorted(results) == [200, 429]


@pytest.mark.parametrize(
    "kwargs",
    [{"requests_per_minute": 0}, {"tokens_per_minute": -5}, {"concurrency": 0}, {"window": 0}],
    ids=["rpm", "tpm", "concurrency", "window"],
)
def test_invalid_rate_limits_raise(kwargs: dict[str, Any]) -> None:
    """``RateLimit`` validates its fields with a ``JinaConfigError``."""
    with pytest.raises(JinaConfigError):
        RateLimit(**kwargs)


# --------------------------------------------------------------------------- recording, logging


def test_requests_are_recorded_with_the_key_masked(fake: FakeJina, client: httpx.Client) -> None:
    """Each request is recorded with method, path, body and a masked key only."""
    post(client, model=V3, input=["recorded"], task="retrieval.query")
    (recorded,) = fake.requests
    assert (recorded.method, recorded.path) == ("POST", _wire.EMBEDDINGS_PATH)
    assert recorded.json == {"model": V3, "input": ["recorded"], "task": "retrieval.query"}
    assert recorded.key == "jina_…0001"
    assert recorded.headers["authorization"] == "Bearer jina_…0001"
    assert recorded.received_at > 0
    assert KEY not in repr(fake.requests)
    assert KEY not in repr(fake)


def test_unparseable_and_rejected_requests_are_recorded_too(fake: FakeJina) -> None:
    """401s and non-JSON bodies are recorded (``json`` is ``None`` for the latter)."""
    httpx.post(fake.url + "/v1/embeddings", content=b"{oops")
    (recorded,) = fake.requests
    assert recorded.json is None
    assert recorded.key is None


def test_clear_forgets_requests(fake: FakeJina, client: httpx.Client) -> None:
    """``clear()`` empties the recording."""
    post(client, model=V3, input="x")
    fake.clear()
    assert fake.requests == []


def test_recording_is_bounded() -> None:
    """Only the last ``max_recorded`` requests are kept."""
    with (
        FakeJina(max_recorded=2) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as c,
    ):
        for text in ("a", "b", "c"):
            post(c, model=V3, input=text)
        assert [r.json["input"] for r in server.requests] == ["b", "c"]


def test_logs_never_contain_the_key(
    fake: FakeJina, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """Even at DEBUG, nothing logged contains the key."""
    with caplog.at_level(logging.DEBUG, logger="weaviate_jina_ext"):
        post(client, model=V3, input="x")
        httpx.post(
            fake.url + _wire.EMBEDDINGS_PATH,
            json={"model": V3, "input": "x"},
            headers={"Authorization": "Bearer jina_wrong_key_zz00000000"},
        )
    assert caplog.records
    assert all(r.name.startswith("weaviate_jina_ext.") for r in caplog.records)
    assert KEY not in caplog.text
    assert "jina_wrong_key_zz00000000" not in caplog.text


# --------------------------------------------------------------------------- concurrency, lifecycle


def test_concurrent_clients_get_correct_answers(fake: FakeJina) -> None:
    """Parallel keep-alive clients each get their own, correct vectors."""
    errors: list[str] = []

    def worker(n: int) -> None:
        with httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
            for i in range(8):
                text = f"worker {n} request {i}"
                got = post(c, model=V3, input=[text], dimensions=64).json()["data"][0]
                if got["embedding"] != fake.embed([text], dimensions=64)[0]:
                    errors.append(text)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(fake.requests) == 48


def fake_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("fake-jina")}


def test_stop_is_idempotent_and_leaves_no_threads() -> None:
    """``stop()`` joins every thread, closes the port and may be called twice."""
    before = fake_threads()
    server = FakeJina().start()
    host, port = server.url[7:].rsplit(":", 1)
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer k"}) as c:
        post(c, model=V3, input="x")  # leaves an idle keep-alive connection open
        start = time.monotonic()
        server.stop()
        assert time.monotonic() - start < 2
    server.stop()
    assert fake_threads() <= before
    with pytest.raises(OSError), socket.create_connection((host, int(port)), timeout=1):
        pass


def test_url_is_only_available_while_running() -> None:
    """``url`` raises before start and after stop."""
    server = FakeJina()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    with server:
        assert server.url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError):
        _ = server.url


def test_binds_loopback_and_restarts_on_the_same_port() -> None:
    """The default bind is 127.0.0.1, and a stopped server starts again on its port."""
    server = FakeJina()
    with server:
        first = server.url
        assert server.start() is server  # starting a running server does nothing
    with server:
        assert server.url == first
        assert httpx.post(first + "/nope").status_code == 404


# --------------------------------------------------------------------------- CLI


def test_cli_parses_fake_jina_options() -> None:
    """The ``fake-jina`` subcommand takes host, port, repeatable keys and fault options."""
    args = build_parser().parse_args(
        [
            "fake-jina",
            "--port",
            "0",
            "--api-key",
            "a",
            "--api-key",
            "b",
            "--latency-ms",
            "5",
            "--fault-rate-429",
            "0.25",
            "--rpm",
            "10",
        ]
    )
    assert (args.command, args.host, args.port) == ("fake-jina", "127.0.0.1", 0)
    assert args.api_keys == ["a", "b"]
    assert (args.latency_ms, args.fault_rate_429, args.rpm) == (5.0, 0.25, 10)


def test_cli_serves_strictly_unless_lenient() -> None:
    """``fake-jina`` is strict like the API; ``--lenient`` asks for the forgiving server."""
    assert build_parser().parse_args(["fake-jina"]).lenient is False
    assert build_parser().parse_args(["fake-jina", "--lenient"]).lenient is True


@pytest.mark.parametrize(
    "argv",
    [[], ["fake-jina", "--fault-rate-429", "2"], ["fake-jina", "--rpm", "0"]],
    ids=["no-command", "bad-probability", "bad-rpm"],
)
def test_cli_rejects_bad_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Missing subcommands and out-of-range values exit with status 2."""
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    capsys.readouterr()


def test_cli_serves_until_terminated() -> None:
    """``weaviate-jina-ext fake-jina`` prints its URL, serves, and exits 0 on SIGTERM."""
    argv = [sys.executable, "-m", "weaviate_jina_ext._cli", "fake-jina", "--port", "0"]
    with subprocess.Popen(
        [*argv, "--api-key", KEY, "--fault-rate-503", "1"],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            response = httpx.post(
                url + _wire.EMBEDDINGS_PATH,
                json={"model": V3, "input": "x"},
                headers={"Authorization": f"Bearer {KEY}"},
            )
            assert response.status_code == 503
        finally:
            proc.terminate()
            assert proc.wait(timeout=10) == 0

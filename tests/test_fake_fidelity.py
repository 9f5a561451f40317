"""The local Jina server against bodies the real API was seen to accept and refuse.

Each request and expected answer below is written out literally, copied from a public
source (cited above it), so the server's strictness is checked against the real API's
behaviour and not against the server's own code. A request id (``[RID: ...]``) differs
per request; it is the only part compared by pattern. Where sources disagree, the newest
wins and the test says which it follows (``docs/jina-fidelity.md`` has the full list).
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from weaviate_jina_ext import JinaConfigure, _wire
from weaviate_jina_ext._catalogue import check_dimensions, get_model
from weaviate_jina_ext.testing import FakeJina

if TYPE_CHECKING:
    from collections.abc import Iterator

KEY = "jina_fidelity_key_0000000007"
PNG_B64 = base64.b64encode(b"\x89PNG\r\n\x1a\n a small picture").decode()
RID = re.compile(r"\[RID: [0-9a-f]{32}\]")


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        FakeJina(api_keys=[KEY]) as fake,
        httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {KEY}"}) as c,
    ):
        yield c


def same_but_rid(got: str, expected: str) -> bool:
    """Whether two ``detail`` strings match once their request ids are blanked."""
    return RID.sub("[RID]", got) == RID.sub("[RID]", expected)


# --------------------------------------------------------------------------- refusals


def test_v2_refuses_fields_outside_its_schema_like_ragflow_saw(client: httpx.Client) -> None:
    """Two extra fields on a v2 model: one 422 listing both, in the API's shape.

    Request: what RAGFlow v0.22.1 sent (infiniflow/ragflow, ``JinaMultiVecEmbed.encode``
    before commit 41cff3e0). Answer: infiniflow/ragflow#11614 (2025-11-30), whose excerpt
    ends inside the second entry; its ``input`` is the ``true`` that was sent.
    """
    request = {
        "model": "jina-embeddings-v2-base-en",
        "task": "retrieval.passage",
        "truncate": True,
        "return_multivector": True,
        "input": ["A document about neural search"],
    }
    expected: dict[str, Any] = {
        "detail": "[RID: d7bdceb5391cb269296efd6f723cc07b] Validation errors in 2 fields",
        "errors": [
            {
                "field": "body -> jina-embeddings-v2-base-en -> task",
                "message": "Extra inputs are not permitted",
                "type": "extra_forbidden",
                "input": "retrieval.passage",
            },
            {
                "field": "body -> jina-embeddings-v2-base-en -> return_multivector",
                "message": "Extra inputs are not permitted",
                "type": "extra_forbidden",
                "input": True,
            },
        ],
    }
    response = client.post(_wire.EMBEDDINGS_PATH, json=request)
    assert response.status_code == 422
    body = response.json()
    assert list(body) == ["detail", "errors"]
    assert same_but_rid(body["detail"], expected["detail"])
    assert body["errors"] == expected["errors"]


def test_v2_accepts_truncate_which_ragflow_sent_without_complaint(client: httpx.Client) -> None:
    """``truncate`` was in the same request and not refused: v2's schema has it."""
    request = {"model": "jina-embeddings-v2-base-en", "truncate": True, "input": ["x"]}
    assert client.post(_wire.EMBEDDINGS_PATH, json=request).status_code == 200


def test_v4_input_cap_answers_the_api_s_own_words(client: httpx.Client) -> None:
    """513 inputs to v4: langgenius/dify-official-plugins#1997 (2025-11-04) got this detail."""
    expected_detail = (
        "[RID: ec422fa8b74c3c20b493406ac1388555] Validation error: 'body -> jina-embeddings-v4' "
        "Each input list can contain at most 512 items.. Field errors: : Invalid value"
    )
    request = {"model": "jina-embeddings-v4", "input": [f"chunk {i}" for i in range(513)]}
    response = client.post(_wire.EMBEDDINGS_PATH, json=request)
    assert response.status_code == 422
    assert same_but_rid(response.json()["detail"], expected_detail)
    request["input"] = request["input"][:512]
    assert client.post(_wire.EMBEDDINGS_PATH, json=request).status_code == 200


def test_other_models_take_2048_inputs(client: httpx.Client) -> None:
    """The general cap is 2048 inputs (refly-ai/refly#831, 2025-05-04; LlamaIndex's batch cap)."""
    request = {"model": "jina-embeddings-v3", "input": ["x"] * 2048}
    assert client.post(_wire.EMBEDDINGS_PATH, json=request).status_code == 200
    request["input"] = ["x"] * 2049
    assert "at most 2048 items" in client.post(_wire.EMBEDDINGS_PATH, json=request).text


def test_a_retrieval_task_on_a_code_model_is_422_like_openviking_saw(client: httpx.Client) -> None:
    """volcengine/OpenViking#912 (2026-03-24): ``retrieval.query`` on the 1.5b code model.

    Request: OpenViking's ``JinaDenseEmbedder`` (the OpenAI client, ``task`` in
    ``extra_body``); its handler expects a 422 whose body names ``task``. The fix
    (OpenViking#914) sends ``nl2code.query``, which is accepted.
    """
    request = {
        "input": "def add(a, b): return a + b",
        "model": "jina-code-embeddings-1.5b",
        "encoding_format": "base64",
        "task": "retrieval.query",
    }
    response = client.post(_wire.EMBEDDINGS_PATH, json=request)
    assert response.status_code == 422
    assert "task" in response.text
    request["task"] = "nl2code.query"
    assert client.post(_wire.EMBEDDINGS_PATH, json=request).status_code == 200


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        # Jina API guide v14 (2026): the v4 schema has no ``normalized``. Weaviate sent
        # ``normalized: false`` to every model until 1.31.6 and stopped (commit 9e4442ba,
        # 2025-07-23) when v4 became its default.
        (
            {"input": ["a"], "model": "jina-embeddings-v4", "embedding_type": "float",
             "normalized": False},
            "normalized",
        ),
        # Same guide: the code models' schema has no ``late_chunking``.
        ({"model": "jina-code-embeddings-0.5b", "input": ["x"], "late_chunking": True},
         "late_chunking"),
        # Same guide: ``return_multivector`` is in v4's schema only.
        ({"model": "jina-embeddings-v3", "input": ["x"], "return_multivector": True},
         "return_multivector"),
    ],
    ids=["normalized-on-v4", "late-chunking-on-code", "multivector-on-v3"],
)  # fmt: skip
def test_fields_outside_a_model_schema_are_extra_forbidden(
    client: httpx.Client, request_body: dict[str, Any], field: str
) -> None:
    """Each field one model's schema lacks is a 422 ``extra_forbidden`` for that model."""
    response = client.post(_wire.EMBEDDINGS_PATH, json=request_body)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == f"body -> {request_body['model']} -> {field}"
    assert (error["message"], error["type"]) == (
        "Extra inputs are not permitted",
        "extra_forbidden",
    )


def test_an_unknown_model_is_400_input_model_not_found(client: httpx.Client) -> None:
    """api.jina.ai/openapi.json (2026) error table: 400 ``INPUT_MODEL_NOT_FOUND``, "Model 'X' not found"."""
    response = client.post(
        _wire.EMBEDDINGS_PATH, json={"model": "jina-embeddings-v9", "input": "x"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Model 'jina-embeddings-v9' not found",
        "code": "INPUT_MODEL_NOT_FOUND",
    }


# --------------------------------------------------------------------------- acceptances


@pytest.mark.parametrize(
    "request_body",
    [
        # text2vec-jinaai, v4 (its default model): no task, no normalized.
        {"input": ["a", "b"], "model": "jina-embeddings-v4", "embedding_type": "float"},
        # text2vec-jinaai query, v3: task and normalized false.
        {"input": ["a"], "model": "jina-embeddings-v3", "embedding_type": "float",
         "normalized": False, "task": "retrieval.query", "dimensions": 256},
        # multi2vec-jinaai objects, clip-v1 with its only dimensions (768).
        {"input": [{"text": "a"}, {"image": PNG_B64}], "model": "jina-clip-v1",
         "embedding_type": "float", "dimensions": 768},
        # multi2vec-jinaai query, CLIP: task and normalized true.
        {"input": ["a"], "model": "jina-clip-v2", "embedding_type": "float", "normalized": True,
         "task": "retrieval.query"},
        # multi2multivec-jinaai, v4.
        {"input": [{"text": "a"}], "model": "jina-embeddings-v4", "embedding_type": "float",
         "return_multivector": True},
    ],
    ids=["text2vec-v4", "text2vec-v3-query", "multi2vec-clip-v1", "clip-query", "multi2multivec"],
)  # fmt: skip
def test_the_bodies_weaviate_sends_are_accepted(
    client: httpx.Client, request_body: dict[str, Any]
) -> None:
    """Weaviate 1.39's Jina modules' bodies (usecases/modulecomponents/clients/jinaai)."""
    assert client.post(_wire.EMBEDDINGS_PATH, json=request_body).status_code == 200


def test_clip_v1_takes_exactly_768_dimensions(client: httpx.Client) -> None:
    """Weaviate's multi2vec-jinaai requires ``dimensions == 768`` for clip-v1; so do we."""
    check_dimensions("jina-clip-v1", 768)
    config = JinaConfigure.Vectors.multi2vec_jinaai(
        name="v", model="jina-clip-v1", image_fields=["image"], dimensions=768
    )
    assert config is not None
    assert get_model("jina-clip-v1").output_dimensions(768) == 768
    body = {"model": "jina-clip-v1", "input": ["x"], "dimensions": 512}
    assert "allowed: one of 768" in client.post(_wire.EMBEDDINGS_PATH, json=body).text


def test_the_openai_client_s_encoding_format_is_accepted(client: httpx.Client) -> None:
    """The OpenAI client's body, ``encoding_format`` included, is served.

    Sources disagree: QuantumNous/new-api#1941 (2025-09-30) saw this body refused on v3 with
    ``'field': 'body -> jina-embeddings-v3 -> encoding_format', 'type': 'extra_forbidden'``;
    in 2026 Jina's own integration code embeds through the OpenAI client (alibaba/zvec#156,
    2026-02-22, by Jina's CEO; volcengine/OpenViking, 2026-03). The newer evidence wins.
    """
    request = {"input": ["Hello"], "model": "jina-embeddings-v5-text-small",
               "encoding_format": "base64"}  # fmt: skip
    response = client.post(_wire.EMBEDDINGS_PATH, json=request)
    assert response.status_code == 200
    assert isinstance(response.json()["data"][0]["embedding"], str)


# --------------------------------------------------------------------------- rerank


def test_rerank_answers_in_the_live_shape(client: httpx.Client) -> None:
    """weaviate/weaviate#9709 (2025-11-17): the live answer to Weaviate's rerank request.

    Weaviate sends documents, query and model only; the answer has ``object``, ``usage`` with
    ``total_tokens`` only, and each ``document`` as the string that was sent.
    """
    request = {
        "documents": ["The Giraffe has a very long neck"],
        "query": "domestic animals",
        "model": "jina-reranker-v2-base-multilingual",
    }
    live: dict[str, Any] = {
        "model": "jina-reranker-v2-base-multilingual",
        "object": "list",
        "usage": {"total_tokens": 16},
        "results": [
            {"index": 0, "relevance_score": 0.04208773,
             "document": "The Giraffe has a very long neck"},
        ],
    }  # fmt: skip
    response = client.post(_wire.RERANK_PATH, json=request)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == list(live)
    assert (body["model"], body["object"]) == (live["model"], live["object"])
    assert list(body["usage"]) == list(live["usage"])
    (result,) = body["results"]
    assert list(result) == list(live["results"][0])
    assert result["document"] == "The Giraffe has a very long neck"
    assert 0.0 <= result["relevance_score"] <= 1.0


def test_rerank_keeps_document_objects_with_all_their_fields(client: httpx.Client) -> None:
    """A document sent as an object comes back as that object, extra fields included.

    Jina API guide v14 (2026) says object documents keep their fields in the answer;
    strings stay strings (weaviate/weaviate#9709).
    """
    documents: list[Any] = [
        {"text": "Berlin is the capital of Germany", "title": "Berlin", "lang": "en"},
        "Paris is the capital of France",
    ]
    request = {"model": "jina-reranker-v3", "query": "capital of Germany", "documents": documents}
    results = client.post(_wire.RERANK_PATH, json=request).json()["results"]
    assert {r["index"]: r["document"] for r in results} == dict(enumerate(documents))


def test_rerank_returns_documents_unless_asked_not_to(client: httpx.Client) -> None:
    """``return_documents`` defaults to true.

    Sources: Jina's API guide v14 (2026), and Weaviate's live request above (no such field)
    got documents back. dify-official-plugins#1799 (2025-10-01) reported false; the newer
    sources win.
    """
    request: dict[str, Any] = {"model": "jina-reranker-v3.5", "query": "q", "documents": ["a", "b"]}
    assert all(
        "document" in r for r in client.post(_wire.RERANK_PATH, json=request).json()["results"]
    )
    request["return_documents"] = False
    results = client.post(_wire.RERANK_PATH, json=request).json()["results"]
    assert all(set(r) == {"index", "relevance_score"} for r in results)


# --------------------------------------------------------------------------- model limits


def test_context_length_is_the_model_s(client: httpx.Client) -> None:
    """v5-text-nano reads 8192 tokens, v5-text-small 32768 (Jina API guide v14, 2026).

    Over the limit: 422 ``INPUT_TOKEN_LIMIT_EXCEEDED`` unless ``truncate`` (same guide).
    """
    long_text = "word " * 9000  # about 11,000 tokens by the server's estimate
    nano = {"model": "jina-embeddings-v5-text-nano", "input": [long_text]}
    response = client.post(_wire.EMBEDDINGS_PATH, json=nano)
    assert (response.status_code, response.json()["code"]) == (422, "INPUT_TOKEN_LIMIT_EXCEEDED")
    assert client.post(_wire.EMBEDDINGS_PATH, json={**nano, "truncate": True}).status_code == 200
    small = {"model": "jina-embeddings-v5-text-small", "input": [long_text]}
    assert client.post(_wire.EMBEDDINGS_PATH, json=small).status_code == 200


@pytest.mark.parametrize(
    ("model", "item", "status"),
    [
        ("jina-embeddings-v4", {"pdf": "https://example.com/paper.pdf"}, 200),
        ("jina-embeddings-v4", {"audio": "https://example.com/a.mp3"}, 422),
        ("jina-embeddings-v5-omni-small", {"audio": "https://example.com/a.mp3"}, 200),
        ("jina-embeddings-v5-omni-nano", {"video": "https://example.com/v.mp4"}, 200),
        ("jina-embeddings-v5-text-small", {"image": PNG_B64}, 422),
        ("jina-clip-v2", {"pdf": "https://example.com/paper.pdf"}, 422),
    ],
    ids=["v4-pdf", "v4-audio", "omni-audio", "omni-video", "v5-text-image", "clip-pdf"],
)
def test_each_model_embeds_only_its_kinds_of_input(
    client: httpx.Client, model: str, item: dict[str, str], status: int
) -> None:
    """v4: text, images, PDFs (Jina API guide); v5-omni: also audio and video (model pages)."""
    response = client.post(_wire.EMBEDDINGS_PATH, json={"model": model, "input": [item]})
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("model", "late_chunking_status"),
    [
        ("jina-embeddings-v3", 200),
        ("jina-embeddings-v4", 200),
        ("jina-embeddings-v5-text-small", 200),
        ("jina-code-embeddings-1.5b", 422),
        ("jina-embeddings-v2-base-en", 422),
    ],
)
def test_late_chunking_is_taken_by_the_models_whose_schema_has_it(
    client: httpx.Client, model: str, late_chunking_status: int
) -> None:
    """Jina API guide v14 (2026): v3, v4, v5-text take ``late_chunking``; code models do not."""
    body = {"model": model, "input": ["one", "two"], "late_chunking": True}
    assert client.post(_wire.EMBEDDINGS_PATH, json=body).status_code == late_chunking_status

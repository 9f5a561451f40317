"""The Jina API client: request bodies, batching, order, errors, retries, masking, twins."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from functools import partial
from typing import Any

import httpx
import pytest
import respx
import stamina
from hypothesis import given, settings
from hypothesis import strategies as st

from weaviate_jina_ext._catalogue import UnknownModelWarning
from weaviate_jina_ext._embeddings import AsyncJinaClient, JinaClient
from weaviate_jina_ext._exceptions import (
    InvalidDimensionsError,
    InvalidTaskError,
    JinaAPIError,
    JinaAuthenticationError,
    JinaBadRequestError,
    JinaConfigError,
    JinaPaymentRequiredError,
    JinaRateLimitError,
    JinaServerError,
    MissingJinaKeyError,
)
from weaviate_jina_ext._requests import AUTO_TASK, _split
from weaviate_jina_ext._responses import _retry_after
from weaviate_jina_ext._results import EmbeddingResult, RerankHit, TokenUsage
from weaviate_jina_ext._secrets import mask_key
from weaviate_jina_ext.testing import FakeJina, Faults, ScriptedResponse

KEY = "jina_PLANTEDsecret0123456789XYZW"
SECRET_PART = "PLANTEDsecret0123456789"

Script = httpx.Response | Exception | None


class InProcessJina:
    """The shared FakeJina, answering in-process through a respx router (no socket).

    Requests reach FakeJina's transport-independent ``handle()``, so answers are the fake
    API's own; ``router.calls`` keeps every request as the client sent it (full URL, key
    unmasked) with the answer it got. ``script`` steps come first, one per request: an
    ``httpx.Response`` to return verbatim or an exception to raise (what a network does,
    which no server can), ``None`` to let FakeJina answer. ``shuffle`` reorders the ``data``
    items of each answer, so the client must restore input order by ``index``; ``delay`` and
    the in-flight counters serve the async client. ``prefix`` is the base URL's path, which
    the fake (serving ``/v1/...``) does not see.
    """

    def __init__(
        self,
        *script: Script,
        shuffle: bool = False,
        delay: float = 0.0,
        prefix: str = "",
        strict: bool = True,
    ) -> None:
        self.fake = FakeJina(api_keys=[KEY], strict=strict)
        self.script = list(script)
        self.shuffle = shuffle
        self.delay = delay
        self.prefix = prefix
        self.router = respx.MockRouter(assert_all_called=False)
        self.router.route().mock(side_effect=self._step)
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def requests(self) -> list[httpx.Request]:
        return [call.request for call in self.router.calls]

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    def answers(self) -> list[dict[str, Any]]:
        """The JSON answers, in request order (requests that raised have none)."""
        return [call.response.json() for call in self.router.calls if call.has_response]

    def usage(self) -> TokenUsage:
        """The usage the answers reported, summed."""
        total = TokenUsage()
        for answer in self.answers():
            usage = answer["usage"]
            total += TokenUsage(usage["total_tokens"], usage["prompt_tokens"])
        return total

    def handle(self, request: httpx.Request) -> httpx.Response:
        return self.router.handler(request)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            return self.router.handler(request)
        finally:
            self.in_flight -= 1

    def _step(self, request: httpx.Request) -> httpx.Response:
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, Exception):
                raise step
            if step is not None:
                return step
        path = request.url.raw_path.decode().removeprefix(self.prefix)
        answer = self.fake.handle(request.method, path, request.headers, request.content)
        body = answer.body
        if self.shuffle and answer.status == 200:
            payload = json.loads(body)
            if "data" in payload:  # embeddings; rerank results are ranked, not ordered
                random.Random(len(payload["data"])).shuffle(payload["data"])
                body = json.dumps(payload).encode()
        return httpx.Response(answer.status, headers=list(answer.headers), content=body)


def error(
    status: int, detail: object = "nope", code: str | None = None, **headers: str
) -> httpx.Response:
    """An error answer in the Jina envelope."""
    body: dict[str, object] = {"detail": detail}
    if code is not None:
        body["code"] = code
    return httpx.Response(status, json=body, headers=headers)


def client(api: InProcessJina, **kwargs: Any) -> JinaClient:
    return JinaClient(api_key=KEY, transport=httpx.MockTransport(api.handle), **kwargs)


def aclient(api: InProcessJina, **kwargs: Any) -> AsyncJinaClient:
    return AsyncJinaClient(api_key=KEY, transport=httpx.MockTransport(api.handle_async), **kwargs)


@pytest.fixture(autouse=True)
def _instant_retries() -> Iterator[None]:
    """Backoffs take no time; attempts stay as each client configures them."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


# --------------------------------------------------------------------------- bodies


def test_embed_sends_headers_and_body() -> None:
    """embed() posts to base_url + /v1/embeddings with bearer key, JSON headers and float type."""
    api = InProcessJina(prefix="/jina")
    with client(api, base_url="https://proxy.example/jina/") as c:
        result = c.embed(["a", "bb"])
    (request,) = api.requests
    assert str(request.url) == "https://proxy.example/jina/v1/embeddings"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/json"
    assert api.bodies == [
        {
            "model": "jina-embeddings-v3",
            "embedding_type": "float",
            "task": "retrieval.passage",
            "input": ["a", "bb"],
        }
    ]
    expected = api.fake.embed(["a", "bb"], task="retrieval.passage")
    assert result == EmbeddingResult(expected, "jina-embeddings-v3", api.usage())


def test_embed_sends_every_given_parameter() -> None:
    """Explicit task, dimensions, normalized, late_chunking and truncate all reach the body."""
    api = InProcessJina()
    client(api).embed(
        ["q"],
        model="jina-embeddings-v3",
        task="retrieval.query",
        dimensions=256,
        normalized=True,
        late_chunking=False,
        truncate=True,
    )
    assert api.bodies[0] == {
        "model": "jina-embeddings-v3",
        "embedding_type": "float",
        "task": "retrieval.query",
        "dimensions": 256,
        "normalized": True,
        "late_chunking": False,
        "truncate": True,
        "input": ["q"],
    }


@pytest.mark.parametrize(
    ("model", "task", "sent"),
    [
        ("jina-embeddings-v2-base-en", AUTO_TASK, None),
        ("jina-embeddings-v3", AUTO_TASK, "retrieval.passage"),
        ("jina-embeddings-v3", None, None),
        ("jina-embeddings-v4", AUTO_TASK, "retrieval.passage"),
        ("jina-embeddings-v5-text-nano", "clustering", "clustering"),
    ],
    ids=["v2-auto-none", "v3-auto-passage", "v3-explicit-none", "v4-auto", "v5-explicit"],
)
def test_embed_task_choice(model: str, task: str | None, sent: str | None) -> None:
    """AUTO_TASK sends retrieval.passage only where accepted; None sends no task."""
    api = InProcessJina()
    client(api).embed(["x"], model=model, task=task)
    assert api.bodies[0].get("task") == sent


@pytest.mark.parametrize(
    ("model", "query", "dimensions", "extra"),
    [
        ("jina-embeddings-v2-base-en", False, None, {}),
        ("jina-embeddings-v3", False, None, {"task": "retrieval.passage", "normalized": False}),
        ("jina-embeddings-v3", True, 512,
         {"task": "retrieval.query", "normalized": False, "dimensions": 512}),
        ("jina-embeddings-v4", False, 1024, {"dimensions": 1024}),
        ("jina-embeddings-v4", True, None, {}),
        ("jina-embeddings-v5-text-small", True, None, {}),
    ],
    ids=["v2", "v3-passage", "v3-query-dims", "v4-dims", "v4-query", "v5"],
)  # fmt: skip
def test_embed_for_weaviate_matches_module(
    model: str, query: bool, dimensions: int | None, extra: dict[str, Any]
) -> None:
    """embed_for_weaviate sends text2vec-jinaai's body: task and normalized only for v3."""
    api = InProcessJina()
    client(api).embed_for_weaviate(["a", "b"], model=model, query=query, dimensions=dimensions)
    assert api.bodies[0] == {
        "input": ["a", "b"],
        "model": model,
        "embedding_type": "float",
        **extra,
    }


@pytest.mark.parametrize("model", ["jina-clip-v1", "jina-clip-v2"])
def test_embed_for_weaviate_rejects_multimodal_models(model: str) -> None:
    """CLIP models are refused: multi2vec-jinaai sends other bodies than text2vec-jinaai."""
    api = InProcessJina()
    with pytest.raises(JinaConfigError, match=r"text2vec-jinaai"):
        client(api).embed_for_weaviate(["a"], model=model)
    assert api.bodies == []


def test_embed_multivector_body_and_result() -> None:
    """embed_multivector posts to /v1/multi-vector and returns one matrix per text."""
    api = InProcessJina(shuffle=True)
    texts = ["a b", "c", "d e f"]
    result = client(api).embed_multivector(texts, dimensions=64, input_type="query")
    assert api.requests[0].url.path == "/v1/multi-vector"
    assert api.bodies[0] == {
        "model": "jina-colbert-v2",
        "embedding_type": "float",
        "dimensions": 64,
        "input_type": "query",
        "input": texts,
    }
    (answer,) = api.answers()
    assert [item["index"] for item in answer["data"]] != [0, 1, 2]  # the client must reorder
    by_index = sorted(answer["data"], key=lambda item: item["index"])
    assert result.vectors == [item["embeddings"] for item in by_index]
    assert [len(matrix) for matrix in result.vectors] == [2, 1, 3]  # one vector per word
    assert result.usage == api.usage()


def test_rerank_body_and_order() -> None:
    """Reranking sends return_documents explicitly and returns hits by descending score."""
    api = InProcessJina()
    docs = ["alpha", "beta", "gamma", "delta"]
    result = client(api).rerank("q", docs, top_n=2)
    assert api.requests[0].url.path == "/v1/rerank"
    assert api.bodies[0] == {
        "model": "jina-reranker-v2-base-multilingual",
        "query": "q",
        "documents": docs,
        "return_documents": True,
        "top_n": 2,
    }
    (answer,) = api.answers()
    ranked = sorted(answer["results"], key=lambda r: r["relevance_score"], reverse=True)
    expected = [r["document"] for r in ranked][:2]
    assert [hit.document for hit in result.results] == expected
    assert [hit.index for hit in result.results] == [docs.index(d) for d in expected]


@pytest.mark.parametrize(
    ("document", "return_documents", "expected"),
    [
        ("as string", True, "as string"),
        ({"text": "as object"}, True, "as object"),
        (None, True, "sent"),
        ("ignored", False, None),
    ],
    ids=["string", "text-object", "missing", "not-requested"],
)
def test_rerank_document_shapes(
    document: object, return_documents: bool, expected: str | None
) -> None:
    """A hit's document is read from a string, an older {"text"} object, or the input."""
    answer = httpx.Response(
        200,
        json={
            "model": "jina-reranker-v2-base-multilingual",
            "usage": {"total_tokens": 3},
            "results": [{"index": 0, "relevance_score": 0.5, "document": document}],
        },
    )
    result = client(InProcessJina(answer)).rerank("q", ["sent"], return_documents=return_documents)
    assert result.results == [RerankHit(0, 0.5, expected)]
    assert result.usage == TokenUsage(3, 3)


def test_rerank_merges_batches() -> None:
    """Documents over one request are scored in several; hits merge by score with global indices."""
    api = InProcessJina()
    docs = [f"document number {i}" for i in range(7)]
    result = client(api, batch_size=3).rerank("q", docs, top_n=4)
    assert [len(b["documents"]) for b in api.bodies] == [3, 3, 1]
    assert [b["top_n"] for b in api.bodies] == [3, 3, 1]
    scores = {
        offset + r["index"]: r["relevance_score"]
        for offset, answer in zip((0, 3, 6), api.answers(), strict=True)
        for r in answer["results"]
    }
    assert sorted(scores) == list(range(7))  # every document was scored once
    expected = sorted(range(7), key=lambda i: scores[i], reverse=True)[:4]
    assert [hit.index for hit in result.results] == expected
    assert all(hit.document == docs[hit.index] for hit in result.results)


# --------------------------------------------------------------------------- batching


@pytest.mark.parametrize(
    ("count", "sizes"),
    [(4, [4]), (5, [4, 1]), (9, [4, 4, 1])],
    ids=["exact", "plus-one", "two-full"],
)
def test_batches_by_count(count: int, sizes: list[int]) -> None:
    """Inputs are split at batch_size: exactly batch_size is one request, one more is two."""
    api = InProcessJina()
    texts = [f"t{i}" for i in range(count)]
    result = client(api, batch_size=4).embed(texts)
    assert [len(b["input"]) for b in api.bodies] == sizes
    assert result.vectors == api.fake.embed(texts, task="retrieval.passage")
    assert result.usage == api.usage()


def usage_answer(value: float, total: int, prompt: int) -> httpx.Response:
    """A one-vector answer whose usage counts differ, so a mix-up of the two shows."""
    usage = {"total_tokens": total, "prompt_tokens": prompt}
    data = [{"object": "embedding", "index": 0, "embedding": [value]}]
    body = {"model": "jina-embeddings-v3", "object": "list", "usage": usage, "data": data}
    return httpx.Response(200, json=body)


def test_usage_counts_are_read_apart_and_summed() -> None:
    """total_tokens and prompt_tokens are read separately and summed over the requests."""
    api = InProcessJina(usage_answer(1.0, 4, 2), usage_answer(2.0, 6, 3))
    result = client(api, batch_size=1).embed(["a", "b"])
    assert result == EmbeddingResult([[1.0], [2.0]], "jina-embeddings-v3", TokenUsage(10, 5))


@pytest.mark.parametrize(
    ("model", "cap"), [("jina-embeddings-v4", 512), ("jina-embeddings-v3", 2048)], ids=["v4", "v3"]
)
def test_default_batch_is_model_cap(model: str, cap: int) -> None:
    """Without batch_size the model's max_inputs applies, and a larger batch_size is capped."""
    for batch_size in (None, 10_000):
        api = InProcessJina()
        client(api, batch_size=batch_size).embed(["x"] * (cap + 1), model=model)
        assert [len(b["input"]) for b in api.bodies] == [cap, 1]


def test_batches_by_token_budget() -> None:
    """Requests stay inside max_tokens_per_request (estimated at ~4 characters a token)."""
    api = InProcessJina()
    texts = ["a" * 16] * 5  # 4 estimated tokens each
    client(api, max_tokens_per_request=10).embed(texts)
    assert [len(b["input"]) for b in api.bodies] == [2, 2, 1]


def _greedy_spans(estimates: list[int], max_items: int, max_tokens: int) -> list[tuple[int, int]]:
    """The splitting rule, one item at a time: the oracle for the client's bisecting split."""
    spans: list[tuple[int, int]] = []
    start = tokens = 0
    for i, cost in enumerate(estimates):
        if i > start and (i - start >= max_items or tokens + cost > max_tokens):
            spans.append((start, i))
            start, tokens = i, 0
        tokens += cost
    if start < len(estimates):
        spans.append((start, len(estimates)))
    return spans


@settings(max_examples=400, deadline=None)
@given(
    estimates=st.lists(st.integers(1, 40), max_size=60),
    max_items=st.integers(1, 12),
    max_tokens=st.integers(1, 80),
)
def test_split_takes_as_many_items_as_fit(
    estimates: list[int], max_items: int, max_tokens: int
) -> None:
    """Requests are split exactly as the one-at-a-time rule would, items over budget alone."""
    spans = _split(estimates, max_items=max_items, max_tokens=max_tokens)
    assert spans == _greedy_spans(estimates, max_items, max_tokens)


def test_text_over_budget_gets_its_own_request() -> None:
    """A text bigger than the per-request budget (but within the model) is sent alone."""
    api = InProcessJina()
    client(api, max_tokens_per_request=10).embed(["a", "b" * 100, "c"])
    assert [b["input"] for b in api.bodies] == [["a"], ["b" * 100], ["c"]]


def test_overlong_text_rejected_unless_truncate() -> None:
    """A text over the model's context fails before sending, naming its index; truncate=True sends it."""
    api = InProcessJina()
    texts = ["short", "x" * (8192 * 4 + 4)]
    with pytest.raises(JinaConfigError, match=r"texts\[1\].*8192-token limit.*truncate=True"):
        client(api).embed(texts)
    assert api.requests == []
    client(api).embed(texts, truncate=True)
    assert api.bodies[0]["truncate"] is True


def test_late_chunking_keeps_one_request() -> None:
    """late_chunking sends all texts together and refuses what cannot fit one request."""
    api = InProcessJina()
    client(api, batch_size=2, max_tokens_per_request=1).embed(["a", "b"], late_chunking=True)
    assert [b["input"] for b in api.bodies] == [["a", "b"]]
    with pytest.raises(JinaConfigError, match="late_chunking"):
        client(api, batch_size=2).embed(["a", "b", "c"], late_chunking=True)
    with pytest.raises(JinaConfigError, match="8192-token limit"):
        client(api).embed(["x" * 20_000, "y" * 20_000], late_chunking=True)
    assert len(api.requests) == 1


def test_order_kept_when_data_shuffled() -> None:
    """Vectors come back in input order even when each response's data is shuffled."""
    api = InProcessJina(shuffle=True)
    texts = [f"text-{i}" for i in range(23)]
    result = client(api, batch_size=5).embed(texts)
    assert len(api.requests) == 5
    assert result.vectors == api.fake.embed(texts, task="retrieval.passage")


def test_empty_input_sends_nothing() -> None:
    """An empty list returns an empty result without a request, after validating arguments."""
    api = InProcessJina()
    c = client(api)
    assert c.embed([]) == EmbeddingResult([], "jina-embeddings-v3", TokenUsage())
    assert c.embed_multivector([]).vectors == []
    assert c.rerank("q", []).results == []
    assert api.requests == []
    with pytest.raises(InvalidDimensionsError):
        c.embed([], dimensions=4096)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda c: c.embed(["a", 3]), JinaConfigError, r"texts\[1\] must be a str, got int"),
        (lambda c: c.embed("abc"), JinaConfigError, "wrap it"),
        (lambda c: c.embed(["a"], dimensions=4096), InvalidDimensionsError, "32-1024"),
        (lambda c: c.embed(["a"], dimensions=0), InvalidDimensionsError, "positive int"),
        (lambda c: c.embed(["a"], task="code.query"), InvalidTaskError, "allowed"),
        (lambda c: c.embed(["a"], model="jina-embeddings-v2-base-en", task="retrieval.query"), InvalidTaskError, "takes no task"),
        (lambda c: c.embed(["a"], normalized="yes"), JinaConfigError, "normalized"),
        (lambda c: c.embed(["a"], model="jina-embeddings-v4", normalized=True), JinaConfigError, "no normalized field"),
        (lambda c: c.embed(["a"], model="jina-code-embeddings-0.5b", late_chunking=True), JinaConfigError, "no late_chunking field"),
        (lambda c: c.embed(["a"], model="jina-reranker-v2-base-multilingual"), JinaConfigError, r"use rerank\(\)"),
        (lambda c: c.embed(["a"], model="jina-colbert-v2"), JinaConfigError, r"embed_multivector\(\)"),
        (lambda c: c.embed_for_weaviate(["a"], model="jina-colbert-v2"), JinaConfigError, "multi-vector"),
        (lambda c: c.embed_multivector(["a"], model="jina-embeddings-v3"), JinaConfigError, "text-embedding"),
        (lambda c: c.embed_multivector(["a"], dimensions=100), InvalidDimensionsError, "64, 96, 128"),
        (lambda c: c.embed_multivector(["a"], input_type="passage"), JinaConfigError, "input_type"),
        (lambda c: c.rerank("q", ["a"], model="jina-embeddings-v3"), JinaConfigError, "text-embedding"),
        (lambda c: c.rerank("q", ["a"], top_n=0), JinaConfigError, "top_n"),
        (lambda c: c.rerank("q", ["a", None]), JinaConfigError, r"documents\[1\]"),
    ],
    ids=[
        "non-str-item", "single-str", "dims-range", "dims-zero", "task-wrong", "task-none-taken",
        "normalized-type", "normalized-on-v4", "late-chunking-on-code", "reranker-in-embed", "colbert-in-embed", "colbert-for-weaviate",
        "text-in-multivector", "colbert-dims", "input-type", "text-in-rerank", "top-n", "doc-none",
    ],
)  # fmt: skip
def test_validation_before_sending(
    call: Callable[[JinaClient], object], error: type[Exception], match: str
) -> None:
    """Bad arguments raise a JinaConfigError subclass naming the problem, and nothing is sent."""
    api = InProcessJina()
    with pytest.raises(error, match=match):
        call(client(api))
    assert api.requests == []


def test_unknown_model_warns_at_caller_and_passes() -> None:
    """An unknown model warns (pointing at the caller) and is sent unvalidated."""
    api = InProcessJina(strict=False)  # the real API would 400 a name it does not serve
    with pytest.warns(UnknownModelWarning, match="jina-embeddings-v9") as record:
        client(api).embed(["a"], model="jina-embeddings-v9", dimensions=5000)
    assert record[0].filename == __file__
    assert api.bodies[0]["model"] == "jina-embeddings-v9"
    assert "task" not in api.bodies[0]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 0},
        {"max_attempts": 0},
        {"max_retry_time": 0},
        {"timeout": -1},
        {"max_tokens_per_request": True},
        {"base_url": "api.jina.ai"},
        {"http_client": httpx.Client()},
    ],
    ids=["batch", "attempts", "retry-time", "timeout", "tokens-bool", "base-url", "both-io"],
)
def test_constructor_validation(kwargs: dict[str, Any]) -> None:
    """Out-of-range constructor arguments raise JinaConfigError naming the argument."""
    with pytest.raises(JinaConfigError, match=next(iter(kwargs)).split("_")[0]):
        JinaClient(api_key=KEY, transport=httpx.MockTransport(InProcessJina().handle), **kwargs)


def test_key_required_and_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key raises MissingJinaKeyError naming JINAAI_APIKEY; the variable is then used."""
    with pytest.raises(MissingJinaKeyError, match="JINAAI_APIKEY"):
        JinaClient()
    with pytest.raises(MissingJinaKeyError, match="JINAAI_APIKEY"):
        AsyncJinaClient()
    monkeypatch.setenv("JINAAI_APIKEY", KEY)
    api = InProcessJina()
    JinaClient(transport=httpx.MockTransport(api.handle)).embed(["a"])
    assert api.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_given_http_client_is_used_and_left_open() -> None:
    """A passed http_client carries the requests and is not closed by close()."""
    api = InProcessJina()
    http = httpx.Client(transport=httpx.MockTransport(api.handle))
    with JinaClient(api_key=KEY, http_client=http) as c:
        c.embed(["a"])
    assert len(api.requests) == 1
    assert not http.is_closed
    http.close()


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("answer", "error", "fragments"),
    [
        (partial(error, 400, "Model 'x' not found", "INPUT_MODEL_NOT_FOUND"), JinaBadRequestError, ["HTTP 400, INPUT_MODEL_NOT_FOUND", "not found", "(model='jina-embeddings-v3')"]),
        (partial(error, 422, [{"loc": ["body", "task"], "msg": "bad task"}]), JinaBadRequestError, ["HTTP 422", "bad task", "task='retrieval.passage' was sent"]),
        (partial(error, 401, "Invalid API key", "AUTH_INVALID_API_KEY"), JinaAuthenticationError, ["check the key: pass api_key= or set JINAAI_APIKEY", mask_key(KEY)]),
        (partial(error, 402, "Payment Required"), JinaPaymentRequiredError, ["top up balance"]),
        (partial(error, 403, "Insufficient account balance", "AUTHZ_INSUFFICIENT_BALANCE"), JinaPaymentRequiredError, ["top up balance", "AUTHZ_INSUFFICIENT_BALANCE"]),
        (partial(error, 403, "Resource limit", "AUTHZ_RESOURCE_LIMIT_EXCEEDED"), JinaAPIError, ["HTTP 403", "Resource limit"]),
        (partial(error, 429, "Token rate limit exceeded", "RATE_TOKEN_LIMIT_EXCEEDED"), JinaRateLimitError, ["max_attempts=2", "lower max_concurrency"]),
        (partial(error, 500, "boom"), JinaServerError, ["HTTP 500", "boom"]),
        (partial(error, 524, "timeout at the edge"), JinaServerError, ["HTTP 524"]),
        (partial(httpx.Response, 502, text="<html>Bad Gateway</html>"), JinaServerError, ["HTTP 502", "<html>Bad Gateway</html>"]),
        (partial(httpx.Response, 400, json={"error": {"message": "Invalid input"}}), JinaBadRequestError, ["Invalid input"]),
    ],
    ids=["400", "422-list", "401", "402", "403-balance", "403-other", "429", "500", "524", "502-html", "400-error-object"],
)  # fmt: skip
def test_error_mapping(
    answer: Callable[[], httpx.Response], error: type[JinaAPIError], fragments: list[str]
) -> None:
    """Each status maps to its exception type, with detail, code and a message naming the fix."""
    api = InProcessJina(answer(), answer())
    with pytest.raises(error) as info:
        client(api, max_attempts=2).embed(["a"])
    exc = info.value
    assert type(exc) is error
    assert exc.response is not None
    assert exc.status_code == exc.response.status_code == answer().status_code
    assert exc.detail
    for fragment in fragments:
        assert fragment in str(exc)
    assert "inputs 0-0 of 1" in str(exc)


def test_error_code_and_retry_after_attributes() -> None:
    """JinaRateLimitError carries code, detail and the Retry-After seconds."""
    api = InProcessJina(
        error(429, "slow down", "RATE_CONCURRENCY_LIMIT_EXCEEDED", **{"Retry-After": "7"})
    )
    with pytest.raises(JinaRateLimitError) as info:
        client(api, max_attempts=1).embed(["a"])
    assert info.value.code == "RATE_CONCURRENCY_LIMIT_EXCEEDED"
    assert info.value.detail == "slow down"
    assert info.value.retry_after == 7.0
    assert "Retry-After: 7s" in str(info.value)


def test_bad_request_names_the_input() -> None:
    """A 400 whose detail names an input index points at that text in the caller's list."""
    api = InProcessJina(None, error(400, "body -> input -> 1: text too long"))
    with pytest.raises(JinaBadRequestError, match=r"texts\[3\]") as info:
        client(api, batch_size=2).embed(["a", "b", "c", "d"])
    assert "inputs 2-3 of 4" in str(info.value)


def test_malformed_success_is_an_error_not_retried() -> None:
    """A 200 with fewer data items than inputs raises JinaAPIError without retrying."""
    bad = httpx.Response(200, json={"model": "m", "data": [{"index": 0, "embedding": [1.0]}]})
    api = InProcessJina(bad)
    with pytest.raises(JinaAPIError, match="1 data items for 2 inputs"):
        client(api).embed(["a", "b"])
    assert len(api.requests) == 1
    api = InProcessJina(httpx.Response(200, text="not json"))
    with pytest.raises(JinaAPIError, match="not a JSON object"):
        client(api).embed(["a"])


_LYING_ITEMS = {
    "index-is-bool": [{"index": True, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}],
    "index-is-float": [{"index": 1.0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}],
    "index-is-string": [{"index": "1", "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}],
    "index-repeated": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}],
    "index-negative": [{"index": -1, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}],
    "index-too-large": [{"index": 2, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}],
    "index-missing": [{"embedding": [1.0]}, {"index": 0, "embedding": [2.0]}],
    "item-not-object": [[1.0], {"index": 0, "embedding": [2.0]}],
    "item-null": [None, {"index": 0, "embedding": [2.0]}],
    "vector-is-string": [{"index": 1, "embedding": "AACAPw=="}, {"index": 0, "embedding": [2.0]}],
    "vector-is-null": [{"index": 1, "embedding": None}, {"index": 0, "embedding": [2.0]}],
    "vector-missing": [{"index": 1}, {"index": 0, "embedding": [2.0]}],
}


@pytest.mark.parametrize("data", list(_LYING_ITEMS.values()), ids=list(_LYING_ITEMS))
def test_data_items_that_do_not_fit_are_an_error(data: list[Any]) -> None:
    """Each way an answer's items can lie is a JinaAPIError naming it, never a wrong result."""
    api = InProcessJina(httpx.Response(200, json={"model": "m", "data": data}))
    with pytest.raises(JinaAPIError, match="does not fit the Jina API") as info:
        client(api).embed(["a", "b"])
    assert "data" in str(info.value)
    assert len(api.requests) == 1  # a malformed success is not retried


def test_data_items_in_any_order_and_either_field_name() -> None:
    """Items are placed by ``index``, and a vector under ``embeddings`` is read too."""
    data = [
        {"object": "embedding", "index": 2, "embedding": [3.0]},
        {"object": "embedding", "index": 0, "embeddings": [1.0]},
        {"object": "embedding", "index": 1, "embedding": [2.0], "extra": {"x": 1}},
    ]
    api = InProcessJina(httpx.Response(200, json={"model": "m", "data": data}))
    assert client(api).embed(["a", "b", "c"]).vectors == [[1.0], [2.0], [3.0]]


# --------------------------------------------------------------------------- retries


def test_server_errors_retried_until_success() -> None:
    """5xx, 524 and transport errors are retried; the call then succeeds."""
    request = httpx.Request("POST", "https://api.jina.ai/v1/embeddings")
    api = InProcessJina(
        error(500),
        error(524),
        httpx.ConnectError("refused", request=request),
        httpx.ReadTimeout("slow", request=request),
        error(429, "busy"),
    )
    result = client(api).embed(["a"])
    assert len(api.requests) == 6
    assert result.vectors == api.fake.embed(["a"], task="retrieval.passage")


def test_attempts_are_bounded() -> None:
    """A server that keeps failing is tried max_attempts times, then the last error is raised."""
    api = InProcessJina(*[error(503) for _ in range(10)])
    with pytest.raises(JinaServerError):
        client(api, max_attempts=3).embed(["a"])
    assert len(api.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422])
def test_client_errors_never_retried(status: int) -> None:
    """4xx answers other than 429 are final: one request only."""
    api = InProcessJina(*[error(status, code="AUTHZ_INSUFFICIENT_BALANCE") for _ in range(3)])
    with pytest.raises(JinaAPIError):
        client(api).embed(["a"])
    assert len(api.requests) == 1


def test_retries_can_be_switched_off() -> None:
    """stamina.set_active(False) turns our retries off like any other stamina retry."""
    api = InProcessJina(error(500), error(500))
    stamina.set_active(False)
    try:
        with pytest.raises(JinaServerError):
            client(api).embed(["a"])
    finally:
        stamina.set_active(True)
    assert len(api.requests) == 1


def test_retry_after_is_honoured() -> None:
    """Outside test mode a 429 waits its Retry-After before the next attempt."""
    stamina.set_testing(False)
    api = InProcessJina()
    wait = ScriptedResponse(429, {"detail": "wait"}, headers={"Retry-After": "0.05"})
    api.fake.set_faults(Faults(script=[wait]))
    client(api).embed(["a"])
    arrivals = [r.received_at for r in api.fake.requests]
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.05


def test_retry_after_beyond_budget_stops_retrying() -> None:
    """A Retry-After longer than max_retry_time is not waited for; the error carries it."""
    api = InProcessJina(*[error(429, "wait", **{"Retry-After": "600"}) for _ in range(3)])
    with pytest.raises(JinaRateLimitError) as info:
        client(api, max_retry_time=30).embed(["a"])
    assert len(api.requests) == 1
    assert info.value.retry_after == 600


def test_retry_after_formats() -> None:
    """Retry-After is read as seconds or as an HTTP date; garbage is ignored."""
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert _retry_after(httpx.Response(429, headers={"Retry-After": "2.5"})) == 2.5
    assert 25 < (_retry_after(httpx.Response(429, headers={"Retry-After": later})) or 0) <= 30
    assert _retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None
    assert _retry_after(httpx.Response(429)) is None


# --------------------------------------------------------------------------- secrecy & logs


def test_key_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    """The key is absent from reprs, messages (even when echoed), and our and stamina's logs."""
    caplog.set_level(logging.DEBUG)
    echoed = error(401, f"Invalid API key {KEY}", "AUTH_INVALID_API_KEY")
    api = InProcessJina(error(500, "boom"), httpx.ConnectError("refused"), echoed)
    c = client(api)
    with pytest.raises(JinaAuthenticationError) as info:
        c.embed(["a"])
    exc = info.value
    shown = [repr(c), str(c), str(exc), repr(exc), exc.detail, repr(vars(c)), repr(exc.request)]
    shown += [r.getMessage() + repr(r.__dict__) for r in caplog.records]
    assert any(r.name == "stamina" for r in caplog.records)
    for text in shown:
        assert SECRET_PART not in text
    assert mask_key(KEY) in repr(c)
    assert mask_key(KEY) in exc.detail


def test_one_debug_event_per_request(caplog: pytest.LogCaptureFixture) -> None:
    """Each request (attempt) logs one debug event on weaviate_jina_ext; no handlers are added."""
    caplog.set_level(logging.DEBUG, logger="weaviate_jina_ext")
    api = InProcessJina(error(500))
    client(api, batch_size=2).embed(["a", "b", "c"])
    records = [r for r in caplog.records if r.name == "weaviate_jina_ext"]
    assert len(records) == len(api.requests) == 3
    assert {r.levelno for r in records} == {logging.DEBUG}
    assert [getattr(r, "weaviate_jina_ext.outcome") for r in records] == [500, 200, 200]
    assert logging.getLogger("weaviate_jina_ext").handlers == []


# --------------------------------------------------------------------------- twins


def _public(cls: type) -> dict[str, inspect.Signature]:
    names = {"close": "close", "aclose": "close", "__enter__": "enter", "__aenter__": "enter"}
    names |= {"__exit__": "exit", "__aexit__": "exit"}
    found = {}
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_") or name in names:
            found[names.get(name, name)] = inspect.signature(member)
    return found


def test_twins_have_same_public_api() -> None:
    """JinaClient and AsyncJinaClient expose the same methods with the same parameters."""
    sync, async_ = _public(JinaClient), _public(AsyncJinaClient)
    assert sync.keys() == async_.keys()
    assert {"embed", "embed_for_weaviate", "embed_multivector", "rerank"} <= sync.keys()
    for name in sync:
        assert sync[name] == async_[name], name
    for name in ("embed", "embed_for_weaviate", "embed_multivector", "rerank"):
        assert inspect.iscoroutinefunction(getattr(AsyncJinaClient, name))
    init_sync = inspect.signature(JinaClient.__init__).parameters
    init_async = dict(inspect.signature(AsyncJinaClient.__init__).parameters)
    assert init_async.pop("max_concurrency").default == 4
    assert [(p.name, p.kind, p.default) for p in init_sync.values()] == [
        (p.name, p.kind, p.default) for p in init_async.values()
    ]


@pytest.mark.anyio
async def test_async_batches_in_order_with_usage() -> None:
    """The async twin splits, runs concurrently and keeps input order and summed usage."""
    api = InProcessJina(shuffle=True, delay=0.001)
    texts = [f"t{i}" for i in range(10)]
    async with aclient(api, batch_size=3) as c:
        result = await c.embed(texts)
        usage = api.usage()
        await c.embed_for_weaviate(["a"], model="jina-embeddings-v3", query=True)
        multi = await c.embed_multivector(["a", "b"])
        ranked = await c.rerank("q", ["x", "y"], top_n=1)
    assert result.vectors == api.fake.embed(texts, task="retrieval.passage")
    assert result.usage == usage
    assert api.bodies[4]["task"] == "retrieval.query"
    assert len(multi.vectors) == 2
    assert len(ranked.results) == 1


@pytest.mark.anyio
async def test_async_usage_counts_are_read_apart_and_summed() -> None:
    """The async twin also reads total_tokens and prompt_tokens apart and sums them."""
    api = InProcessJina(usage_answer(1.0, 4, 2), usage_answer(2.0, 6, 3))
    async with aclient(api, batch_size=1, max_concurrency=1) as c:
        result = await c.embed(["a", "b"])
    assert result == EmbeddingResult([[1.0], [2.0]], "jina-embeddings-v3", TokenUsage(10, 5))


@pytest.mark.anyio
async def test_async_concurrency_is_bounded() -> None:
    """No more than max_concurrency requests are in flight, across concurrent calls too."""
    api = InProcessJina(delay=0.005)
    async with aclient(api, batch_size=1, max_concurrency=3) as c:
        first, second = await asyncio.gather(
            c.embed([f"a{i}" for i in range(8)]), c.embed([f"b{i}" for i in range(8)])
        )
    assert api.max_in_flight == 3
    assert len(api.requests) == 16
    assert first.vectors == api.fake.embed([f"a{i}" for i in range(8)], task="retrieval.passage")
    assert second.vectors == api.fake.embed([f"b{i}" for i in range(8)], task="retrieval.passage")


@pytest.mark.anyio
async def test_async_failure_raises_mapped_error_and_cancels() -> None:
    """A failing request raises its own error (no group) and the remaining requests stop."""
    api = InProcessJina(error(401, "bad key"), delay=0.01)
    async with aclient(api, batch_size=1, max_concurrency=2) as c:
        with pytest.raises(JinaAuthenticationError):
            await c.embed([f"t{i}" for i in range(20)])
    assert len(api.requests) < 20


@pytest.mark.anyio
async def test_async_retries_counted() -> None:
    """The async twin retries the same way: two 5xx then success is three requests."""
    api = InProcessJina(error(500), error(503))
    async with aclient(api) as c:
        result = await c.embed(["a"])
    assert len(api.requests) == 3
    assert result.vectors == api.fake.embed(["a"], task="retrieval.passage")


@pytest.mark.anyio
async def test_async_unknown_model_warns_at_caller() -> None:
    """The async twin's UnknownModelWarning also points at the caller."""
    async with aclient(InProcessJina(strict=False)) as c:  # lenient: serves unknown models
        with pytest.warns(UnknownModelWarning) as record:
            await c.embed(["a"], model="someone-elses-model")
    assert record[0].filename == __file__


@pytest.mark.anyio
async def test_async_repr_masks_key() -> None:
    """The async client's repr shows base_url, the masked key and max_concurrency only."""
    async with aclient(InProcessJina(), max_concurrency=7) as c:
        text = repr(c)
    assert SECRET_PART not in text
    assert "max_concurrency=7" in text
    assert mask_key(KEY) in text


@pytest.mark.anyio
async def test_async_answer_read_after_its_slot_is_freed(monkeypatch: pytest.MonkeyPatch) -> None:
    """An answered request frees its slot before its body is parsed; bodies parse on arrival.

    The next request goes out first, and no body waits for the end of the call.
    """
    events: list[str] = []
    api = InProcessJina()

    async def handle(request: httpx.Request) -> httpx.Response:
        events.append(f"send {json.loads(request.content)['input'][0]}")
        await asyncio.sleep(0.02)  # each answer takes a while: one at a time arrives
        return api.router.handler(request)

    def parse(data: bytes) -> Any:
        payload = json.loads(data)
        events.append(f"parse {payload['data'][0]['embedding'][0]}")
        return payload

    monkeypatch.setattr("weaviate_jina_ext._embeddings.loads", parse)
    texts = ["a", "b", "c"]
    transport = httpx.MockTransport(handle)
    async with AsyncJinaClient(
        api_key=KEY, transport=transport, batch_size=1, max_concurrency=1
    ) as c:
        result = await c.embed(texts)
    first = [f"parse {vector[0]}" for vector in api.fake.embed(texts, task="retrieval.passage")]
    assert events == ["send a", "send b", first[0], "send c", first[1], first[2]]
    assert result.vectors == api.fake.embed(texts, task="retrieval.passage")


# --------------------------------------------------------------------------- odd unicode

# A lone surrogate cannot be encoded as UTF-8: once, it escaped as a UnicodeEncodeError when
# its request was built, after the requests before it had been sent.
_LONE = "caf\u00e9 \ud83d end"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c: c.embed(["ok", "\u00e9", _LONE]), r"texts\[2\] holds a lone surrogate \('\\ud83d' at character 5\)"),
        (lambda c: c.embed_for_weaviate(["ok", _LONE], model="jina-embeddings-v3"), r"texts\[1\] holds a lone surrogate"),
        (lambda c: c.embed_multivector([_LONE]), r"texts\[0\] holds a lone surrogate"),
        (lambda c: c.rerank(_LONE, ["a"]), r"^query holds a lone surrogate"),
        (lambda c: c.rerank("q", ["a", _LONE]), r"documents\[1\] holds a lone surrogate"),
        (lambda c: c.embed_objects_for_weaviate([{"t": "ok"}, {"t": _LONE}], model="jina-clip-v2", text_fields=["t"]), r"objects\[1\]\['t'\] holds a lone surrogate"),
        (lambda c: c.embed_objects_for_weaviate([{"t": ["ok", _LONE]}], model="jina-clip-v2", text_fields=["t"]), r"objects\[0\]\['t'\]\[1\] holds a lone surrogate"),
        (lambda c: c.embed_objects_for_weaviate([{"i": _LONE}], model="jina-clip-v2", image_fields=["i"]), r"objects\[0\]\['i'\] holds a lone surrogate"),
    ],
    ids=["embed", "for-weaviate", "multivector", "rerank-query", "rerank-document", "object-text", "object-text-list", "object-image"],
)  # fmt: skip
def test_lone_surrogate_named_before_anything_is_sent(
    call: Callable[[JinaClient], object], match: str
) -> None:
    """A text that is not valid UTF-8 is named with its position, and nothing is sent."""
    api = InProcessJina()
    with pytest.raises(JinaConfigError, match=match) as caught:
        call(client(api, batch_size=1))
    assert "errors='replace'" in str(caught.value)
    assert caught.value.__cause__ is None
    assert api.requests == []


def test_lone_surrogate_deep_in_a_long_async_call_sends_nothing() -> None:
    """Many requests' worth of texts with one bad text near the end: no request leaves."""
    api = InProcessJina()
    texts = [f"t\u00e9xt {i}" for i in range(5000)]
    texts[4321] = "\udfff"

    async def run() -> None:
        async with aclient(api, batch_size=100) as c:
            await c.embed(texts)

    with pytest.raises(JinaConfigError, match=r"texts\[4321\] holds a lone surrogate"):
        asyncio.run(run())
    assert api.requests == []


@pytest.mark.parametrize(
    "text",
    [
        "\u00e9t\u00e9",
        "\U0001f600 emoji",
        "\u4e2d\u6587",
        "zero\u200bwidth",
        "nul\x00byte",
        "\ufeffbom",
    ],
)
def test_valid_unicode_is_sent_as_is(text: str) -> None:
    """Valid non-ASCII text (accents, emoji, CJK, zero-width, NUL, BOM) is sent unchanged."""
    api = InProcessJina()
    with client(api) as c:
        result = c.embed([text, "plain"])
    assert api.bodies[0]["input"] == [text, "plain"]
    assert result.vectors == api.fake.embed([text, "plain"], task="retrieval.passage")

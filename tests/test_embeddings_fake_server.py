"""The Jina client against the local Jina-compatible server, over real HTTP."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import stamina

from weaviate_jina_ext._catalogue import UnknownModelWarning
from weaviate_jina_ext._embeddings import AsyncJinaClient, JinaClient
from weaviate_jina_ext._exceptions import (
    JinaAPIError,
    JinaAuthenticationError,
    JinaBadRequestError,
    JinaPaymentRequiredError,
    JinaRateLimitError,
    JinaServerError,
)
from weaviate_jina_ext._secrets import mask_key
from weaviate_jina_ext._wire import weaviate_module_request
from weaviate_jina_ext.testing._fake import FakeJina, Faults, RateLimit, ScriptedResponse
from weaviate_jina_ext.testing._fake._embedder import hashing_embedder

KEY = "jina_FAKEserverSECRET987654321QRST"
SECRET_PART = "FAKEserverSECRET987654321"
TEXTS = ["the cat sat", "on the mat", "a dog barked", "at the moon", "and slept"]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeJina]:
    with FakeJina(api_keys=[KEY]) as jina:
        yield jina


@pytest.fixture
def jina(server: FakeJina) -> Iterator[FakeJina]:
    """The shared server with no faults and an empty request log."""
    server.set_faults(None)
    server.clear()
    yield server
    server.set_faults(None)


@pytest.fixture(autouse=True)
def _instant_retries() -> Iterator[None]:
    """Backoffs take no time; attempts stay as each client configures them."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


@pytest.fixture
def client(jina: FakeJina) -> Iterator[JinaClient]:
    with JinaClient(api_key=KEY, base_url=jina.url, max_attempts=4) as c:
        yield c


def close(a: list[list[float]], b: list[list[float]]) -> bool:
    return len(a) == len(b) and all(
        len(x) == len(y) and all(abs(p - q) < 1e-6 for p, q in zip(x, y, strict=True))
        for x, y in zip(a, b, strict=True)
    )


def test_embed_matches_server_vectors(jina: FakeJina, client: JinaClient) -> None:
    """embed() returns, in order, exactly the vectors the server computes for those texts."""
    result = client.embed(TEXTS, dimensions=256)
    assert close(result.vectors, jina.embed(TEXTS, task="retrieval.passage", dimensions=256))
    assert result.usage.total_tokens > 0
    (request,) = jina.requests
    assert request.path == "/v1/embeddings"
    assert request.headers["authorization"] == f"Bearer {mask_key(KEY)}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("model", "query"),
    [("jina-embeddings-v3", True), ("jina-embeddings-v3", False), ("jina-embeddings-v4", True)],
    ids=["v3-query", "v3-passage", "v4-query"],
)
def test_embed_for_weaviate_matches_module(
    jina: FakeJina, client: JinaClient, model: str, query: bool
) -> None:
    """embed_for_weaviate sends the module's body and gets the module's vectors back."""
    result = client.embed_for_weaviate(TEXTS[:2], model=model, query=query)
    assert [r.json for r in jina.requests] == [
        dict(weaviate_module_request(model, TEXTS[:2], query=query))
    ]
    sends_task = "v3" in model
    task = ("retrieval.query" if query else "retrieval.passage") if sends_task else None
    expected = jina.embed(TEXTS[:2], model=model, task=task, normalized=not sends_task)
    assert close(result.vectors, expected)


@pytest.mark.parametrize(("count", "sizes"), [(3, [3]), (4, [3, 1])], ids=["exact", "plus-one"])
def test_batching_boundaries(jina: FakeJina, count: int, sizes: list[int]) -> None:
    """batch_size texts make one request, one more makes two, and order survives."""
    texts = [f"text number {i}" for i in range(count)]
    with JinaClient(api_key=KEY, base_url=jina.url, batch_size=3) as c:
        result = c.embed(texts)
    assert [len(r.json["input"]) for r in jina.requests] == sizes
    assert close(result.vectors, jina.embed(texts, task="retrieval.passage"))


def test_v4_cap_respected(jina: FakeJina, client: JinaClient) -> None:
    """513 texts for jina-embeddings-v4 go as 512 + 1, which the server (capped at 512) accepts."""
    texts = [f"w{i}" for i in range(513)]
    result = client.embed(texts, model="jina-embeddings-v4", dimensions=128)
    assert [len(r.json["input"]) for r in jina.requests] == [512, 1]
    assert len(result.vectors) == 513
    assert close(
        result.vectors[510:],
        jina.embed(
            texts[510:], model="jina-embeddings-v4", task="retrieval.passage", dimensions=128
        ),
    )


def test_token_budget_split(jina: FakeJina) -> None:
    """Requests are split by the estimated token budget, and results keep input order."""
    texts = ["x" * 40] * 3 + ["short"]  # 10 estimated tokens each, then 2
    with JinaClient(api_key=KEY, base_url=jina.url, max_tokens_per_request=25) as c:
        result = c.embed(texts)
    assert [len(r.json["input"]) for r in jina.requests] == [2, 2]
    assert close(result.vectors, jina.embed(texts, task="retrieval.passage"))


def test_rerank_and_multivector(jina: FakeJina, client: JinaClient) -> None:
    """Rerank returns hits by score with string documents; multi-vector honours dimensions."""
    ranked = client.rerank("cat on a mat", TEXTS, top_n=3)
    scores = [hit.relevance_score for hit in ranked.results]
    assert scores == sorted(scores, reverse=True)
    assert len(ranked.results) == 3
    assert all(hit.document == TEXTS[hit.index] for hit in ranked.results)
    multi = client.embed_multivector(TEXTS[:2], dimensions=64, input_type="document")
    assert [len(m) for m in multi.vectors] == [3, 3]  # one vector per word
    assert {len(v) for m in multi.vectors for v in m} == {64}
    assert [r.path for r in jina.requests] == ["/v1/rerank", "/v1/multi-vector"]


@pytest.mark.parametrize(
    ("script", "error", "fragment"),
    [
        ([400], JinaBadRequestError, "HTTP 400"),
        ([422], JinaBadRequestError, "HTTP 422"),
        (["array_detail"], JinaBadRequestError, "Field required"),
        ([402], JinaPaymentRequiredError, "top up balance"),
        ([403], JinaPaymentRequiredError, "AUTHZ_INSUFFICIENT_BALANCE"),
        ([401], JinaAuthenticationError, "JINAAI_APIKEY"),
        (["malformed"], JinaAPIError, "not a JSON object"),
        (["empty_data"], JinaAPIError, "0 data items for 2 inputs"),
    ],
    ids=["400", "422", "array-detail", "402", "403", "401", "malformed", "empty-data"],
)
def test_final_errors_not_retried(
    jina: FakeJina, client: JinaClient, script: list[Any], error: type[JinaAPIError], fragment: str
) -> None:
    """Errors that retrying cannot fix raise their own type after exactly one request."""
    jina.set_faults(Faults(script=script))
    with pytest.raises(error, match=fragment) as info:
        client.embed(TEXTS[:2])
    assert type(info.value) is error
    assert len(jina.requests) == 1


def test_wrong_key_is_authentication_error(jina: FakeJina) -> None:
    """A key the server does not know raises JinaAuthenticationError with the key masked."""
    other = "jina_someOtherKeyNotKnown000111"
    with (
        JinaClient(api_key=other, base_url=jina.url) as c,
        pytest.raises(JinaAuthenticationError) as info,
    ):
        c.embed(["a"])
    assert info.value.code == "AUTH_INVALID_API_KEY"
    assert "someOtherKeyNotKnown" not in str(info.value)
    assert len(jina.requests) == 1


def test_server_side_validation_maps_to_bad_request() -> None:
    """A strict server's 400 for an unknown model arrives as JinaBadRequestError with its code."""
    with (
        FakeJina(api_keys=[KEY], strict=True) as jina,
        JinaClient(api_key=KEY, base_url=jina.url) as c,
    ):
        with pytest.warns(UnknownModelWarning), pytest.raises(JinaBadRequestError) as info:
            c.embed(["a"], model="jina-embeddings-v9")
        assert info.value.code == "INPUT_MODEL_NOT_FOUND"
        assert "model='jina-embeddings-v9'" in str(info.value)
        assert len(jina.requests) == 1


@pytest.mark.parametrize(
    ("script", "requests"),
    [([500, 503], 3), ([429, 524], 3), (["disconnect", 502], 3), ([500, 429, 503], 4)],
    ids=["5xx", "429-524", "disconnect", "mixed"],
)
def test_transient_faults_retried(
    jina: FakeJina, client: JinaClient, script: list[Any], requests: int
) -> None:
    """429, 5xx, 524 and dropped connections are retried; the call succeeds with right vectors."""
    jina.set_faults(Faults(script=script))
    result = client.embed(TEXTS)
    assert len(jina.requests) == requests
    assert close(result.vectors, jina.embed(TEXTS, task="retrieval.passage"))


@pytest.mark.parametrize(
    ("status", "error"), [(500, JinaServerError), (429, JinaRateLimitError)], ids=["500", "429"]
)
def test_attempts_bounded_under_persistent_faults(
    jina: FakeJina, client: JinaClient, status: int, error: type[JinaAPIError]
) -> None:
    """A fault that never clears is tried max_attempts times, then raised with its details."""
    jina.set_faults(Faults(then=status, retry_after=2))
    with pytest.raises(error) as info:
        client.embed(["a"])
    assert len(jina.requests) == 4
    if isinstance(info.value, JinaRateLimitError):
        assert info.value.retry_after == 2
        assert info.value.code == "RATE_TOKEN_LIMIT_EXCEEDED"


def test_retry_after_waited(jina: FakeJina, client: JinaClient) -> None:
    """Outside test mode a 429's Retry-After is waited before the retry."""
    stamina.set_testing(False)
    busy = ScriptedResponse(429, {"detail": "Concurrency limit exceeded"}, {"Retry-After": "0.1"})
    jina.set_faults(Faults(script=[busy]))
    client.embed(["a"])
    first, second = jina.requests
    assert second.received_at - first.received_at >= 0.1


@pytest.mark.anyio
async def test_async_random_faults_all_recovered(jina: FakeJina) -> None:
    """Under seeded random 429/500/503 faults the async twin returns every vector in order."""
    jina.set_faults(Faults(rate_429=0.2, rate_500=0.1, rate_503=0.1, seed=7))
    texts = [f"sentence {i} about things" for i in range(60)]
    async with AsyncJinaClient(
        api_key=KEY, base_url=jina.url, batch_size=4, max_concurrency=4, max_attempts=10
    ) as c:
        result = await c.embed(texts, dimensions=64)
    assert len(jina.requests) > 15
    jina.set_faults(None)
    assert close(result.vectors, jina.embed(texts, task="retrieval.passage", dimensions=64))


@pytest.mark.anyio
async def test_async_concurrency_within_server_limit() -> None:
    """max_concurrency=3 never trips a server limited to 3 in flight, and overlaps requests."""
    # Each request's embedding waits until three are being answered at once: a client that
    # sent them one at a time would break the barrier (a 500) instead of overlapping them.
    barrier = threading.Barrier(3, timeout=10)

    def overlapping(texts: Any, model: str, dims: int, task: str | None) -> Any:
        barrier.wait()
        return hashing_embedder(texts, model, dims, task)

    limit = RateLimit(concurrency=3)
    with FakeJina(api_keys=[KEY], rate_limit=limit, embed_fn=overlapping) as jina:
        async with AsyncJinaClient(
            api_key=KEY, base_url=jina.url, batch_size=1, max_concurrency=3, max_attempts=1
        ) as c:
            result = await c.embed([f"t{i}" for i in range(9)])
        assert len(jina.requests) == 9  # no 429 retried
    assert len(result.vectors) == 9


def test_key_masked_everywhere(
    jina: FakeJina, client: JinaClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The key appears in no repr, message, recorded header or log line, retries included."""
    caplog.set_level(logging.DEBUG)
    jina.set_faults(Faults(script=[500, 429, 401]))
    with pytest.raises(JinaAuthenticationError) as info:
        client.embed(["a"])
    shown = [repr(client), str(info.value), repr(info.value), info.value.detail]
    shown += [repr(r) for r in jina.requests]
    shown += [r.getMessage() + repr(r.__dict__) for r in caplog.records]
    assert any(r.name == "stamina" for r in caplog.records)
    for text in shown:
        assert SECRET_PART not in text

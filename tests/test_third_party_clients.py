"""Widely used Jina clients, used as their docs show, work against the local fake API.

The OpenAI Python client (Jina's embeddings API is OpenAI-compatible) and Haystack's Jina
integration (``jina-haystack``) are pointed at :class:`FakeJina` by base URL, and Haystack
once more with its built-in ``https://api.jina.ai`` URL through :class:`JinaProxy`.
"""

from __future__ import annotations

import os

# Haystack builds a telemetry client when imported; keep it off in tests.
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

from typing import TYPE_CHECKING

import numpy as np
import openai
import pytest
from haystack import Document
from haystack.utils import Secret
from haystack_integrations.components.embedders.jina import (
    JinaDocumentEmbedder,
    JinaTextEmbedder,
)
from haystack_integrations.components.rankers.jina import JinaRanker

from weaviate_jina_ext import _wire
from weaviate_jina_ext.testing._fake import FakeJina, Faults
from weaviate_jina_ext.testing._proxy import JinaProxy

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

KEY = "jina_third_party_key_0007"
V3 = "jina-embeddings-v3"
TEXTS = ["Weaviate stores vectors", "Jina computes them", "unrelated sentence about tea"]


@pytest.fixture
def fake() -> Iterator[FakeJina]:
    with FakeJina(api_keys=[KEY]) as server:
        yield server


def as_f32(rows: Sequence[Sequence[float]]) -> np.ndarray[tuple[int, ...], np.dtype[np.float32]]:
    return np.asarray(rows, dtype=np.float32)


# --------------------------------------------------------------------------- openai


def test_openai_client_gets_embeddings(fake: FakeJina) -> None:
    """``OpenAI(...).embeddings.create`` decodes the base64 it asks for into the fake's vectors."""
    with openai.OpenAI(base_url=fake.url + "/v1", api_key=KEY) as client:
        response = client.embeddings.create(model=V3, input=TEXTS)
    assert response.model == V3
    assert response.usage.total_tokens == response.usage.prompt_tokens > 0
    assert [d.index for d in response.data] == [0, 1, 2]
    np.testing.assert_array_equal(
        as_f32([d.embedding for d in response.data]), as_f32(fake.embed(TEXTS))
    )
    assert fake.requests[-1].json["encoding_format"] == "base64"


def test_openai_float_format_and_dimensions(fake: FakeJina) -> None:
    """Explicit ``encoding_format="float"`` and ``dimensions`` are honoured."""
    with openai.OpenAI(base_url=fake.url + "/v1", api_key=KEY) as client:
        response = client.embeddings.create(
            model=V3, input="one text", encoding_format="float", dimensions=256
        )
    assert response.data[0].embedding == fake.embed(["one text"], dimensions=256)[0]


def test_openai_maps_fake_errors_to_its_exceptions(fake: FakeJina) -> None:
    """A 401 and an injected 429 surface as OpenAI's own error types with their status."""
    with (
        openai.OpenAI(base_url=fake.url + "/v1", api_key="jina_wrong_key_00000000") as bad,
        pytest.raises(openai.AuthenticationError) as auth,
    ):
        bad.embeddings.create(model=V3, input="x")
    assert auth.value.status_code == 401
    fake.set_faults(Faults(script=[429]))
    with (
        openai.OpenAI(base_url=fake.url + "/v1", api_key=KEY, max_retries=0) as client,
        pytest.raises(openai.RateLimitError) as limited,
    ):
        client.embeddings.create(model=V3, input="x")
    assert limited.value.status_code == 429
    assert limited.value.response.headers["retry-after"] == "1"


def test_openai_retries_through_a_transient_503(fake: FakeJina) -> None:
    """OpenAI's built-in retry gets past a scripted 503 and the fake sees both attempts."""
    fake.set_faults(Faults(script=[503], retry_after=1))
    with openai.OpenAI(base_url=fake.url + "/v1", api_key=KEY, max_retries=1) as client:
        response = client.embeddings.create(model=V3, input="retry me")
    assert len(response.data) == 1
    assert len(fake.requests) == 2


@pytest.mark.anyio
async def test_async_openai_client_in_parallel(fake: FakeJina) -> None:
    """``AsyncOpenAI`` requests issued together all get correct vectors."""
    import anyio  # noqa: PLC0415

    results: dict[int, list[float]] = {}
    async with openai.AsyncOpenAI(base_url=fake.url + "/v1", api_key=KEY) as client:

        async def one(i: int) -> None:
            response = await client.embeddings.create(model=V3, input=f"parallel {i}")
            results[i] = response.data[0].embedding

        async with anyio.create_task_group() as tg:
            for i in range(6):
                tg.start_soon(one, i)
    for i, vector in results.items():
        np.testing.assert_array_equal(as_f32([vector]), as_f32(fake.embed([f"parallel {i}"])))


# --------------------------------------------------------------------------- haystack


def test_haystack_text_embedder(fake: FakeJina) -> None:
    """``JinaTextEmbedder`` with ``base_url`` gets the fake's query vector and usage."""
    embedder = JinaTextEmbedder(
        api_key=Secret.from_token(KEY),
        task="retrieval.query",
        base_url=fake.url + _wire.EMBEDDINGS_PATH,
    )
    result = embedder.run(text="what do vectors store?")
    assert result["embedding"] == fake.embed(["what do vectors store?"], task="retrieval.query")[0]
    assert result["meta"]["model"] == V3
    assert set(result["meta"]["usage"]) == {"total_tokens", "prompt_tokens"}


def test_haystack_document_embedder(fake: FakeJina) -> None:
    """``JinaDocumentEmbedder`` fills every document's embedding in order."""
    embedder = JinaDocumentEmbedder(
        api_key=Secret.from_token(KEY),
        task="retrieval.passage",
        dimensions=128,
        batch_size=2,
        progress_bar=False,
        base_url=fake.url + _wire.EMBEDDINGS_PATH,
    )
    result = embedder.run(documents=[Document(content=t) for t in TEXTS])
    got = [d.embedding for d in result["documents"]]
    assert got == fake.embed(TEXTS, task="retrieval.passage", dimensions=128)
    assert len(fake.requests) == 2  # batches of two


def test_haystack_ranker(fake: FakeJina) -> None:
    """``JinaRanker`` orders documents by the fake's scores (sending ``top_n: null``)."""
    ranker = JinaRanker(api_key=Secret.from_token(KEY), base_url=fake.url + _wire.RERANK_PATH)
    docs = [Document(content=t) for t in TEXTS]
    result = ranker.run(query="where are vectors stored", documents=docs)
    ranked = result["documents"]
    assert len(ranked) == 3
    assert ranked[0].content == "Weaviate stores vectors"
    scores = [d.score for d in ranked]
    assert scores == sorted(scores, reverse=True)
    assert fake.requests[-1].json["top_n"] is None


def test_haystack_surfaces_the_fake_error_detail(fake: FakeJina) -> None:
    """Haystack raises with the ``detail`` string of the fake's error envelope."""
    fake.set_faults(Faults(script=[429]))
    embedder = JinaTextEmbedder(
        api_key=Secret.from_token(KEY), base_url=fake.url + _wire.EMBEDDINGS_PATH
    )
    with pytest.raises(RuntimeError, match="Token rate limit exceeded"):
        embedder.run(text="x")


def test_haystack_task_on_a_v2_model_fails_offline_as_it_would_online(fake: FakeJina) -> None:
    """A ``task`` for a v2 model is refused here as the real API refuses it.

    infiniflow/ragflow#11614 (2025-11-30): ``task`` on ``jina-embeddings-v2-base-en`` is a
    422 ``extra_forbidden``; Haystack raises with the answer's ``detail``.
    """
    embedder = JinaTextEmbedder(
        api_key=Secret.from_token(KEY),
        model="jina-embeddings-v2-base-en",
        task="retrieval.query",
        base_url=fake.url + _wire.EMBEDDINGS_PATH,
    )
    with pytest.raises(RuntimeError, match=r"-> task' Extra inputs are not permitted"):
        embedder.run(text="x")


def test_haystack_with_its_default_url_through_the_proxy(
    fake: FakeJina, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged Haystack components reach ``https://api.jina.ai`` via ``JinaProxy.env()``."""
    with JinaProxy(fake) as proxy:
        for name, value in proxy.env().items():
            monkeypatch.setenv(name, value)
        embedder = JinaTextEmbedder(api_key=Secret.from_token(KEY))
        embedded = embedder.run(text="offline but real TLS")
        ranker = JinaRanker(api_key=Secret.from_token(KEY), top_k=1)
        ranked = ranker.run(query="tea", documents=[Document(content=t) for t in TEXTS])
    assert embedded["embedding"] == fake.embed(["offline but real TLS"])[0]
    assert ranked["documents"][0].content == TEXTS[2]
    assert {r.headers["host"] for r in fake.requests} == {"api.jina.ai"}

"""A planned import on a real Weaviate whose Jina answers 429 anyway: it backs off, recovers, loses nothing.

The local Jina server runs with its own limits here (a short window, so the tests take
seconds): Weaviate is told a high requests-per-minute so that it does not pace, and the plan
overestimates what the key allows, as a plan made for the wrong tier would.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from weaviate.classes.config import DataType, Property

import weaviate_jina_ext as wje
from weaviate_jina_ext import (
    ImportPlan,
    JinaConfigure,
    JinaLimits,
    async_import_objects,
    import_objects,
)
from weaviate_jina_ext.testing import FakeJina, Faults, RateLimit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from weaviate.client import WeaviateAsyncClient, WeaviateClient
    from weaviate.collections import Collection

    from weaviate_jina_ext.testing import JinaEndpoint, WeaviateInstance

pytestmark = pytest.mark.integration

KEY = "jina_plan_test_key_000000000000"
FAST: dict[str, Any] = {"wait_initial": 0.05, "wait_max": 0.5, "max_attempts": 30}


def articles(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {"title": f"Item {i}", "body": f"w{i % 97} w{i % 89}"}


def overestimating_plan(pace: float, concurrency: int, batch_size: int) -> ImportPlan:
    """A plan whose pace is more than the key allows (as if made for a higher tier)."""
    return ImportPlan(
        limits=JinaLimits(100_000, 10**9, concurrency, "wrong tier"),
        latency=0.05,
        batch_size=batch_size,
        concurrency=concurrency,
        requests_per_minute=100_000,
        objects_per_request=float(batch_size),
        tokens_per_object=4.0,
        weaviate_tokens_per_object=9.0,
        bound=pace / 0.95,
        limited_by="test",
        objects_per_second=pace,
    )


@pytest.fixture
def client(weaviate_jina_server: WeaviateInstance) -> Iterator[WeaviateClient]:
    with wje.connect_to_custom(
        **weaviate_jina_server.connect_kwargs(), jina_api_key=KEY, requests_per_minute=100_000
    ) as c:
        yield c


def collection_settings(base_url: str) -> dict[str, Any]:
    """A fresh name, two text properties and v3 at 32 dimensions through ``base_url``."""
    return {
        "name": "Plan" + uuid.uuid4().hex[:10],
        "properties": [
            Property(name="title", data_type=DataType.TEXT),
            Property(name="body", data_type=DataType.TEXT),
        ],
        "vector_config": JinaConfigure.Vectors.text2vec_jinaai(
            base_url=base_url,
            model="jina-embeddings-v3",
            dimensions=32,
            vectorize_collection_name=False,
        ),
    }


def create(client: WeaviateClient, base_url: str) -> Collection[Any, Any]:
    return client.collections.create(**collection_settings(base_url))


async def acreate(client: WeaviateAsyncClient, base_url: str) -> str:
    """Create the collection on the async client; its name."""
    settings = collection_settings(base_url)
    await client.collections.create(**settings)
    return str(settings["name"])


def test_planned_import_backs_off_under_a_real_rate_limit_and_loses_nothing(
    client: WeaviateClient, jina_endpoint: JinaEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """The server allows 10 requests a second; the plan sends 40: 429s, backoff, every object stored."""
    limit = RateLimit(requests_per_minute=20, window=2.0)
    with FakeJina(host=jina_endpoint.bind_host, api_keys=[KEY], rate_limit=limit) as jina:
        collection = create(client, jina_endpoint.base_url(jina))
        with caplog.at_level(logging.INFO, logger="weaviate_jina_ext"):
            report = import_objects(
                collection,
                articles(1_500),
                id_key="title",
                plan=overestimating_plan(pace=400.0, concurrency=6, batch_size=10),
                progress=False,
                **FAST,
            )
        served = len([r for r in jina.requests if r.path.endswith("/v1/embeddings")])
    assert report.ok, report.summary()
    assert report.stored == len(collection) == 1_500
    assert report.rate_limited > 0
    assert report.retried > 0
    backoffs = [r.getMessage() for r in caplog.records if "rate limited: pacing" in r.getMessage()]
    assert backoffs, "the pacer never backed off"
    # Every 429 was followed by a halving: the paces logged include one at most half the plan.
    paces = [float(m.split("pacing at ")[1].split(" ")[0]) for m in backoffs]
    assert min(paces) <= 200.0
    assert served >= 150  # every chunk of 10 reached Jina at least once


def test_planned_import_recovers_its_pace_after_a_burst_of_429s(
    client: WeaviateClient, jina_endpoint: JinaEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """Thirty 429s, then none: the pace halves, then climbs back to the plan."""
    faults = Faults(script=[429] * 30, then="ok", retry_after=1)
    with FakeJina(host=jina_endpoint.bind_host, api_keys=[KEY], faults=faults) as jina:
        collection = create(client, jina_endpoint.base_url(jina))
        with caplog.at_level(logging.INFO, logger="weaviate_jina_ext"):
            report = import_objects(
                collection,
                articles(3_000),
                id_key="title",
                plan=overestimating_plan(pace=2_000.0, concurrency=4, batch_size=10),
                progress=False,
                **FAST,
            )
    assert report.ok, report.summary()
    assert report.stored == len(collection) == 3_000
    assert report.rate_limited >= 1
    messages = [r.getMessage() for r in caplog.records]
    first_backoff = next(i for i, m in enumerate(messages) if "rate limited: pacing" in m)
    recovered = [i for i, m in enumerate(messages) if "pace back at the plan" in m]
    assert recovered, "the pace never came back to the plan"
    assert recovered[-1] > first_backoff


@pytest.mark.anyio
async def test_async_planned_import_backs_off_and_recovers(
    weaviate_jina_server: WeaviateInstance,
    jina_endpoint: JinaEndpoint,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The async twin follows the plan the same way: 429s halve the pace, clean sends restore it."""
    faults = Faults(script=[429] * 20, then="ok", retry_after=1)
    with FakeJina(host=jina_endpoint.bind_host, api_keys=[KEY], faults=faults) as jina:
        async with wje.use_async_with_custom(
            **weaviate_jina_server.connect_kwargs(), jina_api_key=KEY, requests_per_minute=100_000
        ) as ac:
            name = await acreate(ac, jina_endpoint.base_url(jina))
            collection = ac.collections.use(name)
            with caplog.at_level(logging.INFO, logger="weaviate_jina_ext"):
                report = await async_import_objects(
                    collection,
                    articles(2_000),
                    id_key="title",
                    plan=overestimating_plan(pace=2_000.0, concurrency=4, batch_size=10),
                    progress=False,
                    **FAST,
                )
            count = (await collection.aggregate.over_all(total_count=True)).total_count
            await ac.collections.delete(name)
    assert report.ok, report.summary()
    assert report.stored == count == 2_000
    assert report.rate_limited >= 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("rate limited: pacing" in m for m in messages)
    assert any("pace back at the plan" in m for m in messages)


def test_import_without_a_plan_paces_itself_from_its_first_429(
    client: WeaviateClient, jina_endpoint: JinaEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """No plan, a real rate limit: the first 429 starts a pacer below the pace that met it."""
    limit = RateLimit(requests_per_minute=20, window=2.0)
    with FakeJina(host=jina_endpoint.bind_host, api_keys=[KEY], rate_limit=limit) as jina:
        collection = create(client, jina_endpoint.base_url(jina))
        with caplog.at_level(logging.INFO, logger="weaviate_jina_ext"):
            report = import_objects(
                collection,
                articles(1_000),
                id_key="title",
                batch_size=10,
                concurrency=6,
                progress=False,
                **FAST,
            )
    assert report.ok, report.summary()
    assert report.stored == len(collection) == 1_000
    assert report.rate_limited > 0
    backoffs = [r.getMessage() for r in caplog.records if "rate limited: pacing" in r.getMessage()]
    assert backoffs, "an import without a plan never paced itself"
    assert any(f"{n} chunks in flight" in m for m in backoffs for n in (1, 2, 3))


@pytest.mark.anyio
async def test_async_import_without_a_plan_backs_off_then_recovers(
    weaviate_jina_server: WeaviateInstance,
    jina_endpoint: JinaEndpoint,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No plan, a burst of 429s: the async import paces itself, then returns to its pace."""
    faults = Faults(script=[429] * 10, then="ok", retry_after=1)
    with FakeJina(host=jina_endpoint.bind_host, api_keys=[KEY], faults=faults) as jina:
        async with wje.use_async_with_custom(
            **weaviate_jina_server.connect_kwargs(), jina_api_key=KEY, requests_per_minute=100_000
        ) as ac:
            name = await acreate(ac, jina_endpoint.base_url(jina))
            collection = ac.collections.use(name)
            with caplog.at_level(logging.INFO, logger="weaviate_jina_ext"):
                report = await async_import_objects(
                    collection,
                    articles(2_000),
                    id_key="title",
                    batch_size=10,
                    concurrency=4,
                    progress=False,
                    **FAST,
                )
            count = (await collection.aggregate.over_all(total_count=True)).total_count
            await ac.collections.delete(name)
    assert report.ok, report.summary()
    assert report.stored == count == 2_000
    messages = [r.getMessage() for r in caplog.records]
    first_backoff = next(i for i, m in enumerate(messages) if "rate limited: pacing" in m)
    recovered = [i for i, m in enumerate(messages) if "pace back at the pace before the 429" in m]
    assert recovered, "the pace never came back"
    assert recovered[-1] > first_backoff

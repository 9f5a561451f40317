"""The import helper on a real Weaviate whose Jina calls fail on purpose.

The local Jina-compatible server injects the faults (``Faults``): Weaviate does not retry
them and copies each error onto the objects of that request, so everything these tests
see recovered was recovered by the helper. Texts are a few words long so that 10,000
objects stay far below the token budget Weaviate enforces per minute (1,000,000), and the
client sends a high ``requests_per_minute`` so that Weaviate's own pacing (500 a minute by
default) never stalls a run: the rate-limit header is how the server is told to pace.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
from weaviate.classes.config import DataType, Property

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._import import (
    ImportAbortedError,
    ImportObject,
    async_import_objects,
    derive_uuid,
    import_objects,
)
from weaviate_jina_ext.testing import Faults

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from weaviate.client import WeaviateClient
    from weaviate.collections import Collection

    from weaviate_jina_ext.testing import FakeJina, FaultAction, WeaviateInstance

pytestmark = pytest.mark.integration

N = 10_000
DIMS = 32
MODEL = "jina-embeddings-v3"
#: Far above what the tests send: Weaviate paces by this header, not by its default of 500.
RPM = 100_000
#: Backoff small enough for tests; the fault rate, not the wait, decides the outcome.
FAST: dict[str, Any] = {"wait_initial": 0.05, "wait_max": 0.5}
PROPS = [
    Property(name="title", data_type=DataType.TEXT),
    Property(name="body", data_type=DataType.TEXT),
]


def articles(n: int, start: int = 0) -> Iterator[dict[str, Any]]:
    """``n`` short articles, generated lazily; ``title`` is unique and is the id key."""
    for i in range(start, start + n):
        yield {"title": f"Item {i}", "body": f"w{i % 97} w{i % 89} w{i % 83}"}


def expected_ids(n: int) -> set[uuid.UUID]:
    return {derive_uuid(a, id_key="title") for a in articles(n)}


@pytest.fixture
def base_url(jina_base_url: str | None, jina_fake: FakeJina) -> Iterator[str]:
    """The local Jina server's URL; faults set by a test are cleared afterwards."""
    if jina_base_url is None:
        pytest.skip("fault injection needs the local Jina server (not --jina-live/transparent)")
    jina_fake.set_faults(None)
    try:
        yield jina_base_url
    finally:
        jina_fake.set_faults(None)


@pytest.fixture
def client(weaviate_jina_server: WeaviateInstance, jina_api_key: str) -> Iterator[WeaviateClient]:
    """A client with the Jina key and a generous rate limit; drops the collections it made."""
    with wje.connect_to_custom(
        **weaviate_jina_server.connect_kwargs(),
        jina_api_key=jina_api_key,
        requests_per_minute=RPM,
    ) as c:
        before = set(c.collections.list_all(simple=True))
        yield c
        created = set(c.collections.list_all(simple=True)) - before
        if created:
            c.collections.delete(sorted(created))


def create(client: WeaviateClient, base_url: str, **extra: Any) -> Collection[Any, Any]:
    name = "Imp" + uuid.uuid4().hex[:10]
    return client.collections.create(
        name,
        properties=extra.pop("properties", PROPS),
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(
            base_url=base_url, model=MODEL, dimensions=DIMS, vectorize_collection_name=False
        ),
    )


def stored_vectors(collection: Collection[Any, Any]) -> dict[uuid.UUID, int]:
    """Every object's id and the length of its vector, read back from the server."""
    return {
        uuid.UUID(str(o.uuid)): len(o.vector.get("default", []))
        for o in collection.iterator(include_vector=True, cache_size=1000)
    }


def embedded_inputs(jina: FakeJina) -> int:
    return sum(len(r.json["input"]) for r in jina.requests if r.path.endswith("/v1/embeddings"))


def test_rate_limits_and_server_errors_lose_nothing(
    client: WeaviateClient, base_url: str, jina_fake: FakeJina
) -> None:
    """With 30 % of Jina calls answered 429 and 10 % 500, all 10,000 objects end up stored."""
    collection = create(client, base_url)
    jina_fake.set_faults(Faults(rate_429=0.3, rate_500=0.1, retry_after=1, seed=11))
    # A chunk's Jina call fails 40 % of the time: 15 rounds leave ~1e-6 per object to chance.
    report = import_objects(
        collection, articles(N), id_key="title", batch_size=200, max_attempts=15, **FAST
    )
    jina_fake.set_faults(None)
    assert report.ok, report.summary()
    assert report.retried > 0, "no fault was injected: the test proves nothing"
    vectors = stored_vectors(collection)
    assert report.stored == len(vectors) == N
    assert set(vectors) == expected_ids(N)
    assert set(vectors.values()) == {DIMS}


def test_outage_is_reported_precisely_and_a_rerun_fills_the_gaps(
    client: WeaviateClient, base_url: str, jina_fake: FakeJina
) -> None:
    """A stretch of failing Jina calls leaves exactly the reported objects out; a re-run adds them."""
    collection = create(client, base_url)
    # 20 good calls, then 50 failing ones (every call for a while), then good again.
    script: list[FaultAction] = ["ok"] * 20
    script += [429, 500] * 25
    jina_fake.set_faults(Faults(script=script, then="ok"))
    report = import_objects(
        collection, articles(N), id_key="title", batch_size=200, max_attempts=3, **FAST
    )
    jina_fake.set_faults(None)

    present = set(stored_vectors(collection))
    missing = expected_ids(N) - present
    assert report.failed, "the outage did not outlast the retries: the test proves nothing"
    assert {f.uuid for f in report.failed} == missing
    assert report.stored == len(present) == N - len(missing)
    assert all(f.retryable and f.attempts == 3 for f in report.failed)
    assert [f.index for f in report.failed] == sorted(f.index for f in report.failed)
    assert {f.index for f in report.failed} == {
        i for i, a in enumerate(articles(N)) if derive_uuid(a, id_key="title") in missing
    }

    jina_fake.clear()
    rerun = import_objects(collection, articles(N), id_key="title", skip_existing=True, **FAST)
    assert rerun.ok, rerun.summary()
    assert (rerun.stored, rerun.skipped) == (len(missing), N - len(missing))
    assert embedded_inputs(jina_fake) == len(missing)
    vectors = stored_vectors(collection)
    assert len(vectors) == N
    assert set(vectors) == expected_ids(N)
    assert set(vectors.values()) == {DIMS}


def test_plain_rerun_overwrites_without_duplicates(client: WeaviateClient, base_url: str) -> None:
    """Importing the same input twice without skip_existing keeps one copy of each object."""
    collection = create(client, base_url)
    first = import_objects(collection, articles(600), **FAST)
    second = import_objects(collection, articles(600), **FAST)
    assert first.stored == second.stored == 600
    assert len(stored_vectors(collection)) == 600


def test_wrong_key_stops_early_without_showing_it(
    weaviate_jina_server: WeaviateInstance, base_url: str, jina_fake: FakeJina
) -> None:
    """A key Jina refuses stops a 10,000-object import after its first chunks, key unseen."""
    wrong = "jina_WRONGKEY_0123456789abcdef"
    read: list[int] = []

    def source() -> Iterator[dict[str, Any]]:
        for i, article in enumerate(articles(N)):
            read.append(i)
            yield article

    with wje.connect_to_custom(
        **weaviate_jina_server.connect_kwargs(), jina_api_key=wrong, requests_per_minute=RPM
    ) as c:
        collection = create(c, base_url)
        jina_fake.clear()
        try:
            with pytest.raises(ImportAbortedError) as info:
                import_objects(collection, source(), id_key="title", **FAST)
            assert len(collection) == 0
        finally:
            c.collections.delete(collection.name)
    error = info.value
    assert "401" in error.reason
    assert "jina_api_key=" in str(error)
    assert "JINAAI_APIKEY" in str(error)
    shown = [str(error), repr(error.report), error.report.summary()]
    shown += [f.reason for f in error.report.failed]
    assert not any(wrong in text for text in shown)
    assert len(read) <= 6 * 100
    assert error.report.stored == 0
    assert error.report.total == len(read)
    assert len(jina_fake.requests) <= 4


def test_permanent_errors_are_reported_once(
    client: WeaviateClient, base_url: str, jina_fake: FakeJina
) -> None:
    """A property of the wrong type and an over-long text are each reported after one send."""
    collection = create(
        client, base_url, properties=[*PROPS, Property(name="n", data_type=DataType.INT)]
    )
    # 66,000 characters in 6,000 words: under the helper's word bound (a lower bound of the
    # tokens, see _import/_targets.py), so only Jina can tell it is too long.
    too_long = " ".join(f"token{i:06d}" for i in range(6_000))
    objects: list[dict[str, Any]] = [{**a, "n": 1} for a in articles(300)]
    objects[17] = {**objects[17], "n": "seventeen"}
    objects[250] = {**objects[250], "body": too_long}
    jina_fake.clear()
    report = import_objects(collection, objects, id_key="title", **FAST)
    assert [f.index for f in report.failed] == [17, 250]
    bad_type, bad_length = report.failed
    assert "'n'" in bad_type.reason
    assert "422" in bad_length.reason
    assert "8192" in bad_length.reason
    assert all(not f.retryable and f.attempts == 1 for f in report.failed)
    sent_long = [
        r
        for r in jina_fake.requests
        if any(too_long in text for text in (r.json or {}).get("input", []))
    ]
    assert len(sent_long) == 1
    assert report.stored == len(collection) == 298


def test_brought_vectors_skip_jina(
    client: WeaviateClient, base_url: str, jina_fake: FakeJina
) -> None:
    """Objects that bring their own vector are stored with it and never sent to Jina."""
    collection = create(client, base_url)
    vectors = {i: [float(i + 1)] + [0.0] * (DIMS - 1) for i in range(50)}
    objects = [ImportObject(a, vector=vectors[i]) for i, a in enumerate(articles(50))]
    jina_fake.clear()
    report = import_objects(collection, objects, id_key="title", **FAST)
    assert report.stored == 50
    assert embedded_inputs(jina_fake) == 0
    obj = collection.query.fetch_object_by_id(
        derive_uuid({"title": "Item 3"}, id_key="title"), include_vector=True
    )
    assert obj is not None
    assert obj.vector["default"][0] == pytest.approx(4.0)


@pytest.mark.anyio
async def test_async_import_under_rate_limits(
    weaviate_jina_server: WeaviateInstance,
    jina_api_key: str,
    base_url: str,
    jina_fake: FakeJina,
) -> None:
    """The async twin stores every object of an async source while 30 % of Jina calls are 429."""

    async def source() -> AsyncIterator[dict[str, Any]]:
        for article in articles(2_000):
            yield article

    async with wje.use_async_with_custom(
        **weaviate_jina_server.connect_kwargs(),
        jina_api_key=jina_api_key,
        requests_per_minute=RPM,
    ) as ac:
        name = "Imp" + uuid.uuid4().hex[:10]
        await ac.collections.create(
            name,
            properties=PROPS,
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(
                base_url=base_url, model=MODEL, dimensions=DIMS
            ),
        )
        try:
            collection = ac.collections.use(name)
            jina_fake.set_faults(Faults(rate_429=0.3, seed=5))
            report = await async_import_objects(
                collection, source(), id_key="title", max_attempts=15, **FAST
            )
            jina_fake.set_faults(None)
            count = (await collection.aggregate.over_all(total_count=True)).total_count
        finally:
            await ac.collections.delete(name)
    assert report.ok, report.summary()
    assert report.stored == count == 2_000
    assert report.retried > 0

"""The importer's promise on a real Weaviate: every object read is stored or reported, exactly.

Each test ends an import some way (a wrong key while other chunks wait out a rate limit, the
input raising, an interrupt, a closed client, a cancelled task, the collection deleted, the
server killed or restarted) and checks the report against what the server holds afterwards.
Faults come from the local Jina-compatible server; a server to kill or restart is a Weaviate
process of the test's own.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from weaviate.classes.config import Configure, DataType, Property

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._import import (
    ImportAbortedError,
    ImportObject,
    ImportReport,
    async_import_objects,
    derive_uuid,
    import_objects,
)
from weaviate_jina_ext.testing import FAKE_JINA_KEY, Faults, ScriptedResponse, weaviate_cluster
from weaviate_jina_ext.testing._endpoint import jina_endpoint

if TYPE_CHECKING:
    from collections.abc import Iterator

    from weaviate.client import WeaviateClient
    from weaviate.collections import Collection

    from weaviate_jina_ext.testing import FakeJina, WeaviateInstance

pytestmark = pytest.mark.integration

DIMS = 32
MODEL = "jina-embeddings-v3"
RPM = 100_000
FAST: dict[str, Any] = {"wait_initial": 0.05, "wait_max": 0.5}
PROPS = [
    Property(name="title", data_type=DataType.TEXT),
    Property(name="body", data_type=DataType.TEXT),
]


def articles(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"title": f"Item {i}", "body": f"w{i % 97} w{i % 89} w{i % 83}"}
        for i in range(start, start + n)
    ]


def key_of(article: dict[str, Any]) -> uuid.UUID:
    return derive_uuid(article, id_key="title")


@pytest.fixture
def base_url(jina_base_url: str | None, jina_fake: FakeJina) -> Iterator[str]:
    """The local Jina server's URL; faults set by a test are cleared afterwards."""
    if jina_base_url is None:
        pytest.skip("fault injection needs the local Jina server (not --jina-live/transparent)")
    jina_fake.set_faults(None)
    jina_fake.clear()
    try:
        yield jina_base_url
    finally:
        jina_fake.set_faults(None)


def connect(server: WeaviateInstance, key: str = FAKE_JINA_KEY) -> WeaviateClient:
    return wje.connect_to_custom(
        **server.connect_kwargs(), jina_api_key=key, requests_per_minute=RPM
    )


@pytest.fixture
def client(weaviate_jina_server: WeaviateInstance, jina_api_key: str) -> Iterator[WeaviateClient]:
    """A client of the session's Weaviate; drops the collections it made."""
    with connect(weaviate_jina_server, jina_api_key) as c:
        before = set(c.collections.list_all(simple=True))
        yield c
        created = set(c.collections.list_all(simple=True)) - before
        if created:
            c.collections.delete(sorted(created))


def create(client: WeaviateClient, base_url: str, name: str | None = None) -> Collection[Any, Any]:
    return client.collections.create(
        name or "Loss" + uuid.uuid4().hex[:10],
        properties=PROPS,
        vector_config=JinaConfigure.Vectors.text2vec_jinaai(
            base_url=base_url, model=MODEL, dimensions=DIMS, vectorize_collection_name=False
        ),
    )


def held(collection: Collection[Any, Any]) -> set[uuid.UUID]:
    return {uuid.UUID(str(o.uuid)) for o in collection.iterator(cache_size=1000)}


def assert_exact(
    report: ImportReport, on_server: set[uuid.UUID], read: list[dict[str, Any]]
) -> None:
    """The report adds up and says exactly which of the objects read the server holds."""
    assert report.total == len(read)
    assert report.stored + report.skipped + len(report.failed) == report.total
    failed = {f.uuid for f in report.failed}
    assert on_server == {key_of(a) for a in read} - failed
    assert report.stored == len(on_server)


def assert_covers(
    report: ImportReport, on_server: set[uuid.UUID], read: list[dict[str, Any]]
) -> None:
    """Like :func:`assert_exact`, for endings that can cut a send off after it was written.

    Everything reported stored is on the server; an object on the server but reported
    failed must have been sent (its answer was lost when the client closed or the server
    died): re-running the input stores it once.
    """
    assert report.total == len(read)
    assert report.stored + report.skipped + len(report.failed) == report.total
    stored = {key_of(a) for a in read} - {f.uuid for f in report.failed}
    assert stored <= on_server
    assert on_server <= {key_of(a) for a in read}
    assert on_server - stored <= {f.uuid for f in report.failed if f.attempts > 0}


# --------------------------------------------------------------------------- 1. endings


def test_wrong_key_while_a_chunk_waits_out_a_rate_limit(
    client: WeaviateClient, base_url: str, jina_fake: FakeJina
) -> None:
    """One chunk's Jina call is rate-limited, the other's key refused: all 100 are reported."""
    collection = create(client, base_url)
    jina_fake.set_faults(Faults(script=[429, 401], then=401))
    objects = articles(100)
    with pytest.raises(ImportAbortedError, match=r"Jina rejected the API key") as info:
        import_objects(
            collection, objects, id_key="title", batch_size=50, concurrency=2,
            wait_initial=1.0, wait_max=1.0,
        )  # fmt: skip
    report = info.value.report
    assert report.total == 100
    assert_exact(report, held(collection), objects)
    assert any("not retried" in f.reason and "429" in f.reason for f in report.failed)


def test_input_raising_mid_import(client: WeaviateClient, base_url: str) -> None:
    """The input raises after 600 objects: ImportAbortedError from it, and an exact report."""
    collection = create(client, base_url)
    read: list[dict[str, Any]] = []

    def source() -> Iterator[dict[str, Any]]:
        for article in articles(1_000):
            if len(read) == 600:
                raise OSError("the export file is truncated")
            read.append(article)
            yield article

    with pytest.raises(ImportAbortedError, match=r"reading the input raised OSError") as info:
        import_objects(collection, source(), id_key="title", **FAST)
    assert isinstance(info.value.__cause__, OSError)
    assert_exact(info.value.report, held(collection), read)


def test_keyboard_interrupt_mid_import(client: WeaviateClient, base_url: str) -> None:
    """Ctrl-C mid-import: KeyboardInterrupt as raised, with an exact report on it."""
    collection = create(client, base_url)
    read: list[dict[str, Any]] = []

    def source() -> Iterator[dict[str, Any]]:
        for article in articles(1_000):
            if len(read) == 450:
                raise KeyboardInterrupt
            read.append(article)
            yield article

    with pytest.raises(KeyboardInterrupt) as info:
        import_objects(collection, source(), id_key="title", **FAST)
    assert_exact(info.value.report, held(collection), read)  # type: ignore[attr-defined]


def test_client_closed_mid_import(
    weaviate_jina_server: WeaviateInstance, client: WeaviateClient, base_url: str
) -> None:
    """The client is closed mid-import: ImportAbortedError naming the fix, exact report."""
    name = create(client, base_url).name
    read: list[dict[str, Any]] = []
    other = connect(weaviate_jina_server)

    def source() -> Iterator[dict[str, Any]]:
        for article in articles(1_000):
            if len(read) == 500:
                other.close()
            read.append(article)
            yield article

    with pytest.raises(ImportAbortedError, match=r"client\.connect\(\)") as info:
        import_objects(other.collections.use(name), source(), id_key="title", **FAST)
    assert_covers(info.value.report, held(client.collections.use(name)), read)


def test_closed_client_is_import_aborted(
    weaviate_jina_server: WeaviateInstance, client: WeaviateClient, base_url: str
) -> None:
    """A client closed before the import: ImportAbortedError, not WeaviateClosedClientError."""
    name = create(client, base_url).name
    closed = connect(weaviate_jina_server)
    closed.close()
    with pytest.raises(ImportAbortedError, match=r"client is closed"):
        import_objects(closed.collections.use(name), articles(3))


def test_async_collection_given_to_the_sync_helper(
    weaviate_jina_server: WeaviateInstance, client: WeaviateClient, base_url: str
) -> None:
    """An async client's collection in import_objects fails at once, naming the async helper."""
    name = create(client, base_url).name

    async def go() -> None:
        async with wje.use_async_with_custom(
            **weaviate_jina_server.connect_kwargs(), jina_api_key=FAKE_JINA_KEY
        ) as ac:
            import_objects(ac.collections.use(name), articles(3))  # type: ignore[arg-type]

    with pytest.raises(JinaConfigError, match=r"async_import_objects"):
        asyncio.run(go())
    assert held(client.collections.use(name)) == set()


def test_cancelled_async_import(
    weaviate_jina_server: WeaviateInstance,
    client: WeaviateClient,
    base_url: str,
    jina_fake: FakeJina,
) -> None:
    """Cancelling the async import: CancelledError with a report that covers the server."""
    name = create(client, base_url).name
    objects = articles(3_000)
    jina_fake.set_faults(Faults(latency=0.05))
    caught: list[BaseException] = []

    async def go() -> None:
        async with wje.use_async_with_custom(
            **weaviate_jina_server.connect_kwargs(), jina_api_key=FAKE_JINA_KEY,
            requests_per_minute=RPM,
        ) as ac:  # fmt: skip
            task = asyncio.create_task(
                async_import_objects(ac.collections.use(name), objects, id_key="title", **FAST)
            )
            await asyncio.sleep(1.0)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError as exc:
                caught.append(exc)

    asyncio.run(go())
    jina_fake.set_faults(None)
    [exc] = caught
    report: ImportReport = exc.report  # type: ignore[attr-defined]
    assert report.stored + report.skipped + len(report.failed) == report.total
    read = {key_of(a) for a in objects[: report.total]}
    failed = {f.uuid for f in report.failed}
    unknown = {f.uuid for f in report.failed if "may or may not be stored" in f.reason}
    on_server = held(client.collections.use(name))
    assert read - failed <= on_server
    assert on_server - (read - failed) <= unknown


# --------------------------------------------------------------------------- 3. text UTF-8 cannot encode


def test_lone_surrogate_on_weaviate(
    client: WeaviateClient, base_url: str, jina_fake: FakeJina
) -> None:
    """In the first chunk: a clear error, nothing written; later: one failure, the rest stored."""
    collection = create(client, base_url)
    first = articles(5)
    first[3] = {"title": "Item 3", "body": "broken \ud800 text"}
    with pytest.raises(
        JinaConfigError, match=r"property 'body' with text that is not valid Unicode"
    ):
        import_objects(collection, first)
    assert held(collection) == set()
    assert jina_fake.requests == []

    later = articles(250)
    later[180] = {"title": "Item 180", "body": "broken \udc00"}
    report = import_objects(collection, later, id_key="title", batch_size=100, **FAST)
    [failed] = report.failed
    assert (failed.index, failed.attempts) == (180, 0)
    assert_exact(report, held(collection), later)


# --------------------------------------------------------------------------- 4. collection deleted


def test_collection_deleted_mid_import(client: WeaviateClient, base_url: str) -> None:
    """Deleted mid-import: the import stops, and nothing it reports stored went elsewhere.

    Weaviate's auto-schema would re-create the collection, without a vectorizer, on the
    next write; whatever the race between chunks wrote there is reported failed.
    """
    collection = create(client, base_url)
    name = collection.name

    def source() -> Iterator[dict[str, Any]]:
        for i, article in enumerate(articles(3_000)):
            if i == 1_000:
                client.collections.delete(name)
            yield article

    with pytest.raises(
        ImportAbortedError, match=r"(deleted|re-created).*while the import ran"
    ) as info:
        import_objects(collection, source(), id_key="title", concurrency=2, **FAST)
    report = info.value.report
    assert report.stored + len(report.failed) == report.total
    assert "Create it again with its Jina vectorizer" in str(info.value)
    if client.collections.exists(name):  # re-created by a send that raced the deletion
        in_new = held(client.collections.use(name))
        assert in_new <= {f.uuid for f in report.failed}
        assert len(in_new) <= 2 * 100


# --------------------------------------------------------------------------- 5. no Jina vectorizer


def test_collection_without_vectorizer_refuses_objects_without_vectors(
    client: WeaviateClient,
) -> None:
    """No vectorizer and no vector: refused before writing, unless allow_no_vectorizer=True."""
    collection = client.collections.create(
        "Loss" + uuid.uuid4().hex[:10],
        properties=PROPS,
        vector_config=Configure.Vectors.self_provided(),
    )
    with pytest.raises(
        JinaConfigError, match=r"carries no vector for 'default'.*has no vectorizer"
    ):
        import_objects(collection, articles(10))
    assert held(collection) == set()
    with_vectors = [ImportObject(a, vector=[0.1] * 4) for a in articles(3)]
    assert import_objects(collection, with_vectors).stored == 3
    allowed = import_objects(collection, articles(10, start=3), allow_no_vectorizer=True)
    assert allowed.stored == 10


def test_named_vector_without_jina_is_named(client: WeaviateClient, base_url: str) -> None:
    """Of two named vectors, the one without a Jina vectorizer needs each object's vector."""
    collection = client.collections.create(
        "Loss" + uuid.uuid4().hex[:10],
        properties=PROPS,
        vector_config=[
            JinaConfigure.Vectors.text2vec_jinaai(
                name="text", base_url=base_url, model=MODEL, dimensions=DIMS
            ),
            Configure.Vectors.self_provided(name="own"),
        ],
    )
    with pytest.raises(JinaConfigError, match=r"carries no vector for 'own'"):
        import_objects(collection, articles(2))
    objects = [ImportObject(a, vector={"own": [0.5, 0.5]}) for a in articles(4)]
    assert import_objects(collection, objects, verify=True).stored == 4


# --------------------------------------------------------------------------- 6. verify


def _answer(embedding: list[float] | None) -> ScriptedResponse:
    """A 200 answer with this embedding for each of up to 200 inputs."""
    data = [{"object": "embedding", "index": i, "embedding": embedding} for i in range(200)]
    body = {
        "model": MODEL,
        "object": "list",
        "usage": {"total_tokens": 1, "prompt_tokens": 1},
        "data": data,
    }
    return ScriptedResponse(200, body)


@pytest.mark.parametrize(
    ("embedding", "says"),
    [
        ([0.25] * 8, r"its vector 'default' has 8 dimensions, not the 32"),
        ([0.0] * DIMS, r"its vector 'default' is all zeros"),
        (None, r"it has no vector 'default'"),
    ],
    ids=["wrong-dimensions", "zeros", "null"],
)
def test_verify_finds_what_jina_got_wrong(
    client: WeaviateClient,
    base_url: str,
    jina_fake: FakeJina,
    embedding: list[float] | None,
    says: str,
) -> None:
    """Weaviate stores whatever Jina answers; verify=True reads it back and reports it."""
    collection = create(client, base_url)
    jina_fake.set_faults(Faults(then=_answer(embedding)))
    plain = import_objects(collection, articles(40), id_key="title", batch_size=20, **FAST)
    assert plain.ok, "Weaviate refused the answer: the test proves nothing"
    checked = import_objects(
        collection, articles(40, start=40), id_key="title", batch_size=20, verify=True, **FAST
    )
    assert checked.stored == 0
    assert len(checked.failed) == 40
    assert all(f.retryable for f in checked.failed)
    assert all(re.search(says, f.reason) for f in checked.failed), checked.failed[0].reason


def test_verify_passes_good_vectors(client: WeaviateClient, base_url: str) -> None:
    """With a healthy Jina, verify=True finds nothing to report."""
    collection = create(client, base_url)
    report = import_objects(collection, articles(300), id_key="title", verify=True, **FAST)
    assert report.ok
    assert report.stored == 300


# --------------------------------------------------------------------------- 7. property values


def test_bad_property_values_on_weaviate(
    client: WeaviateClient, base_url: str, jina_fake: FakeJina
) -> None:
    """Values the client cannot send are named with property and type, before any send."""
    collection = create(client, base_url)
    first: list[dict[str, Any]] = [*articles(2), {"title": "x", "body": b"raw bytes"}]
    with pytest.raises(JinaConfigError, match=r"property 'body' of type bytes"):
        import_objects(collection, first)
    assert jina_fake.requests == []
    objects = articles(150)
    objects[120] = {"title": "Item 120", "price": Decimal("9.99")}
    objects[130] = {"title": "Item 130", "tags": {"a", "b"}}
    report = import_objects(collection, objects, id_key="title", **FAST)
    by_index = {f.index: f.reason for f in report.failed}
    assert sorted(by_index) == [120, 130]
    assert "property 'price' of type decimal.Decimal" in by_index[120]
    assert "property 'tags' of type set" in by_index[130]
    assert_exact(report, held(collection), objects)


# --------------------------------------------------------------------------- 8. a killed server


def test_killed_server_gives_an_exact_report_within_the_breaker_bound(
    jina_base_url: str | None, jina_fake: FakeJina
) -> None:
    """The server dies mid-import: an exact report within about breaker_after (60 s).

    Without the breaker every chunk spent its own retries (each failed send waits out the
    client's own gRPC retries, about 15 s): 753 s for these 4,000 objects; now about 60 s.
    The node is a local process on every backend (see the restart test below).
    """
    if jina_base_url is None:
        pytest.skip("needs the local Jina server")
    jina_base_url = jina_endpoint("process").base_url(jina_fake)
    jina_fake.set_faults(None)
    objects = articles(4_000)
    with weaviate_cluster(1) as cluster:
        node = cluster.nodes[0]
        killed: list[float] = []

        def source() -> Iterator[dict[str, Any]]:
            for i, article in enumerate(objects):
                if i == 1_000:
                    cluster.kill_node(0)  # SIGKILL, like a crash
                    killed.append(time.monotonic())
                yield article

        with connect(node) as c:
            collection = create(c, jina_base_url, name="Killed")
            with pytest.raises(ImportAbortedError, match=r"no send could get through") as info:
                import_objects(collection, source(), id_key="title", **FAST)
        elapsed = time.monotonic() - killed[0]
        print(f"\nkilled server: exact report {elapsed:.1f} s after the kill")
        assert elapsed < 60 + 30, f"{elapsed:.0f} s"
        report = info.value.report
        assert report.stored > 0, "nothing was stored before the kill: Jina was not reachable"
        assert report.stored + len(report.failed) == report.total
        assert all(f.retryable for f in report.failed)

        restarted = cluster.restart_node(0)
        with connect(restarted) as c:
            on_server = held(c.collections.use("Killed"))
        # Everything reported stored survived the crash; objects whose answer was lost in
        # it may be there too: they were reported failed (retryable), a re-run stores them.
        assert_covers(report, on_server, objects[: report.total])


# --------------------------------------------------------------------------- 9. a restarting server


def test_graceful_restart_mid_import_loses_nothing(
    jina_base_url: str | None, jina_fake: FakeJina
) -> None:
    """A graceful restart mid-import: "resolve node name" and the like are retried, all stored.

    The node is a local process on every backend (restarting a single node in place with the
    same ports is what the process launcher offers; the container cluster's kill and restart
    are covered by test_import_cluster), so the local Jina server is handed over for it.
    """
    if jina_base_url is None:
        pytest.skip("needs the local Jina server")
    jina_base_url = jina_endpoint("process").base_url(jina_fake)
    jina_fake.set_faults(None)
    objects = articles(3_000)
    with weaviate_cluster(1) as cluster:
        node = cluster.nodes[0]
        restarts: list[threading.Thread] = []

        def restart() -> None:
            cluster.kill_node(0, graceful=True)
            cluster.restart_node(0)

        def source() -> Iterator[dict[str, Any]]:
            for i, article in enumerate(objects):
                if i == 800:
                    restarts.append(threading.Thread(target=restart))
                    restarts[0].start()
                yield article

        with connect(node) as c:
            collection = create(c, jina_base_url, name="Restarted")
            report = import_objects(collection, source(), id_key="title", max_attempts=10, **FAST)
        restarts[0].join()
        assert report.ok, report.summary()
        with connect(cluster.nodes[0]) as c:
            on_server = held(c.collections.use("Restarted"))
        assert_exact(report, on_server, objects)


# --------------------------------------------------------------------------- 10. over-long texts


def test_over_long_text_is_never_sent(
    client: WeaviateClient, base_url: str, jina_fake: FakeJina
) -> None:
    """A text certainly over the model's limit is reported at once; Jina never sees it."""
    collection = create(client, base_url)
    too_long = " ".join(f"t{i}" for i in range(12_000))
    objects = articles(100)
    objects[40] = {"title": "Item 40", "body": too_long}
    report = import_objects(collection, objects, id_key="title", **FAST)
    [failed] = report.failed
    assert (failed.index, failed.attempts, failed.retryable) == (40, 0, False)
    assert "limit of 8192 tokens" in failed.reason
    sent = [
        r
        for r in jina_fake.requests
        if any(too_long in text for text in (r.json or {}).get("input", []))
    ]
    assert sent == []
    assert_exact(report, held(collection), objects)

"""The importer's promise without a server: every object read is stored, skipped or reported.

A fake stands in for the layer right below the importer (the collection's ``insert_many``,
``exists``, ``config.get`` and ``query.fetch_objects``) and keeps what it stored, so that
each report can be checked against what was really written. The fake answers the way
weaviate-client does: a ``BatchObjectReturn`` with per-object errors, or
``WeaviateInsertManyAllFailedError`` when every object of a call failed.

The property tests draw random inputs, per-object fates (stored, rate-limited then stored,
refused, failing for good, a wrong key) and endings (the input raising, the client closed
mid-import, an interrupt) and check the report against the fake after each run.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from weaviate.collections.classes.batch import BatchObject, BatchObjectReturn, ErrorObject
from weaviate.exceptions import (
    UnexpectedStatusCodeError,
    WeaviateBatchError,
    WeaviateClosedClientError,
    WeaviateInsertManyAllFailedError,
)

from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._import import (
    ImportAbortedError,
    ImportObject,
    ImportReport,
    async_import_objects,
    derive_uuid,
    import_objects,
)
from weaviate_jina_ext._import._breaker import _Breaker, _Gate
from weaviate_jina_ext._import._classify import (
    _classify_exception,
    _classify_message,
    _Kind,
    _rule_names,
)

FAST: dict[str, Any] = {"wait_initial": 0.001, "wait_max": 0.002, "breaker_after": None}
JINA = "connection to: JinaAI API failed with status: {} error: {}"
R429 = JINA.format(429, "Token rate limit exceeded")
R500 = JINA.format(500, "Internal Server Error")
R401 = JINA.format(401, "Invalid API key jina_…abcd")
R422 = JINA.format(422, "input[0] is about 9000 tokens, over the model's limit of 8192")
BAD_PROP = "invalid integer property 'n' on class 'Fake': requires an integer"
DIMS = 32

#: ``fate(properties, attempt)``: the error message for this send of the object, or None.
Fate = Callable[[dict[str, Any], int], "str | None"]


def jina_vector(name: str = "default", module: str = "text2vec-jinaai", **model: Any) -> Any:
    """One entry of ``CollectionConfig.vector_config``."""
    if module == "text2vec-jinaai":
        model = {"model": "jina-embeddings-v3", "dimensions": DIMS, **model}
    vectorizer = SimpleNamespace(vectorizer=module, model=model, source_properties=None)
    return SimpleNamespace(vectorizer=vectorizer)


def config_of(**vectors: Any) -> Any:
    """A ``CollectionConfig`` with these named vectors (default: one Jina vector)."""
    return SimpleNamespace(vector_config=vectors or {"default": jina_vector()}, properties=[])


def not_found() -> UnexpectedStatusCodeError:
    return UnexpectedStatusCodeError(
        "Collection configuration could not be retrieved.", httpx.Response(404)
    )


class Fake:
    """The collection calls the importer makes, with a memory of what was written.

    ``fate`` scripts per-object errors; ``before(call, uuids)`` may raise for a whole call
    (or change the fake: delete the collection, close the client); ``vector_of`` gives the
    vectors stored for an object that brings none (what Jina answered).
    """

    name = "Fake"

    def __init__(
        self,
        fate: Fate | None = None,
        *,
        config: Any = None,
        before: Callable[[int, list[uuid.UUID]], BaseException | None] | None = None,
        delay: float = 0.0,
        vector_of: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.fate = fate
        self.before = before
        self.delay = delay
        self.vector_of = vector_of or (lambda props: {"default": [0.5] * DIMS})
        self.config_now = config if config is not None else config_of()
        self.lock = threading.Lock()
        self.present = True
        self.closed = False
        self.generation = 0  # bumped when the collection is deleted
        self.stored: dict[uuid.UUID, int] = {}  # uuid -> generation it was written in
        self.vectors: dict[uuid.UUID, dict[str, Any]] = {}
        self.attempts: collections.Counter[uuid.UUID] = collections.Counter()
        self.calls: list[list[uuid.UUID]] = []
        self.sent_titles: list[str] = []
        self.data = SimpleNamespace(insert_many=self.insert_many)
        self.query = SimpleNamespace(fetch_objects=self.fetch_objects)
        self.config = SimpleNamespace(get=self.get_config)

    # -- controls

    def delete(self) -> None:
        """Delete the collection; the next write re-creates it without a vectorizer."""
        with self.lock:
            self.present = False
            self.generation += 1
            self.stored.clear()
            self.vectors.clear()

    # -- the collection API

    def exists(self) -> bool:
        if self.closed:
            raise WeaviateClosedClientError
        return self.present

    def get_config(self) -> Any:
        if self.closed:
            raise WeaviateClosedClientError
        if not self.present:
            raise not_found()
        return self.config_now

    def insert_many(self, objects: list[Any]) -> BatchObjectReturn:
        with self.lock:
            if self.closed:
                raise WeaviateClosedClientError
            self.calls.append([o.uuid for o in objects])
            self.sent_titles += [str(o.properties.get("title")) for o in objects]
            call = len(self.calls)
        problem = self.before(call, [o.uuid for o in objects]) if self.before else None
        if self.delay:
            time.sleep(self.delay)
        if problem is not None:
            raise problem
        errors: dict[int, ErrorObject] = {}
        uuids: dict[int, uuid.UUID] = {}
        with self.lock:
            if self.closed:
                raise WeaviateClosedClientError
            for i, obj in enumerate(objects):
                self.attempts[obj.uuid] += 1
                message = self.fate(obj.properties, self.attempts[obj.uuid]) if self.fate else None
                if message is not None:
                    batch_obj = BatchObject(
                        collection="Fake", properties=obj.properties, uuid=obj.uuid, index=i
                    )
                    errors[i] = ErrorObject(message, batch_obj, original_uuid=obj.uuid)
                    continue
                if not self.present:  # auto-schema: a collection without vectorizer
                    self.present = True
                    self.config_now = config_of(default=jina_vector(module="none"))
                self.stored[obj.uuid] = self.generation
                self.vectors[obj.uuid] = (
                    {"default": list(obj.vector)}
                    if isinstance(obj.vector, list)
                    else self.vector_of(dict(obj.properties))
                )
                uuids[i] = obj.uuid
        if objects and len(errors) == len(objects):
            text = "\n".join(sorted({e.message for e in errors.values()}))
            raise WeaviateInsertManyAllFailedError(f"Here is the set of all errors: {text}")
        return BatchObjectReturn(errors=errors, uuids=uuids, has_errors=bool(errors))

    def fetch_objects(self, *, filters: Any, limit: int, **kwargs: Any) -> Any:
        wanted = [uuid.UUID(str(v)) for v in filters.value]
        with self.lock:
            found = [
                SimpleNamespace(uuid=u, vector=self.vectors.get(u, {}))
                for u in wanted
                if u in self.stored
            ]
        return SimpleNamespace(objects=found[:limit])


class AsyncFake:
    """The async twin of :class:`Fake` (same memory, awaitable calls)."""

    name = "Fake"

    def __init__(self, fake: Fake) -> None:
        self.fake = fake
        self.data = SimpleNamespace(insert_many=self._insert_many)
        self.query = SimpleNamespace(fetch_objects=self._fetch_objects)
        self.config = SimpleNamespace(get=self._get_config)

    async def exists(self) -> bool:
        await asyncio.sleep(0)
        return self.fake.exists()

    async def _get_config(self) -> Any:
        await asyncio.sleep(0)
        return self.fake.get_config()

    async def _insert_many(self, objects: list[Any]) -> BatchObjectReturn:
        await asyncio.sleep(self.fake.delay)
        delay, self.fake.delay = self.fake.delay, 0.0
        try:
            return self.fake.insert_many(objects)
        finally:
            self.fake.delay = delay

    async def _fetch_objects(self, **kwargs: Any) -> Any:
        await asyncio.sleep(0)
        return self.fake.fetch_objects(**kwargs)


def run(fake: Fake, objects: Any, **kwargs: Any) -> ImportReport:
    return import_objects(cast("Any", fake), objects, **{**FAST, **kwargs})


def arun(fake: Fake, objects: Any, **kwargs: Any) -> ImportReport:
    async def go() -> ImportReport:
        return await async_import_objects(
            cast("Any", AsyncFake(fake)), objects, **{**FAST, **kwargs}
        )

    return asyncio.run(go())


def items(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"title": f"t{i}", "n": i} for i in range(start, start + n)]


def ids(objects: list[dict[str, Any]]) -> set[uuid.UUID]:
    return {derive_uuid(o) for o in objects}


def assert_exact(report: ImportReport, fake: Fake, read: list[dict[str, Any]]) -> None:
    """The report adds up, and says exactly what the fake holds of what was read."""
    assert report.total == len(read)
    assert report.stored + report.skipped + len(report.failed) == report.total
    indexes = [f.index for f in report.failed]
    assert len(set(indexes)) == len(indexes)
    assert all(0 <= i < report.total for i in indexes)
    failed = {f.uuid for f in report.failed}
    current = {u for u, gen in fake.stored.items() if gen == fake.generation}
    assert current == ids(read) - failed
    assert report.stored == len(current)


# --------------------------------------------------------------------------- 1. endings


def test_abort_while_other_chunks_wait_to_retry_loses_nothing() -> None:
    """A 401 in one chunk while the other waits out a 429 backoff: both chunks are reported."""
    objects = items(100)

    def fate(props: dict[str, Any], attempt: int) -> str | None:
        if props["n"] < 50:
            return R429 if attempt == 1 else None  # chunk A: a rate limit, then fine
        return R401  # chunk B: a wrong key

    def before(call: int, uuids: list[uuid.UUID]) -> None:
        if call == 1:
            time.sleep(0.01)  # chunk B leaves before chunk A's 429 halves the chunks in flight
        if uuids[0] == derive_uuid(objects[50]):
            time.sleep(0.05)  # chunk B answers after chunk A started its backoff

    fake = Fake(fate, before=before)
    with pytest.raises(ImportAbortedError) as info:
        run(fake, objects, batch_size=50, concurrency=2, wait_initial=0.3, wait_max=0.3)
    report = info.value.report
    assert_exact(report, fake, objects)
    assert report.total == 100
    waiting = [f for f in report.failed if f.index < 50]
    assert len(waiting) == 50
    assert all("not retried" in f.reason for f in waiting)


def test_input_raising_ends_with_an_exact_report() -> None:
    """An exception from the caller's iterable becomes ImportAbortedError with the report."""
    fake = Fake()
    read: list[dict[str, Any]] = []

    def source() -> Iterator[dict[str, Any]]:
        for obj in items(250):
            if obj["n"] == 175:
                raise ValueError("row 175 is corrupt")
            read.append(obj)
            yield obj

    with pytest.raises(ImportAbortedError, match="reading the input raised ValueError") as info:
        run(fake, source(), batch_size=50, concurrency=2)
    assert isinstance(info.value.__cause__, ValueError)
    assert info.value.cause == "input"
    assert_exact(info.value.report, fake, read)
    assert all(f.retryable for f in info.value.report.failed)


def test_keyboard_interrupt_carries_the_report() -> None:
    """Ctrl-C while the input is read stays a KeyboardInterrupt, with an exact report on it."""
    fake = Fake()
    read: list[dict[str, Any]] = []

    def source() -> Iterator[dict[str, Any]]:
        for obj in items(300):
            if obj["n"] == 120:
                raise KeyboardInterrupt
            read.append(obj)
            yield obj

    with pytest.raises(KeyboardInterrupt) as info:
        run(fake, source(), batch_size=25, concurrency=3)
    report = info.value.report  # type: ignore[attr-defined]
    assert isinstance(report, ImportReport)
    assert_exact(report, fake, read)


def test_client_closed_mid_import_aborts_with_an_exact_report() -> None:
    """Closing the client mid-import stops it with the reconnect hint and an exact report."""
    fake = Fake()

    def before(call: int, uuids: list[uuid.UUID]) -> None:
        if call == 3:
            fake.closed = True

    fake.before = before
    objects = items(400)
    with pytest.raises(ImportAbortedError, match=r"client\.connect\(\)") as info:
        run(fake, objects, batch_size=20, concurrency=2)
    read = objects[: info.value.report.total]
    assert_exact(info.value.report, fake, read)


def test_bug_below_the_importer_is_raised_with_the_report() -> None:
    """An exception no verdict explains is raised as it is, after counting every object."""

    def before(call: int, uuids: list[uuid.UUID]) -> BaseException | None:
        return ZeroDivisionError("bug") if call == 2 else None

    fake = Fake(before=before)
    objects = items(200)
    with pytest.raises(ZeroDivisionError) as info:
        run(fake, objects, batch_size=20, concurrency=1)
    report = info.value.report  # type: ignore[attr-defined]
    assert_exact(report, fake, objects[: report.total])


class HangingAsyncFake(AsyncFake):
    """An AsyncFake whose sends after the first ``free`` never finish until cancelled."""

    def __init__(self, fake: Fake, *, free: int) -> None:
        super().__init__(fake)
        self.free = free
        self.sends = 0
        self.under_way: asyncio.Event | None = None  # made inside the running loop

    async def _insert_many(self, objects: list[Any]) -> BatchObjectReturn:
        self.sends += 1
        if self.sends > self.free:
            assert self.under_way is not None
            self.under_way.set()
            await asyncio.Event().wait()  # cut off only by the cancellation
        return await super()._insert_many(objects)


def test_async_cancellation_reports_sends_under_way() -> None:
    """Cancelling the async import reports every object read; sends cut off are retryable."""
    fake = Fake()
    collection = HangingAsyncFake(fake, free=3)
    objects = items(300)
    caught: list[BaseException] = []

    async def importing() -> None:
        # Caught inside the cancelled task: Python 3.10 hands an awaiting task a fresh
        # CancelledError, without the report.
        try:
            await async_import_objects(
                cast("Any", collection), objects, batch_size=20, concurrency=3, **FAST
            )
        except asyncio.CancelledError as exc:
            caught.append(exc)
            raise

    async def go() -> None:
        collection.under_way = asyncio.Event()
        task = asyncio.create_task(importing())
        await collection.under_way.wait()  # cancel while a send is surely under way
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(go())
    [exc] = caught
    report: ImportReport = exc.report  # type: ignore[attr-defined]
    assert report.stored + report.skipped + len(report.failed) == report.total
    read = ids(objects[: report.total])
    failed = {f.uuid for f in report.failed}
    unknown = {f.uuid for f in report.failed if "may or may not be stored" in f.reason}
    assert unknown, "no send was under way: the test proves nothing"
    assert all(f.retryable for f in report.failed)
    held = set(fake.stored)
    assert held, "no send finished before the cancellation: the test proves too little"
    assert read - failed <= held  # everything reported stored is there
    assert held - (read - failed) <= unknown  # anything else there was reported as unknown


# --------------------------------------------------------------------------- 1. property tests

OUTCOMES = ["ok", "429", "429x2", "bad", "refused", "down", "abort"]


def fate_of(outcomes: list[str]) -> Fate:
    def fate(props: dict[str, Any], attempt: int) -> str | None:
        outcome = outcomes[props["n"]]
        if outcome == "429":
            return R429 if attempt == 1 else None
        if outcome == "429x2":
            return R429 if attempt <= 2 else None
        return {"bad": BAD_PROP, "refused": R422, "down": R500, "abort": R401}.get(outcome)

    return fate


ENDINGS = st.sampled_from(["none", "input-raises", "client-closes", "interrupt"])


def _property_run(
    runner: Callable[..., ImportReport],
    outcomes: list[str],
    batch_size: int,
    concurrency: int,
    ending: str,
    at: int,
) -> None:
    objects = items(len(outcomes))
    read: list[dict[str, Any]] = []
    fake = Fake(fate_of(outcomes))
    if ending == "client-closes":

        def before(call: int, uuids: list[uuid.UUID]) -> None:
            if call == at % 5 + 1:
                fake.closed = True

        fake.before = before

    def source() -> Iterator[dict[str, Any]]:
        for obj in objects:
            if obj["n"] == at and ending == "input-raises":
                raise RuntimeError("the source broke")
            if obj["n"] == at and ending == "interrupt":
                raise KeyboardInterrupt
            read.append(obj)
            yield obj

    try:
        report = runner(
            fake, source(), batch_size=batch_size, concurrency=concurrency, max_attempts=3
        )
    except (ImportAbortedError, KeyboardInterrupt) as exc:
        report = exc.report  # type: ignore[union-attr]
    assert_exact(report, fake, read)
    stored_outcomes = {outcomes[o["n"]] for o in read if derive_uuid(o) in fake.stored}
    assert not stored_outcomes & {"bad", "refused", "down", "abort"}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    outcomes=st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=40),
    batch_size=st.integers(1, 8),
    concurrency=st.integers(1, 4),
    ending=ENDINGS,
    at=st.integers(0, 45),
)
def test_every_object_read_is_accounted_for_sync(
    outcomes: list[str], batch_size: int, concurrency: int, ending: str, at: int
) -> None:
    """Any interleaving of chunk outcomes and endings: stored + skipped + failed == total, exactly."""
    _property_run(run, outcomes, batch_size, concurrency, ending, at)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    outcomes=st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=40),
    batch_size=st.integers(1, 8),
    concurrency=st.integers(1, 4),
    ending=st.sampled_from(["none", "input-raises", "client-closes"]),
    at=st.integers(0, 45),
)
def test_every_object_read_is_accounted_for_async(
    outcomes: list[str], batch_size: int, concurrency: int, ending: str, at: int
) -> None:
    """The async twin keeps the same promise over the same interleavings."""
    _property_run(arun, outcomes, batch_size, concurrency, ending, at)


# --------------------------------------------------------------------------- 2. wrong client


def test_first_chunk_error_carries_a_report_of_what_was_read() -> None:
    """A JinaConfigError for an object of the first chunk: nothing sent, every read object listed."""
    fake = Fake()
    with pytest.raises(JinaConfigError) as info:
        run(fake, [*items(3), "not an object", *items(3, start=3)])
    report = info.value.report  # type: ignore[attr-defined]
    assert report.total == 4
    assert report.stored == 0
    assert [f.index for f in report.failed] == [0, 1, 2, 3]
    assert fake.calls == []


def test_a_client_instead_of_a_collection_is_named() -> None:
    """Passing something without data.insert_many says a collection is needed."""
    sync, _ = _real_clients()
    with pytest.raises(JinaConfigError, match=r"needs a collection, e\.g\. client\.collections"):
        import_objects(sync, items(1))


def test_closed_client_before_the_import_raises_import_aborted() -> None:
    """A client closed before the import gives ImportAbortedError, not the client's own error."""
    fake = Fake()
    fake.closed = True
    with pytest.raises(ImportAbortedError, match=r"client\.connect\(\)") as info:
        run(fake, items(3))
    assert info.value.report.total == 0
    assert info.value.cause == "closed_client"


def _real_clients() -> tuple[Any, Any]:
    import weaviate  # noqa: PLC0415
    from weaviate.connect import ConnectionParams  # noqa: PLC0415

    params = ConnectionParams.from_params("127.0.0.1", 9, False, "127.0.0.1", 10, False)
    sync = weaviate.WeaviateClient(connection_params=params, skip_init_checks=True)
    asynchronous = weaviate.WeaviateAsyncClient(connection_params=params, skip_init_checks=True)
    return sync, asynchronous


def test_unconnected_real_client_raises_import_aborted() -> None:
    """weaviate-client's WeaviateClosedClientError does not escape: ImportAbortedError does."""
    sync, _ = _real_clients()
    with pytest.raises(ImportAbortedError, match=r"client is closed.*client\.connect\(\)"):
        import_objects(sync.collections.use("Articles"), items(3))


def test_async_collection_given_to_the_sync_helper_names_the_async_one() -> None:
    """An async collection passed to import_objects fails at once, naming async_import_objects."""
    _, asynchronous = _real_clients()
    with pytest.raises(JinaConfigError, match=r"await async_import_objects\(collection"):
        import_objects(asynchronous.collections.use("Articles"), items(3))


def test_sync_collection_given_to_the_async_helper_names_the_sync_one() -> None:
    """A sync collection passed to async_import_objects fails at once, naming import_objects."""
    sync, _ = _real_clients()

    async def go() -> None:
        await async_import_objects(sync.collections.use("Articles"), items(3))

    with pytest.raises(JinaConfigError, match=r"use import_objects\(collection"):
        asyncio.run(go())


# --------------------------------------------------------------------------- 3. text UTF-8 cannot encode


@pytest.mark.parametrize(
    ("bad", "kwargs", "match"),
    [
        (
            {"title": "x\ud800y", "n": 1},
            {},
            r"property 'title' with text that is not valid Unicode",
        ),
        ({"title": "ok", "n": 1, "tags": ["a", "\udfff"]}, {}, r"property 'tags'\[1\] with text"),
        ({"title": "ok", "n": 1, "meta": {"k\ud800": 1}}, {}, r"'meta'\['k\\ud800'\] with text"),
        ({"sku": "A-\ud800", "title": "ok"}, {"id_key": "sku"}, r"property 'sku' with text"),
    ],
    ids=["property", "text-array", "nested-key", "id-key-property"],
)
def test_lone_surrogate_in_the_first_chunk_raises_before_writing(
    bad: dict[str, Any], kwargs: dict[str, Any], match: str
) -> None:
    """Text UTF-8 cannot encode is named before anything is sent, not a raw UnicodeEncodeError."""
    fake = Fake()
    first = {"title": "t0", "n": 0, "sku": "A-0"}
    with pytest.raises(JinaConfigError, match=match):
        run(fake, [first, bad], **kwargs)
    assert fake.calls == []


def test_lone_surrogate_in_an_id_key_function_is_a_clear_error() -> None:
    """A key returned by an id_key function that cannot be encoded names the fix."""
    fake = Fake()
    with pytest.raises(JinaConfigError, match=r"id_key\(properties\) cannot be turned into an id"):
        run(fake, items(2), id_key=lambda p: f"{p['title']}\ud800")
    assert fake.calls == []


def test_lone_surrogate_later_is_a_failure_and_the_rest_is_stored() -> None:
    """After the first chunk, such an object is reported (not retryable); the others are stored."""
    fake = Fake()
    objects = items(30)
    objects[25] = {"title": "bad \ud800", "n": 25}
    report = run(fake, objects, batch_size=10)
    [failed] = report.failed
    assert failed.index == 25
    assert failed.attempts == 0
    assert "not valid Unicode" in failed.reason
    assert report.stored == 29


def test_derive_uuid_names_text_it_cannot_encode() -> None:
    """derive_uuid raises JinaConfigError for a lone surrogate, not UnicodeEncodeError."""
    with pytest.raises(JinaConfigError, match=r"not valid Unicode"):
        derive_uuid({"title": "\ud800"})
    with pytest.raises(JinaConfigError, match=r"property 'sku' cannot be turned into an id"):
        derive_uuid({"sku": "\udc80"}, id_key="sku")


# --------------------------------------------------------------------------- 4. collection deleted mid-import


def test_collection_deleted_between_chunks_is_never_written_again() -> None:
    """After a deletion, auto-schema would take the writes: the import stops before any."""
    fake = Fake()

    def source() -> Iterator[dict[str, Any]]:
        for obj in items(300):
            if obj["n"] == 150:
                fake.delete()
            yield obj

    with pytest.raises(ImportAbortedError, match=r"was deleted while the import ran") as info:
        run(fake, source(), batch_size=25, concurrency=1)
    assert not fake.present, "a write re-created the deleted collection"
    assert info.value.cause == "collection_gone"
    report = info.value.report
    assert report.stored + len(report.failed) == report.total
    assert "Create it again with its Jina vectorizer" in str(info.value)


def test_writes_that_went_into_a_recreated_collection_are_failed() -> None:
    """A chunk whose send raced the deletion: its objects are failed, and the import stops."""
    fake = Fake()
    recreated: list[uuid.UUID] = []

    def before(call: int, uuids: list[uuid.UUID]) -> None:
        if call == 3:  # deleted while this send is on its way: auto-schema takes it
            fake.delete()
            recreated.extend(uuids)

    fake.before = before
    with pytest.raises(ImportAbortedError, match=r"re-created or changed") as info:
        run(fake, items(200), batch_size=20, concurrency=1)
    report = info.value.report
    failed = {f.uuid for f in report.failed}
    assert set(recreated) <= failed
    assert set(fake.stored) == set(recreated)  # nothing after that send was written
    assert report.stored + len(report.failed) == report.total
    assert all("written, but collection" in f.reason for f in report.failed if f.uuid in recreated)


@pytest.mark.parametrize(
    "message",
    [
        "could not find index for class Fake. It might have been deleted in the meantime",
        "auto-schema: create collection: class name Fake already exists",
    ],
    ids=["index-gone", "auto-schema-race"],
)
def test_collection_gone_messages_stop_when_it_is_gone(message: str) -> None:
    """Weaviate's "could not find index" family: check the collection, it is gone, stop."""
    fake = Fake()

    def fate(props: dict[str, Any], attempt: int) -> str | None:
        if props["n"] >= 40:
            fake.present = False
            return message
        return None

    fake.fate = fate
    with pytest.raises(ImportAbortedError, match=r"was deleted while the import ran") as info:
        run(fake, items(100), batch_size=20, concurrency=1)
    report = info.value.report
    assert report.stored == 40
    assert report.stored + len(report.failed) == report.total


def test_collection_gone_message_with_the_collection_intact_is_retried() -> None:
    """The same message from a node still loading its index: the collection is intact, retry."""
    message = "could not find index for class Fake. It might have been deleted in the meantime"
    report = run(Fake(lambda props, attempt: message if attempt == 1 else None), items(30))
    assert report.ok
    assert report.stored == 30


# --------------------------------------------------------------------------- 5. no Jina vectorizer


def test_no_vectorizer_and_no_vector_is_refused_before_writing() -> None:
    """A collection whose vector has no vectorizer: an object without a vector is refused."""
    fake = Fake(config=config_of(default=jina_vector(module="none")))
    with pytest.raises(JinaConfigError) as info:
        run(fake, items(3))
    message = str(info.value)
    assert "carries no vector for 'default'" in message
    assert "has no vectorizer" in message
    assert "JinaConfigure.Vectors.text2vec_jinaai(name='default'" in message
    assert "allow_no_vectorizer=True" in message
    assert fake.calls == []


def test_other_provider_vector_needs_a_vector_or_the_opt_in() -> None:
    """A named vector vectorized by another module is named; a given vector satisfies it."""
    fake = Fake(
        config=config_of(
            text=jina_vector("text"), image=jina_vector("image", module="img2vec-neural")
        )
    )
    with pytest.raises(JinaConfigError, match=r"'image' is vectorized by img2vec-neural"):
        run(fake, items(2))
    brought = [ImportObject(p, vector={"image": [0.1] * 4}) for p in items(2)]
    assert run(fake, brought).stored == 2
    assert run(fake, items(2, start=10), allow_no_vectorizer=True).stored == 2


def test_brought_vectors_need_no_vectorizer() -> None:
    """Objects that bring their vector go into a collection without vectorizer as before."""
    fake = Fake(config=config_of(default=jina_vector(module="none")))
    objects = [ImportObject(p, vector=[0.1, 0.2]) for p in items(5)]
    assert run(fake, objects).stored == 5


def test_later_objects_without_vector_are_reported() -> None:
    """After the first chunk, an object without a vector for such a target is a failure."""
    fake = Fake(config=config_of(default=jina_vector(module="none")))
    objects: list[Any] = [ImportObject(p, vector=[0.1, 0.2]) for p in items(15)]
    objects.append({"title": "plain", "n": 99})
    report = run(fake, objects, batch_size=10)
    [failed] = report.failed
    assert failed.index == 15
    assert "carries no vector for 'default'" in failed.reason


# --------------------------------------------------------------------------- 6. verify


def test_verify_reports_vectors_jina_got_wrong() -> None:
    """verify=True reads stored vectors back: missing, zero and wrong-length ones are failures."""

    def vector_of(props: dict[str, Any]) -> dict[str, Any]:
        return {
            3: {},
            4: {"default": [0.0] * DIMS},
            5: {"default": [0.5] * 8},
            6: {"default": [float("nan")] * DIMS},
        }.get(props["n"], {"default": [0.5] * DIMS})

    fake = Fake(vector_of=vector_of)
    plain = run(fake, items(10))
    assert plain.ok, "without verify the helper cannot know"
    report = run(Fake(vector_of=vector_of), items(10), verify=True)
    assert report.stored == 6
    by_index = {f.index: f for f in report.failed}
    assert sorted(by_index) == [3, 4, 5, 6]
    assert "has no vector 'default'" in by_index[3].reason
    assert "all zeros" in by_index[4].reason
    assert (
        "8 dimensions, not the 32 that jina-embeddings-v3 is configured for" in by_index[5].reason
    )
    assert "not finite" in by_index[6].reason
    assert all(f.retryable and "without skip_existing=True" in f.reason for f in report.failed)


def test_verify_in_the_async_twin() -> None:
    """The async twin verifies the same way."""
    fake = Fake(
        vector_of=lambda p: {"default": [0.0] * DIMS} if p["n"] == 2 else {"default": [1.0] * DIMS}
    )
    report = arun(fake, items(5), verify=True)
    assert [f.index for f in report.failed] == [2]


def test_verify_skips_vectors_the_objects_brought() -> None:
    """Only Jina target vectors are checked; objects' own vectors of any length pass."""
    fake = Fake(config=config_of(default=jina_vector(module="none")))
    objects = [ImportObject(p, vector=[0.1, 0.2]) for p in items(5)]
    assert run(fake, objects, verify=True).stored == 5


# --------------------------------------------------------------------------- 7. property values


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (b"\x00raw", r"property 'extra' of type bytes, which Weaviate cannot store; .*base64"),
        (Decimal("1.10"), r"property 'extra' of type decimal\.Decimal.*convert it to float"),
        ({"a", "b"}, r"property 'extra' of type set.*give a list"),
        (dt.date(2024, 1, 2), r"property 'extra' of type datetime\.date.*datetime"),
        ([1, 2.5], r"property 'extra' mixing int and float \(at \[1\]\)"),
        ({"inner": b"x"}, r"property 'extra'\['inner'\] of type bytes"),
        ([{"a": 1}, 2], r"property 'extra' mixing dict and int"),
        (object(), r"property 'extra' of type object"),
    ],
    ids=[
        "bytes",
        "decimal",
        "set",
        "date",
        "mixed-list",
        "nested-bytes",
        "objects-and-int",
        "object",
    ],
)
def test_values_the_client_cannot_send_are_named_before_the_first_send(
    value: object, match: str
) -> None:
    """A bad property value names the property and its type before anything is sent."""
    fake = Fake()
    with pytest.raises(JinaConfigError, match=match):
        run(fake, [{"title": "t0", "n": 0}, {"title": "t1", "n": 1, "extra": value}])
    assert fake.calls == []


def test_numpy_like_property_values_get_the_tolist_hint() -> None:
    """Array-like values (numpy) are refused with the conversion to make."""

    class Array:
        def tolist(self) -> list[float]:
            return [1.0]

    with pytest.raises(JinaConfigError, match=r"value\.tolist\(\)"):
        run(Fake(), [{"title": "t", "vec": Array()}])


def test_bad_values_later_are_failures_with_their_property() -> None:
    """After the first chunk a bad value is a failure naming it; the chunk's others are stored."""
    fake = Fake()
    objects = items(20)
    objects[14] = {"title": "t14", "price": Decimal("9.99")}
    report = run(fake, objects, batch_size=10)
    [failed] = report.failed
    assert (failed.index, failed.attempts, failed.retryable) == (14, 0, False)
    assert "property 'price' of type decimal.Decimal" in failed.reason
    assert report.stored == 19


def test_values_the_client_can_send_pass() -> None:
    """Everything weaviate-client packs passes the check."""
    fake = Fake()
    value = {
        "s": "text",
        "i": 3,
        "f": 1.5,
        "b": True,
        "d": dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc),
        "u": uuid.uuid4(),
        "none": None,
        "texts": ["a", "b"],
        "floats": [1.0, 2],
        "nested": {"k": [1, 2], "deep": {"x": "y"}},
        "objects": [{"a": 1}, {"a": 2}],
        "empty": [],
        "tuple": (1, "a"),
    }
    assert run(fake, [value]).stored == 1


# --------------------------------------------------------------------------- 8. circuit breaker


def test_breaker_state_machine() -> None:
    """Closed, then one probe at a time after two failures, then tripped at the deadline."""
    now = [100.0]
    breaker = _Breaker(10.0, clock=lambda: now[0])
    assert breaker.admit() == (_Gate.SEND, False)
    breaker.record(outage=True, duration=1.0, probe=False, why="down")
    assert breaker.admit() == (_Gate.SEND, False)  # one failure: still closed
    breaker.record(outage=True, duration=1.0, probe=False, why="down")
    assert breaker.admit() == (_Gate.SEND, True)  # open: this send is the probe
    assert breaker.admit() == (_Gate.WAIT, False)  # others wait for it
    breaker.record(outage=False, duration=0.1, probe=True)
    assert breaker.admit() == (_Gate.SEND, False)  # an answer closes it
    breaker.record(outage=True, duration=2.0, probe=False, why="down")
    assert breaker.pause_limit() == pytest.approx(8.0)
    now[0] += 7.5
    assert breaker.admit() == (_Gate.SEND, False)
    now[0] += 0.6  # a send of 2 s could not end within 10 s of the first failure
    assert breaker.admit() == (_Gate.TRIP, False)
    assert "down" in breaker.summary()


def test_disabled_breaker_never_trips() -> None:
    """breaker_after=None: every send is let through."""
    breaker = _Breaker(None)
    for _ in range(5):
        breaker.record(outage=True, duration=1.0, probe=False, why="down")
    assert breaker.admit() == (_Gate.SEND, False)
    assert breaker.pause_limit() is None


def _unreachable(call: int, uuids: list[uuid.UUID]) -> BaseException:
    return WeaviateBatchError("UNAVAILABLE: failed to connect to all addresses; Connection refused")


@pytest.mark.parametrize("runner", [run, arun], ids=["sync", "async"])
def test_breaker_stops_an_import_against_a_dead_server_on_time(
    runner: Callable[..., ImportReport],
) -> None:
    """Every send fails: the import stops about breaker_after after the first failure, exactly."""
    fake = Fake(before=_unreachable, delay=0.02)
    objects = items(2_000)
    started = time.monotonic()
    with pytest.raises(ImportAbortedError, match=r"no send could get through") as info:
        runner(
            fake,
            objects,
            batch_size=20,
            concurrency=4,
            max_attempts=50,
            wait_initial=0.05,
            wait_max=0.2,
            breaker_after=0.5,
        )
    elapsed = time.monotonic() - started
    assert elapsed < 0.5 + 1.0
    report = info.value.report
    assert report.total < 2_000, "the whole input was read: the breaker did not stop it"
    assert_exact(report, fake, objects[: report.total])
    assert all(f.retryable for f in report.failed)
    assert "UNAVAILABLE" in info.value.reason
    assert "breaker_after=" in str(info.value)
    assert info.value.cause == "unavailable"


def test_breaker_lets_a_short_outage_pass() -> None:
    """An outage shorter than breaker_after is retried through and everything is stored."""
    down_until = time.monotonic() + 0.3

    def before(call: int, uuids: list[uuid.UUID]) -> BaseException | None:
        return _unreachable(call, uuids) if time.monotonic() < down_until else None

    fake = Fake(before=before)
    report = run(
        fake,
        items(200),
        batch_size=20,
        max_attempts=100,
        wait_initial=0.02,
        wait_max=0.05,
        breaker_after=2.0,
    )
    assert report.ok
    assert report.stored == 200


def test_rate_limits_do_not_trip_the_breaker() -> None:
    """Rate limits pace the import; they are not an outage, however long they last."""
    fake = Fake(lambda props, attempt: R429 if attempt <= 3 else None)
    report = run(
        fake,
        items(60),
        batch_size=20,
        max_attempts=10,
        wait_initial=0.05,
        wait_max=0.1,
        breaker_after=0.1,
    )
    assert report.ok


# --------------------------------------------------------------------------- 9. classification table

#: One real message (or exception) per rule of the table; most are what Weaviate 1.39.3 or
#: weaviate-client 4.24 wrote in the rig's runs.
EXAMPLES: list[tuple[str, object, _Kind]] = [
    ("jina-key-refused", R401, _Kind.ABORT),
    ("jina-balance", JINA.format(402, "Payment Required"), _Kind.ABORT),
    ("jina-malformed-answer", "failed to parse vectorization response (status 200): unexpected end of JSON input", _Kind.TRANSIENT),
    ("jina-timeout", JINA.format(408, "Request Timeout"), _Kind.TRANSIENT),
    ("jina-too-early", JINA.format(425, "Too Early"), _Kind.TRANSIENT),
    ("jina-rate-limit", R429, _Kind.TRANSIENT),
    ("jina-server-error", JINA.format(503, "Service Unavailable"), _Kind.TRANSIENT),
    ("jina-refused-request", R422, _Kind.SHARED),
    ("no-key", "API Key: no api key found neither in request header: X-Jinaai-Api-Key", _Kind.ABORT),
    ("module-missing", "no module with name text2vec-jinaai present", _Kind.ABORT),
    ("collection-gone", "could not find index for class Articles. It might have been deleted in the meantime", _Kind.GONE),
    ("collection-missing", "update inverted indices: analyze next object: could not find class Articles in schema", _Kind.ABORT),
    ("node-restarting", 'resolve node name "node-0" to host', _Kind.TRANSIENT),
    ("rate-limit", "too many requests, slow down", _Kind.TRANSIENT),
    ("replica-unreachable", "cannot achieve consistency level QUORUM: replica node-2 unreachable", _Kind.TRANSIENT),
    ("network", 'send POST request: Post "http://x/v1/embeddings": dial tcp 127.0.0.1:9: connect: connection refused', _Kind.TRANSIENT),
    ("client-closed", WeaviateClosedClientError(), _Kind.ABORT),
    ("no-permission", None, _Kind.ABORT),  # built below: the error needs a gRPC call
    ("bad-object-data", ValueError("Unexpected type"), _Kind.SPLIT),
    ("weaviate-unreachable", WeaviateBatchError("UNAVAILABLE"), _Kind.TRANSIENT),
    ("permanent", "invalid integer property 'n' on class 'Articles': requires an integer", _Kind.PERMANENT),
]  # fmt: skip

#: Messages of a node stopping or restarting (seen on graceful restarts): all retried.
RESTARTING = [
    'resolve node name "node-0" to host',
    "context canceled",
    "node is shutting down",
    "server is shutting down",
    "failed to execute query: rpc error: code = Canceled desc = grpc: the client connection is closing",
]


def _no_permission() -> Exception:
    from weaviate.exceptions import InsufficientPermissionsError  # noqa: PLC0415

    error = InsufficientPermissionsError.__new__(InsufficientPermissionsError)
    Exception.__init__(error, "forbidden: the user may not create data")
    return error


@pytest.mark.parametrize(("rule", "example", "kind"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_each_rule_of_the_table(rule: str, example: object, kind: _Kind) -> None:
    """Each entry of the classification table, with a message it exists for."""
    if rule == "no-permission":
        example = _no_permission()
    if isinstance(example, Exception):
        verdict = _classify_exception(example)
    else:
        assert isinstance(example, str)
        verdict = _classify_message(example)
    assert (verdict.rule, verdict.kind) == (rule, kind)


def test_every_rule_has_an_example() -> None:
    """The table and the examples above cover each other: no rule goes untested."""
    assert sorted(_rule_names()) == sorted(e[0] for e in EXAMPLES)


@pytest.mark.parametrize("message", RESTARTING)
def test_restarting_nodes_are_transient(message: str) -> None:
    """What a node says while it stops or restarts is retried, never reported for good."""
    verdict = _classify_message(message)
    assert verdict.kind is _Kind.TRANSIENT
    assert verdict.outage


def test_restart_messages_are_retried_until_stored() -> None:
    """Objects refused while a node restarts are re-sent and stored."""

    def fate(props: dict[str, Any], attempt: int) -> str | None:
        if attempt > 1 or props["n"] % 2:
            return None
        return RESTARTING[int(props["n"]) // 2 % len(RESTARTING)]

    report = run(Fake(fate), items(20))
    assert report.ok
    assert report.retried == 10


def test_rate_limits_are_not_outages() -> None:
    """Rate limits pace; only outages count towards the breaker."""
    assert not _classify_message(R429).outage
    assert _classify_message(R500).outage
    assert _classify_exception(WeaviateBatchError("UNAVAILABLE")).outage


# --------------------------------------------------------------------------- 10. over-long texts


def test_over_long_text_is_reported_without_being_sent() -> None:
    """A text with more words than the model's token limit is a failure at once, never sent."""
    fake = Fake()
    objects = items(5)
    long_text = " ".join(f"w{i}" for i in range(9_000))
    objects[2] = {"title": long_text, "n": 2}
    report = run(fake, objects)
    [failed] = report.failed
    assert (failed.index, failed.attempts, failed.retryable) == (2, 0, False)
    assert "9000 words to vectorize for vector 'default'" in failed.reason
    assert "jina-embeddings-v3's limit of 8192 tokens" in failed.reason
    assert long_text not in fake.sent_titles
    assert report.stored == 4
    assert len(fake.calls) == 1


def test_texts_under_the_word_bound_are_sent() -> None:
    """Long in characters but under the bound in words: Jina decides, the helper sends it."""
    fake = Fake()
    text = " ".join(f"token{i:06d}" for i in range(6_000))  # 6,000 words, 66,000 characters
    report = run(fake, [{"title": text, "n": 0}])
    assert report.stored == 1
    assert fake.sent_titles == [text]


def test_word_bound_counts_only_vectorized_properties() -> None:
    """Properties outside the vector's source properties, or skipped, do not count."""
    vector = jina_vector()
    vector.vectorizer.source_properties = ["title"]
    fake = Fake(config=config_of(default=vector))
    long_text = "word " * 9_000
    assert run(fake, [{"title": "short", "body": long_text}]).stored == 1
    report = run(fake, [{"title": long_text, "body": "short"}])
    assert report.failed
    assert report.failed[0].attempts == 0


@pytest.mark.anyio
async def test_async_over_long_text_is_reported_without_being_sent() -> None:
    """The async twin finds over-long texts the same way."""
    fake = Fake()

    async def source() -> AsyncIterator[dict[str, Any]]:
        yield {"title": "word " * 9_000, "n": 0}
        yield {"title": "short", "n": 1}

    report = await async_import_objects(cast("Any", AsyncFake(fake)), source(), **FAST)
    assert [f.index for f in report.failed] == [0]
    assert report.stored == 1

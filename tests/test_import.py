"""The import helper without a server: ids, validation, error judgement, retries, the report.

A stub collection stands in for Weaviate. It answers ``insert_many`` the way the client
does (a ``BatchObjectReturn`` with per-object errors, or ``WeaviateInsertManyAllFailedError``
when every object failed) from a scripted ``respond`` function, and keeps what was stored
so that re-runs can be checked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import itertools
import struct
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast, get_args

import httpx
import pytest
import weaviate.util
from weaviate.collections.classes.batch import BatchObject, BatchObjectReturn, ErrorObject
from weaviate.exceptions import (
    InsufficientPermissionsError,
    UnexpectedStatusCodeError,
    WeaviateBatchError,
    WeaviateClosedClientError,
    WeaviateInsertManyAllFailedError,
)

from weaviate_jina_ext._exceptions import ImportAbortCause, JinaConfigError, JinaExtError
from weaviate_jina_ext._import import (
    FailedObject,
    ImportAbortedError,
    ImportIncompleteError,
    ImportObject,
    ImportReport,
    async_import_objects,
    derive_uuid,
    import_objects,
)
from weaviate_jina_ext._import._classify import _classify_exception, _classify_message, _Kind

FAST = {"wait_initial": 0.001, "wait_max": 0.002}
JINA = "connection to: JinaAI API failed with status: {} error: {}"
R429 = JINA.format(429, "Token rate limit exceeded")
R500 = JINA.format(500, "Internal Server Error")
R401 = JINA.format(401, "Invalid API key")
R422 = JINA.format(422, "input[0] is about 9000 tokens, over the model's limit of 8192")
BAD_PROP = "invalid integer property 'n' on class 'Stub': requires an integer"

#: ``respond(objects, call_number)`` -> ``{index_in_call: error message}`` or an exception.
Respond = Callable[[list[Any], int], "dict[int, str] | Exception"]


def _ok(objects: list[Any], call: int) -> dict[int, str]:
    return {}


@dataclass
class StubData:
    """``collection.data`` of the stub: scripted answers, remembered writes."""

    respond: Respond
    stored: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    calls: list[list[Any]] = field(default_factory=list)

    def insert_many(self, objects: list[Any]) -> BatchObjectReturn:
        self.calls.append(list(objects))
        outcome = self.respond(list(objects), len(self.calls))
        if isinstance(outcome, Exception):
            raise outcome
        if outcome and len(outcome) == len(objects):
            text = "\n".join(sorted(set(outcome.values())))
            raise WeaviateInsertManyAllFailedError(f"Here is the set of all errors: {text}")
        errors: dict[int, ErrorObject] = {}
        uuids: dict[int, uuid.UUID] = {}
        for i, obj in enumerate(objects):
            if i in outcome:
                batch_obj = BatchObject(
                    collection="Stub", properties=obj.properties, uuid=obj.uuid, index=i
                )
                errors[i] = ErrorObject(outcome[i], batch_obj, original_uuid=obj.uuid)
            else:
                self.stored[obj.uuid] = obj.properties
                uuids[i] = obj.uuid
        return BatchObjectReturn(errors=errors, uuids=uuids, has_errors=bool(errors))

    @property
    def sent(self) -> int:
        return sum(len(c) for c in self.calls)


def jina_config() -> Any:
    """What ``collection.config.get()`` returns for a collection vectorized by Jina."""
    vectorizer = SimpleNamespace(
        vectorizer="text2vec-jinaai",
        model={"model": "jina-embeddings-v3", "dimensions": 32},
        source_properties=None,
    )
    return SimpleNamespace(vector_config={"default": SimpleNamespace(vectorizer=vectorizer)})


class StubCollection:
    """Just enough of ``weaviate.collections.Collection`` for the import helper."""

    name = "Stub"

    def __init__(self, respond: Respond = _ok, *, exists: bool = True) -> None:
        self.data = StubData(respond)
        self._exists = exists
        self.query = SimpleNamespace(fetch_objects=self._fetch_objects)
        self.config = SimpleNamespace(get=self._config)

    def exists(self) -> bool:
        return self._exists

    def _config(self) -> Any:
        """Like Weaviate, a missing collection's config is a 404 (clients before 4.19 ask)."""
        if not self._exists:
            raise UnexpectedStatusCodeError(
                "Collection configuration could not be retrieved.", httpx.Response(404)
            )
        return jina_config()

    def _fetch_objects(self, *, filters: Any, limit: int, return_properties: Any) -> Any:
        wanted = {uuid.UUID(str(v)) for v in filters.value}
        found = [SimpleNamespace(uuid=u) for u in self.data.stored if u in wanted]
        return SimpleNamespace(objects=found[:limit])


class AsyncStubCollection:
    """The async twin of :class:`StubCollection` (shares its behaviour)."""

    name = "Stub"

    def __init__(self, respond: Respond = _ok, *, exists: bool = True) -> None:
        self._sync = StubCollection(respond, exists=exists)
        self.data = SimpleNamespace(insert_many=self._insert_many)
        self.query = SimpleNamespace(fetch_objects=self._fetch_objects)
        self.config = SimpleNamespace(get=self._config)

    @property
    def stub(self) -> StubData:
        return self._sync.data

    async def exists(self) -> bool:
        await asyncio.sleep(0)
        return self._sync.exists()

    async def _insert_many(self, objects: list[Any]) -> BatchObjectReturn:
        await asyncio.sleep(0)
        return self._sync.data.insert_many(objects)

    async def _fetch_objects(self, **kwargs: Any) -> Any:
        return self._sync.query.fetch_objects(**kwargs)

    async def _config(self) -> Any:
        return self._sync.config.get()


def run(collection: StubCollection, objects: Any, **kwargs: Any) -> ImportReport:
    return import_objects(cast("Any", collection), objects, **{**FAST, **kwargs})


async def arun(collection: AsyncStubCollection, objects: Any, **kwargs: Any) -> ImportReport:
    return await async_import_objects(cast("Any", collection), objects, **{**FAST, **kwargs})


def items(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"title": f"t{i}", "n": i} for i in range(start, start + n)]


def by_title(title: str, message: str) -> Respond:
    """Fail every object whose title is ``title`` with ``message``."""

    def respond(objects: list[Any], call: int) -> dict[int, str]:
        return {i: message for i, o in enumerate(objects) if o.properties["title"] == title}

    return respond


# --------------------------------------------------------------------------- ids


def test_id_key_uuid_matches_client_generate_uuid5() -> None:
    """An id derived from a key property equals the client's generate_uuid5 of that key."""
    got = derive_uuid({"sku": "A-17", "name": "x"}, id_key="sku")
    assert str(got) == weaviate.util.generate_uuid5("A-17")


def test_property_ids_ignore_key_order_and_differ_by_value() -> None:
    """Ids from properties are the same for the same properties in any order, else differ."""
    a = derive_uuid({"a": 1, "b": [1, 2], "c": dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc)})
    b = derive_uuid({"c": dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc), "b": [1, 2], "a": 1})
    c = derive_uuid({"a": 2, "b": [1, 2], "c": dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc)})
    assert a == b
    assert a != c


def test_callable_id_key_and_int_keys() -> None:
    """A callable id_key's result is the key; int keys use their decimal form."""
    assert derive_uuid({"n": 5}, id_key=lambda p: p["n"]) == derive_uuid({"n": 5}, id_key="n")
    assert str(derive_uuid({"n": 5}, id_key="n")) == weaviate.util.generate_uuid5("5")


@pytest.mark.parametrize(
    ("properties", "id_key", "match"),
    [
        ({"a": 1}, "sku", r"no property 'sku'"),
        ({"sku": None}, "sku", r"is None"),
        ({"a": object()}, None, r"cannot be turned into an id"),
    ],
    ids=["missing-key", "none-key", "not-json"],
)
def test_derive_uuid_errors_name_the_fix(
    properties: dict[str, Any], id_key: str | None, match: str
) -> None:
    """An id that cannot be derived raises JinaConfigError saying what to change."""
    with pytest.raises(JinaConfigError, match=match):
        derive_uuid(properties, id_key=id_key)


def test_rerun_of_same_input_stores_nothing_twice() -> None:
    """Importing the same input twice leaves each object once under the same id."""
    stub = StubCollection()
    first = run(stub, items(250), batch_size=100)
    second = run(stub, items(250), batch_size=100)
    assert first.stored == second.stored == 250
    assert len(stub.data.stored) == 250
    assert set(stub.data.stored) == {derive_uuid(p) for p in items(250)}


def test_given_uuid_wins_over_id_key() -> None:
    """An ImportObject's own uuid is used as is, whatever id_key says."""
    stub = StubCollection()
    given = uuid.UUID("12345678-1234-5678-1234-567812345678")
    run(stub, [ImportObject({"sku": "a"}, uuid=str(given))], id_key="sku")
    assert list(stub.data.stored) == [given]


# --------------------------------------------------------------------------- validation


BAD_OBJECTS: list[tuple[object, str]] = [
    ("just a string", r"objects\[1\] is a str; give a mapping"),
    ({1: "x"}, r"objects\[1\] has a property name 1 of type int"),
    ({"id": "x"}, r"objects\[1\] has a property named 'id'.*rename"),
    (
        ImportObject({"a": 1}, vector=cast("Any", "0.1,0.2")),
        r"objects\[1\] has a vector of type str",
    ),
    (ImportObject({"a": 1}, vector=[]), r"objects\[1\] has an empty a vector"),
    (ImportObject({"a": 1}, vector=cast("Any", ["x"])), r"first element is str, not a number"),
    (ImportObject({"a": 1}, vector=cast("Any", {"v": "x"})), r"vector\['v'\] of type str"),
    (ImportObject({"a": 1}, uuid="not-a-uuid"), r"uuid='not-a-uuid', which is not a UUID"),
    ({"title": "t0", "n": 0}, r"objects\[1\] has the id .* of an earlier object"),
]


@pytest.mark.parametrize(
    ("bad", "match"),
    BAD_OBJECTS,
    ids=[
        "not-mapping",
        "int-key",
        "reserved",
        "str-vector",
        "empty-vector",
        "str-element",
        "named-str",
        "bad-uuid",
        "duplicate",
    ],
)
def test_invalid_object_in_first_chunk_raises_before_writing(bad: object, match: str) -> None:
    """An invalid object in the first chunk raises JinaConfigError and nothing is sent."""
    stub = StubCollection()
    with pytest.raises(JinaConfigError, match=match):
        run(stub, [{"title": "t0", "n": 0}, bad, {"title": "t2", "n": 2}])
    assert stub.data.calls == []


def test_invalid_object_mid_stream_is_reported_not_retried() -> None:
    """After the first chunk, an invalid object is reported (not retryable) and the rest stored."""
    stub = StubCollection()
    objects: list[object] = [*items(150), "oops", ImportObject({"x": 1}, vector=[1.0, 2.0])]
    report = run(stub, objects, batch_size=100)
    assert report.stored == 151
    [failed] = report.failed
    assert failed.index == 150
    assert failed.retryable is False
    assert failed.attempts == 0
    assert "objects[150] is a str" in failed.reason


def test_duplicate_mid_stream_is_reported_with_its_uuid() -> None:
    """A second object with an id already used in the input is reported with that id."""
    stub = StubCollection()
    objects = [*items(120), {"title": "t3", "n": 3}]
    report = run(stub, objects, batch_size=100)
    [failed] = report.failed
    assert failed.index == 120
    assert failed.uuid == derive_uuid({"title": "t3", "n": 3})
    assert report.stored == 120


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, r"batch_size=0 must be a positive int"),
        ({"max_attempts": True}, r"max_attempts=True must be a positive int"),
        ({"max_retry_time": -1}, r"max_retry_time=-1 must be a positive number"),
        ({"progress": "yes"}, r"progress='yes' must be True, False or None"),
        ({"id_key": 5}, r"id_key=5 must be a property name"),
        ({"total": -1}, r"total=-1 must be the number of objects"),
        ({"concurrency": 0}, r"concurrency=0 must be a positive int"),
    ],
    ids=["batch", "attempts", "retry-time", "progress", "id-key", "total", "concurrency"],
)
def test_bad_arguments_raise_config_error(kwargs: dict[str, Any], match: str) -> None:
    """Each argument is checked and the message names it, its value and what is allowed."""
    with pytest.raises(JinaConfigError, match=match):
        run(StubCollection(), items(1), **kwargs)


def test_a_single_mapping_is_not_taken_for_the_input() -> None:
    """Passing one mapping instead of an iterable of objects says to wrap it in a list."""
    with pytest.raises(JinaConfigError, match="wrap a single object in a list"):
        run(StubCollection(), {"title": "x"})


def test_numpy_like_vectors_are_accepted() -> None:
    """Objects whose vectors have ``tolist`` (numpy arrays) pass the shape check."""

    class ArrayLike(list[float]):
        def tolist(self) -> list[float]:
            return list(self)

    stub = StubCollection()
    report = run(stub, [ImportObject({"a": 1}, vector=ArrayLike([0.1, 0.2]))])
    assert report.stored == 1
    assert stub.data.calls[0][0].vector == [0.1, 0.2]


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (R429, _Kind.TRANSIENT),
        (R500, _Kind.TRANSIENT),
        (JINA.format(503, "Service Unavailable"), _Kind.TRANSIENT),
        (JINA.format(524, "timeout"), _Kind.TRANSIENT),
        (
            'send POST request: Post "http://x/v1/embeddings": context deadline exceeded',
            _Kind.TRANSIENT,
        ),
        ("dial tcp 127.0.0.1:9: connect: connection refused", _Kind.TRANSIENT),
        (
            "failed to parse vectorization response (status 200): unexpected end of JSON input",
            _Kind.TRANSIENT,
        ),
        ("vectorizer returned fewer vectors than requested", _Kind.TRANSIENT),
        ("cannot achieve consistency level QUORUM: replica node-2 unreachable", _Kind.TRANSIENT),
        (
            "failed to execute query: rpc error: code = Canceled desc = grpc: the client "
            "connection is closing",
            _Kind.TRANSIENT,
        ),
        (R422, _Kind.SHARED),
        (JINA.format(400, "Model 'x' not found"), _Kind.SHARED),
        (R401, _Kind.ABORT),
        (JINA.format(402, "Payment Required"), _Kind.ABORT),
        (JINA.format(403, "Insufficient account balance"), _Kind.ABORT),
        ("API Key: no api key found neither in request header: X-Jinaai-Api-Key", _Kind.ABORT),
        ("could not find class Article in schema", _Kind.ABORT),
        (BAD_PROP, _Kind.PERMANENT),
        ("no such prop with name 'x' found in class 'Stub' in the schema", _Kind.PERMANENT),
    ],
    ids=[
        "429",
        "500",
        "503",
        "524",
        "deadline",
        "refused",
        "malformed-200",
        "fewer-vectors",
        "quorum",
        "peer-closing",
        "422",
        "400",
        "401",
        "402",
        "403-balance",
        "no-key",
        "no-class",
        "bad-property",
        "unknown-property",
    ],
)
def test_weaviate_messages_are_judged_by_their_text(message: str, kind: _Kind) -> None:
    """Each error text Weaviate attaches to an object maps to retry, report, isolate or stop."""
    assert _classify_message(message).kind is kind


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (WeaviateBatchError("UNAVAILABLE"), _Kind.TRANSIENT),
        (WeaviateClosedClientError(), _Kind.ABORT),
        (struct.error("required argument is not a float"), _Kind.SPLIT),
        (
            WeaviateInsertManyAllFailedError(f"Here is the set of all errors: {R429}\n{R500}"),
            _Kind.TRANSIENT,
        ),
        (
            WeaviateInsertManyAllFailedError(f"Here is the set of all errors: {R429}\n{BAD_PROP}"),
            _Kind.SPLIT,
        ),
    ],
    ids=["grpc-unavailable", "closed", "packing", "all-transient", "mixed"],
)
def test_exceptions_for_a_whole_send_are_judged(exc: Exception, kind: _Kind) -> None:
    """An exception from insert_many is judged for every object it covered."""
    assert _classify_exception(exc).kind is kind


def test_unknown_exception_types_propagate() -> None:
    """A bug (an exception no condition explains) is raised, not reported as a failure."""

    def respond(objects: list[Any], call: int) -> Exception:
        return ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError):
        run(StubCollection(respond), items(3))


def test_reasons_never_show_a_key() -> None:
    """A key echoed in an error message is masked in the report."""
    secret = "jina_SECRETSECRETSECRET1234"
    report = run(StubCollection(by_title("t1", f"{BAD_PROP} (sent with {secret})")), items(3))
    [failed] = report.failed
    assert secret not in failed.reason
    assert "1234" in failed.reason
    assert secret not in repr(report)
    assert secret not in report.summary()


# --------------------------------------------------------------------------- retries


def test_transient_failures_are_retried_until_stored() -> None:
    """Objects that fail with 429/500 are re-sent (only they) until they are stored."""
    flaky = {"t3": 2, "t7": 1}

    def respond(objects: list[Any], call: int) -> dict[int, str]:
        errors = {}
        for i, o in enumerate(objects):
            left = flaky.get(o.properties["title"], 0)
            if left:
                flaky[o.properties["title"]] = left - 1
                errors[i] = R429 if left % 2 else R500
        return errors

    stub = StubCollection(respond)
    report = run(stub, items(10))
    assert report.ok
    assert report.stored == 10
    assert report.retried == 2
    assert [len(c) for c in stub.data.calls] == [10, 2, 1]


def test_transient_failures_give_up_after_max_attempts() -> None:
    """An object that always fails transiently is reported retryable after max_attempts sends."""
    stub = StubCollection(by_title("t4", R500))
    report = run(stub, items(8), max_attempts=3)
    [failed] = report.failed
    assert failed.retryable is True
    assert failed.attempts == 3
    assert "status: 500" in failed.reason
    assert "gave up after 3 attempts" in failed.reason
    assert report.stored == 7
    assert report.retried == 1


def test_permanent_failures_are_reported_at_once() -> None:
    """An object Weaviate refuses for its data is sent once and reported, not retried."""
    stub = StubCollection(by_title("t2", BAD_PROP))
    report = run(stub, items(5))
    [failed] = report.failed
    assert (failed.index, failed.retryable, failed.attempts) == (2, False, 1)
    assert failed.properties == {"title": "t2", "n": 2}
    assert len(stub.data.calls) == 1


def test_whole_send_transient_errors_are_retried() -> None:
    """A lost connection for a whole send is retried for all of its objects."""

    def respond(objects: list[Any], call: int) -> dict[int, str] | Exception:
        return WeaviateBatchError("UNAVAILABLE") if call == 1 else {}

    report = run(StubCollection(respond), items(4))
    assert (report.stored, report.retried) == (4, 4)


def test_jina_request_refusal_isolates_the_culprit() -> None:
    """A 422 Weaviate copied onto a whole Jina request fails only the object that caused it."""

    def respond(objects: list[Any], call: int) -> dict[int, str]:
        guilty = any(o.properties["title"] == "t37" for o in objects)
        return dict.fromkeys(range(len(objects)), R422) if guilty else {}

    stub = StubCollection(respond)
    report = run(stub, items(100))
    assert [f.index for f in report.failed] == [37]
    assert report.stored == 99
    assert len(stub.data.calls) <= 1 + 2 * 7


def test_refusal_of_every_object_is_not_split_forever() -> None:
    """When every object draws the same refusal (say, an unknown model) splitting stops."""
    message = JINA.format(400, "Model 'jina-nope' not found")

    def respond(objects: list[Any], call: int) -> dict[int, str]:
        return dict.fromkeys(range(len(objects)), message)

    stub = StubCollection(respond)
    report = run(stub, items(300), batch_size=100, concurrency=1)
    assert len(report.failed) == 300
    assert all(not f.retryable for f in report.failed)
    # First chunk: one send and one split into two probes; later chunks: one send each.
    assert len(stub.data.calls) == 3 + 2


def test_packing_error_isolates_the_bad_object() -> None:
    """A client-side error while packing a group is traced to the object that caused it."""

    def respond(objects: list[Any], call: int) -> dict[int, str] | Exception:
        if any(o.properties["title"] == "t5" for o in objects):
            return struct.error("required argument is not a float")
        return {}

    report = run(StubCollection(respond), items(16))
    [failed] = report.failed
    assert failed.index == 5
    assert "not a float" in failed.reason
    assert report.stored == 15


# --------------------------------------------------------------------------- aborting


def _counting(n: int, seen: list[int]) -> Iterator[dict[str, Any]]:
    for i in range(n):
        seen.append(i)
        yield {"title": f"t{i}", "n": i}


def test_wrong_key_stops_early_with_one_error() -> None:
    """A 401 stops the import: one ImportAbortedError naming the fix, input left unread."""
    seen: list[int] = []

    def respond(objects: list[Any], call: int) -> dict[int, str]:
        return dict.fromkeys(range(len(objects)), R401)

    with pytest.raises(ImportAbortedError) as info:
        run(StubCollection(respond), _counting(10_000, seen), batch_size=10, concurrency=2)
    error = info.value
    assert "jina_api_key=" in str(error)
    assert "JINAAI_APIKEY" in str(error)
    assert len(seen) < 100
    assert error.report.stored == 0
    assert error.report.total == len(seen)
    assert len(error.report.failed) == len(seen)
    assert isinstance(error, JinaExtError)


def test_missing_collection_aborts_before_reading_input() -> None:
    """A collection that does not exist stops the import before any object is read."""
    seen: list[int] = []
    with pytest.raises(ImportAbortedError, match="does not exist") as info:
        run(StubCollection(exists=False), _counting(10, seen))
    assert seen == []
    assert info.value.report.total == 0


def test_closed_client_aborts() -> None:
    """A closed client stops the import with the reconnect hint."""

    def respond(objects: list[Any], call: int) -> Exception:
        return WeaviateClosedClientError()

    with pytest.raises(ImportAbortedError, match=r"client\.connect\(\)"):
        run(StubCollection(respond), items(3))


def _forbidden() -> Exception:
    """What insert_many raises when the Weaviate user may not write (built without a server)."""
    error = InsufficientPermissionsError.__new__(InsufficientPermissionsError)
    Exception.__init__(error, "forbidden: rbac: permission denied for create_data")
    return error


@pytest.mark.parametrize(
    ("outcome", "cause"),
    [
        (R401, "auth"),
        ("API Key: no api key found neither in request header: X-Jinaai-Api-Key", "missing_key"),
        (JINA.format(402, "Payment Required"), "payment"),
        (JINA.format(403, "Insufficient account balance"), "payment"),
        ("no module with name text2vec-jinaai present", "missing_module"),
        ("could not find class Stub in schema", "collection_gone"),
        (WeaviateClosedClientError(), "closed_client"),
        (_forbidden(), "permission"),
    ],
    ids=["401", "no-key", "402", "403", "module", "class-gone", "closed", "permission"],
)
def test_abort_cause_says_why_without_parsing_text(outcome: str | Exception, cause: str) -> None:
    """ImportAbortedError.cause names the case, so callers can catch a 401 by attribute."""

    def respond(objects: list[Any], call: int) -> dict[int, str] | Exception:
        if isinstance(outcome, Exception):
            return outcome
        return dict.fromkeys(range(len(objects)), outcome)

    with pytest.raises(ImportAbortedError) as info:
        run(StubCollection(respond), items(3))
    assert info.value.cause == cause
    assert cause in get_args(ImportAbortCause)


def test_abort_cause_for_a_collection_that_does_not_exist() -> None:
    """A missing collection stops the import before anything is read, with its own cause."""
    with pytest.raises(ImportAbortedError) as info:
        run(StubCollection(exists=False), items(3))
    assert info.value.cause == "collection_gone"


@pytest.mark.anyio
async def test_async_abort_cause() -> None:
    """The async twin sets the same cause."""

    def respond(objects: list[Any], call: int) -> dict[int, str]:
        return dict.fromkeys(range(len(objects)), R401)

    with pytest.raises(ImportAbortedError) as info:
        await arun(AsyncStubCollection(respond), items(5))
    assert info.value.cause == "auth"


def test_abort_cause_defaults_to_other() -> None:
    """An ImportAbortedError built without a cause (by a caller's own code) says "other"."""
    error = ImportAbortedError("stopped", report=ImportReport(0, 0, [], 0), reason="why")
    assert error.cause == "other"


# --------------------------------------------------------------------------- report, streaming


def test_report_ok_and_raise_for_failures() -> None:
    """raise_for_failures raises ImportIncompleteError with the report only when objects failed."""
    clean = ImportReport(total=2, stored=2, failed=[], retried=0)
    assert clean.ok
    clean.raise_for_failures()
    failure = FailedObject(
        index=1, uuid=uuid.uuid4(), reason=BAD_PROP, retryable=False, attempts=1, properties={}
    )
    broken = ImportReport(total=2, stored=1, failed=[failure], retried=0)
    assert not broken.ok
    with pytest.raises(ImportIncompleteError, match="1 of 2 objects stored") as info:
        broken.raise_for_failures()
    assert info.value.report is broken
    assert BAD_PROP in str(info.value)


def test_counts_add_up() -> None:
    """The stored, skipped and failed counts add up to the objects read, whatever happened to them."""
    stub = StubCollection(by_title("t9", BAD_PROP))
    run(stub, items(50))
    objects: list[object] = [*items(150), "oops"]
    report = run(stub, objects, batch_size=40, skip_existing=True)
    assert report.stored + report.skipped + len(report.failed) == report.total == 151
    assert report.skipped == 49


def test_skip_existing_sends_only_the_gaps() -> None:
    """With skip_existing, a re-run sends only the objects missing from the collection."""
    stub = StubCollection()
    run(stub, items(30))
    stub.data.calls.clear()
    report = run(stub, items(40), skip_existing=True)
    assert (report.stored, report.skipped) == (10, 30)
    assert stub.data.sent == 10


def test_input_is_streamed_not_loaded() -> None:
    """The input is read only a few chunks ahead of what has been sent."""
    seen: list[int] = []
    ahead: list[int] = []
    stub = StubCollection()

    def respond(objects: list[Any], call: int) -> dict[int, str]:
        ahead.append(len(seen) - stub.data.sent)
        return {}

    stub.data.respond = respond
    run(stub, _counting(2_000, seen), batch_size=50, concurrency=2)
    assert stub.data.sent == 2_000
    assert max(ahead) <= (2 + 2) * 50


@pytest.mark.parametrize("progress", [True, False, None], ids=["on", "off", "auto"])
def test_progress_bar_shows_only_when_asked_or_on_a_terminal(
    progress: bool | None, capsys: pytest.CaptureFixture[str]
) -> None:
    """progress=True draws a bar on stderr; False and (off a terminal) None draw nothing."""
    run(StubCollection(), items(30), progress=progress, batch_size=10)
    err = capsys.readouterr().err
    assert ("import Stub" in err) is (progress is True)


# --------------------------------------------------------------------------- async twin


def test_async_twin_has_the_same_parameters() -> None:
    """async_import_objects takes exactly the parameters import_objects takes."""
    sync = inspect.signature(import_objects).parameters
    asyn = inspect.signature(async_import_objects).parameters
    assert list(sync) == list(asyn)
    for name in list(sync)[2:]:
        assert sync[name].default == asyn[name].default, name
        assert sync[name].kind == asyn[name].kind, name


@pytest.mark.anyio
async def test_async_import_retries_and_reports() -> None:
    """The async twin retries transient failures and reports permanent ones like the sync one."""
    calls = itertools.count()

    def respond(objects: list[Any], call: int) -> dict[int, str]:
        n = next(calls)
        errors = {i: BAD_PROP for i, o in enumerate(objects) if o.properties["title"] == "t1"}
        if n == 0:
            errors.update({i: R429 for i in range(len(objects)) if i not in errors and i % 2})
        return errors

    collection = AsyncStubCollection(respond)
    report = await arun(collection, items(20), batch_size=20, concurrency=1)
    assert report.stored == 19
    assert [f.index for f in report.failed] == [1]
    assert report.retried == 9


@pytest.mark.anyio
async def test_async_import_reads_async_iterables() -> None:
    """The async twin accepts an async generator as input."""

    async def source() -> AsyncIterator[Mapping[str, Any]]:
        for p in items(25):
            await asyncio.sleep(0)
            yield p

    collection = AsyncStubCollection()
    report = await arun(collection, source(), batch_size=10)
    assert report.stored == 25
    assert len(collection.stub.stored) == 25


@pytest.mark.anyio
async def test_async_wrong_key_aborts() -> None:
    """The async twin stops on a 401 with ImportAbortedError."""

    def respond(objects: list[Any], call: int) -> dict[int, str]:
        return dict.fromkeys(range(len(objects)), R401)

    with pytest.raises(ImportAbortedError, match="jina_api_key="):
        await arun(AsyncStubCollection(respond), items(500), batch_size=10)

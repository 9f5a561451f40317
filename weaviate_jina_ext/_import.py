"""Imports that lose nothing: stream objects into a Jina-vectorized collection, get a report.

Why a helper of our own: Weaviate's Jina modules do not retry. The error of a 429 or a 5xx
from Jina is copied onto every object of that vectorizer batch, and the client's batching
re-queues only the rate-limit messages of other providers. A plain batch loop therefore
loses objects under rate limits, and says so only in ``failed_objects``. :func:`import_objects` (and its twin
:func:`async_import_objects`) sends the input through the client's own ``insert_many`` in
chunks, reads the error Weaviate attached to each object, and:

* retries what failed for a transient reason (Jina 429/5xx, timeouts, connection errors,
  replicas briefly out of reach) with ``stamina`` backoff, bounded in attempts and time,
  re-sending only those objects;
* reports what failed for a permanent reason (an input too long, a property of the wrong
  type) at once, with Weaviate's message, without retrying it;
* stops with one :class:`ImportAbortedError` when retrying is pointless for everything (a
  wrong or missing key, an empty Jina balance, a missing module or collection);
* returns an :class:`ImportReport`: how many objects were stored and every object that was
  not, with its position in the input and why.

Ids are deterministic when the caller gives none (UUID5 of a caller-chosen key, or of the
properties), so objects are upserted: re-running the same input after a crash or a partial
failure stores nothing twice and fills the gaps. ``skip_existing=True`` makes a re-run send
only the objects that are missing, so Jina is not paid twice for the rest.

The input is streamed: only ``concurrency`` chunks of ``batch_size`` objects are held at a
time, plus one set of 16-byte-id integers used to detect duplicate ids (about 80 bytes per
object: 8 MB for 100,000 objects).

Layout (as in httpx): ``_Core`` and ``_Chunk`` hold everything without I/O -- validation,
ids, chunking, error classification, the retry and isolation decisions and the report.
The sync and async runners differ only in how they send, wait and run chunks concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import numbers
import re
import struct
import sys
import threading
import time
import uuid as uuid_lib
from collections import deque
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence, Sized
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, NoReturn

import stamina
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter
from weaviate.exceptions import (
    InsufficientPermissionsError,
    WeaviateBaseError,
    WeaviateClosedClientError,
    WeaviateInsertInvalidPropertyError,
    WeaviateInsertManyAllFailedError,
    WeaviateInvalidInputError,
)

from weaviate_jina_ext._checks import positive_int, positive_seconds
from weaviate_jina_ext._exceptions import (
    ImportAbortedError,
    ImportIncompleteError,
    JinaConfigError,
)
from weaviate_jina_ext._keys import mask_key

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from uuid import UUID

    from tqdm import tqdm
    from weaviate.collections import Collection, CollectionAsync
    from weaviate.collections.classes.batch import BatchObjectReturn

__all__ = [
    "DEFAULT_CONCURRENCY",
    "FailedObject",
    "ImportAbortedError",
    "ImportIncompleteError",
    "ImportObject",
    "ImportReport",
    "async_import_objects",
    "derive_uuid",
    "import_objects",
]

_logger = logging.getLogger("weaviate_jina_ext")

#: Chunks in flight at once. Weaviate answers one ``insert_many`` only after the Jina calls
#: for it return, so one request at a time leaves both servers idle most of the time; four
#: beat the client's dynamic batching in ``bench/bench_import.py``.
DEFAULT_CONCURRENCY: Final = 4
#: Backoff between retry rounds of one chunk (stamina's ``wait_initial``/``wait_max``).
#: Weaviate does not pass Jina's ``Retry-After`` on, so the wait is exponential with jitter.
_WAIT_INITIAL: Final = 0.5
_WAIT_MAX: Final = 30.0
#: The nil UUID stands for "no id could be derived" in a :class:`FailedObject`.
_NIL: Final = uuid_lib.UUID(int=0)
_MAX_REASON: Final = 2000
_RESERVED_PROPERTIES: Final = ("id", "vector")


# --------------------------------------------------------------------------- public values


@dataclass(frozen=True, slots=True)
class ImportObject:
    """One object to import; a plain mapping in the input is shorthand for properties only.

    Attributes:
        properties: The object's properties.
        vector: A vector you computed (bring your own vectors), or a mapping of named
            vectors (each a list of floats, or a list of lists for multi-vectors). ``None``
            lets Weaviate's Jina module compute it.
        uuid: The object's id. ``None`` derives one (see :func:`derive_uuid`).
    """

    properties: Mapping[str, Any]
    vector: Sequence[float] | Mapping[str, Sequence[float]] | None = None
    uuid: str | UUID | None = None


@dataclass(frozen=True, slots=True)
class FailedObject:
    """An object of the input that is not stored, and why.

    Attributes:
        index: Its position in the input (0-based).
        uuid: The id it was sent with; the nil UUID when no id could be derived.
        reason: What Weaviate (or the validation before sending) said. Never contains a key.
        retryable: ``True`` when the failure was transient (rate limit, 5xx, timeout) and
            the retries ran out: re-running the same input may store it. ``False`` when the
            object or the setup must be fixed first.
        attempts: How many times it was sent (0: never sent).
        properties: Its properties, as given.
    """

    index: int
    uuid: UUID
    reason: str
    retryable: bool
    attempts: int
    properties: Mapping[str, Any]


@dataclass(repr=False)
class ImportReport:
    """What an import did: ``stored + skipped + len(failed) == total``.

    Attributes:
        total: Objects read from the input.
        stored: Objects Weaviate confirmed as written (each with its vector).
        failed: Every object that is not stored, in input order.
        retried: Objects sent more than once because of transient failures.
        skipped: Objects left alone because they already existed (``skip_existing=True``).
    """

    total: int
    stored: int
    failed: list[FailedObject]
    retried: int
    skipped: int = 0

    @property
    def ok(self) -> bool:
        """``True`` when no object failed."""
        return not self.failed

    def raise_for_failures(self) -> None:
        """Raise :class:`ImportIncompleteError` (carrying this report) if any object failed."""
        if self.failed:
            raise ImportIncompleteError(self.summary(), report=self)

    def summary(self) -> str:
        """Counts and the most common reasons, in a few lines, for logs and error messages."""
        head = (
            f"{self.stored} of {self.total} objects stored"
            + (f", {self.skipped} already present" if self.skipped else "")
            + f", {len(self.failed)} failed, {self.retried} retried"
        )
        if not self.failed:
            return head
        reasons: dict[str, int] = {}
        for failure in self.failed:
            reasons[failure.reason] = reasons.get(failure.reason, 0) + 1
        ranked = sorted(reasons.items(), key=lambda kv: -kv[1])
        lines = [f"  {count} x {_short(reason, 300)}" for reason, count in ranked[:5]]
        if len(ranked) > 5:
            lines.append(f"  ... and {len(ranked) - 5} other reasons")
        indexes = ", ".join(str(f.index) for f in self.failed[:10])
        more = ", ..." if len(self.failed) > 10 else ""
        retryable = sum(f.retryable for f in self.failed)
        hint = (
            f"{retryable} of them failed for transient reasons: re-running the same input "
            f"stores them without duplicating the rest"
            if retryable
            else "fix the objects (or the setup) and re-run the same input"
        )
        return "\n".join([f"{head}; failed indexes: {indexes}{more}", *lines, hint])

    def __repr__(self) -> str:
        return (
            f"ImportReport(total={self.total}, stored={self.stored}, "
            f"failed=<{len(self.failed)} objects>, retried={self.retried}, skipped={self.skipped})"
        )


# --------------------------------------------------------------------------- ids


def derive_uuid(
    properties: Mapping[str, Any],
    *,
    id_key: str | Callable[[Mapping[str, Any]], object] | None = None,
) -> UUID:
    """The id :func:`import_objects` gives an object that comes without one.

    The id is ``uuid5(NAMESPACE_DNS, key)``, which is what the client's
    ``weaviate.util.generate_uuid5(key)`` returns, so an object can be fetched by its key:

    * ``id_key="sku"``: the key is ``str(properties["sku"])`` (a str, int or UUID value as
      is; anything else as canonical JSON);
    * ``id_key=callable``: the key is what ``callable(properties)`` returns, the same way;
    * ``id_key=None``: the key is the properties as canonical JSON (sorted keys, no
      whitespace, dates in ISO 8601, bytes in base64), so equal properties give equal ids.

    Raises:
        JinaConfigError: The key property is missing or ``None``, or the key cannot be
            written as JSON.
    """
    try:
        return _derive(properties, id_key)
    except _InvalidObjectError as exc:
        raise JinaConfigError(exc.message) from None


def _derive(properties: Mapping[str, Any], id_key: object) -> UUID:
    if id_key is None:
        key: object = properties
        where = "the properties"
    elif isinstance(id_key, str):
        if id_key not in properties:
            msg = (
                f"has no property {id_key!r} (id_key={id_key!r}); add it, or choose another "
                f"id_key (properties: {', '.join(map(repr, list(properties)[:10]))})"
            )
            raise _InvalidObjectError(msg)
        key = properties[id_key]
        where = f"property {id_key!r}"
    else:
        try:
            key = id_key(properties)  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 - any error of the caller's function is reported per object
            msg = (
                f"id_key raised {type(exc).__name__}: {exc}; make it return a key for every object"
            )
            raise _InvalidObjectError(msg) from None
        where = "id_key(properties)"
    if key is None:
        msg = f"{where} is None, which cannot identify an object; give it a value or choose another id_key"
        raise _InvalidObjectError(msg)
    return uuid_lib.uuid5(uuid_lib.NAMESPACE_DNS, _key_text(key, where))


def _key_text(key: object, where: str) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, int | uuid_lib.UUID) and not isinstance(key, bool):
        return str(key)
    try:
        return json.dumps(
            key,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            default=_json_default,
        )
    except (TypeError, ValueError) as exc:
        msg = (
            f"{where} cannot be turned into an id ({exc}); pass id_key= naming a property "
            f"with a str or int value, or give ImportObject(uuid=...)"
        )
        raise _InvalidObjectError(msg) from None


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date | dt_time):
        return value.isoformat()
    if isinstance(value, uuid_lib.UUID | Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray):
        import base64  # noqa: PLC0415 - rare path

        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    dump = getattr(value, "model_dump", None)  # the client's GeoCoordinate, PhoneNumber
    if callable(dump):
        return dump()
    msg = f"{type(value).__name__} is not JSON-like"
    raise TypeError(msg)


# --------------------------------------------------------------------------- classification


class _Kind(enum.Enum):
    """What to do with an object after a failed send."""

    TRANSIENT = "transient"  # retry it after a backoff
    PERMANENT = "permanent"  # report it
    SHARED = "shared"  # Jina refused the whole request: isolate the culprit by splitting
    SPLIT = "split"  # the send failed as a whole for an unknown object: split to find it
    ABORT = "abort"  # stop the import


@dataclass(frozen=True, slots=True)
class _Verdict:
    kind: _Kind
    reason: str
    fix: str = ""


_JINA_STATUS = re.compile(r"JinaAI API failed with status: (\d{3})")
_PARSE_STATUS = re.compile(r"failed to parse vectorization response \(status (\d{3})\)")
_NO_KEY = re.compile(r"no api key found", re.IGNORECASE)
_MODULE_MISSING = re.compile(
    r"no module with name|module \S+ (?:is )?not (?:found|enabled|present)", re.IGNORECASE
)
_COLLECTION_MISSING = re.compile(
    r"could not find class|no such class|\bclass \S+ (?:was )?not found|"
    r"collection \S+ (?:was )?not found|collection \S+ does not exist",
    re.IGNORECASE,
)
_TRANSIENT_TEXT = re.compile(
    r"deadline exceeded|time ?out|timed out|connection refused|connection reset|broken pipe|"
    r"\bEOF\b|no such host|unavailable|TLS handshake|fewer vectors than requested|"
    r"consistency level|replica|broadcast|too many requests|rate limit|try again|"
    r"status code: 5\d\d|connection is closing|"
    r"rpc error: code = (?:Canceled|Unavailable|DeadlineExceeded|Aborted|ResourceExhausted)",
    re.IGNORECASE,
)
_KEY_LIKE = re.compile(r"\bjina_[A-Za-z0-9_\-]{8,}")
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")
_ALL_FAILED_PREFIX = "Here is the set of all errors: "

_FIX_KEY: Final = (
    "Jina rejected the API key Weaviate sent. Pass the right key to the connect helper with "
    "jina_api_key= (or set JINAAI_APIKEY before connecting, or on the Weaviate server), then "
    "re-run the same input: objects already stored are not stored twice"
)
_FIX_NO_KEY: Final = (
    "Weaviate has no Jina API key for this import. Connect with jina_api_key= (or set "
    "JINAAI_APIKEY before connecting, or on the Weaviate server), then re-run the same input"
)
_FIX_BALANCE: Final = (
    "the Jina account behind the key cannot pay for more tokens (402/403). Top up its "
    "balance at jina.ai, or connect with another key (jina_api_key=), then re-run the same input"
)
_FIX_MODULE: Final = (
    "the Weaviate server does not have the collection's Jina module enabled. Add it to "
    "ENABLE_MODULES and restart Weaviate, then re-run the same input"
)
_FIX_COLLECTION: Final = (
    "the collection does not exist (any more). Create it with a Jina vectorizer first, e.g. "
    "client.collections.create(name, vector_config=JinaConfigure.Vectors.text2vec_jinaai(...)), "
    "then re-run the same input"
)
_FIX_CLOSED: Final = (
    "the Weaviate client is closed. Call client.connect() and re-run the same input"
)
_FIX_PERMISSION: Final = (
    "the Weaviate user may not write to this collection. Grant it data create and update "
    "permissions, then re-run the same input"
)


def _scrub(text: str) -> str:
    """Mask anything shaped like a key and cap the length; reasons are shown to users."""
    text = _KEY_LIKE.sub(lambda m: mask_key(m.group(0)), text)
    text = _BEARER.sub(lambda m: m.group(1) + "***", text)
    return _short(text, _MAX_REASON)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _classify_message(message: str) -> _Verdict:  # noqa: PLR0911 - one return per class reads best
    """Judge one per-object error message as Weaviate writes it."""
    reason = _scrub(message)
    if match := _JINA_STATUS.search(message) or _PARSE_STATUS.search(message):
        status = int(match.group(1))
        if status == 401:
            return _Verdict(_Kind.ABORT, reason, _FIX_KEY)
        if status in (402, 403):
            return _Verdict(_Kind.ABORT, reason, _FIX_BALANCE)
        if status in (200, 408, 425, 429) or status >= 500:
            return _Verdict(_Kind.TRANSIENT, reason)
        return _Verdict(_Kind.SHARED, reason)
    if _NO_KEY.search(message):
        return _Verdict(_Kind.ABORT, reason, _FIX_NO_KEY)
    if _MODULE_MISSING.search(message):
        return _Verdict(_Kind.ABORT, reason, _FIX_MODULE)
    if _COLLECTION_MISSING.search(message):
        return _Verdict(_Kind.ABORT, reason, _FIX_COLLECTION)
    if _TRANSIENT_TEXT.search(message):
        return _Verdict(_Kind.TRANSIENT, reason)
    return _Verdict(_Kind.PERMANENT, reason)


def _classify_exception(exc: Exception) -> _Verdict:  # noqa: PLR0911 - one return per class reads best
    """Judge an exception ``insert_many`` raised for a whole group.

    Unknown exception types (bugs, not conditions) are re-raised.
    """
    reason = _scrub(str(exc))
    if isinstance(exc, WeaviateInsertManyAllFailedError):
        text = str(exc)
        start = text.find(_ALL_FAILED_PREFIX)
        body = text[start + len(_ALL_FAILED_PREFIX) :] if start >= 0 else text
        verdicts = [_classify_message(m) for m in dict.fromkeys(body.split("\n")) if m.strip()]
        if not verdicts:
            return _Verdict(_Kind.TRANSIENT, reason)
        for verdict in verdicts:
            if verdict.kind is _Kind.ABORT:
                return verdict
        kinds = {v.kind for v in verdicts}
        if len(kinds) == 1:
            return _Verdict(kinds.pop(), "; ".join(v.reason for v in verdicts))
        return _Verdict(_Kind.SPLIT, "; ".join(v.reason for v in verdicts))
    if isinstance(exc, WeaviateClosedClientError):
        return _Verdict(_Kind.ABORT, reason, _FIX_CLOSED)
    if isinstance(exc, InsufficientPermissionsError):
        return _Verdict(_Kind.ABORT, reason, _FIX_PERMISSION)
    if isinstance(
        exc,
        WeaviateInsertInvalidPropertyError
        | WeaviateInvalidInputError
        | TypeError
        | ValueError
        | struct.error,
    ):
        # Raised by the client while packing the request: some object's data is wrong.
        return _Verdict(_Kind.SPLIT, reason)
    if isinstance(exc, WeaviateBaseError | OSError):
        # gRPC unavailable/deadline, retries exhausted, connection lost: nothing was judged.
        return _Verdict(_Kind.TRANSIENT, reason)
    raise exc


# --------------------------------------------------------------------------- validation


class _InvalidObjectError(Exception):
    """An input object that cannot be sent; the message completes "objects[i] ..."."""

    def __init__(
        self, message: str, *, uuid: UUID = _NIL, properties: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.uuid = uuid
        self.properties: Mapping[str, Any] = {} if properties is None else properties


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_array(value: object) -> bool:
    if isinstance(value, str | bytes | bytearray | Mapping):
        return False
    return isinstance(value, Sequence) or hasattr(value, "tolist")


def _check_vector_value(value: object, what: str) -> None:
    """Cheap shape check (first element only): the client checks every element when packing."""
    hint = "give a list of floats (or a numpy array), or a list of such lists for a multi-vector"
    if not _is_array(value):
        msg = f"has {what} of type {type(value).__name__}; {hint}"
        raise _InvalidObjectError(msg)
    try:
        size = len(value)  # type: ignore[arg-type]
        first = value[0] if size else None  # type: ignore[index]
    except (TypeError, IndexError, KeyError):
        msg = f"has {what} that cannot be indexed; {hint}"
        raise _InvalidObjectError(msg) from None
    if size == 0:
        msg = f"has an empty {what}; {hint}, or leave it None to let Weaviate vectorize"
        raise _InvalidObjectError(msg)
    if _is_number(first):
        return
    if _is_array(first) and len(first) > 0 and _is_number(first[0]):  # type: ignore[arg-type,index]
        return
    msg = f"has {what} whose first element is {type(first).__name__}, not a number; {hint}"
    raise _InvalidObjectError(msg)


def _check_vector(vector: object) -> None:
    if vector is None:
        return
    if isinstance(vector, Mapping):
        if not vector:
            msg = "has an empty mapping of named vectors; give at least one, or vector=None"
            raise _InvalidObjectError(msg)
        for name, value in vector.items():
            if not isinstance(name, str) or not name:
                msg = f"has a named vector called {name!r}; names must be non-empty str"
                raise _InvalidObjectError(msg)
            _check_vector_value(value, f"vector[{name!r}]")
        return
    _check_vector_value(vector, "a vector")


def _check_properties(properties: object) -> Mapping[str, Any]:
    if not isinstance(properties, Mapping):
        msg = (
            f"has properties of type {type(properties).__name__}; properties must be a "
            f"mapping of property names to values"
        )
        raise _InvalidObjectError(msg)
    for name in properties:
        if not isinstance(name, str):
            msg = f"has a property name {name!r} of type {type(name).__name__}; names must be str"
            raise _InvalidObjectError(msg, properties=properties)
        if name in _RESERVED_PROPERTIES:
            instead = (
                "give it as ImportObject(uuid=...) or derive the id from another property "
                "with id_key="
                if name == "id"
                else "give the vector as ImportObject(vector=...)"
            )
            msg = (
                f"has a property named {name!r}, which Weaviate reserves; rename it "
                f"(e.g. 'source_{name}'), or {instead}"
            )
            raise _InvalidObjectError(msg, properties=properties)
    return properties


def _given_uuid(value: object) -> UUID:
    if isinstance(value, uuid_lib.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid_lib.UUID(value)
        except ValueError:
            pass
    msg = f"has uuid={value!r}, which is not a UUID; give a uuid.UUID or its string form, or None to derive one"
    raise _InvalidObjectError(msg)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True)
class _Settings:
    id_key: str | Callable[[Mapping[str, Any]], object] | None
    batch_size: int
    max_attempts: int
    max_retry_time: float
    progress: bool | None
    total: int | None
    concurrency: int
    skip_existing: bool
    wait_initial: float
    wait_max: float

    @classmethod
    def check(
        cls,
        objects: object,
        *,
        id_key: object,
        batch_size: object,
        max_attempts: object,
        max_retry_time: object,
        progress: object,
        total: object,
        concurrency: object,
        skip_existing: object,
        wait_initial: object,
        wait_max: object,
    ) -> _Settings:
        if isinstance(objects, str | bytes | Mapping) or not (
            isinstance(objects, Iterable | AsyncIterable)
        ):
            msg = (
                f"objects must be an iterable of ImportObject or property mappings (a list, "
                f"a generator, ...), got {type(objects).__name__}"
                + ("; wrap a single object in a list" if isinstance(objects, Mapping) else "")
            )
            raise JinaConfigError(msg)
        if id_key is not None and not (isinstance(id_key, str) and id_key) and not callable(id_key):
            msg = (
                f"id_key={id_key!r} must be a property name (non-empty str), a function of the "
                f"properties returning a key, or None to derive ids from all properties"
            )
            raise JinaConfigError(msg)
        if progress is not None and not isinstance(progress, bool):
            msg = f"progress={progress!r} must be True, False or None (a bar only on a terminal)"
            raise JinaConfigError(msg)
        if total is not None and (
            isinstance(total, bool) or not isinstance(total, int) or total < 0
        ):
            msg = f"total={total!r} must be the number of objects (an int, 0 or more) or None"
            raise JinaConfigError(msg)
        if not isinstance(skip_existing, bool):
            msg = f"skip_existing={skip_existing!r} must be True or False"
            raise JinaConfigError(msg)
        if total is None and isinstance(objects, Sized):
            total = len(objects)
        return cls(
            id_key=id_key,
            batch_size=positive_int("batch_size", batch_size),
            max_attempts=positive_int("max_attempts", max_attempts),
            max_retry_time=positive_seconds("max_retry_time", max_retry_time),
            progress=progress,
            total=total,
            concurrency=positive_int("concurrency", concurrency),
            skip_existing=skip_existing,
            wait_initial=positive_seconds("wait_initial", wait_initial),
            wait_max=positive_seconds("wait_max", wait_max),
        )


# --------------------------------------------------------------------------- chunks


@dataclass(slots=True, eq=False)
class _Item:
    index: int
    uuid: UUID
    properties: Mapping[str, Any]
    vector: Any
    attempts: int = 0
    retried: bool = False
    last_reason: str = ""

    def data_object(self) -> DataObject[Any, Any]:
        props = self.properties if type(self.properties) is dict else dict(self.properties)
        return DataObject(properties=props, uuid=self.uuid, vector=self.vector)


@dataclass(slots=True, eq=False)
class _Group:
    """Objects sent in one ``insert_many``; ``probe`` marks a half of a split group."""

    items: list[_Item]
    probe: str | None = None


class _RetryLaterError(Exception):
    """Some objects of a chunk failed transiently: stamina waits, then the chunk goes on."""

    def __init__(self, count: int, reason: str) -> None:
        super().__init__(f"{count} objects to retry after: {_short(reason, 200)}")


class _Chunk:
    """One ``batch_size`` slice of the input, from its first send to its final outcome.

    The runner asks :meth:`next_send` for the groups to send, sends them and hands the
    results to :meth:`absorb`, until ``next_send`` returns ``None``; then :meth:`end_round`
    raises :class:`_RetryLaterError` when transient failures are waiting for another round.

    Failures Jina attached to a whole request (a 400/422 for one bad input, copied by
    Weaviate onto every object of that request) are isolated by splitting the group in
    halves and re-sending both at once: the innocent half is stored, the guilty half is
    split again, so one bad object costs about ``2 * log2(batch_size)`` extra sends. When
    both halves fail again for the same reason the error is not about one object (an
    unknown model, say): the whole group is reported and that reason is not split again.
    """

    __slots__ = ("_core", "_later", "_queue", "failed", "items", "retried", "skipped", "stored")

    def __init__(self, core: _Core, items: list[_Item]) -> None:
        self._core = core
        self.items = items
        self.stored = 0
        self.skipped = 0
        self.retried = 0
        self.failed: list[FailedObject] = []
        self._queue: deque[list[_Group]] = deque([[_Group(items)]])
        self._later: list[_Item] = []

    def uuids(self) -> list[UUID]:
        return [item.uuid for item in self.items]

    def skip(self, existing: Iterable[UUID]) -> None:
        """Drop objects already in the collection (before the first send only)."""
        present = {u.int for u in existing}
        keep = [item for item in self.items if item.uuid.int not in present]
        self.skipped = len(self.items) - len(keep)
        self._queue = deque([[_Group(keep)]]) if keep else deque()

    def next_send(self) -> list[_Group] | None:
        if not self._queue:
            return None
        unit = self._queue.popleft()
        for group in unit:
            for item in group.items:
                item.attempts += 1
        return unit

    def absorb(self, unit: list[_Group], results: Sequence[BatchObjectReturn | Exception]) -> None:
        verdicts = [self._verdicts(g, r) for g, r in zip(unit, results, strict=True)]
        probe = unit[0].probe
        if probe is not None and len(unit) == 2 and all(_all_shared(vs, probe) for vs in verdicts):
            self._core.note_systemic(probe)
            for group, group_verdicts in zip(unit, verdicts, strict=True):
                for item, verdict in zip(group.items, group_verdicts, strict=True):
                    assert verdict is not None
                    self._fail(item, verdict)
            return
        for group, group_verdicts in zip(unit, verdicts, strict=True):
            self._settle(group, group_verdicts)

    def end_round(self) -> None:
        if self._later:
            items, self._later = self._later, []
            self._queue.append([_Group(items)])
            raise _RetryLaterError(len(items), items[0].last_reason)

    def settle_leftovers(self) -> None:
        """Retries ran out, or the import stopped while these objects waited."""
        if self._core.stopped:
            self.cancel(self._core.stop_reason())
            return
        while self._queue:
            for group in self._queue.popleft():
                for item in group.items:
                    reason = f"{item.last_reason} (gave up after {item.attempts} attempts)"
                    self._fail(item, _Verdict(_Kind.TRANSIENT, reason))

    def cancel(self, why: str) -> None:
        """The import stopped: report what was not settled as not stored."""
        pending = [i for unit in self._queue for g in unit for i in g.items] + self._later
        self._queue.clear()
        self._later = []
        for item in pending:
            reason = (
                f"{item.last_reason} (not retried: {why})"
                if item.last_reason
                else f"not sent: {why}"
            )
            self._fail(item, _Verdict(_Kind.PERMANENT, reason))

    # -- internals

    def _verdicts(
        self, group: _Group, result: BatchObjectReturn | Exception
    ) -> list[_Verdict | None]:
        """One verdict per object of ``group``; ``None`` means stored."""
        if isinstance(result, Exception):
            verdict = _classify_exception(result)
            if verdict.kind is _Kind.SPLIT and len(group.items) == 1:
                verdict = _Verdict(_Kind.PERMANENT, verdict.reason)
            return [verdict] * len(group.items)
        errors = result.errors
        if not errors:
            return [None] * len(group.items)
        return [
            None if i not in errors else _classify_message(errors[i].message)
            for i in range(len(group.items))
        ]

    def _settle(self, group: _Group, verdicts: list[_Verdict | None]) -> None:
        isolate: dict[tuple[_Kind, str], list[_Item]] = {}
        for item, verdict in zip(group.items, verdicts, strict=True):
            if verdict is None:
                self.stored += 1
            elif verdict.kind is _Kind.TRANSIENT:
                item.last_reason = verdict.reason
                if not item.retried:
                    item.retried = True
                    self.retried += 1
                self._later.append(item)
            elif verdict.kind is _Kind.ABORT:
                self._fail(item, verdict)
                self._core.stop(verdict)
            elif verdict.kind is _Kind.SPLIT or (
                verdict.kind is _Kind.SHARED and not self._core.is_systemic(verdict.reason)
            ):
                isolate.setdefault((verdict.kind, verdict.reason), []).append(item)
            else:
                self._fail(item, verdict)
        for (kind, reason), items in isolate.items():
            if len(items) == 1:
                self._fail(items[0], _Verdict(_Kind.PERMANENT, reason))
                continue
            half = len(items) // 2
            # Halves of a Jina refusal are probes: if both fail alike, the error is systemic.
            probe = reason if kind is _Kind.SHARED else None
            self._queue.appendleft(
                [_Group(items[:half], probe=probe), _Group(items[half:], probe=probe)]
            )

    def _fail(self, item: _Item, verdict: _Verdict) -> None:
        self.failed.append(
            FailedObject(
                index=item.index,
                uuid=item.uuid,
                reason=verdict.reason,
                retryable=verdict.kind is _Kind.TRANSIENT,
                attempts=item.attempts,
                properties=item.properties,
            )
        )


def _all_shared(verdicts: list[_Verdict | None], reason: str) -> bool:
    return bool(verdicts) and all(
        v is not None and v.kind is _Kind.SHARED and v.reason == reason for v in verdicts
    )


# --------------------------------------------------------------------------- core


class _Core:
    """Everything both runners share that involves no I/O: input, ids, report, stopping."""

    def __init__(self, name: str, settings: _Settings) -> None:
        self.name = name
        self.settings = settings
        self.total = 0
        self.stored = 0
        self.skipped = 0
        self.retried = 0
        self._failed: list[FailedObject] = []
        self._buffer: list[_Item] = []
        self._emitted = False
        self._seen: set[int] = set()
        self._lock = threading.Lock()
        self._systemic: set[str] = set()
        self._abort: _Verdict | None = None
        self._stopped = threading.Event()
        self._bar: tqdm[NoReturn] | None = None
        self._started = time.perf_counter()

    # -- input

    def add(self, raw: object) -> _Chunk | None:
        """Take the next input object; return a chunk when one is full.

        Raises:
            JinaConfigError: The object is invalid and nothing has been sent yet.
        """
        index = self.total
        self.total += 1
        try:
            item = self._prepare(index, raw)
        except _InvalidObjectError as exc:
            message = f"objects[{index}] {exc.message}"
            if not self._emitted:
                raise JinaConfigError(message) from None
            self._failed.append(
                FailedObject(
                    index=index,
                    uuid=exc.uuid,
                    reason=message,
                    retryable=False,
                    attempts=0,
                    properties=exc.properties,
                )
            )
            self._advance(1)
            return None
        self._buffer.append(item)
        if len(self._buffer) >= self.settings.batch_size:
            return self._emit()
        return None

    def flush(self) -> _Chunk | None:
        """The last, partial chunk, if any."""
        return self._emit() if self._buffer else None

    def _emit(self) -> _Chunk:
        chunk = _Chunk(self, self._buffer)
        self._buffer = []
        self._emitted = True
        return chunk

    def _prepare(self, index: int, raw: object) -> _Item:
        if isinstance(raw, ImportObject):
            properties, vector, given = raw.properties, raw.vector, raw.uuid
        elif isinstance(raw, Mapping):
            properties, vector, given = raw, None, None
        else:
            msg = (
                f"is a {type(raw).__name__}; give a mapping of properties or "
                f"ImportObject(properties=..., vector=..., uuid=...)"
            )
            raise _InvalidObjectError(msg)
        props = _check_properties(properties)
        try:
            _check_vector(vector)
            uid = _given_uuid(given) if given is not None else _derive(props, self.settings.id_key)
        except _InvalidObjectError as exc:
            raise _InvalidObjectError(exc.message, properties=props) from None
        if uid.int in self._seen:
            msg = (
                f"has the id {uid} of an earlier object in this input; give each object a "
                f"distinct key (id_key=) or uuid, or drop the duplicate"
            )
            raise _InvalidObjectError(msg, uuid=uid, properties=props)
        self._seen.add(uid.int)
        return _Item(index, uid, props, vector)

    # -- results

    def finish(self, chunk: _Chunk) -> None:
        """Count a settled chunk (called by the runner's own thread or task only)."""
        self.stored += chunk.stored
        self.skipped += chunk.skipped
        self.retried += chunk.retried
        self._failed.extend(chunk.failed)
        self._advance(len(chunk.items))

    def report(self) -> ImportReport:
        if self._buffer:  # read, then the import stopped before sending them
            why = self.stop_reason()
            for item in self._buffer:
                self._failed.append(
                    FailedObject(
                        index=item.index,
                        uuid=item.uuid,
                        reason=f"not sent: {why}",
                        retryable=False,
                        attempts=0,
                        properties=item.properties,
                    )
                )
            self._buffer = []
        failed = sorted(self._failed, key=lambda f: f.index)
        return ImportReport(
            total=self.total,
            stored=self.stored,
            failed=failed,
            retried=self.retried,
            skipped=self.skipped,
        )

    def result(self) -> ImportReport:
        """The report; raises :class:`ImportAbortedError` carrying it if the import stopped."""
        report = self.report()
        elapsed = time.perf_counter() - self._started
        _logger.info(
            "import into %s: %d of %d objects stored, %d failed, %d retried in %.1fs",
            self.name,
            report.stored,
            report.total,
            len(report.failed),
            report.retried,
            elapsed,
            extra={
                "weaviate_jina_ext.collection": self.name,
                "weaviate_jina_ext.total": report.total,
                "weaviate_jina_ext.stored": report.stored,
                "weaviate_jina_ext.failed": len(report.failed),
                "weaviate_jina_ext.retried": report.retried,
                "weaviate_jina_ext.elapsed": round(elapsed, 3),
            },
        )
        if self._abort is not None:
            raise self.aborted_error(report)
        return report

    def aborted_error(self, report: ImportReport) -> ImportAbortedError:
        verdict = self._abort
        assert verdict is not None
        message = (
            f"import into {self.name!r} stopped after {report.total} objects were read "
            f"({report.stored} stored, {len(report.failed)} not): {verdict.fix}. "
            f"Cause: {verdict.reason}"
        )
        return ImportAbortedError(message, report=report, reason=verdict.reason)

    def missing_collection(self) -> ImportAbortedError:
        self.stop(
            _Verdict(_Kind.ABORT, f"collection {self.name!r} does not exist", _FIX_COLLECTION)
        )
        return self.aborted_error(self.report())

    # -- stopping (thread-safe)

    def stop(self, verdict: _Verdict) -> None:
        with self._lock:
            if self._abort is None:
                self._abort = verdict
        self._stopped.set()

    def interrupt(self) -> None:
        """Make running chunks stop quickly (the caller was interrupted)."""
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop_reason(self) -> str:
        verdict = self._abort
        if verdict is None:
            return "the import was interrupted"
        return f"the import was stopped ({_short(verdict.reason, 200)})"

    def note_systemic(self, reason: str) -> None:
        with self._lock:
            self._systemic.add(reason)

    def is_systemic(self, reason: str) -> bool:
        with self._lock:
            return reason in self._systemic

    # -- retries and progress

    def retrying(self) -> Any:  # noqa: ANN401 - stamina's iterator, sync and async
        """A fresh ``stamina.retry_context`` for one chunk's rounds.

        Only :class:`_RetryLaterError` is retried (the objects that failed transiently),
        and only while the import has not been stopped.
        """
        return stamina.retry_context(
            on=self._should_retry,
            attempts=self.settings.max_attempts,
            timeout=self.settings.max_retry_time,
            wait_initial=self.settings.wait_initial,
            wait_max=self.settings.wait_max,
            wait_jitter=self.settings.wait_initial,
        )

    def _should_retry(self, exc: Exception) -> bool:
        return isinstance(exc, _RetryLaterError) and not self.stopped

    @contextlib.contextmanager
    def progress_bar(self) -> Iterator[None]:
        """Show a tqdm bar: forced with ``progress=True``; by default only on a terminal.

        In the default mode the bar appears only once the import has run for two seconds,
        so short imports print nothing.
        """
        wanted = self.settings.progress
        if wanted is False or (wanted is None and not _is_terminal()):
            yield
            return
        from tqdm import tqdm  # noqa: PLC0415 - only when a bar is shown

        bar: tqdm[NoReturn] = tqdm(
            total=self.settings.total,
            desc=f"import {self.name}",
            unit="obj",
            delay=0.0 if wanted else 2.0,
            dynamic_ncols=True,
        )
        self._bar = bar
        try:
            yield
        finally:
            self._bar = None
            bar.close()

    def _advance(self, count: int) -> None:
        bar = self._bar
        if bar is None:
            return
        bar.update(count)
        if self._failed:
            bar.set_postfix(failed=len(self._failed), refresh=False)


def _is_terminal() -> bool:
    stream = sys.stderr
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


# --------------------------------------------------------------------------- sync runner


def import_objects(
    collection: Collection[Any, Any],
    objects: Iterable[ImportObject | Mapping[str, Any]],
    *,
    id_key: str | Callable[[Mapping[str, Any]], object] | None = None,
    batch_size: int = 100,
    max_attempts: int = 5,
    max_retry_time: float = 300.0,
    progress: bool | None = None,
    total: int | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    skip_existing: bool = False,
    wait_initial: float = _WAIT_INITIAL,
    wait_max: float = _WAIT_MAX,
) -> ImportReport:
    """Import ``objects`` into ``collection``, retrying what Jina failed transiently.

    Objects are read lazily, validated and sent a chunk of ``batch_size`` at a time through
    ``collection.data.insert_many``, ``concurrency`` chunks at once, so memory does not grow
    with the input. The collection's consistency level and tenant apply, so pass
    ``collection.with_consistency_level(...)`` or ``.with_tenant(...)`` as needed.

    Validation happens per chunk, just before the chunk is sent (the input is a stream, so
    it cannot all be checked first). An invalid object in the first chunk (not a mapping,
    non-str property names, a reserved property name, a vector that is not a list of
    numbers, a bad uuid, an id already used in this input) raises :class:`JinaConfigError`
    before anything is written; later ones are reported in ``report.failed`` with
    ``retryable=False`` and the import goes on. Duplicate ids are found with a set of the
    ids seen so far (about 80 bytes per object).

    After each send, every failed object is judged by the error Weaviate attached to it:
    Jina 429/5xx, timeouts and connection errors are retried (only those objects) in up to
    ``max_attempts`` rounds with exponential backoff, within ``max_retry_time`` seconds per
    chunk; anything else is reported at once. A wrong key (401), a missing key, an empty
    balance (402/403), a missing module or collection stops the import with
    :class:`ImportAbortedError`.

    Rate limits are passed to Weaviate in headers when the client is created, so that the
    server paces its own Jina calls::

        client = weaviate_jina_ext.connect_to_local(jina_api_key=key, requests_per_minute=450)

    (on a connected client: ``client.integrations.configure(Integrations.jinaai(api_key=key,
    requests_per_minute_embeddings=450))``). The helper cannot change a client's headers.

    Args:
        collection: The target collection (a ``Collection`` of a connected sync client).
        objects: :class:`ImportObject` items, or mappings (properties only), any iterable.
        id_key: How to derive ids for objects without a uuid: a property name, a function
            of the properties returning a key, or ``None`` for all the properties (see
            :func:`derive_uuid`).
        batch_size: Objects per ``insert_many`` request.
        max_attempts: Most rounds of sends for objects that keep failing transiently
            (1: no retries).
        max_retry_time: Most seconds one chunk spends retrying.
        progress: ``True`` shows a tqdm bar, ``False`` never; ``None`` shows one on a
            terminal once the import has run two seconds.
        total: The number of objects, for the bar (taken from ``len(objects)`` if any).
        concurrency: Chunks in flight at once.
        skip_existing: Look up each chunk's ids first and send only the objects that are not
            in the collection yet (for re-runs: nothing already stored is vectorized again).
        wait_initial: First backoff between retry rounds, in seconds (also the jitter).
        wait_max: Longest backoff between retry rounds, in seconds.

    Returns:
        The report; ``report.raise_for_failures()`` turns failures into an exception.

    Raises:
        JinaConfigError: An argument, or an object of the first chunk, is invalid.
        ImportAbortedError: Continuing could store nothing (carries the partial report).
    """
    settings = _Settings.check(
        objects,
        id_key=id_key,
        batch_size=batch_size,
        max_attempts=max_attempts,
        max_retry_time=max_retry_time,
        progress=progress,
        total=total,
        concurrency=concurrency,
        skip_existing=skip_existing,
        wait_initial=wait_initial,
        wait_max=wait_max,
    )
    core = _Core(collection.name, settings)
    if not collection.exists():
        raise core.missing_collection()
    with core.progress_bar():
        _SyncRunner(collection, core).run(objects)
    return core.result()


class _SyncRunner:
    """Runs chunks in a thread pool; the calling thread reads the input and counts."""

    def __init__(self, collection: Collection[Any, Any], core: _Core) -> None:
        self._collection = collection
        self._core = core

    def run(self, objects: Iterable[object]) -> None:
        core = self._core
        limit = core.settings.concurrency
        pending: set[Future[_Chunk]] = set()
        with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="jina-import") as pool:
            try:
                for raw in objects:
                    chunk = core.add(raw)
                    if chunk is None:
                        continue
                    while len(pending) >= limit:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for future in done:
                            core.finish(future.result())
                    if core.stopped:
                        core.finish(_cancelled(chunk, core))
                        break
                    pending.add(pool.submit(self._run_chunk, chunk))
                else:
                    last = core.flush()
                    if last is not None:
                        pending.add(pool.submit(self._run_chunk, last))
                for future in _completed(pending):
                    core.finish(future.result())
            except BaseException:
                core.interrupt()
                raise

    def _run_chunk(self, chunk: _Chunk) -> _Chunk:
        core = self._core
        if core.settings.skip_existing:
            chunk.skip(self._existing(chunk.uuids()))
        try:
            for attempt in core.retrying():
                with attempt:
                    self._round(chunk)
        except _RetryLaterError:
            chunk.settle_leftovers()
        return chunk

    def _round(self, chunk: _Chunk) -> None:
        while (unit := chunk.next_send()) is not None:
            if self._core.stopped:
                chunk.cancel(self._core.stop_reason())
                return
            chunk.absorb(unit, [self._send(group) for group in unit])
        chunk.end_round()

    def _send(self, group: _Group) -> BatchObjectReturn | Exception:
        try:
            return self._collection.data.insert_many([item.data_object() for item in group.items])
        except Exception as exc:  # noqa: BLE001 - judged by the chunk; unknown types re-raised there
            return exc

    def _existing(self, ids: list[UUID]) -> list[UUID]:
        try:
            found = self._collection.query.fetch_objects(
                filters=Filter.by_id().contains_any(ids), limit=len(ids), return_properties=[]
            )
        except WeaviateBaseError:
            _logger.debug("skip_existing look-up failed; sending the whole chunk", exc_info=True)
            return []
        return [obj.uuid for obj in found.objects]


def _completed(pending: set[Future[_Chunk]]) -> Iterator[Future[_Chunk]]:
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        yield from done


def _cancelled(chunk: _Chunk, core: _Core) -> _Chunk:
    chunk.cancel(core.stop_reason())
    return chunk


# --------------------------------------------------------------------------- async runner


async def async_import_objects(
    collection: CollectionAsync[Any, Any],
    objects: Iterable[ImportObject | Mapping[str, Any]]
    | AsyncIterable[ImportObject | Mapping[str, Any]],
    *,
    id_key: str | Callable[[Mapping[str, Any]], object] | None = None,
    batch_size: int = 100,
    max_attempts: int = 5,
    max_retry_time: float = 300.0,
    progress: bool | None = None,
    total: int | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    skip_existing: bool = False,
    wait_initial: float = _WAIT_INITIAL,
    wait_max: float = _WAIT_MAX,
) -> ImportReport:
    """Async twin of :func:`import_objects` for a ``CollectionAsync``.

    Takes the same arguments and follows the same rules; ``objects`` may also be an async
    iterable. Chunks run as tasks of the current event loop, ``concurrency`` at a time.
    """
    settings = _Settings.check(
        objects,
        id_key=id_key,
        batch_size=batch_size,
        max_attempts=max_attempts,
        max_retry_time=max_retry_time,
        progress=progress,
        total=total,
        concurrency=concurrency,
        skip_existing=skip_existing,
        wait_initial=wait_initial,
        wait_max=wait_max,
    )
    core = _Core(collection.name, settings)
    if not await collection.exists():
        raise core.missing_collection()
    with core.progress_bar():
        await _AsyncRunner(collection, core).run(objects)
    return core.result()


class _AsyncRunner:
    """Runs chunks as tasks; the calling task reads the input and counts."""

    def __init__(self, collection: CollectionAsync[Any, Any], core: _Core) -> None:
        self._collection = collection
        self._core = core

    async def run(self, objects: Iterable[object] | AsyncIterable[object]) -> None:
        core = self._core
        limit = core.settings.concurrency
        pending: set[asyncio.Task[_Chunk]] = set()
        try:
            stopped = False
            async for raw in _aiterate(objects):
                chunk = core.add(raw)
                if chunk is None:
                    continue
                while len(pending) >= limit:
                    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        core.finish(task.result())
                if core.stopped:
                    core.finish(_cancelled(chunk, core))
                    stopped = True
                    break
                pending.add(asyncio.create_task(self._run_chunk(chunk)))
            if not stopped:
                last = core.flush()
                if last is not None:
                    pending.add(asyncio.create_task(self._run_chunk(last)))
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    core.finish(task.result())
        except BaseException:
            core.interrupt()
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            raise

    async def _run_chunk(self, chunk: _Chunk) -> _Chunk:
        core = self._core
        if core.settings.skip_existing:
            chunk.skip(await self._existing(chunk.uuids()))
        try:
            async for attempt in core.retrying():
                with attempt:
                    await self._round(chunk)
        except _RetryLaterError:
            chunk.settle_leftovers()
        return chunk

    async def _round(self, chunk: _Chunk) -> None:
        while (unit := chunk.next_send()) is not None:
            if self._core.stopped:
                chunk.cancel(self._core.stop_reason())
                return
            chunk.absorb(unit, [await self._send(group) for group in unit])
        chunk.end_round()

    async def _send(self, group: _Group) -> BatchObjectReturn | Exception:
        try:
            return await self._collection.data.insert_many(
                [item.data_object() for item in group.items]
            )
        except Exception as exc:  # noqa: BLE001 - judged by the chunk; unknown types re-raised there
            return exc

    async def _existing(self, ids: list[UUID]) -> list[UUID]:
        try:
            found = await self._collection.query.fetch_objects(
                filters=Filter.by_id().contains_any(ids), limit=len(ids), return_properties=[]
            )
        except WeaviateBaseError:
            _logger.debug("skip_existing look-up failed; sending the whole chunk", exc_info=True)
            return []
        return [obj.uuid for obj in found.objects]


async def _aiterate(objects: Iterable[object] | AsyncIterable[object]) -> AsyncIterator[object]:
    if isinstance(objects, AsyncIterable):
        async for raw in objects:
            yield raw
    else:
        for raw in objects:
            yield raw

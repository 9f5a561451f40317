"""Checks of what the caller passes: the import's arguments and each input object.

Arguments are checked once, before anything is read (:meth:`_Settings.check` raises
``JinaConfigError``). Objects are checked one by one as the input is read; a bad one raises
:class:`_InvalidObjectError`, which the core turns into a ``JinaConfigError`` (first chunk)
or a :class:`~weaviate_jina_ext.FailedObject` (later).

Property values are checked against what weaviate-client can send (its gRPC packing takes
str, bool, int, float, ``datetime``, ``UUID``, ``GeoCoordinate``, ``PhoneNumber``, dicts
and lists of one kind of those) and text against what UTF-8 can encode (a lone surrogate
cannot be), so that such an object is named with its property and type before the first
send instead of failing a whole request inside the client.
"""

from __future__ import annotations

import datetime as dt
import inspect
import uuid as uuid_lib
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from weaviate.collections.classes.types import GeoCoordinate, PhoneNumber

from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._import._plan import ImportPlan
from weaviate_jina_ext._rules import (
    flag,
    is_int,
    is_number,
    optional_flag,
    optional_positive_seconds,
    positive_int,
    positive_seconds,
)

if TYPE_CHECKING:
    from uuid import UUID

#: The nil UUID stands for "no id could be derived" in a :class:`FailedObject`.
#: Chunks in flight at once. Weaviate answers one ``insert_many`` only after the Jina calls
#: for it return, so one request at a time leaves both servers idle most of the time; four
#: beat the client's dynamic batching in ``bench/bench_import.py``.
DEFAULT_CONCURRENCY: Final = 4
#: Objects per ``insert_many`` request when neither ``batch_size`` nor a plan says.
DEFAULT_BATCH_SIZE: Final = 100

_NIL: Final = uuid_lib.UUID(int=0)
_RESERVED_PROPERTIES: Final = ("id", "vector")


class _InvalidObjectError(Exception):
    """An input object that cannot be sent; the message completes "objects[i] ..."."""

    def __init__(
        self, message: str, *, uuid: UUID = _NIL, properties: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.uuid = uuid
        self.properties: Mapping[str, Any] = {} if properties is None else properties


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
    if is_number(first):
        return
    if _is_array(first) and len(first) > 0 and is_number(first[0]):  # type: ignore[arg-type,index]
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


def _check_values(properties: Mapping[str, Any]) -> None:
    """Every property value can be sent, and every text encoded (names included)."""
    for name, value in properties.items():
        problem = _text_problem(name, f"name {name!r}") or _value_problem(value, repr(name))
        if problem is not None:
            msg = f"has property {problem}"
            raise _InvalidObjectError(msg, properties=properties)


#: Types weaviate-client sends as they are (inside lists too, where all elements agree).
_SCALARS: Final = (bool, int, float, dt.datetime, uuid_lib.UUID, GeoCoordinate, PhoneNumber)
#: What to do instead, for the types people pass most often by mistake.
_HINTS: Final[tuple[tuple[tuple[type, ...], str], ...]] = (
    (
        (bytes, bytearray, memoryview),
        "for a BLOB property give base64 text: base64.b64encode(value).decode()",
    ),
    ((Decimal,), "convert it to float (or to str to keep every digit)"),
    ((set, frozenset), "give a list (sorted(value) keeps derived ids stable)"),
    ((dt.date,), "give a timezone-aware datetime, or the ISO 8601 text for a TEXT property"),
    ((dt.time,), "give a timezone-aware datetime, or the text for a TEXT property"),
    ((dt.timedelta,), "give a number (e.g. value.total_seconds())"),
)


def _type_problem(value: object, path: str) -> str:
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    hint = next((h for types, h in _HINTS if isinstance(value, types)), None)
    if hint is None and hasattr(value, "tolist"):
        hint = "convert it with value.tolist() (numpy values are not sent as they are)"
    if hint is None:
        hint = "give a str, int, float, bool, datetime, UUID, dict or a list of one of them"
    return f"{path} of type {name}, which Weaviate cannot store; {hint}"


def _text_problem(text: str, path: str) -> str | None:
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"{path} with text that is not valid Unicode ({exc.reason}: "
            f"{text[exc.start : exc.end]!r} at position {exc.start}); replace it, for example "
            f"with text.encode('utf-8', 'replace').decode()"
        )
    return None


def _value_problem(value: object, path: str) -> str | None:  # noqa: PLR0911 - one return per shape
    """The first value under ``value`` that cannot be sent, described, or ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        return _text_problem(value, path)
    if isinstance(value, _SCALARS):
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{path} with a key {key!r} of type {type(key).__name__}; keys must be str"
            where = f"{path}[{key!r}]"  # repr: a key with a lone surrogate stays printable
            problem = _text_problem(key, where) or _value_problem(item, where)
            if problem is not None:
                return problem
        return None
    if isinstance(value, list):
        return _list_problem(value, path)
    if isinstance(value, tuple):
        for i, item in enumerate(value):
            if not (item is None or isinstance(item, str | bool | int | float)):
                return f"{path}[{i}] in a tuple, of type {type(item).__name__}; give a list"
            if isinstance(item, str) and (problem := _text_problem(item, f"{path}[{i}]")):
                return problem
        return None
    return _type_problem(value, path)


def _list_problem(values: list[Any], path: str) -> str | None:
    """A list is packed by the type of its first element: every element must agree."""
    if not values:
        return None
    first = values[0]
    same: tuple[type, ...] | None = None
    for kind in (dict, bool, str, dt.datetime, uuid_lib.UUID, int, float):
        if isinstance(first, kind):
            same = (float, int) if kind is float else (kind,)
            break
    for i, item in enumerate(values):
        where = f"{path}[{i}]"
        if same is not None and (
            not isinstance(item, same) or (bool not in same and isinstance(item, bool))
        ):
            return (
                f"{path} mixing {type(first).__name__} and {type(item).__name__} (at [{i}]); "
                f"give a list of one type"
            )
        problem = _value_problem(item, where)
        if problem is not None:
            return problem
    return None


def _check_collection(collection: object, *, want_async: bool) -> None:
    """The collection is of the kind the runner drives: sync for one, async for the other."""
    from weaviate.collections import Collection, CollectionAsync  # noqa: PLC0415 - light import

    helper = "async_import_objects" if want_async else "import_objects"
    if not callable(getattr(getattr(collection, "data", None), "insert_many", None)):
        msg = (
            f"{helper} needs a collection, e.g. client.collections.use(name), got "
            f"{type(collection).__name__}"
        )
        raise JinaConfigError(msg)
    exists = getattr(collection, "exists", None)
    is_async = isinstance(collection, CollectionAsync) or (
        not isinstance(collection, Collection) and inspect.iscoroutinefunction(exists)
    )
    if is_async and not want_async:
        msg = (
            "import_objects needs a sync Collection, got an async one "
            f"({type(collection).__name__}); use `await async_import_objects(collection, ...)` "
            "for a collection of an async client"
        )
        raise JinaConfigError(msg)
    if want_async and not is_async:
        msg = (
            "async_import_objects needs a CollectionAsync, got "
            f"{type(collection).__name__}; use import_objects(collection, ...) for a collection "
            "of a sync client"
        )
        raise JinaConfigError(msg)


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
    verify: bool = False
    allow_no_vectorizer: bool = False
    breaker_after: float | None = None
    plan: ImportPlan | None = None

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
        verify: object = False,
        allow_no_vectorizer: object = False,
        breaker_after: object = None,
        plan: object = None,
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
        bar = optional_flag("progress", progress, none_means="a bar only on a terminal")
        if total is not None and (not is_int(total) or total < 0):
            msg = f"total={total!r} must be the number of objects (an int, 0 or more) or None"
            raise JinaConfigError(msg)
        skip = flag("skip_existing", skip_existing)
        verify = flag("verify", verify)
        allow_no_vectorizer = flag("allow_no_vectorizer", allow_no_vectorizer)
        if plan is not None and not isinstance(plan, ImportPlan):
            msg = (
                f"plan must be an ImportPlan (from plan_import(...)) or None, got "
                f"{type(plan).__name__}"
            )
            raise JinaConfigError(msg)
        if batch_size is None:
            batch_size = plan.batch_size if plan is not None else DEFAULT_BATCH_SIZE
        if concurrency is None:
            concurrency = plan.concurrency if plan is not None else DEFAULT_CONCURRENCY
        if total is None and isinstance(objects, Sized):
            total = len(objects)
        return cls(
            id_key=id_key,
            batch_size=positive_int("batch_size", batch_size),
            max_attempts=positive_int("max_attempts", max_attempts),
            max_retry_time=positive_seconds("max_retry_time", max_retry_time),
            progress=bar,
            total=total,
            concurrency=positive_int("concurrency", concurrency),
            skip_existing=skip,
            wait_initial=positive_seconds("wait_initial", wait_initial),
            wait_max=positive_seconds("wait_max", wait_max),
            verify=verify,
            allow_no_vectorizer=allow_no_vectorizer,
            breaker_after=optional_positive_seconds(
                "breaker_after", breaker_after, none_means="to let every chunk retry on its own"
            ),
            plan=plan,
        )

"""Checks of what the caller passes: the import's arguments and each input object.

Arguments are checked once, before anything is read (:meth:`_Settings.check` raises
``JinaConfigError``). Objects are checked one by one as the input is read; a bad one raises
:class:`_InvalidObjectError`, which the core turns into a ``JinaConfigError`` (first chunk)
or a :class:`~weaviate_jina_ext.FailedObject` (later).
"""

from __future__ import annotations

import uuid as uuid_lib
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._rules import (
    flag,
    is_int,
    is_number,
    optional_flag,
    positive_int,
    positive_seconds,
)

if TYPE_CHECKING:
    from uuid import UUID

#: The nil UUID stands for "no id could be derived" in a :class:`FailedObject`.
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
        bar = optional_flag("progress", progress, none_means="a bar only on a terminal")
        if total is not None and (not is_int(total) or total < 0):
            msg = f"total={total!r} must be the number of objects (an int, 0 or more) or None"
            raise JinaConfigError(msg)
        skip = flag("skip_existing", skip_existing)
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
        )

"""Object ids: the deterministic id of an object given without one, and given ids read as UUIDs.

Deterministic ids make imports upserts: re-running the same input stores nothing twice.
"""

from __future__ import annotations

import json
import uuid as uuid_lib
from collections.abc import Callable, Mapping
from datetime import date, datetime
from datetime import time as dt_time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._import._validate import _InvalidObjectError
from weaviate_jina_ext._rules import is_int

if TYPE_CHECKING:
    from uuid import UUID

__all__ = ["derive_uuid"]


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
        JinaConfigError: The key property is missing or ``None``, the key cannot be
            written as JSON, or it holds text UTF-8 cannot encode (a lone surrogate).
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
    text = _key_text(key, where)
    try:
        return uuid_lib.uuid5(uuid_lib.NAMESPACE_DNS, text)
    except UnicodeEncodeError as exc:
        msg = (
            f"{where} cannot be turned into an id: it holds text that is not valid Unicode "
            f"({exc.reason}: {text[exc.start : exc.end]!r} at position {exc.start} of the key); "
            f"replace it (e.g. text.encode('utf-8', 'replace').decode()), or give "
            f"ImportObject(uuid=...)"
        )
        raise _InvalidObjectError(msg) from None


def _key_text(key: object, where: str) -> str:
    if isinstance(key, str):
        return key
    if is_int(key) or isinstance(key, uuid_lib.UUID):
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

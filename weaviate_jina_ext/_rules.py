"""Argument rules: every run-time check of a value a caller passes, written once.

Parameters are typed, but untyped callers pass anything. The config builders, the Jina
clients, the connect helpers and the importer all check their arguments through these
functions, so one value is judged the same way everywhere and refused with the same
message: the parameter, the bad value and what is expected. Checks return the value (or
its normalised form) and raise :class:`~weaviate_jina_ext.JinaConfigError` (or the subclass
named) before anything is sent or written.

The ``is_*`` predicates only answer; they serve code that reports a bad value its own way
(the local Jina-compatible server answers with a 400, the importer with a failed object).

What a model accepts (its dimensions, its tasks) is the catalogue's data; turning that into
an accepted value or an error is a rule, and lives here. Callers look the model up once and
pass the entry (``None`` for a model the catalogue does not know) to :func:`valid_dimensions`
and :func:`valid_task`.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from weaviate_jina_ext._exceptions import (
    InvalidDimensionsError,
    InvalidTaskError,
    JinaConfigError,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import TypeGuard

    from weaviate_jina_ext._catalogue import Endpoint, InputKind, JinaModelInfo

__all__ = [
    "extra_fields",
    "flag",
    "is_int",
    "is_number",
    "is_positive_int",
    "optional_flag",
    "optional_positive_int",
    "optional_positive_seconds",
    "positive_int",
    "positive_seconds",
    "valid_base_url",
    "valid_dimensions",
    "valid_input_kind",
    "valid_late_chunking",
    "valid_model_name",
    "valid_normalized",
    "valid_task",
]

#: Paths the Jina modules and the client append to ``base_url``; a root must not end in one.
_ENDPOINT_PATHS: Final = ("/v1/embeddings", "/v1/multi-vector", "/v1/rerank")
#: The API version segment, also appended: ``.../v1`` as a root would call ``/v1/v1/...``.
_VERSION_PATH: Final = "/v1"
_ROOT_EXAMPLES: Final = "'https://api.jina.ai' or 'http://127.0.0.1:8765'"
_APPENDED: Final = "/v1/... is appended to it"


# --------------------------------------------------------------------------- numbers and flags


def is_int(value: object) -> TypeGuard[int]:
    """Whether ``value`` is an int and not a bool (``True`` is an int to Python, not to us)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_positive_int(value: object) -> TypeGuard[int]:
    """Whether ``value`` is an int of at least 1 (bools refused)."""
    return is_int(value) and value >= 1


def is_number(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a real number (int, float, numpy scalar, ...) and not a bool.

    Typed as ``float``, which is what arithmetic and comparisons on any of them give.
    """
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def positive_int(name: str, value: object, *, unit: str = "at least 1", hint: str = "") -> int:
    """Return ``value`` if it is an int of at least 1 (bools refused), else raise.

    Args:
        name: The parameter, named in the message.
        value: What the caller passed.
        unit: What the number counts, shown in brackets (``"per minute"``).
        hint: Appended to the message (``"; leave it unset for ..."``).
    """
    if not is_positive_int(value):
        msg = f"{name}={value!r} must be a positive int ({unit}){hint}"
        raise JinaConfigError(msg)
    return value


def optional_positive_int(
    name: str, value: object, *, unit: str = "at least 1", hint: str = ""
) -> int | None:
    """:func:`positive_int`, with ``None`` accepted (and returned) as "not set"."""
    return None if value is None else positive_int(name, value, unit=unit, hint=hint)


def positive_seconds(name: str, value: object) -> float:
    """Return ``value`` as float seconds if it is a positive number (bools refused), else raise."""
    if not is_number(value) or not value > 0:
        msg = f"{name}={value!r} must be a positive number of seconds"
        raise JinaConfigError(msg)
    return float(value)


def optional_positive_seconds(name: str, value: object, *, none_means: str) -> float | None:
    """:func:`positive_seconds`, with ``None`` accepted (and returned).

    ``none_means`` says, in the message, what ``None`` does.
    """
    if value is None:
        return None
    if not is_number(value) or not value > 0:
        msg = f"{name}={value!r} must be a positive number of seconds, or None {none_means}"
        raise JinaConfigError(msg)
    return float(value)


def flag(name: str, value: object) -> bool:
    """Return ``value`` if it is ``True`` or ``False``, else raise (``1`` is not a flag)."""
    if not isinstance(value, bool):
        msg = f"{name}={value!r} must be True or False"
        raise JinaConfigError(msg)
    return value


def optional_flag(name: str, value: object, *, none_means: str) -> bool | None:
    """Return ``value`` if it is ``True``, ``False`` or ``None``, else raise.

    Args:
        name: The parameter, named in the message.
        value: What the caller passed.
        none_means: What ``None`` does, shown in the message (``"None: not sent"``).
    """
    if value is None or isinstance(value, bool):
        return value
    msg = f"{name}={value!r} must be True, False or None ({none_means})"
    raise JinaConfigError(msg)


# --------------------------------------------------------------------------- the API root


def valid_base_url(value: object) -> str:
    """Return the API root ``value`` without a trailing slash, or raise naming the fix.

    The one rule for ``base_url``, shared by the config builders (whose value Weaviate's
    modules join with ``/v1/embeddings``) and the Jina clients (which append the same
    paths): an ``http``/``https`` URL with a host, optionally a path prefix (a proxy's
    ``/jina``), and nothing after it: no endpoint path, no ``/v1``, no query or fragment,
    no credentials (they would be stored in the collection's schema and shown in errors).

    Raises:
        JinaConfigError: ``value`` is not such a URL; the message names ``base_url``, what
            is wrong and the expected form.
    """
    if not isinstance(value, str):
        msg = (
            f"base_url must be a str naming the API root such as {_ROOT_EXAMPLES}, got "
            f"{type(value).__name__}"
        )
        raise JinaConfigError(msg)
    if any(c.isspace() or not c.isprintable() for c in value):
        msg = (
            f"base_url={value!r} contains whitespace or control characters; give the API "
            f"root such as {_ROOT_EXAMPLES} ({_APPENDED})"
        )
        raise JinaConfigError(msg)
    try:
        parts = urlsplit(value)
    except ValueError:  # an unbalanced IPv6 bracket
        parts = urlsplit("")
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        problem = "has no host" if parts.scheme in {"http", "https"} else "is not an http(s) URL"
        msg = f"base_url={value!r} {problem}; give the API root such as {_ROOT_EXAMPLES} ({_APPENDED})"
        raise JinaConfigError(msg)
    if parts.username is not None or parts.password is not None:
        shown = f"{parts.scheme}://***@{parts.netloc.rpartition('@')[2]}{parts.path}"
        msg = (
            f"base_url={shown!r} carries credentials (user:password@host); give the API root "
            f"without them, such as {_ROOT_EXAMPLES}, and send the key as api_key= or "
            f"jina_api_key= (it goes in a header)"
        )
        raise JinaConfigError(msg)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # not a number, or out of range
        port_ok = False
    if not parts.hostname or not port_ok:
        msg = (
            f"base_url={value!r} has no valid host and port; give the API root such as "
            f"{_ROOT_EXAMPLES} ({_APPENDED})"
        )
        raise JinaConfigError(msg)
    path = parts.path.rstrip("/")
    root = f"{parts.scheme}://{parts.netloc}"
    if path.endswith((*_ENDPOINT_PATHS, _VERSION_PATH)):
        prefix = path[: path.rfind(_VERSION_PATH)]
        what = "the endpoint path" if path.endswith(_ENDPOINT_PATHS) else "the API version /v1"
        msg = (
            f"base_url={value!r} includes {what}; give only the root (e.g. {root}{prefix}), "
            f"{_APPENDED}"
        )
        raise JinaConfigError(msg)
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        msg = (
            f"base_url={value!r} has a query or fragment; give only the root "
            f"(e.g. {root}{path}), {_APPENDED}"
        )
        raise JinaConfigError(msg)
    return value.rstrip("/")


# --------------------------------------------------------------------------- models


def valid_model_name(value: object) -> str:
    """Return ``value`` if it is a non-empty str (any name: the catalogue judges it), else raise."""
    if not isinstance(value, str) or not value:
        msg = (
            f"model must be a non-empty str naming a Jina model, got {value!r}; "
            f"for example 'jina-embeddings-v3'"
        )
        raise JinaConfigError(msg)
    return value


def valid_dimensions(dimensions: object, info: JinaModelInfo | None) -> int | None:
    """Return ``dimensions`` if the model can produce vectors of that length, else raise.

    ``None`` (the model's default) always passes. Anything else must be a positive int,
    whether the model is known or not: no model produces a vector of -5 numbers. For a
    model the catalogue knows (``info``), the length must also be one it produces.

    Raises:
        InvalidDimensionsError: Not an int, not positive, or not produced by the model.
    """
    if dimensions is None:
        return None
    if not is_int(dimensions):
        msg = (
            f"dimensions must be an int, got {dimensions!r} ({type(dimensions).__name__}); "
            f"give a positive int, or None for the model's default"
        )
        raise InvalidDimensionsError(msg)
    if dimensions < 1:
        msg = f"dimensions={dimensions!r} must be a positive int, or None for the model's default"
        raise InvalidDimensionsError(msg)
    if info is not None and not info.accepts_dimensions(dimensions):
        msg = (
            f"dimensions={dimensions} is not valid for {info.name!r}; allowed: "
            f"{info.allowed_dimensions_text()}"
        )
        raise InvalidDimensionsError(msg)
    return dimensions


def valid_task(task: object, info: JinaModelInfo | None) -> str | None:
    """Return ``task`` if the model accepts it, else raise; unknown models are not checked.

    Raises:
        InvalidTaskError: Not a str, or the model takes another task or none at all.
    """
    if task is None:
        return None
    if not isinstance(task, str):
        msg = f"task={task!r} must be a str naming a task adapter, or None to send no task"
        raise InvalidTaskError(msg)
    if info is None:
        return task
    if not info.tasks:
        msg = (
            f"task={task!r} is not accepted by {info.name!r}, which takes no task; leave task unset"
        )
        raise InvalidTaskError(msg)
    if task not in info.tasks:
        msg = f"task={task!r} is not valid for {info.name!r}; allowed: {', '.join(info.tasks)}"
        raise InvalidTaskError(msg)
    return task


def extra_fields(fields: Iterable[str], info: JinaModelInfo, endpoint: Endpoint) -> list[str]:
    """The body fields, of ``fields``, that the API refuses for the model on ``endpoint``.

    The API checks each model's request against that model's own schema and refuses every
    field outside it (``task`` for a v2 model, ``normalized`` for v4); the schema is the
    catalogue's (:meth:`~weaviate_jina_ext.JinaModelInfo.body_fields`). Order is kept.
    """
    accepted = info.body_fields(endpoint)
    return [name for name in fields if name not in accepted]


def _model_option(name: str, value: object, info: JinaModelInfo | None, taken: bool) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        msg = f"{name}={value!r} must be True, False or None (None: not sent)"
        raise JinaConfigError(msg)
    if info is not None and not taken:
        msg = (
            f"{name}={value!r} is not accepted by {info.name!r}: its request schema has no "
            f"{name} field (the API answers 422); leave {name} unset"
        )
        raise JinaConfigError(msg)
    return value


def valid_late_chunking(value: object, info: JinaModelInfo | None) -> bool | None:
    """Return ``late_chunking`` if the model takes the field, else raise; ``None`` passes.

    Unknown models (``info`` is ``None``) are not checked.

    Raises:
        JinaConfigError: Not a bool, or the model's request schema has no ``late_chunking``.
    """
    return _model_option(
        "late_chunking", value, info, info is not None and info.takes_late_chunking
    )


def valid_normalized(value: object, info: JinaModelInfo | None) -> bool | None:
    """Return ``normalized`` if the model takes the field, else raise; ``None`` passes.

    jina-embeddings-v4 and the code models have no ``normalized`` in their request schema.

    Raises:
        JinaConfigError: Not a bool, or the model's request schema has no ``normalized``.
    """
    return _model_option("normalized", value, info, info is not None and info.takes_normalized)


def valid_input_kind(kind: InputKind, info: JinaModelInfo | None) -> InputKind:
    """Return ``kind`` if the model takes inputs of that kind, else raise.

    Unknown models are not checked.

    Raises:
        JinaConfigError: The model does not embed that kind of input (an image sent to a
            text model); the message names the kinds it takes and a model that takes ``kind``.
    """
    if info is None or info.takes_input(kind):
        return kind
    from weaviate_jina_ext._catalogue import list_models  # noqa: PLC0415 - it imports _rules

    reranks = info.kind == "reranker"
    takers = [
        m.name for m in list_models() if m.takes_input(kind) and (m.kind == "reranker") == reranks
    ]
    msg = (
        f"{info.name!r} takes {', '.join(sorted(info.inputs))} inputs, not {kind}; use a model "
        f"that does, such as {', '.join(takers[:3]) or 'none known'}"
    )
    raise JinaConfigError(msg)

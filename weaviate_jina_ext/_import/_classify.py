"""What a failed send means: the verdict on each object Weaviate could not store, in one table.

Weaviate reports failures as text: a per-object error message (often quoting the status Jina
answered), or an exception ``insert_many`` raised for a whole group. Each is judged into a
:class:`_Verdict`: retry later (transient), report (permanent), isolate the culprit by
splitting (shared, split) or stop the import (abort, with the fix to show). The rules below
are the only place these decisions are made.
"""

from __future__ import annotations

import enum
import re
import struct
from dataclasses import dataclass
from typing import Final

from weaviate.exceptions import (
    InsufficientPermissionsError,
    WeaviateBaseError,
    WeaviateClosedClientError,
    WeaviateInsertInvalidPropertyError,
    WeaviateInsertManyAllFailedError,
    WeaviateInvalidInputError,
)

from weaviate_jina_ext._exceptions import ImportAbortCause
from weaviate_jina_ext._import._reasons import _scrub


class _Kind(enum.Enum):
    """What to do with an object after a failed send."""

    TRANSIENT = "transient"  # retry it after a backoff
    PERMANENT = "permanent"  # report it
    SHARED = "shared"  # Jina refused the whole request: isolate the culprit by splitting
    SPLIT = "split"  # the send failed as a whole for an unknown object: split to find it
    ABORT = "abort"  # stop the import


@dataclass(frozen=True, slots=True)
class _Verdict:
    """The judgement on an object: what to do, why (scrubbed) and, to stop, the fix to show."""

    kind: _Kind
    reason: str
    fix: str = ""

    @property
    def cause(self) -> ImportAbortCause:
        """Why an import stopped on this verdict (``ImportAbortedError.cause``), by its fix."""
        return _ABORT_CAUSES.get(self.fix, "other")


# --------------------------------------------------------------------------- what Weaviate writes, what to advise

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
#: Each fix an import can stop with, and the cause callers see (``ImportAbortedError.cause``).
_ABORT_CAUSES: Final[dict[str, ImportAbortCause]] = {
    _FIX_KEY: "auth",
    _FIX_NO_KEY: "missing_key",
    _FIX_BALANCE: "payment",
    _FIX_MODULE: "missing_module",
    _FIX_COLLECTION: "collection_gone",
    _FIX_CLOSED: "closed_client",
    _FIX_PERMISSION: "permission",
}


# --------------------------------------------------------------------------- the table

#: Jina's HTTP status, where a per-object message quotes it. A status not listed is
#: transient from 500 up; any other is Jina refusing the whole request (one bad input, whose
#: error Weaviate copied onto every object of the request): isolate the culprit.
_JINA_STATUS_RULES: Final[dict[int, tuple[_Kind, str]]] = {
    401: (_Kind.ABORT, _FIX_KEY),
    402: (_Kind.ABORT, _FIX_BALANCE),
    403: (_Kind.ABORT, _FIX_BALANCE),
    200: (_Kind.TRANSIENT, ""),
    408: (_Kind.TRANSIENT, ""),
    425: (_Kind.TRANSIENT, ""),
    429: (_Kind.TRANSIENT, ""),
}
#: Per-object messages that quote no Jina status, checked in order; none matching: permanent.
_MESSAGE_RULES: Final[tuple[tuple[re.Pattern[str], _Kind, str], ...]] = (
    (_NO_KEY, _Kind.ABORT, _FIX_NO_KEY),
    (_MODULE_MISSING, _Kind.ABORT, _FIX_MODULE),
    (_COLLECTION_MISSING, _Kind.ABORT, _FIX_COLLECTION),
    (_TRANSIENT_TEXT, _Kind.TRANSIENT, ""),
)
#: Exceptions ``insert_many`` raised for a whole group, checked in order (after
#: ``WeaviateInsertManyAllFailedError``, judged by the messages it carries); none matching:
#: re-raised, since an unknown type is a bug, not a condition.
_EXCEPTION_RULES: Final[
    tuple[tuple[type[Exception] | tuple[type[Exception], ...], _Kind, str], ...]
] = (
    (WeaviateClosedClientError, _Kind.ABORT, _FIX_CLOSED),
    (InsufficientPermissionsError, _Kind.ABORT, _FIX_PERMISSION),
    # Raised by the client while packing the request: some object's data is wrong.
    (
        (
            WeaviateInsertInvalidPropertyError,
            WeaviateInvalidInputError,
            TypeError,
            ValueError,
            struct.error,
        ),
        _Kind.SPLIT,
        "",
    ),
    # gRPC unavailable/deadline, retries exhausted, connection lost: nothing was judged.
    ((WeaviateBaseError, OSError), _Kind.TRANSIENT, ""),
)


# --------------------------------------------------------------------------- judging


def _classify_message(message: str) -> _Verdict:
    """Judge one per-object error message as Weaviate writes it."""
    reason = _scrub(message)
    if match := _JINA_STATUS.search(message) or _PARSE_STATUS.search(message):
        status = int(match.group(1))
        unlisted = (_Kind.TRANSIENT if status >= 500 else _Kind.SHARED, "")
        kind, fix = _JINA_STATUS_RULES.get(status, unlisted)
        return _Verdict(kind, reason, fix)
    for pattern, kind, fix in _MESSAGE_RULES:
        if pattern.search(message):
            return _Verdict(kind, reason, fix)
    return _Verdict(_Kind.PERMANENT, reason)


def _classify_exception(exc: Exception) -> _Verdict:
    """Judge an exception ``insert_many`` raised for a whole group.

    Unknown exception types (bugs, not conditions) are re-raised.
    """
    reason = _scrub(str(exc))
    if isinstance(exc, WeaviateInsertManyAllFailedError):
        return _classify_all_failed(exc, reason)
    for types, kind, fix in _EXCEPTION_RULES:
        if isinstance(exc, types):
            return _Verdict(kind, reason, fix)
    raise exc


def _classify_all_failed(exc: WeaviateInsertManyAllFailedError, reason: str) -> _Verdict:
    """Judge a group whose every object failed by the distinct messages the error lists."""
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

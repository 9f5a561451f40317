"""What a failed send means: the verdict on each object Weaviate could not store, in one table.

Weaviate reports failures as text: a per-object error message (often quoting the status Jina
answered), or an exception ``insert_many`` raised for a whole group. Each is judged into a
:class:`_Verdict`: retry later (transient), report (permanent), isolate the culprit by
splitting (shared, split), check that the collection is still the one the import started
with (gone) or stop the import (abort, with the fix to show). The rules below are the only
place these decisions are made; each rule has a name, and the tests hold one real message
per rule.
"""

from __future__ import annotations

import enum
import re
import struct
from dataclasses import dataclass
from typing import Final

import httpx
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
    GONE = "gone"  # the collection may have been deleted: check it, then retry or stop
    ABORT = "abort"  # stop the import


@dataclass(frozen=True, slots=True)
class _Rule:
    """One entry of the table: its name, the verdict's kind and, to stop, the fix to show.

    ``outage`` marks transient failures that mean a server is down or unreachable (as
    opposed to pacing, such as a rate limit): only those count towards the circuit breaker.
    """

    name: str
    kind: _Kind
    fix: str = ""
    outage: bool = False


@dataclass(frozen=True, slots=True)
class _Verdict:
    """The judgement on an object: what to do, why (scrubbed) and, to stop, the fix to show.

    ``rule`` names the table entry that decided; ``outage`` is that entry's flag.
    """

    kind: _Kind
    reason: str
    fix: str = ""
    rule: str = ""
    outage: bool = False

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
#: Written while a collection is deleted under a running batch (Weaviate 1.39's
#: ``adapters/repos/db``), or when auto-schema races to create it again. A restarting node
#: can say some of the same, so these lead to a check of the collection, not a verdict.
_COLLECTION_GONE = re.compile(
    r"could not find index for class|might have been deleted in the meantime|"
    r"collection is being deleted|already shut or dropped|"
    r"auto-schema: create collection: class name \S+ already exists",
    re.IGNORECASE,
)
#: Written by a node that is stopping or has just restarted (graceful restarts, rolling
#: updates): the cluster has not yet resolved its peers, or requests were cancelled.
_NODE_RESTARTING = re.compile(
    r"resolve node name|context canceled|shutting down|connection is closing|"
    r"rpc error: code = (?:Canceled|Unavailable|Aborted)",
    re.IGNORECASE,
)
_RATE_LIMIT_TEXT = re.compile(r"too many requests|rate limit|ResourceExhausted", re.IGNORECASE)
_REPLICA_TEXT = re.compile(r"consistency level|replica|broadcast", re.IGNORECASE)
_NETWORK_TEXT = re.compile(
    r"deadline exceeded|DeadlineExceeded|time ?out|timed out|connection refused|"
    r"connection reset|broken pipe|\bEOF\b|no such host|unavailable|TLS handshake|"
    r"fewer vectors than requested|try again|status code: 5\d\d",
    re.IGNORECASE,
)
_ALL_FAILED_PREFIX = "Here is the set of all errors: "
#: What a call to Weaviate raises when it got no answer: the client's own errors, and the
#: transport errors it lets through (a REST call to a server that died raises httpx's).
_UNREACHABLE_ERRORS: Final = (WeaviateBaseError, httpx.TransportError, OSError)

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
_FIX_BREAKER: Final = (
    "no send could get through (Weaviate or Jina is down or unreachable), so the import "
    "stopped instead of retrying every chunk on its own (breaker_after= sets how long to "
    "wait, None turns this off). Check that both are up, then re-run the same input: what "
    "is stored is not stored twice, and skip_existing=True does not send it again"
)
_FIX_GONE: Final = (
    "the collection was deleted (or re-created) while the import ran; Weaviate's auto-schema "
    "re-creates a deleted collection without its vectorizer on the next write, so the import "
    "stopped rather than store objects without vectors there. Objects stored before went with "
    "the old collection. Create it again with its Jina vectorizer, then re-run the same input"
)
_FIX_INPUT: Final = (
    "the input raised an exception while it was read (see __cause__). Fix the input, then "
    "re-run it: what is stored is not stored twice, and skip_existing=True does not send it "
    "again"
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
    _FIX_BREAKER: "unavailable",
    _FIX_GONE: "collection_gone",
    _FIX_INPUT: "input",
}


# --------------------------------------------------------------------------- the table

_KEY_REFUSED: Final = _Rule("jina-key-refused", _Kind.ABORT, _FIX_KEY)
_BALANCE: Final = _Rule("jina-balance", _Kind.ABORT, _FIX_BALANCE)
_JINA_SERVER_ERROR: Final = _Rule("jina-server-error", _Kind.TRANSIENT, outage=True)
_JINA_REFUSED_REQUEST: Final = _Rule("jina-refused-request", _Kind.SHARED)
_PERMANENT: Final = _Rule("permanent", _Kind.PERMANENT)

#: Jina's HTTP status, where a per-object message quotes it. A status not listed is
#: transient from 500 up (``jina-server-error``); any other is Jina refusing the whole
#: request (one bad input, whose error Weaviate copied onto every object of the request):
#: isolate the culprit (``jina-refused-request``).
_JINA_STATUS_RULES: Final[dict[int, _Rule]] = {
    401: _KEY_REFUSED,
    402: _BALANCE,
    403: _BALANCE,
    200: _Rule("jina-malformed-answer", _Kind.TRANSIENT, outage=True),
    408: _Rule("jina-timeout", _Kind.TRANSIENT, outage=True),
    425: _Rule("jina-too-early", _Kind.TRANSIENT),
    429: _Rule("jina-rate-limit", _Kind.TRANSIENT),
}
#: The rules that mean Jina (or Weaviate's client) refused for pacing: a plan's pacer slows down.
RATE_LIMIT_RULES: Final = frozenset({"jina-rate-limit", "rate-limit"})
#: Per-object messages that quote no Jina status, checked in order; none matching:
#: ``permanent``.
_MESSAGE_RULES: Final[tuple[tuple[re.Pattern[str], _Rule], ...]] = (
    (_NO_KEY, _Rule("no-key", _Kind.ABORT, _FIX_NO_KEY)),
    (_MODULE_MISSING, _Rule("module-missing", _Kind.ABORT, _FIX_MODULE)),
    (_COLLECTION_GONE, _Rule("collection-gone", _Kind.GONE, _FIX_COLLECTION)),
    (_COLLECTION_MISSING, _Rule("collection-missing", _Kind.ABORT, _FIX_COLLECTION)),
    (_NODE_RESTARTING, _Rule("node-restarting", _Kind.TRANSIENT, outage=True)),
    (_RATE_LIMIT_TEXT, _Rule("rate-limit", _Kind.TRANSIENT)),
    (_REPLICA_TEXT, _Rule("replica-unreachable", _Kind.TRANSIENT, outage=True)),
    (_NETWORK_TEXT, _Rule("network", _Kind.TRANSIENT, outage=True)),
)
#: Exceptions ``insert_many`` raised for a whole group, checked in order (after
#: ``WeaviateInsertManyAllFailedError``, judged by the messages it carries); none matching:
#: re-raised, since an unknown type is a bug, not a condition.
_EXCEPTION_RULES: Final[tuple[tuple[type[Exception] | tuple[type[Exception], ...], _Rule], ...]] = (
    (WeaviateClosedClientError, _Rule("client-closed", _Kind.ABORT, _FIX_CLOSED)),
    (InsufficientPermissionsError, _Rule("no-permission", _Kind.ABORT, _FIX_PERMISSION)),
    # Raised by the client while packing the request: some object's data is wrong.
    (
        (
            WeaviateInsertInvalidPropertyError,
            WeaviateInvalidInputError,
            TypeError,
            ValueError,
            struct.error,
        ),
        _Rule("bad-object-data", _Kind.SPLIT),
    ),
    # gRPC unavailable/deadline, retries exhausted, connection lost: nothing was judged.
    (_UNREACHABLE_ERRORS, _Rule("weaviate-unreachable", _Kind.TRANSIENT, outage=True)),
)


def _rule_names() -> list[str]:
    """Every rule's name, in table order (for the tests: one real message per rule)."""
    rules = [*_JINA_STATUS_RULES.values(), _JINA_SERVER_ERROR, _JINA_REFUSED_REQUEST]
    rules += [rule for _, rule in _MESSAGE_RULES]
    rules += [rule for _, rule in _EXCEPTION_RULES]
    rules.append(_PERMANENT)
    return list(dict.fromkeys(rule.name for rule in rules))


# --------------------------------------------------------------------------- judging


def _verdict(rule: _Rule, reason: str) -> _Verdict:
    return _Verdict(rule.kind, reason, rule.fix, rule.name, rule.outage)


def _classify_message(message: str) -> _Verdict:
    """Judge one per-object error message as Weaviate writes it."""
    reason = _scrub(message)
    if match := _JINA_STATUS.search(message) or _PARSE_STATUS.search(message):
        status = int(match.group(1))
        unlisted = _JINA_SERVER_ERROR if status >= 500 else _JINA_REFUSED_REQUEST
        return _verdict(_JINA_STATUS_RULES.get(status, unlisted), reason)
    for pattern, rule in _MESSAGE_RULES:
        if pattern.search(message):
            return _verdict(rule, reason)
    return _verdict(_PERMANENT, reason)


def _classify_exception(exc: Exception) -> _Verdict:
    """Judge an exception ``insert_many`` raised for a whole group.

    Unknown exception types (bugs, not conditions) are re-raised.
    """
    reason = _scrub(str(exc))
    if isinstance(exc, WeaviateInsertManyAllFailedError):
        return _classify_all_failed(exc, reason)
    for types, rule in _EXCEPTION_RULES:
        if isinstance(exc, types):
            return _verdict(rule, reason)
    raise exc


def _classify_all_failed(exc: WeaviateInsertManyAllFailedError, reason: str) -> _Verdict:
    """Judge a group whose every object failed by the distinct messages the error lists."""
    text = str(exc)
    start = text.find(_ALL_FAILED_PREFIX)
    body = text[start + len(_ALL_FAILED_PREFIX) :] if start >= 0 else text
    verdicts = [_classify_message(m) for m in dict.fromkeys(body.split("\n")) if m.strip()]
    if not verdicts:
        return _Verdict(_Kind.TRANSIENT, reason, rule="weaviate-unreachable", outage=True)
    for kind in (_Kind.ABORT, _Kind.GONE):
        for verdict in verdicts:
            if verdict.kind is kind:
                return verdict
    joined = "; ".join(v.reason for v in verdicts)
    if len({v.kind for v in verdicts}) == 1:
        first = verdicts[0]
        outage = all(v.outage for v in verdicts)
        return _Verdict(first.kind, joined, first.fix, first.rule, outage)
    return _Verdict(_Kind.SPLIT, joined, rule="bad-object-data")

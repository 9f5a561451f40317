"""Secrets: how a key is shown, and how texts, headers, HTTP exchanges and log records lose it.

Everything that keeps a key from being seen, in one place:

* :func:`mask_key` is the only form in which a key is ever shown (``jina_…abcd``), and
  :func:`mask_credential` the form of a credential header's value (``Bearer jina_…abcd``);
* :class:`Secret` holds a key so that no repr, ``vars()`` dump or debugger view shows it;
* :func:`remember_key` records each key the package is given (by the connect helpers, the
  Jina clients, the importer's collection), so that :func:`scrub_text` can clear any text
  of it: whole, or without its ``jina_`` prefix (a provider may echo the bare token). It
  also masks anything shaped like a Jina key (``jina_`` and a long token) and any
  ``Bearer`` token, which covers keys the package was never given (a server's own key);
* :func:`scrub_headers`, :func:`scrub_request` and :func:`scrub_response` clear what an
  error keeps of an HTTP exchange (credential-like header names; bodies echoing a key).
  They copy: the request the client sent is left as it was, since a caller's transport
  (``httpx.MockTransport`` in tests) may keep it to check what was sent;
* :func:`install_log_filters` puts a scrubbing filter on the loggers whose records can
  carry a provider's text in this package's flows: ours, stamina's, weaviate-client's,
  httpx's and httpcore's.

Why scrubbing at the source *and* a log filter: every message this package builds from
foreign text (an API's error detail, Weaviate's per-object errors, an exception's text) is
scrubbed where it is built, and the package's exceptions scrub their message and attributes
on construction, so stamina's retry records, which carry only the repr of those exceptions,
are clean by construction. A filter on a logger sees only the records created on that very
logger, so it cannot be the only defence; it covers what other code builds: a record
weaviate-client logs with a server's message, or an ``exc_info`` traceback. It is installed
once and for good, not only while retries run: imports and clients run concurrently in
threads and tasks, and one run removing the filter would expose another's records; a filter
that only masks keys changes nothing in a record without one.

Keys shorter than 8 characters are not remembered (they would match ordinary words; no
real Jina key is that short); a key passed to :func:`scrub_text` explicitly is always cleared.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import traceback
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import httpx

__all__ = [
    "Secret",
    "install_log_filters",
    "is_credential_header",
    "mask_credential",
    "mask_key",
    "remember_key",
    "remember_keys",
    "scrub_headers",
    "scrub_record",
    "scrub_request",
    "scrub_response",
    "scrub_text",
    "shown_header_value",
]

_PREFIX: Final = "jina_"
#: Shortest key (or bare key) remembered for scrubbing.
_MIN_REMEMBERED: Final = 8
#: A Jina-shaped token: the prefix and at least 12 token characters (identifiers such as
#: ``jina_base_url`` are shorter, real keys far longer).
_KEY_SHAPE: Final = re.compile(r"\bjina_[A-Za-z0-9_\-]{12,}")
_BEARER: Final = re.compile(r"(?i)\b(bearer\s+)([^\s\"',;)\]}>]+)")
#: A header whose name contains one of these words holds a credential.
_CREDENTIAL_WORDS: Final = ("key", "token", "auth", "secret", "password", "cookie")
#: Headers that describe a body's encoding, dropped when a scrubbed copy gets a new body.
_BODY_HEADERS: Final = frozenset({"content-length", "content-encoding", "transfer-encoding"})
#: Loggers whose records can carry a provider's text in this package's flows: ours, the
#: retries', Weaviate's client's, and httpx's and httpcore's (at DEBUG, httpcore logs the
#: response headers it receives). A filter applies to its own logger's records only, so
#: httpcore's are named one by one.
_FILTERED_LOGGERS: Final = (
    "weaviate_jina_ext",
    "stamina",
    "weaviate-client",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
#: Attributes every log record has; anything else on a record is an ``extra``.
_RECORD_FIELDS: Final = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


# --------------------------------------------------------------------------- showing a key


def mask_key(key: str | None) -> str:
    """Show a key in a form safe for logs: its prefix and last four characters at most.

    Keys shorter than 12 characters are shown only as ``***`` so that nothing useful leaks.
    """
    if not key:
        return "<none>"
    if len(key) < 12:
        return "***"
    prefix = _PREFIX if key.startswith(_PREFIX) else ""
    return f"{prefix}…{key[-4:]}"


def mask_credential(value: str) -> str:
    """Show a credential header's value masked, keeping its scheme: ``Bearer jina_…abcd``."""
    scheme, sep, token = value.strip().partition(" ")
    if sep and scheme.isalpha() and token.strip():
        return f"{scheme} {mask_key(token.strip())}"
    return mask_key(value)


class Secret:
    """Holds a key so that no repr, ``vars()`` dump or debugger view shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return f"<secret {mask_key(self._value)}>"

    def reveal(self) -> str:
        """The key itself, for the one place that sends it."""
        return self._value


# --------------------------------------------------------------------------- known keys


def _forms(key: str, *, minimum: int) -> list[str]:
    """The texts that betray ``key``: the key and its bare token (without ``jina_``)."""
    forms = [key] if len(key) >= minimum else []
    bare = key[len(_PREFIX) :] if key.startswith(_PREFIX) else ""
    if len(bare) >= _MIN_REMEMBERED:
        forms.append(bare)
    return forms


class _KnownKeys:
    """The keys this process gave the package, in every form a text may show them."""

    __slots__ = ("_forms", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._forms: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<{len(self._forms)} remembered key forms>"

    def add(self, key: str) -> None:
        forms = _forms(key, minimum=_MIN_REMEMBERED)
        if not forms or all(f in self._forms for f in forms):
            return
        with self._lock:
            # Longest first, so a key is replaced before a shorter form inside it.
            self._forms = tuple(sorted({*self._forms, *forms}, key=len, reverse=True))

    def forms(self) -> tuple[str, ...]:
        return self._forms


_KNOWN: Final = _KnownKeys()


def remember_key(key: str) -> None:
    """Remember ``key`` so that every later :func:`scrub_text` clears it (and install the filters).

    Called wherever a key enters the package: a validated key argument or variable, a key
    header of a collection's connection.
    """
    _KNOWN.add(key)
    install_log_filters()


def remember_keys(keys: Iterable[str]) -> None:
    """:func:`remember_key` for each of ``keys``; installs the log filters even when empty."""
    for key in keys:
        _KNOWN.add(key)
    install_log_filters()


# --------------------------------------------------------------------------- texts


def _mask_bearer(match: re.Match[str]) -> str:
    token = match.group(2)
    already_masked = "…" in token or set(token) == {"*"}
    return match.group(1) + (token if already_masked else mask_key(token))


def scrub_text(text: str, keys: Iterable[str] = ()) -> str:
    """Return ``text`` with every key it could betray masked (see :func:`mask_key`).

    Cleared: each remembered key and each of ``keys``, whole or without the ``jina_``
    prefix; anything shaped like a Jina key; the token after ``Bearer``.
    """
    if not text:
        return text
    forms = _KNOWN.forms()
    extra = [f for key in keys if key for f in _forms(key, minimum=1)]
    if extra:
        forms = tuple(sorted({*forms, *extra}, key=len, reverse=True))
    for form in forms:
        if form in text:
            text = text.replace(form, mask_key(form))
    text = _KEY_SHAPE.sub(lambda m: mask_key(m.group(0)), text)
    return _BEARER.sub(_mask_bearer, text)


def _scrub_bytes(content: bytes, keys: Iterable[str]) -> bytes:
    text = content.decode("utf-8", "surrogateescape")
    clean = scrub_text(text, keys)
    return content if clean == text else clean.encode("utf-8", "surrogateescape")


# --------------------------------------------------------------------------- headers, HTTP


def is_credential_header(name: str) -> bool:
    """Whether a header called ``name`` holds a credential (``Authorization``, ``X-…-Api-Key``, ...)."""
    low = name.lower()
    return any(word in low for word in _CREDENTIAL_WORDS)


def shown_header_value(name: str, value: str) -> str:
    """A header value fit for an error message: masked if a credential, else its repr."""
    return mask_credential(value) if is_credential_header(name) else repr(value)


def _scrub_header(name: str, value: str, keys: Iterable[str] = ()) -> str:
    return mask_credential(value) if is_credential_header(name) else scrub_text(value, keys)


def scrub_headers(headers: Mapping[str, str], keys: Iterable[str] = ()) -> dict[str, str]:
    """A copy of ``headers``: credential-like ones masked, keys cleared from the others."""
    return {name: _scrub_header(name, value, keys) for name, value in headers.items()}


def _scrub_header_list(
    items: Iterable[tuple[str, str]], keys: Iterable[str]
) -> list[tuple[bytes, bytes]]:
    # As UTF-8 bytes: httpx would encode str values as ASCII, and a mask holds an ellipsis.
    return [(n.encode("utf-8"), _scrub_header(n, v, keys).encode("utf-8")) for n, v in items]


def scrub_request(request: httpx.Request, keys: Iterable[str] = ()) -> httpx.Request:
    """A copy of ``request`` with its credential headers masked; the original is untouched."""
    try:
        content = request.content
    except RuntimeError:  # a streamed body that was never read: nothing to copy
        content = b""
    return type(request)(
        request.method,
        request.url,
        headers=_scrub_header_list(request.headers.multi_items(), keys),
        content=content,
        extensions=dict(request.extensions),
    )


def scrub_response(
    response: httpx.Response, request: httpx.Request | None, keys: Iterable[str] = ()
) -> httpx.Response:
    """A copy of ``response`` whose headers and (decoded) body show no key, tied to ``request``."""
    try:
        content = response.content
    except RuntimeError:  # never read: there is no body to keep
        content = b""
    items = [(n, v) for n, v in response.headers.multi_items() if n.lower() not in _BODY_HEADERS]
    copy = type(response)(
        response.status_code,
        headers=_scrub_header_list(items, keys),
        content=_scrub_bytes(content, keys),
        request=request,
        extensions={
            k: v for k, v in response.extensions.items() if k in ("http_version", "reason_phrase")
        },
    )
    with contextlib.suppress(RuntimeError):  # only a response that was closed has one
        copy.elapsed = response.elapsed
    return copy


# --------------------------------------------------------------------------- log records


def scrub_record(record: logging.LogRecord) -> None:
    """Clear a log record of keys in place: its message, traceback, stack and extras."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError, KeyError):  # a broken format: logging reports it itself
        message = None
    if message is not None:
        clean = scrub_text(message)
        if clean != message:
            record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        shown = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        clean = scrub_text(shown)
        if clean != shown:
            # Formatters print exc_text as is; dropping exc_info keeps the raw one unseen.
            record.exc_text, record.exc_info = clean, None
    if record.exc_text:
        record.exc_text = scrub_text(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub_text(record.stack_info)
    for name, value in list(vars(record).items()):
        if name in _RECORD_FIELDS:
            continue
        shown = value if isinstance(value, str) else repr(value)
        clean = scrub_text(shown)
        if clean != shown:
            setattr(record, name, clean)


class _ScrubbingFilter(logging.Filter):
    """Clears every record of its logger of keys; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


_FILTER: Final = _ScrubbingFilter()


def install_log_filters() -> None:
    """Put the scrubbing filter on the loggers of :data:`_FILTERED_LOGGERS` (idempotent)."""
    for name in _FILTERED_LOGGERS:
        logging.getLogger(name).addFilter(_FILTER)  # adds nothing if already there

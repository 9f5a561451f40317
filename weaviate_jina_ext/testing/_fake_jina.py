"""A local server that speaks the Jina AI HTTP API, so tests can run with no network.

``FakeJina`` answers ``POST /v1/embeddings``, ``POST /v1/multi-vector`` and ``POST /v1/rerank``
in the shapes the real API uses (built with :mod:`weaviate_jina_ext._wire`), so Weaviate's Jina
modules, this package's client and third-party Jina clients can all be pointed at it. Its
vectors are deterministic and carry meaning: texts that share words are close, and the
``task`` leaves a small, detectable mark, so a test can tell whether a search was embedded as
a query or as a passage.

Status codes. Where the real API's behaviour is unverified, these are the choices made here:

* 401 with ``AUTH_MISSING_API_KEY`` (no ``Authorization``), ``AUTH_INVALID_FORMAT`` (not
  ``Bearer <key>``) or ``AUTH_INVALID_API_KEY`` (a key outside ``api_keys``).
* 400 with ``INPUT_MODEL_NOT_FOUND`` for a model the catalogue does not know, but only under
  ``strict=True``. Otherwise unknown models are served (768 dimensions by default), because
  Jina ships models faster than any catalogue is updated.
* 422 for every other validation error: missing or ill-typed fields, a task or
  ``dimensions`` the model does not accept, too many inputs (``max_inputs``), images sent to
  a text-only model, a model sent to the wrong endpoint, ``top_n <= 0`` and, under
  ``strict=True``, unknown body fields. An input longer than the model's context (estimated
  with :func:`weaviate_jina_ext._wire.estimate_tokens`) is a 422 with
  ``INPUT_TOKEN_LIMIT_EXCEEDED`` unless ``truncate`` is true.
* 429 from :class:`Faults` or :class:`RateLimit`, always with ``Retry-After``.
* 404 for an unknown path, 405 for a method other than POST, 413 for a body over 64 MiB.

Every error body is ``{"detail": "<string>", "code": ...}`` (``code`` when one applies), the
envelope Weaviate and every peer client parse.

Request fields. The output type may be named ``embedding_type``, ``encoding_type`` or
``encoding_format`` (OpenAI's name, which OpenAI-compatible clients send); a list of types
answers a dict keyed by type. ``normalized`` defaults to true (as in Jina's own request
schema); false returns the truncated vector as is. ``return_multivector`` (v4 only) answers
one 128-dimension vector per word in ``embeddings`` and ignores ``dimensions``. Images count
1,000 tokens each. ``/v1/multi-vector`` caps ``input_type: query`` at 32 tokens.

The request-handling core, :meth:`FakeJina.handle`, maps ``(method, path, headers, body)`` to
a :class:`FakeResponse` without owning a socket, so the TLS proxy in
:mod:`weaviate_jina_ext.testing._proxy` serves the very same API as ``https://api.jina.ai``.

numpy is imported lazily, on the first request, so importing this module stays cheap. orjson
is used for JSON when installed (it serialises float32 arrays about twenty times faster than
the standard library); without it the standard ``json`` module is used.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import logging
import math
import random
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, TypeAlias
from urllib.parse import urlsplit

from weaviate_jina_ext import _wire
from weaviate_jina_ext._catalogue import check_dimensions, check_task, lookup_model
from weaviate_jina_ext._exceptions import (
    InvalidDimensionsError,
    InvalidTaskError,
    JinaConfigError,
    JinaExtError,
)
from weaviate_jina_ext._keys import mask_key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from types import TracebackType

    import numpy as np
    import numpy.typing as npt

    from weaviate_jina_ext._catalogue import JinaModelInfo

    FloatMatrix = npt.NDArray[np.float32]

__all__ = [
    "IMAGE_KEY_PREFIX",
    "EmbedFn",
    "FakeJina",
    "FakeResponse",
    "FaultAction",
    "Faults",
    "RateLimit",
    "RecordedRequest",
    "ScriptedResponse",
    "hashing_embedder",
]

_log = logging.getLogger("weaviate_jina_ext.testing.fake_jina")

#: Images reach the embedder as this prefix plus the SHA-256 of their bytes (or URL).
IMAGE_KEY_PREFIX: Final = "\x00image:"

_UNKNOWN_MODEL_DIMS: Final = 768
_UNKNOWN_MODEL_MAX_TOKENS: Final = 8192
_UNKNOWN_MODEL_MAX_INPUTS: Final = 2048
_MULTIVECTOR_TOKEN_DIMS: Final = 128  # jina-embeddings-v4 with return_multivector
_COLBERT_QUERY_TOKENS: Final = 32  # ColBERT queries are cut to 32 tokens
_IMAGE_TOKENS: Final = 1000  # an arbitrary, documented charge per image
_RERANK_DIMS: Final = 256  # private embedding size used to score rerank pairs
_MAX_BODY: Final = 64 * 1024 * 1024
_TASK_WEIGHT: Final = 0.15
_LATE_CHUNK_WEIGHT: Final = 0.25
_TOKEN_CONTEXT_WEIGHT: Final = 0.3
_TABLE_BYTES: Final = 32 * 1024 * 1024
_SLEEP_SLICE: Final = 0.05

_EMBEDDING_TYPES: Final = ("float", "base64", "binary", "ubinary")
_EMBED_FIELDS: Final = frozenset(
    {
        "model",
        "input",
        "embedding_type",
        "encoding_type",
        "encoding_format",  # OpenAI's name; OpenAI-compatible clients send it
        "task",
        "dimensions",
        "normalized",
        "late_chunking",
        "truncate",
        "return_multivector",
    }
)
_MULTI_FIELDS: Final = frozenset(
    {"model", "input", "input_type", "embedding_type", "encoding_type", "dimensions"}
)
_RERANK_FIELDS: Final = frozenset({"model", "query", "documents", "top_n", "return_documents"})

_REASONS: Final = {524: "A Timeout Occurred"}
_RATE_MESSAGES: Final = {
    _wire.CODE_RATE_TOKENS: "Token rate limit exceeded",
    _wire.CODE_RATE_REQUESTS: "Request rate limit exceeded",
    _wire.CODE_RATE_CONCURRENCY: "Concurrency limit exceeded",
}
_STATUS_ERRORS: Final[dict[int, tuple[str, str | None]]] = {
    400: ("Bad request (injected fault)", None),
    401: ("Invalid API key", _wire.CODE_INVALID_KEY),
    402: ("Payment Required", None),
    403: ("Insufficient account balance", _wire.CODE_BALANCE),
    422: ("Validation error (injected fault)", None),
    500: ("Internal Server Error", None),
    502: ("Bad Gateway", None),
    503: ("Service Unavailable", None),
    504: ("Gateway Timeout", None),
    524: ("A timeout occurred", None),
}
_MALFORMED_BODY: Final = b'{"model": "jina-embeddings-v3", "object": "list", "data": [{"obj'

_NOT_JSON: Final = object()
_WORD_RE: Final = re.compile(r"\w+")
_DATA_URI_RE: Final = re.compile(r"data:[^,;]*(?:;[^,;]*)*;base64,(.*)", re.DOTALL)


# --------------------------------------------------------------------------- public types


class EmbedFn(Protocol):
    """The pluggable embedder: one vector per input, in order.

    Called positionally as ``embed_fn(texts, model, dims, task)``. ``dims`` is the model's
    full output length; the server truncates to the requested ``dimensions`` and normalises
    afterwards, so a custom embedder need not know about either. ``task`` is the request's
    ``task`` (``None`` when absent), or ``"query"``/``"document"`` (the ``input_type``) for
    ColBERT models. Images arrive as :data:`IMAGE_KEY_PREFIX` plus a SHA-256 hex digest.
    Per-token (multi-vector) outputs call the embedder once per word.
    """

    def __call__(
        self, texts: Sequence[str], model: str, dims: int, task: str | None, /
    ) -> Sequence[Sequence[float]] | npt.NDArray[Any]:
        """Return ``len(texts)`` vectors of ``dims`` floats."""


@dataclass(frozen=True, slots=True)
class ScriptedResponse:
    """A verbatim answer for :attr:`Faults.script`, for shapes no named action covers.

    Attributes:
        status: The HTTP status.
        body: Raw bytes, or a JSON-serialisable object.
        headers: Extra response headers.
        content_type: The ``Content-Type`` sent.
    """

    status: int
    body: bytes | Mapping[str, Any] | Sequence[Any] = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


#: One scripted step: an HTTP error status (answered with the matching Jina error body),
#: ``"ok"`` (serve normally), ``"hang"`` (sleep ``hang_seconds``, then serve), ``"malformed"``
#: (200 with truncated JSON), ``"array_detail"`` (422 with a FastAPI-style list ``detail``),
#: ``"disconnect"`` (close the connection without answering), ``"empty_data"`` (200 with an
#: empty ``data`` list) or a :class:`ScriptedResponse`.
FaultAction: TypeAlias = (
    int
    | Literal["ok", "hang", "malformed", "array_detail", "disconnect", "empty_data"]
    | ScriptedResponse
)
_NAMED_ACTIONS: Final = frozenset(
    {"ok", "hang", "malformed", "array_detail", "disconnect", "empty_data"}
)


@dataclass(frozen=True, slots=True)
class Faults:
    """Failures to inject, applied to authenticated requests on a known endpoint.

    For each request the server takes the next step of ``script``; once the script is used
    up it applies ``then`` to every request, or, when ``then`` is ``None``, draws a 429, 500
    or 503 with the given probabilities from a RNG seeded with ``seed`` (so a run repeats).
    ``latency`` is added to every request, faulted or not.

    Attributes:
        script: Actions for the next requests, in order (see :data:`FaultAction`).
        then: The action for every request after the script, overriding the probabilities.
        rate_429: Probability of a 429 (with ``Retry-After`` and ``code_429``).
        rate_500: Probability of a 500.
        rate_503: Probability of a 503 (with ``Retry-After``).
        latency: Seconds added before every answer.
        hang_seconds: How long ``"hang"`` sleeps (cut short when the server stops).
        retry_after: The ``Retry-After`` value, in whole seconds, of injected 429/503s.
        code_429: The ``code`` of injected 429s, e.g. ``RATE_CONCURRENCY_LIMIT_EXCEEDED``.
        seed: Seed of the RNG that draws probabilistic faults.
    """

    script: Sequence[FaultAction] = ()
    then: FaultAction | None = None
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_503: float = 0.0
    latency: float = 0.0
    hang_seconds: float = 60.0
    retry_after: int = 1
    code_429: str = _wire.CODE_RATE_TOKENS
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "script", tuple(self.script))
        for action in (*self.script, *(() if self.then is None else (self.then,))):
            _check_action(action)
        rates = {"rate_429": self.rate_429, "rate_500": self.rate_500, "rate_503": self.rate_503}
        for name, value in rates.items():
            if not 0.0 <= value <= 1.0:
                msg = f"Faults({name}={value!r}) must be a probability between 0 and 1"
                raise JinaConfigError(msg)
        if sum(rates.values()) > 1.0:
            msg = f"Faults rate_429 + rate_500 + rate_503 = {sum(rates.values())} exceeds 1"
            raise JinaConfigError(msg)
        for name, seconds in {"latency": self.latency, "hang_seconds": self.hang_seconds}.items():
            if seconds < 0:
                msg = f"Faults({name}={seconds!r}) must be zero or more seconds"
                raise JinaConfigError(msg)
        if self.retry_after < 0:
            msg = f"Faults(retry_after={self.retry_after!r}) must be zero or more whole seconds"
            raise JinaConfigError(msg)


def _check_action(action: object) -> None:
    if isinstance(action, ScriptedResponse):
        return
    if isinstance(action, bool) or not isinstance(action, (int, str)):
        msg = f"fault action {action!r} is neither a status, a named action nor a ScriptedResponse"
        raise JinaConfigError(msg)
    if isinstance(action, int) and not 400 <= action <= 599:
        msg = f"fault status {action} is not an HTTP error status (400-599)"
        raise JinaConfigError(msg)
    if isinstance(action, str) and action not in _NAMED_ACTIONS:
        msg = f"fault action {action!r} is unknown; use one of {', '.join(sorted(_NAMED_ACTIONS))}"
        raise JinaConfigError(msg)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Per-key limits enforced like the real API, over a sliding window.

    Over a limit the server answers 429 with ``RATE_REQUEST_LIMIT_EXCEEDED``,
    ``RATE_TOKEN_LIMIT_EXCEEDED`` or ``RATE_CONCURRENCY_LIMIT_EXCEEDED`` and a
    ``Retry-After`` of the whole seconds until the window frees enough room. Every answer in
    this mode carries ``X-RateLimit-Remaining-Requests`` and ``X-RateLimit-Remaining-Tokens``.
    Rejected requests do not count against the window.

    Attributes:
        requests_per_minute: Requests allowed per window, or ``None`` for no limit.
        tokens_per_minute: Tokens (``usage.total_tokens``) allowed per window, or ``None``.
        concurrency: Requests allowed in flight at once, or ``None``.
        window: Length of the window in seconds (60 like the API; shorter in tests).
    """

    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    concurrency: int | None = None
    window: float = 60.0

    def __post_init__(self) -> None:
        limits = {
            "requests_per_minute": self.requests_per_minute,
            "tokens_per_minute": self.tokens_per_minute,
            "concurrency": self.concurrency,
        }
        for name, value in limits.items():
            if value is not None and value < 1:
                msg = f"RateLimit({name}={value!r}) must be at least 1, or None for no limit"
                raise JinaConfigError(msg)
        if self.window <= 0:
            msg = f"RateLimit(window={self.window!r}) must be a positive number of seconds"
            raise JinaConfigError(msg)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the server received it, safe to print.

    Attributes:
        method: The HTTP method.
        path: The request target as sent (path and query).
        headers: Header names in lower case; ``authorization`` shows only the masked key.
        json: The parsed JSON body, or ``None`` when the body was empty or not JSON.
        key: The masked API key (see :func:`weaviate_jina_ext.mask_key`), or ``None``.
        received_at: ``time.time()`` on arrival.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    json: Any
    key: str | None
    received_at: float


@dataclass(frozen=True, slots=True)
class FakeResponse:
    """What :meth:`FakeJina.handle` answers; the transport writes it as is.

    Attributes:
        status: The HTTP status.
        headers: Response headers, ``Content-Type`` included, in order.
        body: The body bytes.
        disconnect: Close the connection without writing anything (a fault).
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    disconnect: bool = False

    @property
    def reason(self) -> str:
        """The reason phrase for the status line."""
        if self.status in _REASONS:
            return _REASONS[self.status]
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Unknown"

    def json(self) -> Any:  # noqa: ANN401 - JSON is dynamically typed
        """The body parsed as JSON."""
        return _loads(self.body)


# --------------------------------------------------------------------------- JSON helpers


def _json_default(obj: object) -> object:
    tolist = getattr(obj, "tolist", None)
    if tolist is not None:
        result: object = tolist()
        return result
    msg = f"cannot serialise {type(obj).__name__} to JSON"
    raise TypeError(msg)


try:
    import orjson
except ImportError:  # pragma: no cover - exercised only where orjson is absent

    def _dumps(obj: object) -> bytes:
        return json.dumps(obj, default=_json_default, separators=(",", ":")).encode()

    def _loads(data: bytes) -> Any:  # noqa: ANN401 - JSON is dynamically typed
        return json.loads(data)

else:

    def _dumps(obj: object) -> bytes:
        return orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY)

    def _loads(data: bytes) -> Any:  # noqa: ANN401 - JSON is dynamically typed
        return orjson.loads(data)


# --------------------------------------------------------------------------- errors


class _APIError(JinaExtError):
    """An error answer; raised inside the handler and turned into a response."""

    def __init__(
        self,
        status: int,
        detail: str,
        code: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.headers = headers

    def response(self) -> FakeResponse:
        return _json_response(self.status, _wire.error_body(self.detail, self.code), self.headers)


def _invalid(detail: str, code: str | None = None) -> _APIError:
    return _APIError(422, detail, code)


def _json_response(
    status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()
) -> FakeResponse:
    return FakeResponse(status, (("Content-Type", "application/json"), *headers), _dumps(payload))


# --------------------------------------------------------------------------- default embedder


class _WordTable:
    """Cached pseudo-random vectors of the words of one model at one length.

    A word's vector depends only on ``(model, word, dims)``; the cache is cleared when it
    outgrows its budget, which changes nothing but speed.
    """

    __slots__ = ("dims", "index", "lock", "matrix", "max_rows", "model", "size")

    def __init__(self, model: str, dims: int) -> None:
        import numpy as np  # noqa: PLC0415 - numpy is imported on first use only

        self.model = model
        self.dims = dims
        self.max_rows = max(4096, _TABLE_BYTES // (4 * dims))
        self.index: dict[str, int] = {}
        self.matrix: FloatMatrix = np.empty((256, dims), dtype=np.float32)
        self.size = 0
        self.lock = threading.Lock()

    def sum_words(self, per_text: Sequence[Sequence[str]]) -> npt.NDArray[np.float64]:
        """Return, per text, the sum of its words' vectors, computing unseen words first.

        Word vectors are multiples of 2**-23 in [-1, 1), so float64 sums are exact: the
        result cannot depend on summation order, hence not on the machine or numpy build.
        """
        import numpy as np  # noqa: PLC0415

        with self.lock:
            index = self.index
            try:
                ids = [[index[w] for w in ws] for ws in per_text]
            except KeyError:
                self._add(list(dict.fromkeys(w for ws in per_text for w in ws)))
                index = self.index
                ids = [[index[w] for w in ws] for ws in per_text]
            matrix = self.matrix
            sums = np.empty((len(ids), self.dims), dtype=np.float64)
            by_length: dict[int, list[int]] = {}
            for i, row_ids in enumerate(ids):
                by_length.setdefault(len(row_ids), []).append(i)
            for positions in by_length.values():  # one numpy call per distinct word count
                grid = np.array([ids[i] for i in positions], dtype=np.intp)
                sums[positions] = matrix[grid].sum(axis=1, dtype=np.float64)
            return sums

    def _add(self, words: list[str]) -> None:
        """Make sure every one of ``words`` (distinct) has a row."""
        import numpy as np  # noqa: PLC0415

        missing = [w for w in words if w not in self.index]
        if self.size + len(missing) > self.max_rows:
            self.index = {}  # start over rather than grow without bound
            self.size = 0
            missing = words
        need = self.size + len(missing)
        if need > len(self.matrix):
            grown = np.empty((max(need, 2 * len(self.matrix)), self.dims), dtype=np.float32)
            grown[: self.size] = self.matrix[: self.size]
            self.matrix = grown
        self.matrix[self.size : need] = _hash_vectors(self.model, missing, self.dims)
        for row, word in enumerate(missing, self.size):
            self.index[word] = row
        self.size = need


_TABLES: dict[tuple[str, int], _WordTable] = {}
_TABLES_LOCK = threading.Lock()


def _table(model: str, dims: int) -> _WordTable:
    with _TABLES_LOCK:
        table = _TABLES.get((model, dims))
        if table is None:
            table = _TABLES[model, dims] = _WordTable(model, dims)
        return table


def _hash_vectors(model: str, words: Sequence[str], dims: int) -> FloatMatrix:
    """Uniform pseudo-random vectors in [-1, 1)^dims, one per word, from a stable hash.

    Seeds come from BLAKE2b of ``model`` and the word; a SplitMix64 stream in numpy turns
    each seed into ``dims`` values. Nothing depends on Python's ``hash()`` or on numpy's
    RNG algorithms, so vectors are identical across processes, runs and numpy versions.
    """
    import numpy as np  # noqa: PLC0415

    seeds = np.fromiter(
        (
            int.from_bytes(
                hashlib.blake2b(f"{model}\x00{w}".encode(), digest_size=8).digest(), "little"
            )
            for w in words
        ),
        dtype=np.uint64,
        count=len(words),
    )
    steps = np.arange(1, dims + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    x = seeds[:, None] + steps[None, :]
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    out: FloatMatrix = (x >> np.uint64(40)).astype(np.float32) * np.float32(2.0 / (1 << 24))
    out -= np.float32(1)
    return out


def _words(text: str) -> list[str]:
    if text.startswith(IMAGE_KEY_PREFIX):
        return [text]
    return _WORD_RE.findall(text.lower()) or ["\x00empty"]


def hashing_embedder(
    texts: Sequence[str], model: str, dims: int, task: str | None, /
) -> npt.NDArray[np.float32]:
    """The default embedder: deterministic vectors that behave like a bag of words.

    Each lower-cased word maps to a fixed pseudo-random vector (seeded by a BLAKE2b hash of
    the model and the word); a text's vector is the sum of its words' vectors, normalised,
    plus a small vector for its ``task`` (``None`` counts as a task of its own), normalised
    again. So texts sharing words are close, unrelated texts are nearly orthogonal, and the
    same text embedded as ``retrieval.query`` and ``retrieval.passage`` gives two distinct
    vectors about 0.98 apart in cosine. Images (``IMAGE_KEY_PREFIX`` keys) get one
    pseudo-random vector per distinct image.

    Args:
        texts: The inputs.
        model: The model name; every model has its own vector space.
        dims: Length of the vectors.
        task: The task, or ``None``.

    Returns:
        A ``(len(texts), dims)`` float32 array of unit vectors.
    """
    import numpy as np  # noqa: PLC0415

    if not texts:
        return np.zeros((0, dims), dtype=np.float32)
    sums = _table(model, dims).sum_words([_words(t) for t in texts])
    sums /= _norms(sums)
    task_vec = _hash_vectors(model, [f"\x00task\x00{task or ''}"], dims)[0].astype(np.float64)
    sums += (_TASK_WEIGHT / float(np.linalg.norm(task_vec))) * task_vec
    sums /= _norms(sums)
    return sums.astype(np.float32)


def _norms(matrix: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    import numpy as np  # noqa: PLC0415

    norms = np.linalg.norm(matrix.astype(np.float64, copy=False), axis=-1, keepdims=True)
    return np.where(norms == 0.0, 1.0, norms)


# --------------------------------------------------------------------------- request parsing


@dataclass(frozen=True, slots=True)
class _Item:
    key: str  # what the embedder sees
    tokens: int
    source: str  # what rerank echoes as ``document``


@dataclass(frozen=True, slots=True)
class _EmbedJob:
    model: str
    keys: list[str]
    tokens: int
    task: str | None
    full_dims: int
    out_dims: int
    normalized: bool
    late_chunking: bool
    per_token: bool
    token_cap: int
    types: tuple[str, ...]
    listed_types: bool
    object_name: str


@dataclass(frozen=True, slots=True)
class _RerankJob:
    model: str
    query: _Item
    documents: list[_Item]
    top_n: int | None
    return_documents: bool
    tokens: int


def _require_dict(payload: object) -> dict[str, Any]:
    if not isinstance(payload, dict):
        msg = f"request body must be a JSON object, got {type(payload).__name__}"
        raise _invalid(msg)
    return payload


def _check_fields(payload: Mapping[str, Any], allowed: frozenset[str], strict: bool) -> None:
    if not strict:
        return
    unknown = sorted(set(payload) - allowed)
    if unknown:
        msg = (
            f"Validation error: extra fields not permitted: {', '.join(unknown)}; "
            f"allowed fields: {', '.join(sorted(allowed))}"
        )
        raise _invalid(msg)


def _get_bool(payload: Mapping[str, Any], name: str, default: bool) -> bool:
    value = payload.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        msg = f"{name} must be a boolean, got {value!r}"
        raise _invalid(msg)
    return value


def _get_model(payload: Mapping[str, Any], strict: bool) -> tuple[str, JinaModelInfo | None]:
    model = payload.get("model")
    if model is None:
        msg = "you must provide a model parameter"
        raise _invalid(msg)
    if not isinstance(model, str) or not model:
        msg = f"model must be a non-empty string, got {model!r}"
        raise _invalid(msg)
    info = lookup_model(model)
    if info is None and strict:
        msg = f"Model '{model}' not found"
        raise _APIError(400, msg, _wire.CODE_MODEL_NOT_FOUND)
    return model, info


def _decode_base64(value: str, what: str) -> bytes:
    match = _DATA_URI_RE.fullmatch(value)
    try:
        return base64.b64decode(match.group(1) if match else value, validate=True)
    except (binascii.Error, ValueError):
        msg = f"{what} is neither an http(s) URL, a data URI nor valid base64"
        raise _invalid(msg) from None


def _image_item(kind: str, value: object) -> _Item:
    if not isinstance(value, str) or not value:
        msg = f"input {{'{kind}': ...}} must hold a non-empty string"
        raise _invalid(msg)
    is_url = value.startswith(("http://", "https://"))
    if kind == "url" and not is_url and not value.startswith("data:"):
        msg = f"{value[:40]!r} does not have a valid URL schema (http or https)"
        raise _invalid(msg)
    if kind == "bytes" and is_url:
        msg = "input {'bytes': ...} must be base64, not a URL; use {'url': ...}"
        raise _invalid(msg)
    content = value.encode() if is_url else _decode_base64(value, f"input {{'{kind}': ...}}")
    digest = hashlib.sha256(content).hexdigest()
    return _Item(IMAGE_KEY_PREFIX + digest, _IMAGE_TOKENS, value)


def _parse_item(raw: object, *, images: bool, position: str) -> _Item:
    if isinstance(raw, str):
        if images and raw.startswith("data:image/"):
            return _image_item("image", raw)
        return _Item(raw, _wire.estimate_tokens(raw), raw)
    if isinstance(raw, dict):
        kinds = [k for k in ("image", "url", "bytes", "pdf") if k in raw]
        if "text" in raw and not kinds:
            text = raw["text"]
            if not isinstance(text, str):
                msg = f"{position}: 'text' must be a string, got {text!r:.80}"
                raise _invalid(msg)
            return _Item(text, _wire.estimate_tokens(text), text)
        if len(kinds) == 1 and "text" not in raw:
            if not images:
                msg = f"{position}: this model accepts text only; images need a multimodal model"
                raise _invalid(msg)
            return _image_item(kinds[0], raw[kinds[0]])
    msg = (
        f"{position} must be a string, {{'text': str}} or one image object "
        f"({{'image'|'url'|'bytes': str}}), got {raw!r:.80}"
    )
    raise _invalid(msg)


def _parse_inputs(raw: object, *, images: bool, field_name: str = "input") -> list[_Item]:
    if raw is None:
        msg = f'"{field_name}" field missing'
        raise _invalid(msg)
    entries = raw if isinstance(raw, list) else [raw]
    if not entries:
        msg = f"{field_name} must not be an empty list"
        raise _invalid(msg)
    return [
        _parse_item(e, images=images, position=f"{field_name}[{i}]") for i, e in enumerate(entries)
    ]


def _parse_types(payload: Mapping[str, Any]) -> tuple[tuple[str, ...], bool]:
    given = {
        name: payload[name]
        for name in ("embedding_type", "encoding_type", "encoding_format")
        if payload.get(name) is not None
    }
    if not given:
        return ("float",), False
    distinct = {json.dumps(v, sort_keys=True) for v in given.values()}
    if len(distinct) > 1:
        msg = f"conflicting output types {given!r}; send one of embedding_type/encoding_type"
        raise _invalid(msg)
    name, value = next(iter(given.items()))
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v in _EMBEDDING_TYPES for v in values):
        msg = f"{name}={value!r} is not valid; allowed: {', '.join(_EMBEDDING_TYPES)} or a list"
        raise _invalid(msg)
    return tuple(dict.fromkeys(values)), isinstance(value, list)


def _check_lengths(
    items: list[_Item], *, max_tokens: int, truncate: bool, late_chunking: bool
) -> list[_Item]:
    out: list[_Item] = []
    for i, item in enumerate(items):
        if item.tokens <= max_tokens or item.key.startswith(IMAGE_KEY_PREFIX):
            out.append(item)
            continue
        if not truncate:
            msg = (
                f"input[{i}] is about {item.tokens} tokens, over the model's limit of "
                f"{max_tokens}; shorten it or send truncate=true"
            )
            raise _invalid(msg, _wire.CODE_TOKEN_LIMIT)
        cut = item.key[: max_tokens * 4]
        out.append(_Item(cut, _wire.estimate_tokens(cut), item.source))
    total = sum(item.tokens for item in out)
    if late_chunking and total > max_tokens and not truncate:
        msg = (
            f"late_chunking joins all inputs into one context of about {total} tokens, over "
            f"the model's limit of {max_tokens}; send fewer inputs or truncate=true"
        )
        raise _invalid(msg, _wire.CODE_TOKEN_LIMIT)
    return out


def _check_count(items: list[_Item], info: JinaModelInfo | None, model: str) -> None:
    limit = info.max_inputs if info else _UNKNOWN_MODEL_MAX_INPUTS
    if len(items) > limit:
        msg = (
            f"Each input list can contain at most {limit} items for {model!r}, "
            f"got {len(items)}; split the request"
        )
        raise _invalid(msg)


def _check_dims(model: str, info: JinaModelInfo | None, dims: object) -> int | None:
    if dims is None:
        return None
    if isinstance(dims, bool) or not isinstance(dims, int) or dims < 1:
        msg = f"dimensions must be a positive integer, got {dims!r}"
        raise _invalid(msg)
    if info is not None:
        try:
            check_dimensions(model, dims)
        except InvalidDimensionsError as exc:
            raise _invalid(str(exc)) from None
    return dims


def _check_task(model: str, task: object) -> str | None:
    if task is None:
        return None
    if not isinstance(task, str):
        msg = f"task must be a string, got {task!r}"
        raise _invalid(msg)
    try:
        check_task(model, task)
    except InvalidTaskError as exc:
        raise _invalid(str(exc)) from None
    return task


def _wrong_endpoint(model: str, info: JinaModelInfo | None, allowed: set[str]) -> None:
    if info is None or info.kind in allowed:
        return
    endpoint = {
        "reranker": _wire.RERANK_PATH,
        "multi-vector": _wire.MULTI_VECTOR_PATH,
    }.get(info.kind, _wire.EMBEDDINGS_PATH)
    msg = f"model {model!r} is a {info.kind} model; send it to {endpoint}"
    raise _invalid(msg)


def _parse_embeddings(payload: dict[str, Any], strict: bool) -> _EmbedJob:
    _check_fields(payload, _EMBED_FIELDS, strict)
    model, info = _get_model(payload, strict)
    _wrong_endpoint(model, info, {"text-embedding", "multimodal-embedding"})
    images = info is None or info.kind == "multimodal-embedding" or "v4" in model
    items = _parse_inputs(payload.get("input"), images=images)
    _check_count(items, info, model)
    types, listed = _parse_types(payload)
    task = _check_task(model, payload.get("task"))
    dims = _check_dims(model, info, payload.get("dimensions"))
    truncate = _get_bool(payload, "truncate", default=False)
    late = _get_bool(payload, "late_chunking", default=False)
    normalized = _get_bool(payload, "normalized", default=True)
    multivector = _get_bool(payload, "return_multivector", default=False)
    if multivector and info is not None and "v4" not in model:
        msg = f"return_multivector is only supported by jina-embeddings-v4, not {model!r}"
        raise _invalid(msg)
    max_tokens = info.max_tokens if info else _UNKNOWN_MODEL_MAX_TOKENS
    items = _check_lengths(items, max_tokens=max_tokens, truncate=truncate, late_chunking=late)
    default = (info.default_dimensions if info else None) or _UNKNOWN_MODEL_DIMS
    out_dims = _MULTIVECTOR_TOKEN_DIMS if multivector else (dims or default)
    return _EmbedJob(
        model=model,
        keys=[item.key for item in items],
        tokens=sum(item.tokens for item in items),
        task=task,
        full_dims=out_dims if multivector else max(default, out_dims),
        out_dims=out_dims,
        normalized=normalized,
        late_chunking=late,
        per_token=multivector,
        token_cap=max_tokens,
        types=types,
        listed_types=listed,
        object_name="embeddings" if multivector else "embedding",
    )


def _parse_multi_vector(payload: dict[str, Any], strict: bool) -> _EmbedJob:
    _check_fields(payload, _MULTI_FIELDS, strict)
    model, info = _get_model(payload, strict)
    _wrong_endpoint(model, info, {"multi-vector"})
    items = _parse_inputs(payload.get("input"), images=False)
    _check_count(items, info, model)
    types, listed = _parse_types(payload)
    input_type = payload.get("input_type", "document")
    if input_type not in ("query", "document"):
        msg = f"input_type={input_type!r} is not valid; allowed: query, document"
        raise _invalid(msg)
    dims = _check_dims(model, info, payload.get("dimensions"))
    default = (info.default_dimensions if info else None) or 128
    max_tokens = info.max_tokens if info else _UNKNOWN_MODEL_MAX_TOKENS
    cap = _COLBERT_QUERY_TOKENS if input_type == "query" else max_tokens
    out_dims = dims or default
    return _EmbedJob(
        model=model,
        keys=[item.key for item in items],
        tokens=sum(min(item.tokens, cap) for item in items),
        task=input_type,
        full_dims=max(default, out_dims),
        out_dims=out_dims,
        normalized=True,
        late_chunking=False,
        per_token=True,
        token_cap=cap,
        types=types,
        listed_types=listed,
        object_name="embeddings",
    )


def _parse_rerank(payload: dict[str, Any], strict: bool) -> _RerankJob:
    _check_fields(payload, _RERANK_FIELDS, strict)
    model, info = _get_model(payload, strict)
    _wrong_endpoint(model, info, {"reranker", "multi-vector"})
    images = info is None or model == "jina-reranker-m0"
    query_raw = payload.get("query")
    if query_raw is None:
        msg = '"query" field missing'
        raise _invalid(msg)
    if isinstance(query_raw, list):
        msg = "query must be a single string or {'text': str}, not a list"
        raise _invalid(msg)
    query = _parse_item(query_raw, images=images, position="query")
    documents = _parse_inputs(payload.get("documents"), images=images, field_name="documents")
    _check_count(documents, info, model)
    top_n = payload.get("top_n")
    if top_n is not None and (isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1):
        msg = f"top_n must be a positive integer (or null for all documents), got {top_n!r}"
        raise _invalid(msg)
    return _RerankJob(
        model=model,
        query=query,
        documents=documents,
        top_n=top_n,
        return_documents=_get_bool(payload, "return_documents", default=True),
        tokens=sum(query.tokens + d.tokens for d in documents),
    )


# --------------------------------------------------------------------------- vectors and output


def _as_matrix(raw: object, rows: int, dims: int) -> FloatMatrix:
    import numpy as np  # noqa: PLC0415

    matrix = np.asarray(raw, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != rows or matrix.shape[1] < dims:
        msg = (
            f"embed_fn returned an array of shape {matrix.shape}; expected ({rows}, {dims}) - "
            "one vector of the requested length per input"
        )
        raise _APIError(500, msg)
    return matrix


def _finish(
    matrix: npt.NDArray[Any], out_dims: int, *, normalized: bool
) -> npt.NDArray[np.float32]:
    import numpy as np  # noqa: PLC0415

    cut = matrix[..., :out_dims].astype(np.float64)
    if normalized:
        cut /= _norms(cut)
    return np.ascontiguousarray(cut, dtype=np.float32)


def _encode(vector: npt.NDArray[np.float32], kind: str) -> object:
    import numpy as np  # noqa: PLC0415

    if kind == "float":
        return vector
    if kind == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    bits = np.packbits(vector > 0)
    if kind == "ubinary":
        return bits
    return (bits.astype(np.int16) - 128).astype(np.int8)


def _encode_all(value: npt.NDArray[np.float32], job: _EmbedJob) -> object:
    def one(kind: str) -> object:
        if value.ndim == 1 or kind == "float":
            return _encode(value, kind)
        return [_encode(row, kind) for row in value]

    if job.listed_types:
        return {kind: one(kind) for kind in job.types}
    return one(job.types[0])


# --------------------------------------------------------------------------- rate limiting


class _Limiter:
    """Sliding-window request/token counters and in-flight counts, per key."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._history: dict[str, deque[tuple[float, int]]] = {}
        self._tokens: dict[str, int] = {}
        self._inflight: dict[str, int] = {}

    def enter(self, key: str) -> None:
        cap = self.limit.concurrency
        with self._lock:
            current = self._inflight.get(key, 0)
            if cap is not None and current >= cap:
                msg = f"{_RATE_MESSAGES[_wire.CODE_RATE_CONCURRENCY]}: {cap} requests in flight"
                raise _APIError(429, msg, _wire.CODE_RATE_CONCURRENCY, (("Retry-After", "1"),))
            self._inflight[key] = current + 1

    def leave(self, key: str) -> None:
        with self._lock:
            self._inflight[key] -= 1

    def admit(self, key: str, tokens: int) -> tuple[tuple[str, str], ...]:
        limit = self.limit
        now = time.monotonic()
        with self._lock:
            history = self._history.setdefault(key, deque())
            used = self._tokens.get(key, 0)
            while history and history[0][0] <= now - limit.window:
                used -= history.popleft()[1]
            rpm, tpm = limit.requests_per_minute, limit.tokens_per_minute
            if rpm is not None and len(history) >= rpm:
                self._tokens[key] = used
                wait = history[0][0] + limit.window - now
                self._reject(_wire.CODE_RATE_REQUESTS, wait, rpm - len(history), tpm, used)
            if tpm is not None and used + tokens > tpm:
                self._tokens[key] = used
                wait = limit.window
                freed = 0
                for stamp, spent in history:
                    freed += spent
                    if used - freed + tokens <= tpm:
                        wait = stamp + limit.window - now
                        break
                remaining = None if rpm is None else rpm - len(history)
                self._reject(_wire.CODE_RATE_TOKENS, wait, remaining, tpm, used)
            history.append((now, tokens))
            self._tokens[key] = used + tokens
            return _remaining_headers(
                None if rpm is None else rpm - len(history),
                None if tpm is None else tpm - used - tokens,
            )

    @staticmethod
    def _reject(
        code: str, wait: float, remaining_requests: int | None, tpm: int | None, used: int
    ) -> None:
        headers = (
            ("Retry-After", str(max(1, math.ceil(wait)))),
            *_remaining_headers(remaining_requests, None if tpm is None else tpm - used),
        )
        raise _APIError(429, _RATE_MESSAGES[code], code, headers)


def _remaining_headers(requests: int | None, tokens: int | None) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    if requests is not None:
        out.append(("X-RateLimit-Remaining-Requests", str(max(0, requests))))
    if tokens is not None:
        out.append(("X-RateLimit-Remaining-Tokens", str(max(0, tokens))))
    return tuple(out)


# --------------------------------------------------------------------------- the server


def _sleep(seconds: float, *stops: threading.Event) -> None:
    """Sleep ``seconds``, waking early when any of ``stops`` is set."""
    deadline = time.monotonic() + seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or any(s.is_set() for s in stops):
            return
        time.sleep(min(remaining, _SLEEP_SLICE))


def _mask_authorization(value: str) -> str:
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer":
        return f"{scheme} {mask_key(token.strip())}"
    return mask_key(value)


class FakeJina:
    """A Jina-compatible HTTP API on a loopback port, served from a background thread.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with FakeJina(api_keys=["jina_test_key_0001"]) as jina:
            httpx.post(jina.url + "/v1/embeddings", ...)

    Args:
        host: Interface to bind; loopback by default so nothing is exposed.
        port: Port to bind; 0 picks a free one (read it back from :attr:`url`).
        api_keys: Keys accepted as ``Authorization: Bearer <key>``; ``None`` accepts any
            non-empty key, an empty collection accepts none.
        embed_fn: The embedder (see :class:`EmbedFn`); default :func:`hashing_embedder`.
        faults: Failures to inject (see :class:`Faults`); change with :meth:`set_faults`.
        rate_limit: Per-key limits to enforce (see :class:`RateLimit`).
        strict: Reject unknown body fields (422) and unknown models (400), like the API's
            own request schemas do.
        max_recorded: How many recent requests :attr:`requests` keeps.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_keys: Iterable[str] | None = None,
        embed_fn: EmbedFn | None = None,
        faults: Faults | None = None,
        rate_limit: RateLimit | None = None,
        strict: bool = False,
        max_recorded: int = 10_000,
    ) -> None:
        self.host = host
        self.port = port
        self.strict = strict
        self._api_keys = None if api_keys is None else frozenset(api_keys)
        self._embed_fn: EmbedFn = embed_fn if embed_fn is not None else hashing_embedder
        self._limiter = None if rate_limit is None else _Limiter(rate_limit)
        self._lock = threading.Lock()
        self._recorded: deque[RecordedRequest] = deque(maxlen=max_recorded)
        self._faults: Faults | None = None
        self._script_pos = 0
        self._rng = random.Random(0)  # noqa: S311 - fault draws, not cryptography
        self.set_faults(faults)
        self._stopping = threading.Event()
        self._server: _FakeJinaServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    def __repr__(self) -> str:
        keys = "any" if self._api_keys is None else [mask_key(k) for k in sorted(self._api_keys)]
        where = self._url or "not started"
        return f"<FakeJina {where} api_keys={keys} strict={self.strict}>"

    # -- lifecycle

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``; available once started."""
        if self._url is None:
            msg = "FakeJina is not running; call start() or use it as a context manager"
            raise RuntimeError(msg)
        return self._url

    def start(self) -> FakeJina:
        """Bind the port and serve in a background thread; returns ``self``.

        Starting a running server does nothing.
        """
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _FakeJinaServer((self.host, self.port), self)
        self._server = server
        self.port = server.server_port
        self._url = server.base_url()
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _SLEEP_SLICE},
            name=f"fake-jina-{self.port}",
            daemon=True,
        )
        self._thread.start()
        _log.info("fake Jina API listening on %s", self._url)
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and join every thread; safe to repeat."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.connections.shutdown_all()  # first, so woken sleepers find their peer gone
        self._stopping.set()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = None
        self._thread = None
        self._url = None
        _log.info("fake Jina API on port %s stopped", self.port)

    def __enter__(self) -> FakeJina:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- state

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the recorded requests, oldest first (keys masked)."""
        with self._lock:
            return list(self._recorded)

    def clear(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._recorded.clear()

    @property
    def faults(self) -> Faults | None:
        """The faults in force."""
        return self._faults

    def set_faults(self, faults: Faults | None) -> None:
        """Replace the faults (``None`` for none); the script and the RNG start over."""
        with self._lock:
            self._faults = faults
            self._script_pos = 0
            self._rng = random.Random(faults.seed if faults else 0)  # noqa: S311

    def embed(
        self,
        texts: Sequence[str],
        *,
        model: str = "jina-embeddings-v3",
        task: str | None = None,
        dimensions: int | None = None,
        normalized: bool = True,
    ) -> list[list[float]]:
        """Compute, without HTTP, the float vectors a request would get back.

        The values equal those a client parses from the JSON response, so a test can assert
        that Weaviate (or any client) holds exactly what this server returned.
        """
        payload: dict[str, Any] = {"model": model, "input": list(texts), "normalized": normalized}
        if task is not None:
            payload["task"] = task
        if dimensions is not None:
            payload["dimensions"] = dimensions
        job = _parse_embeddings(payload, strict=False)
        # Round-trip through the server's JSON encoder so the floats equal, bit for bit,
        # what a client parses from a response (float32 values in shortest form).
        result: list[list[float]] = _loads(_dumps(self._vectors(job)))
        return result

    # -- request handling

    def handle(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        cancel: threading.Event | None = None,
    ) -> FakeResponse:
        """Answer one HTTP request; the transport-independent core of the server.

        Args:
            method: The HTTP method.
            path: The request target (origin form, ``/v1/embeddings?x=y``).
            headers: Request headers (any case).
            body: The request body.
            cancel: Set by a transport that is shutting down, to cut sleeps short.

        Returns:
            The response to write.
        """
        lower = {k.lower(): v for k, v in headers.items()}
        try:
            payload: Any = _loads(body) if body else None
        except ValueError:
            payload = _NOT_JSON
        auth = lower.get("authorization")
        token = _bearer_token(auth)
        if auth is not None:
            lower["authorization"] = _mask_authorization(auth)
        record = RecordedRequest(
            method=method.upper(),
            path=path,
            headers=lower,
            json=None if payload is _NOT_JSON else payload,
            key=mask_key(token) if token else None,
            received_at=time.time(),
        )
        with self._lock:
            self._recorded.append(record)
        try:
            response = self._route(method.upper(), path, auth, token, body, payload, cancel)
        except _APIError as exc:
            response = exc.response()
        except Exception as exc:  # noqa: BLE001 - any bug (or embed_fn error) becomes a 500
            _log.warning("fake Jina API failed on %s %s", method, path, exc_info=True)
            detail = f"fake Jina server error: {type(exc).__name__}: {exc}"
            response = _APIError(500, detail).response()
        _log.debug("%s %s -> %s (key %s)", method, path, response.status, record.key or "<none>")
        return response

    def _route(
        self,
        method: str,
        path: str,
        auth: str | None,
        token: str | None,
        body: bytes,
        payload: object,
        cancel: threading.Event | None,
    ) -> FakeResponse:
        route = urlsplit(path).path.rstrip("/") or "/"
        parsers: dict[str, Callable[[dict[str, Any], bool], _EmbedJob | _RerankJob]] = {
            _wire.EMBEDDINGS_PATH: _parse_embeddings,
            _wire.MULTI_VECTOR_PATH: _parse_multi_vector,
            _wire.RERANK_PATH: _parse_rerank,
        }
        parser = parsers.get(route)
        if parser is None:
            raise _APIError(404, f"Not Found: {route}; this server offers {', '.join(parsers)}")
        if method != "POST":
            raise _APIError(405, "Method Not Allowed", headers=(("Allow", "POST"),))
        key = self._authenticate(auth, token)
        stops = (self._stopping, *(() if cancel is None else (cancel,)))
        limiter = self._limiter
        if limiter is not None:
            limiter.enter(key)
        try:
            faults, action = self._next_fault()
            if faults is not None and faults.latency:
                _sleep(faults.latency, *stops)
            if faults is not None and action == "hang":
                _sleep(faults.hang_seconds, *stops)
            elif faults is not None and action is not None:
                faulted = _fault_response(action, faults, payload)
                if faulted is not None:
                    return faulted
            if not body:
                msg = "request body is required (a JSON object)"
                raise _invalid(msg)
            if payload is _NOT_JSON:
                msg = "JSON decode error: the request body is not valid JSON"
                raise _invalid(msg)
            job = parser(_require_dict(payload), self.strict)
            extra = limiter.admit(key, job.tokens) if limiter is not None else ()
            if isinstance(job, _RerankJob):
                return _json_response(200, self._rerank(job), extra)
            return _json_response(200, self._embeddings_body(job), extra)
        finally:
            if limiter is not None:
                limiter.leave(key)

    def _authenticate(self, auth: str | None, token: str | None) -> str:
        if auth is None or not auth.strip():
            raise _APIError(401, "Authentication required", _wire.CODE_MISSING_KEY)
        if token is None:
            msg = "Invalid authorization format; send 'Authorization: Bearer <key>'"
            raise _APIError(401, msg, _wire.CODE_INVALID_FORMAT)
        if self._api_keys is not None and token not in self._api_keys:
            raise _APIError(401, f"Invalid API key {mask_key(token)}", _wire.CODE_INVALID_KEY)
        return token

    def _next_fault(self) -> tuple[Faults | None, FaultAction | None]:
        with self._lock:
            faults = self._faults
            if faults is None:
                return None, None
            if self._script_pos < len(faults.script):
                self._script_pos += 1
                return faults, faults.script[self._script_pos - 1]
            if faults.then is not None:
                return faults, faults.then
            draw = self._rng.random()
        for status, rate in (
            (429, faults.rate_429),
            (500, faults.rate_500),
            (503, faults.rate_503),
        ):
            if draw < rate:
                return faults, status
            draw -= rate
        return faults, None

    def _vectors(self, job: _EmbedJob) -> FloatMatrix:
        import numpy as np  # noqa: PLC0415

        raw = self._embed_fn(job.keys, job.model, job.full_dims, job.task)
        matrix = _as_matrix(raw, len(job.keys), job.out_dims)
        if (
            self._embed_fn is hashing_embedder
            and job.normalized
            and not job.late_chunking
            and job.out_dims == matrix.shape[1]
        ):
            return matrix  # already unit length: skip copies on the hot path
        matrix = matrix.astype(np.float64)
        if job.late_chunking:
            matrix += _LATE_CHUNK_WEIGHT * matrix.mean(axis=0)
        return _finish(matrix, job.out_dims, normalized=job.normalized)

    def _token_vectors(self, job: _EmbedJob) -> list[FloatMatrix]:
        import numpy as np  # noqa: PLC0415

        per_text = [_words(key)[: job.token_cap] for key in job.keys]
        flat = [w for ws in per_text for w in ws]
        raw = _as_matrix(
            self._embed_fn(flat, job.model, job.full_dims, job.task), len(flat), job.out_dims
        ).astype(np.float64)
        out: list[FloatMatrix] = []
        start = 0
        for ws in per_text:
            tokens = raw[start : start + len(ws)]
            start += len(ws)
            tokens = tokens + _TOKEN_CONTEXT_WEIGHT * tokens.mean(axis=0)
            out.append(_finish(tokens, job.out_dims, normalized=True))
        return out

    def _embeddings_body(self, job: _EmbedJob) -> dict[str, Any]:
        vectors: Sequence[npt.NDArray[np.float32]]
        vectors = self._token_vectors(job) if job.per_token else list(self._vectors(job))
        field_name = "embeddings" if job.per_token else "embedding"
        data = [
            {"object": job.object_name, "index": i, field_name: _encode_all(v, job)}
            for i, v in enumerate(vectors)
        ]
        return {
            "model": job.model,
            "object": "list",
            "usage": {"total_tokens": job.tokens, "prompt_tokens": job.tokens},
            "data": data,
        }

    def _rerank(self, job: _RerankJob) -> dict[str, Any]:
        import numpy as np  # noqa: PLC0415

        keys = [job.query.key, *(d.key for d in job.documents)]
        raw = _as_matrix(self._embed_fn(keys, job.model, _RERANK_DIMS, None), len(keys), 1)
        unit = _finish(raw.astype(np.float64), raw.shape[1], normalized=True)
        cosines = unit[1:].astype(np.float64) @ unit[0].astype(np.float64)
        scores = np.clip((1.0 + cosines) / 2.0, 0.0, 1.0)
        order = sorted(range(len(job.documents)), key=lambda i: (-scores[i], i))
        if job.top_n is not None:
            order = order[: job.top_n]
        results: list[dict[str, Any]] = []
        for i in order:
            result: dict[str, Any] = {"index": i, "relevance_score": float(scores[i])}
            if job.return_documents:
                result["document"] = job.documents[i].source
            results.append(result)
        return {
            "model": job.model,
            "object": "list",
            "usage": {"total_tokens": job.tokens, "prompt_tokens": job.tokens},
            "results": results,
        }


def _bearer_token(auth: str | None) -> str | None:
    if auth is None:
        return None
    scheme, _, token = auth.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def _fault_response(  # noqa: PLR0911 - one return per action reads best
    action: FaultAction, faults: Faults, payload: object
) -> FakeResponse | None:
    """The response for a scripted or drawn fault, or ``None`` to serve normally."""
    if isinstance(action, ScriptedResponse):
        body = action.body if isinstance(action.body, bytes) else _dumps(action.body)
        headers = (("Content-Type", action.content_type), *action.headers.items())
        return FakeResponse(action.status, headers, body)
    if isinstance(action, int):
        return _status_fault(action, faults)
    if action == "disconnect":
        return FakeResponse(0, (), b"", disconnect=True)
    if action == "malformed":
        return FakeResponse(200, (("Content-Type", "application/json"),), _MALFORMED_BODY)
    if action == "array_detail":
        detail = [{"type": "missing", "loc": ["body", "input"], "msg": "Field required"}]
        return _json_response(422, {"detail": detail})
    if action == "empty_data":
        model = payload.get("model") if isinstance(payload, dict) else None
        body_obj = {
            "model": model if isinstance(model, str) else "unknown",
            "object": "list",
            "usage": {"total_tokens": 0, "prompt_tokens": 0},
            "data": [],
        }
        return _json_response(200, body_obj)
    return None  # "ok"


def _status_fault(status: int, faults: Faults) -> FakeResponse:
    retry = (("Retry-After", str(faults.retry_after)),)
    if status == 429:
        rate_code = faults.code_429
        detail_429 = _RATE_MESSAGES.get(rate_code, "Too Many Requests")
        return _APIError(429, detail_429, rate_code, retry).response()
    detail, code = _STATUS_ERRORS.get(status, (f"HTTP {status} (injected fault)", None))
    return _APIError(status, detail, code, retry if status == 503 else ()).response()


# --------------------------------------------------------------------------- HTTP transport


class _ConnectionRegistry:
    """Open sockets of a server, so stopping it can unblock their reader threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def discard(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)

    def shutdown_all(self) -> None:
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # the plain-socket method works under SSL too
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that tracks its connections and logs instead of printing."""

    daemon_threads = True
    request_queue_size = 128
    thread_name = "loopback-http"

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        fake_jina: FakeJina,
    ) -> None:
        self.fake_jina = fake_jina
        self.connections = _ConnectionRegistry()
        self._workers: list[threading.Thread] = []
        self._workers_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall without DNS.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host.decode() if isinstance(host, bytes) else str(host)
        self.server_port = int(port)

    def base_url(self) -> str:
        """``http://host:port`` of the bound socket (wildcard binds shown as loopback)."""
        host = self.server_name
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 - mapping a wildcard, not binding one
            host = "127.0.0.1" if host != "::" else "::1"
        return (
            f"http://[{host}]:{self.server_port}"
            if ":" in host
            else f"http://{host}:{self.server_port}"
        )

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        self.connections.add(conn)
        return conn, address

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        if isinstance(request, socket.socket):
            self.connections.discard(request)
        super().shutdown_request(request)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        # ThreadingMixIn does not track daemon threads, so it cannot join them on close;
        # these are daemons (a forgotten stop() must not block interpreter exit) that
        # stop() joins itself.
        worker = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{self.thread_name}-connection",
            daemon=True,
        )
        with self._workers_lock:
            self._workers = [w for w in self._workers if w.is_alive()]
            self._workers.append(worker)
        worker.start()

    def close_connections(self) -> None:
        """Unblock every connection's thread, then wait for all of them to finish."""
        self.connections.shutdown_all()
        with self._workers_lock:
            workers = list(self._workers)
        for worker in workers:
            worker.join()

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        _log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _FakeJinaServer(_LoopbackHTTPServer):
    thread_name = "fake-jina"

    def __init__(self, address: tuple[str, int], fake_jina: FakeJina) -> None:
        super().__init__(address, _FakeJinaHandler, fake_jina)


class _HTTPHandlerBase(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive plumbing shared by the server and the TLS proxy."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-jina"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 300  # idle keep-alive connections are dropped after five minutes

    def log_message(self, format: str, *args: object) -> None:
        _log.debug("%s " + format, self.address_string(), *args)

    def read_body(self) -> bytes | None:
        """Read the request body, or answer an error and return ``None``."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self.write_response(_APIError(400, "invalid Content-Length").response())
            return None
        if length > _MAX_BODY:
            self.close_connection = True
            detail = f"request body of {length} bytes exceeds {_MAX_BODY}"
            self.write_response(_APIError(413, detail).response())
            return None
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes | None:
        parts: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                self.write_response(_APIError(400, "malformed chunked body").response())
                return None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > _MAX_BODY:
                self.close_connection = True
                self.write_response(_APIError(413, "request body too large").response())
                return None
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def write_response(self, response: FakeResponse) -> None:
        """Write ``response`` as one buffer (status line, headers, body)."""
        if response.disconnect:
            self.close_connection = True
            return
        lines = [
            f"HTTP/1.1 {response.status} {response.reason}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
            f"Content-Length: {len(response.body)}",
            *(f"{name}: {value}" for name, value in response.headers),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            # Two writes spare a copy of large bodies; Nagle is off, so nothing waits.
            self.wfile.write(head)
            self.wfile.write(response.body)
        except OSError:
            self.close_connection = True

    def serve_with(self, fake_jina: FakeJina, path: str, cancel: threading.Event | None) -> None:
        """Read the body, let ``fake_jina`` answer and write the answer."""
        body = self.read_body()
        if body is None:
            return
        headers = dict(self.headers.items())
        response = fake_jina.handle(self.command, path, headers, body, cancel=cancel)
        self.write_response(response)


class _FakeJinaHandler(_HTTPHandlerBase):
    server: _LoopbackHTTPServer

    def _serve(self) -> None:
        self.serve_with(self.server.fake_jina, self.path, None)

    # The stdlib dispatches on these names; every method reaches the core, which answers 405.
    do_POST = _serve  # noqa: N815
    do_GET = _serve  # noqa: N815
    do_PUT = _serve  # noqa: N815
    do_PATCH = _serve  # noqa: N815
    do_DELETE = _serve  # noqa: N815

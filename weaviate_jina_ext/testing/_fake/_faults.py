"""Failures the fake injects: scripted steps, seeded random errors, latency and hangs.

:class:`Faults` says what to inject; :class:`FaultSchedule` holds the faults in force,
walks their script request by request (then applies ``then`` or draws from the seeded RNG)
and produces the faulted answer: an error status in the Jina envelope, a malformed or empty
200, a FastAPI-style 422, a dropped connection, a verbatim :class:`ScriptedResponse`, or a
sleep that stopping the server cuts short.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

from weaviate_jina_ext import _wire
from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._rules import is_int
from weaviate_jina_ext.testing._fake._answers import (
    BODY,
    ErrorAnswer,
    FieldError,
    validation_failed,
)
from weaviate_jina_ext.testing._fake._limits import RATE_MESSAGES
from weaviate_jina_ext.testing._http import FakeResponse, json_response
from weaviate_jina_ext.testing._json import dumps

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["FaultAction", "FaultSchedule", "Faults", "ScriptedResponse", "hold"]

_SLEEP_SLICE: Final = 0.05
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
    Every answer after authentication, faulted or not, takes at least ``latency`` from the
    request's arrival: the time spent computing it counts toward that, as in a real API's
    latency, so a local server busy with large batches does not add its own time on top.

    Attributes:
        script: Actions for the next requests, in order (see :data:`FaultAction`).
        then: The action for every request after the script, overriding the probabilities.
        rate_429: Probability of a 429 (with ``Retry-After`` and ``code_429``).
        rate_500: Probability of a 500.
        rate_503: Probability of a 503 (with ``Retry-After``).
        latency: Least seconds from a request's arrival to its answer.
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
    if not (is_int(action) or isinstance(action, str)):
        msg = f"fault action {action!r} is neither a status, a named action nor a ScriptedResponse"
        raise JinaConfigError(msg)
    if is_int(action) and not 400 <= action <= 599:
        msg = f"fault status {action} is not an HTTP error status (400-599)"
        raise JinaConfigError(msg)
    if isinstance(action, str) and action not in _NAMED_ACTIONS:
        msg = f"fault action {action!r} is unknown; use one of {', '.join(sorted(_NAMED_ACTIONS))}"
        raise JinaConfigError(msg)


class FaultSchedule:
    """The faults in force and the position in their script; safe to use across threads."""

    def __init__(self, faults: Faults | None) -> None:
        self._lock = threading.Lock()
        self._faults: Faults | None = None
        self._script_pos = 0
        self._rng = random.Random(0)  # noqa: S311 - fault draws, not cryptography
        self.replace(faults)

    @property
    def faults(self) -> Faults | None:
        """The faults in force."""
        return self._faults

    def replace(self, faults: Faults | None) -> None:
        """Put ``faults`` in force (``None`` for none); the script and the RNG start over."""
        with self._lock:
            self._faults = faults
            self._script_pos = 0
            self._rng = random.Random(faults.seed if faults else 0)  # noqa: S311

    def apply(
        self, payload: object, stops: Sequence[threading.Event]
    ) -> tuple[FakeResponse | None, float]:
        """Take the next step for one request: hang if told, and the faulted answer.

        Args:
            payload: The parsed request body (for answers that echo the model).
            stops: Events that cut sleeps short (the server or its transport stopping).

        Returns:
            The answer to send instead of serving (``None`` to serve normally), and the
            latency in force, which the caller holds the answer to with :func:`hold`.
        """
        faults, action = self._next()
        if faults is None:
            return None, 0.0
        return self._act(faults, action, payload, stops), faults.latency

    @staticmethod
    def _act(
        faults: Faults,
        action: FaultAction | None,
        payload: object,
        stops: Sequence[threading.Event],
    ) -> FakeResponse | None:
        if action == "hang":
            _sleep(faults.hang_seconds, *stops)
            return None
        if action is None:
            return None
        return _fault_response(action, faults, payload)

    def _next(self) -> tuple[Faults | None, FaultAction | None]:
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


def hold(started: float, latency: float, stops: Sequence[threading.Event]) -> None:
    """Sleep until ``latency`` seconds after ``started`` (a ``time.monotonic()``), if not yet."""
    if latency:
        _sleep(started + latency - time.monotonic(), *stops)


def _sleep(seconds: float, *stops: threading.Event) -> None:
    """Sleep ``seconds``, waking early when any of ``stops`` is set."""
    deadline = time.monotonic() + seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or any(s.is_set() for s in stops):
            return
        time.sleep(min(remaining, _SLEEP_SLICE))


def _fault_response(  # noqa: PLR0911 - one return per action reads best
    action: FaultAction, faults: Faults, payload: object
) -> FakeResponse | None:
    """The response for a scripted or drawn fault, or ``None`` to serve normally."""
    if isinstance(action, ScriptedResponse):
        body = action.body if isinstance(action.body, bytes) else dumps(action.body)
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
        return json_response(422, {"detail": detail})
    if action == "empty_data":
        model = payload.get("model") if isinstance(payload, dict) else None
        body_obj = {
            "model": model if isinstance(model, str) else "unknown",
            "object": "list",
            "usage": {"total_tokens": 0, "prompt_tokens": 0},
            "data": [],
        }
        return json_response(200, body_obj)
    return None  # "ok"


def _status_fault(status: int, faults: Faults) -> FakeResponse:
    retry = (("Retry-After", str(faults.retry_after)),)
    if status == 429:
        rate_code = faults.code_429
        detail_429 = RATE_MESSAGES.get(rate_code, "Too Many Requests")
        return ErrorAnswer(429, detail_429, rate_code, retry).response()
    detail, code = _STATUS_ERRORS.get(status, (f"HTTP {status} (injected fault)", None))
    if status == 422:  # in the API's validation shape, like the server's own 422s
        return validation_failed([FieldError(BODY, detail, "value_error", None)]).response()
    return ErrorAnswer(status, detail, code, retry if status == 503 else ()).response()

"""Per-key rate limits enforced like the real API's: requests, tokens and concurrency.

:class:`RateLimit` says what is allowed; :class:`Limiter` counts, per API key, requests and
tokens over a sliding window and requests in flight, and turns an excess into the 429 the
API sends (``RATE_*_LIMIT_EXCEEDED``, ``Retry-After``, ``X-RateLimit-Remaining-*``). The
window is measured on an injectable clock, so tests can move time instead of sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from weaviate_jina_ext import _wire
from weaviate_jina_ext._rules import optional_positive_int, positive_seconds
from weaviate_jina_ext.testing._fake._answers import ErrorAnswer

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["RATE_MESSAGES", "Limiter", "RateLimit"]

#: The ``detail`` of each rate-limit answer, by ``code``.
RATE_MESSAGES: Final = {
    _wire.CODE_RATE_TOKENS: "Token rate limit exceeded",
    _wire.CODE_RATE_REQUESTS: "Request rate limit exceeded",
    _wire.CODE_RATE_CONCURRENCY: "Concurrency limit exceeded",
}


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
        clock: Monotonic seconds the window is measured on; ``time.monotonic`` unless a
            test passes a clock it advances by hand.
    """

    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    concurrency: int | None = None
    window: float = 60.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)

    def __post_init__(self) -> None:
        per_window = "per window"
        unlimited = "; leave it None for no limit"
        optional_positive_int(
            "requests_per_minute", self.requests_per_minute, unit=per_window, hint=unlimited
        )
        optional_positive_int(
            "tokens_per_minute", self.tokens_per_minute, unit=per_window, hint=unlimited
        )
        optional_positive_int("concurrency", self.concurrency, unit="in flight", hint=unlimited)
        positive_seconds("window", self.window)


class Limiter:
    """Sliding-window request/token counters and in-flight counts, per key."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._history: dict[str, deque[tuple[float, int]]] = {}
        self._tokens: dict[str, int] = {}
        self._inflight: dict[str, int] = {}

    def enter(self, key: str) -> None:
        """Count a request of ``key`` in flight, or raise the concurrency 429."""
        cap = self.limit.concurrency
        with self._lock:
            current = self._inflight.get(key, 0)
            if cap is not None and current >= cap:
                msg = f"{RATE_MESSAGES[_wire.CODE_RATE_CONCURRENCY]}: {cap} requests in flight"
                raise ErrorAnswer(429, msg, _wire.CODE_RATE_CONCURRENCY, (("Retry-After", "1"),))
            self._inflight[key] = current + 1

    def leave(self, key: str) -> None:
        """Count a request of ``key`` as no longer in flight."""
        with self._lock:
            self._inflight[key] -= 1

    def admit(self, key: str, tokens: int) -> tuple[tuple[str, str], ...]:
        """Charge a request of ``tokens`` to ``key``; the remaining-quota headers, or a 429."""
        limit = self.limit
        now = limit.clock()
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
        raise ErrorAnswer(429, RATE_MESSAGES[code], code, headers)


def _remaining_headers(requests: int | None, tokens: int | None) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    if requests is not None:
        out.append(("X-RateLimit-Remaining-Requests", str(max(0, requests))))
    if tokens is not None:
        out.append(("X-RateLimit-Remaining-Tokens", str(max(0, tokens))))
    return tuple(out)

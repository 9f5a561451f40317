"""The circuit breaker across chunks: stop an import that no send can make progress on.

Each chunk retries its own transient failures within its own budget (``max_attempts``,
``max_retry_time``). When Weaviate or Jina is down that is the wrong unit: every chunk
spends its whole budget on a server that is not there, one after the other, and an import
of a few thousand objects takes minutes to report what a few seconds made clear. The
breaker watches every send of the import:

* while sends succeed it is closed and changes nothing;
* after :data:`_OPEN_AFTER` sends in a row failed for an outage (a transient failure that
  says a server is down or unreachable, not a rate limit: see ``_classify``), it is open:
  only one send at a time (a probe) goes out, the other chunks wait for its outcome;
* any send that gets an answer (an object stored, a permanent error, a rate limit) closes it;
* once no send could finish within ``limit`` seconds of the first failure of the streak
  (the last failed send's duration is the estimate), it trips: the import stops with an
  exact report. So an import against a dead server ends about ``limit`` seconds after the
  first failure instead of after every chunk's own retries.

The breaker does no I/O and never sleeps; the runners ask :meth:`_Breaker.admit` before each
send and wait or stop as told. It is thread-safe (the sync runner sends from a thread pool).
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from typing import Final

__all__ = ["DEFAULT_BREAKER_AFTER"]

#: Seconds after the first failure of a streak in which every send failed for an outage
#: (Weaviate unreachable, Jina down) after which the import stops. Long enough for a graceful
#: restart of a Weaviate node (about 5-20 s) to pass unnoticed, short enough that an import
#: against a killed server reports within a minute.
DEFAULT_BREAKER_AFTER: Final = 60.0
#: Failed sends in a row before only one send at a time is let through.
_OPEN_AFTER: Final = 2
#: How long a chunk waits before asking again while another chunk's probe is out.
_PROBE_POLL: Final = 0.1


class _Gate(enum.Enum):
    """The breaker's answer to a chunk about to send."""

    SEND = "send"  # go ahead
    WAIT = "wait"  # a probe is out: wait a little and ask again
    TRIP = "trip"  # stop the import


class _Breaker:
    """The state shared by every chunk of one import (see the module docstring)."""

    def __init__(self, limit: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._first_failure: float | None = None
        self._failures = 0
        self._last_duration = 0.0
        self._probe_out = False
        self._reasons: dict[str, str] = {}
        self.tripped = False

    def admit(self) -> tuple[_Gate, bool]:
        """Whether a chunk may send now, and whether that send is the probe."""
        with self._lock:
            if self.tripped:
                return _Gate.TRIP, False
            if self.limit is None or self._first_failure is None:
                return _Gate.SEND, False
            if self._clock() + self._last_duration >= self._first_failure + self.limit:
                self.tripped = True
                return _Gate.TRIP, False
            if self._failures < _OPEN_AFTER:
                return _Gate.SEND, False
            if self._probe_out:
                return _Gate.WAIT, False
            self._probe_out = True
            return _Gate.SEND, True

    def wait_time(self) -> float:
        """How long to wait after :attr:`_Gate.WAIT` before asking again."""
        return _PROBE_POLL

    def record(self, *, outage: bool, duration: float, probe: bool, why: str = "") -> None:
        """The outcome of one send: ``outage`` when every object failed for an outage."""
        with self._lock:
            if probe:
                self._probe_out = False
            if not outage:
                self._first_failure = None
                self._failures = 0
                self._reasons.clear()
                return
            if self._first_failure is None:
                self._first_failure = self._clock()
            self._failures += 1
            self._last_duration = duration
            if why:
                self._reasons[why[:120]] = why

    def cancel_probe(self, probe: bool) -> None:
        """A chunk that was let through as the probe did not send after all."""
        if probe:
            with self._lock:
                self._probe_out = False

    def pause_limit(self) -> float | None:
        """The most a chunk should wait before its next round, or ``None`` for no limit.

        While a streak lasts, backoffs end when the breaker would trip, so that the import
        stops on time instead of after the longest backoff.
        """
        with self._lock:
            if self.limit is None or self._first_failure is None:
                return None
            deadline = self._first_failure + self.limit - self._last_duration
            return max(0.0, deadline - self._clock())

    def summary(self) -> str:
        """What the streak's sends failed with, for the error message."""
        with self._lock:
            seconds = 0.0 if self._first_failure is None else self._clock() - self._first_failure
            reasons = "; ".join(list(self._reasons.values())[-3:])
            return (
                f"every send failed for {seconds:.0f} s ({self._failures} sends in a row) "
                f"with: {reasons}"
            )

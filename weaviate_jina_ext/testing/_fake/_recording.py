"""What the fake remembers of the requests it received, with every key masked.

Each request becomes a :class:`RecordedRequest` (headers in lower case, the parsed JSON
body, the API key shown only masked) in a bounded :class:`RequestLog`, so a test can assert
on exactly what Weaviate or a client sent, and print it, without a secret leaking.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["RecordedRequest", "RequestLog"]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the server received it, safe to print.

    Attributes:
        method: The HTTP method.
        path: The request target as sent (path and query).
        headers: Header names in lower case; ``authorization`` shows only the masked key
            (see :func:`weaviate_jina_ext._secrets.mask_credential`).
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


class RequestLog:
    """The most recent requests, oldest first, at most ``max_recorded``; thread-safe."""

    def __init__(self, max_recorded: int) -> None:
        self._lock = threading.Lock()
        self._recorded: deque[RecordedRequest] = deque(maxlen=max_recorded)

    def append(self, record: RecordedRequest) -> None:
        """Remember ``record``, forgetting the oldest one when full."""
        with self._lock:
            self._recorded.append(record)

    def snapshot(self) -> list[RecordedRequest]:
        """The remembered requests, oldest first."""
        with self._lock:
            return list(self._recorded)

    def clear(self) -> None:
        """Forget every request."""
        with self._lock:
            self._recorded.clear()

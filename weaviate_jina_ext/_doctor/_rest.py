"""The few REST calls ``doctor`` makes to Weaviate, over httpx.

``doctor`` speaks REST only (``/v1/meta``, ``/v1/schema``, ``/v1/objects``): it needs no
gRPC port, works the same with every weaviate-client version, and sees each collection's
config exactly as the server stores it (the client's typed config objects drop module
settings they do not know). Every text that leaves this module, an error's included, is
scrubbed of keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from weaviate_jina_ext._secrets import scrub_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["Answer", "WeaviateRest", "WeaviateUnreachable"]


class WeaviateUnreachable(Exception):  # noqa: N818 - internal signal, never raised to users
    """The server could not be reached or answered something that is not Weaviate's API."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A server's answer: status and decoded JSON (``None`` when the body is not JSON)."""

    status: int
    body: Any

    def error_text(self) -> str:
        """Weaviate's error messages joined, or the raw body, for a failed call."""
        body = self.body
        if isinstance(body, dict):
            errors = body.get("error")
            if isinstance(errors, list):
                texts = [
                    str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
                ]
                return "; ".join(texts)
            if "message" in body:
                return str(body["message"])
        return str(body)


class WeaviateRest:
    """A REST session to one Weaviate, with the caller's headers on every request."""

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        timeout: float,
        secrets: Iterable[str] = (),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._secrets = tuple(s for s in secrets if s)
        self._http = httpx.Client(
            base_url=self.url, headers=dict(headers), timeout=timeout, transport=transport
        )

    def scrub(self, text: str) -> str:
        """``text`` with every key this session holds (and anything key-shaped) masked."""
        return scrub_text(text, self._secrets)

    def call(self, method: str, path: str, json: object = None) -> Answer:
        """Send one request; raise :class:`WeaviateUnreachable` on transport failure."""
        try:
            response = self._http.request(method, path, json=json)
        except httpx.HTTPError as exc:
            msg = self.scrub(f"{method} {self.url}{path} failed: {type(exc).__name__}: {exc}")
            raise WeaviateUnreachable(msg) from None
        try:
            body: Any = response.json() if response.content else None
        except ValueError:
            body = self.scrub(response.text[:500])
        return Answer(response.status_code, body)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

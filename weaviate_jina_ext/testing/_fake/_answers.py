"""The fake's error answers: an exception raised anywhere in request handling.

Parsing, rate limiting and output building stop a request by raising :class:`ErrorAnswer`;
:meth:`FakeJina.handle` turns it into a response with the Jina error envelope
(``{"detail": ..., "code": ...}``). It is internal control flow, a plain ``Exception`` and not
part of the package's error hierarchy: callers of the server see HTTP answers, not it.
"""

from __future__ import annotations

from weaviate_jina_ext import _wire
from weaviate_jina_ext.testing._http import FakeResponse, json_response

__all__ = ["ErrorAnswer", "invalid"]


class ErrorAnswer(Exception):  # noqa: N818 - an answer to send, not an error of the caller
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
        """The answer: this status, the Jina error envelope and the extra headers."""
        return json_response(self.status, _wire.error_body(self.detail, self.code), self.headers)


def invalid(detail: str, code: str | None = None) -> ErrorAnswer:
    """A 422 validation error answer, for the caller to raise."""
    return ErrorAnswer(422, detail, code)

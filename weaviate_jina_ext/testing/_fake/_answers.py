"""The fake's error answers: an exception raised anywhere in request handling.

Parsing, rate limiting and output building stop a request by raising :class:`ErrorAnswer`;
:meth:`FakeJina.handle` turns it into a response with the Jina error envelope
(``{"detail": ..., "code": ...}``). It is internal control flow, a plain ``Exception`` and not
part of the package's error hierarchy: callers of the server see HTTP answers, not it.

Validation errors (422) carry the body the real API sends, seen in public issue threads
(infiniflow/ragflow#11614, 2025-11-30; langgenius/dify-official-plugins#1997, 2025-11-04;
QuantumNous/new-api#1941, 2025-09-30): a string ``detail`` that starts with a request id,
and an ``errors`` list with one ``{"field", "message", "type", "input"}`` per problem. One
problem reads ``[RID: <id>] Validation error: '<field>' <message>. Field errors: : Invalid
value``; several read ``[RID: <id>] Validation errors in <n> fields``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from weaviate_jina_ext import _wire
from weaviate_jina_ext.testing._http import FakeResponse, json_response

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["BODY", "ErrorAnswer", "FieldError", "invalid", "validation_failed"]

#: Where a problem of the body as a whole is, as the API writes it.
BODY = "body"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem of a request body, as the API lists it under ``errors``.

    Attributes:
        field: Where, as the API writes it: ``body -> <model> -> <field>``.
        message: What is wrong.
        type: The kind of problem (``extra_forbidden``, ``missing``, ``literal_error``,
            ``value_error``, ...).
        input: The offending value.
    """

    field: str
    message: str
    type: str
    input: object

    def as_json(self) -> dict[str, Any]:
        """The entry of the ``errors`` list."""
        return {
            "field": self.field,
            "message": self.message,
            "type": self.type,
            "input": self.input,
        }


class ErrorAnswer(Exception):  # noqa: N818 - an answer to send, not an error of the caller
    """An error answer; raised inside the handler and turned into a response."""

    def __init__(
        self,
        status: int,
        detail: str,
        code: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
        errors: Sequence[FieldError] = (),
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.headers = headers
        self.errors = tuple(errors)

    def response(self) -> FakeResponse:
        """The answer: this status, the Jina error envelope and the extra headers."""
        body: dict[str, Any] = dict(_wire.error_body(self.detail, self.code))
        if self.errors:
            body["errors"] = [e.as_json() for e in self.errors]
        return json_response(self.status, body, self.headers)


def validation_failed(errors: Sequence[FieldError], code: str | None = None) -> ErrorAnswer:
    """The 422 answer listing ``errors`` (at least one), for the caller to raise."""
    rid = secrets.token_hex(16)
    if len(errors) == 1:
        (only,) = errors
        detail = (
            f"[RID: {rid}] Validation error: '{only.field}' {only.message}. "
            "Field errors: : Invalid value"
        )
    else:
        detail = f"[RID: {rid}] Validation errors in {len(errors)} fields"
    return ErrorAnswer(422, detail, code, errors=errors)


def invalid(
    field: str,
    message: str,
    *,
    kind: str = "value_error",
    value: object = None,
    code: str | None = None,
) -> ErrorAnswer:
    """A 422 answer for one problem at ``field``, for the caller to raise.

    ``kind`` and ``value`` become the ``type`` and ``input`` of the ``errors`` entry.
    """
    return validation_failed([FieldError(field, message, kind, value)], code)

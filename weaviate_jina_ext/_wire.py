"""The Jina HTTP API's wire format, shared by our client and our Jina-compatible server.

Both ends build and read requests and responses through these functions, so the client can
never drift from what the local server accepts, and the server answers in exactly the shape
Weaviate's Jina modules and third-party Jina clients parse.

Facts encoded here (paths, field names, error envelope, what Weaviate's modules send) are
those of the public Jina API and of Weaviate's ``text2vec-jinaai`` module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, TypedDict, cast

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "DEFAULT_BASE_URL",
    "EMBEDDINGS_PATH",
    "HEADER_API_KEY",
    "HEADER_RATELIMIT_RPM",
    "HEADER_RATELIMIT_TPM",
    "MULTI_VECTOR_PATH",
    "RERANK_PATH",
    "EmbeddingsRequest",
    "Usage",
    "error_body",
    "estimate_tokens",
    "estimate_tokens_each",
    "parse_error_body",
    "weaviate_module_request",
]

DEFAULT_BASE_URL: Final = "https://api.jina.ai"
EMBEDDINGS_PATH: Final = "/v1/embeddings"
MULTI_VECTOR_PATH: Final = "/v1/multi-vector"
RERANK_PATH: Final = "/v1/rerank"

#: Header Weaviate reads the per-request Jina key from (REST header or gRPC metadata).
HEADER_API_KEY: Final = "X-Jinaai-Api-Key"
#: Header that sets Weaviate's client-side pacing of Jina embedding calls.
HEADER_RATELIMIT_RPM: Final = "X-Jinaai-Ratelimit-RequestPM-Embedding"
#: Header Weaviate parses for tokens per minute (current servers ignore its value).
HEADER_RATELIMIT_TPM: Final = "X-Jinaai-Ratelimit-TokenPM-Embedding"

EmbeddingType = Literal["float", "base64", "binary", "ubinary"]

# Machine-readable error codes of the Jina API.
CODE_MISSING_KEY: Final = "AUTH_MISSING_API_KEY"
CODE_INVALID_KEY: Final = "AUTH_INVALID_API_KEY"
CODE_INVALID_FORMAT: Final = "AUTH_INVALID_FORMAT"
CODE_MODEL_NOT_FOUND: Final = "INPUT_MODEL_NOT_FOUND"
CODE_TOKEN_LIMIT: Final = "INPUT_TOKEN_LIMIT_EXCEEDED"
CODE_RATE_TOKENS: Final = "RATE_TOKEN_LIMIT_EXCEEDED"
CODE_RATE_REQUESTS: Final = "RATE_REQUEST_LIMIT_EXCEEDED"
CODE_RATE_CONCURRENCY: Final = "RATE_CONCURRENCY_LIMIT_EXCEEDED"
CODE_BALANCE: Final = "AUTHZ_INSUFFICIENT_BALANCE"


class Usage(TypedDict):
    """Token accounting of one response (``usage``)."""

    total_tokens: int
    prompt_tokens: int


class EmbeddingsRequest(TypedDict, total=False):
    """The JSON body of ``POST /v1/embeddings`` (only ``model`` and ``input`` required)."""

    model: str
    input: list[Any]
    embedding_type: EmbeddingType | list[EmbeddingType]
    task: str
    dimensions: int
    normalized: bool
    late_chunking: bool
    truncate: bool
    return_multivector: bool


def weaviate_module_request(
    model: str, texts: list[str], *, query: bool, dimensions: int | None = None
) -> EmbeddingsRequest:
    """Return the body Weaviate's ``text2vec-jinaai`` module sends for ``texts``.

    Weaviate always sends ``embedding_type: "float"`` and sends ``task`` (passage for
    imports, query for searches) and ``normalized: false`` only when the model name
    contains ``v3`` or ``clip``. Client-side embeddings meant to sit beside vectors the
    module computes must be requested the same way, or they land in another space. The
    per-module rule is :func:`weaviate_jina_ext._module_rules.weaviate_sends`.
    """
    # Imported here: the rules module takes the endpoint paths from this one.
    from weaviate_jina_ext._module_rules import weaviate_sends  # noqa: PLC0415

    sends = weaviate_sends("text2vec-jinaai", model, query=query, dimensions=dimensions)
    body: dict[str, Any] = {"input": list(texts), "model": model, **sends.body_fields()}
    return cast("EmbeddingsRequest", body)


def estimate_tokens(text: str) -> int:
    """A cheap, conservative token estimate for batching (about 4 characters a token).

    Used only to split work into requests under the API's limits; the server's own
    tokenizer decides the real count.
    """
    return estimate_tokens_each((text,))[0]


def estimate_tokens_each(texts: Iterable[str]) -> list[int]:
    """:func:`estimate_tokens` of each text, at least 1 each.

    The rule lives here, written inline: a client call plans up to hundreds of thousands of
    texts before its first request, and a function call per text would cost more than the
    estimate itself.
    """
    return [(len(text) + 3) // 4 or 1 for text in texts]


def error_body(detail: str, code: str | None = None) -> dict[str, str]:
    """The error envelope the Jina API returns: a string ``detail`` and optional ``code``."""
    body = {"detail": detail}
    if code is not None:
        body["code"] = code
    return body


@dataclass(frozen=True, slots=True)
class ParsedError:
    """What an error body said, whatever its shape."""

    detail: str
    code: str | None


def parse_error_body(payload: object, fallback: str) -> ParsedError:
    """Read ``detail``/``code`` from an error body of any shape the API has been seen to use.

    Accepts ``{"detail": str}``, ``{"detail": [{"msg"|"message": …}]}`` (validation lists),
    ``{"error": {"message": …}}`` and anything else (then ``fallback`` is the detail).
    """
    if not isinstance(payload, dict):
        return ParsedError(fallback, None)
    code = payload.get("code")
    code_s = code if isinstance(code, str) else None
    detail = payload.get("detail")
    if isinstance(detail, str):
        return ParsedError(detail, code_s)
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                msg = item.get("msg") or item.get("message")
                loc = item.get("loc") or item.get("field")
                parts.append(f"{loc}: {msg}" if loc else str(msg))
            else:
                parts.append(str(item))
        return ParsedError("; ".join(parts) or fallback, code_s)
    error = payload.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return ParsedError(error["message"], code_s)
    return ParsedError(fallback, code_s)

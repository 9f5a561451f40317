"""What the Jina client returns: vectors, multi-vectors, rerank hits and the token usage.

Frozen values with no behaviour beyond adding up usage, shared by the sync and async client.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "EmbeddingResult",
    "MultiVectorResult",
    "RerankHit",
    "RerankResult",
    "TokenUsage",
]


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens the API counted, summed over every request of one call.

    Attributes:
        total_tokens: Tokens billed.
        prompt_tokens: Input tokens (equal to ``total_tokens`` for embeddings; the
            multi-vector endpoint reports only the total, which is then used for both).
    """

    total_tokens: int = 0
    prompt_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.total_tokens + other.total_tokens, self.prompt_tokens + other.prompt_tokens
        )


@dataclass(frozen=True, slots=True)
class EmbeddingResult:
    """One vector per input text, in input order.

    Attributes:
        vectors: ``vectors[i]`` embeds ``texts[i]``.
        model: The model that produced them, as the API named it.
        usage: Tokens counted over all requests of the call.
    """

    vectors: list[list[float]]
    model: str
    usage: TokenUsage


@dataclass(frozen=True, slots=True)
class MultiVectorResult:
    """One matrix (a vector per token) per input text, in input order.

    Attributes:
        vectors: ``vectors[i]`` is the list of token vectors of ``texts[i]``.
        model: The model that produced them, as the API named it.
        usage: Tokens counted over all requests of the call.
    """

    vectors: list[list[list[float]]]
    model: str
    usage: TokenUsage


@dataclass(frozen=True, slots=True)
class RerankHit:
    """One scored document.

    Attributes:
        index: Position of the document in the ``documents`` passed to ``rerank``.
        relevance_score: The model's score; higher is more relevant.
        document: The document text, or ``None`` when ``return_documents=False``.
    """

    index: int
    relevance_score: float
    document: str | None


@dataclass(frozen=True, slots=True)
class RerankResult:
    """Documents ordered by descending relevance (at most ``top_n`` of them).

    Attributes:
        results: The hits, most relevant first.
        model: The model that scored them, as the API named it.
        usage: Tokens counted over all requests of the call.
    """

    results: list[RerankHit]
    model: str
    usage: TokenUsage

"""What the Jina client sends: checked arguments, request bodies, and inputs split over requests.

A call's arguments are validated before anything is sent (the model is looked up in the
catalogue once, and its entry judges task and dimensions through
:mod:`weaviate_jina_ext._rules`), and its inputs are split by item count and by an estimated token budget. The result is a
:class:`_Plan`: the requests to send and how to turn their answers into the call's result.
Nothing here does I/O; the sync and async clients send the plan's requests.
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from weaviate_jina_ext._catalogue import (
    JinaModelInfo,
    ModelKind,
    UnknownModelWarning,
    find_model,
)
from weaviate_jina_ext._exceptions import InvalidTaskError, JinaConfigError
from weaviate_jina_ext._responses import _finish_embeddings, _finish_multivectors, _finish_rerank
from weaviate_jina_ext._rules import (
    flag,
    optional_flag,
    optional_positive_int,
    valid_dimensions,
    valid_late_chunking,
    valid_model_name,
    valid_normalized,
    valid_task,
)
from weaviate_jina_ext._wire import (
    EMBEDDINGS_PATH,
    MULTI_VECTOR_PATH,
    RERANK_PATH,
    estimate_tokens,
    weaviate_module_request,
)

if TYPE_CHECKING:
    from weaviate_jina_ext._results import EmbeddingResult, MultiVectorResult, RerankResult

__all__ = ["AUTO_TASK", "AutoTask"]

#: Items per request for models the catalogue does not know (the API's general cap).
_FALLBACK_MAX_INPUTS: Final = 2048
_EMBEDDING_KINDS: Final[tuple[ModelKind, ...]] = ("text-embedding", "multimodal-embedding")
_MULTI_VECTOR_KINDS: Final[tuple[ModelKind, ...]] = ("multi-vector",)
# ColBERT models score query/document pairs too, so /v1/rerank accepts them.
_RERANK_KINDS: Final[tuple[ModelKind, ...]] = ("reranker", "multi-vector")

_R = TypeVar("_R")
#: What ``None`` means for the optional flags of ``embed`` (shown in their errors).
_NOT_SENT: Final = "None: not sent"


class AutoTask(enum.Enum):
    """Type of :data:`AUTO_TASK`, the "choose for me" value of ``embed(task=...)``."""

    AUTO_TASK = "AUTO_TASK"

    def __repr__(self) -> str:
        return "AUTO_TASK"


#: ``embed(task=AUTO_TASK)`` (the default) sends ``retrieval.passage`` when the model accepts
#: it and no task otherwise; ``task=None`` sends no task at all (the API's model default).
AUTO_TASK: Final = AutoTask.AUTO_TASK


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True, slots=True)
class _Call:
    """One planned API request: the body and which inputs of the caller's list it carries."""

    path: str
    body: dict[str, Any]
    start: int
    count: int
    total: int

    def describe(self) -> str:
        """Say which request this was, for error messages (never includes input text)."""
        model = self.body.get("model")
        span = f"inputs {self.start}-{self.start + self.count - 1} of {self.total}"
        return f"the {self.path} request for {span} (model={model!r})"


@dataclass(frozen=True)
class _Plan(Generic[_R]):
    """The requests a call needs and how to turn their answers into the call's result."""

    calls: tuple[_Call, ...]
    finish: Callable[[list[dict[str, Any]]], _R]


class _RequestPlanner:
    """Turns one call's arguments into a :class:`_Plan`, within the client's request limits.

    Args:
        batch_size: Most inputs per request (``None``: the model's ``max_inputs``).
        max_tokens_per_request: Budget of estimated tokens per request.
    """

    __slots__ = ("_batch_size", "_max_tokens_per_request")

    def __init__(self, *, batch_size: int | None, max_tokens_per_request: int) -> None:
        self._batch_size = batch_size
        self._max_tokens_per_request = max_tokens_per_request

    def plan_embed(
        self,
        texts: Sequence[str],
        *,
        model: str,
        task: str | AutoTask | None,
        dimensions: int | None,
        normalized: bool | None,
        late_chunking: bool | None,
        truncate: bool | None,
    ) -> _Plan[EmbeddingResult]:
        info = _model_info(model, _EMBEDDING_KINDS, "embed")
        items = _check_texts(texts, "texts")
        resolved_task = valid_task(_resolve_task(info, task), info)
        valid_dimensions(dimensions, info)
        valid_normalized(normalized, info)  # v4 and the code models have no such field
        valid_late_chunking(late_chunking, info)
        optional_flag("truncate", truncate, none_means=_NOT_SENT)
        base: dict[str, Any] = {"model": model, "embedding_type": "float"}
        optional = {
            "task": resolved_task,
            "dimensions": dimensions,
            "normalized": normalized,
            "late_chunking": late_chunking,
            "truncate": truncate,
        }
        base.update({k: v for k, v in optional.items() if v is not None})
        spans = self._spans(items, info, truncate=bool(truncate), late_chunking=bool(late_chunking))
        calls = tuple(
            _Call(EMBEDDINGS_PATH, {**base, "input": items[a:b]}, a, b - a, len(items))
            for a, b in spans
        )
        return _Plan(calls, lambda payloads: _finish_embeddings(calls, payloads, model))

    def plan_embed_for_weaviate(
        self, texts: Sequence[str], *, model: str, dimensions: int | None, query: bool
    ) -> _Plan[EmbeddingResult]:
        # Mirrors text2vec-jinaai only: multi2vec-jinaai sends other bodies for CLIP models.
        info = _model_info(model, ("text-embedding",), "embed_for_weaviate")
        items = _check_texts(texts, "texts")
        valid_dimensions(dimensions, info)
        flag("query", query)
        spans = self._spans(items, info, truncate=False, late_chunking=False)
        calls = tuple(
            _Call(
                EMBEDDINGS_PATH,
                dict(
                    weaviate_module_request(model, items[a:b], query=query, dimensions=dimensions)
                ),
                a,
                b - a,
                len(items),
            )
            for a, b in spans
        )
        return _Plan(calls, lambda payloads: _finish_embeddings(calls, payloads, model))

    def plan_multivector(
        self,
        texts: Sequence[str],
        *,
        model: str,
        dimensions: int | None,
        input_type: str | None,
    ) -> _Plan[MultiVectorResult]:
        info = _model_info(model, _MULTI_VECTOR_KINDS, "embed_multivector")
        items = _check_texts(texts, "texts")
        valid_dimensions(dimensions, info)
        if input_type not in (None, "query", "document"):
            msg = (
                f"input_type={input_type!r} is not valid; allowed: 'query', 'document' or None "
                f"(None: the API's default, 'document')"
            )
            raise JinaConfigError(msg)
        base: dict[str, Any] = {"model": model, "embedding_type": "float"}
        if dimensions is not None:
            base["dimensions"] = dimensions
        if input_type is not None:
            base["input_type"] = input_type
        # The endpoint has no ``truncate``; ColBERT models cut long inputs themselves.
        spans = self._spans(items, info, truncate=True, late_chunking=False)
        calls = tuple(
            _Call(MULTI_VECTOR_PATH, {**base, "input": items[a:b]}, a, b - a, len(items))
            for a, b in spans
        )
        return _Plan(calls, lambda payloads: _finish_multivectors(calls, payloads, model))

    def plan_rerank(
        self,
        query: str,
        documents: Sequence[str],
        *,
        model: str,
        top_n: int | None,
        return_documents: bool,
    ) -> _Plan[RerankResult]:
        info = _model_info(model, _RERANK_KINDS, "rerank")
        _check_query(query)
        docs = _check_texts(documents, "documents")
        optional_positive_int("top_n", top_n)
        flag("return_documents", return_documents)
        # Every document is scored together with the query, so each carries its tokens.
        query_tokens = estimate_tokens(query)
        spans = _split(
            [estimate_tokens(d) + query_tokens for d in docs],
            max_items=self._max_items(info),
            max_tokens=self._max_tokens_per_request,
        )
        calls = []
        for a, b in spans:
            body: dict[str, Any] = {
                "model": model,
                "query": query,
                "documents": docs[a:b],
                "return_documents": return_documents,
            }
            if top_n is not None:
                body["top_n"] = min(top_n, b - a)
            calls.append(_Call(RERANK_PATH, body, a, b - a, len(docs)))
        planned = tuple(calls)
        return _Plan(
            planned,
            lambda payloads: _finish_rerank(
                planned, payloads, model, docs, top_n=top_n, return_documents=return_documents
            ),
        )

    def _max_items(self, info: JinaModelInfo | None) -> int:
        cap = info.max_inputs if info is not None else _FALLBACK_MAX_INPUTS
        return cap if self._batch_size is None else min(self._batch_size, cap)

    def _spans(
        self, items: list[str], info: JinaModelInfo | None, *, truncate: bool, late_chunking: bool
    ) -> list[tuple[int, int]]:
        """Split ``items`` into request spans, or raise for inputs the API would reject."""
        estimates = [estimate_tokens(t) for t in items]
        if late_chunking:
            return self._late_chunking_span(estimates, info, truncate=truncate)
        if info is not None:
            limit = info.max_tokens
            for i, tokens in enumerate(estimates):
                if tokens <= limit:
                    continue
                if not truncate:
                    msg = (
                        f"texts[{i}] is about {tokens} tokens (estimated at ~4 characters a "
                        f"token), over the {limit}-token limit of {info.name!r}; pass "
                        f"truncate=True to let the API cut it, or split the text"
                    )
                    raise JinaConfigError(msg)
                estimates[i] = limit
        return _split(
            estimates, max_items=self._max_items(info), max_tokens=self._max_tokens_per_request
        )

    def _late_chunking_span(
        self, estimates: list[int], info: JinaModelInfo | None, *, truncate: bool
    ) -> list[tuple[int, int]]:
        """Late chunking embeds one request's inputs as one document: never split it."""
        if not estimates:
            return []
        max_items = self._max_items(info)
        if len(estimates) > max_items:
            msg = (
                f"late_chunking=True embeds all texts of a request together, so they cannot "
                f"be split over requests; got {len(estimates)} texts, at most {max_items} fit "
                f"in one request. Call embed once per document"
            )
            raise JinaConfigError(msg)
        total = sum(estimates)
        if info is not None and total > info.max_tokens and not truncate:
            msg = (
                f"late_chunking=True concatenates the texts; together they are about {total} "
                f"tokens, over the {info.max_tokens}-token limit of {info.name!r}. Call embed "
                f"once per document, or pass truncate=True"
            )
            raise JinaConfigError(msg)
        return [(0, len(estimates))]


# --------------------------------------------------------------------------- argument checks and splitting


def _check_query(query: object) -> None:
    if not isinstance(query, str):
        msg = f"query must be a str, got {type(query).__name__}"
        raise JinaConfigError(msg)


def _check_texts(texts: object, name: str) -> list[str]:
    """Return ``texts`` as a list, or raise naming the first item that is not a str."""
    if isinstance(texts, str | bytes):
        msg = f"{name} must be a sequence of str, not a single {type(texts).__name__}; wrap it: [text]"
        raise JinaConfigError(msg)
    if not isinstance(texts, Sequence):
        msg = f"{name} must be a sequence of str (a list or tuple), got {type(texts).__name__}"
        raise JinaConfigError(msg)
    items = list(texts)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            msg = f"{name}[{i}] must be a str, got {type(item).__name__}; convert it first"
            raise JinaConfigError(msg)
    return items


def _model_info(model: object, kinds: tuple[ModelKind, ...], method: str) -> JinaModelInfo | None:
    """Look ``model`` up and check it suits ``method``'s endpoint; warn if unknown.

    The ``stacklevel`` lands the warning on the caller of the public method, which calls
    the planner directly (sync or async: an awaited coroutine's frame links back to the
    awaiting frame).
    """
    info = find_model(valid_model_name(model))
    if info is None:
        msg = (
            f"model={model!r} is not in weaviate-jina-ext's catalogue; it is sent to the API "
            f"unvalidated (task, dimensions and input length were not checked)"
        )
        warnings.warn(msg, UnknownModelWarning, stacklevel=4)
        return None
    if info.kind not in kinds:
        use = {
            "text-embedding": "embed() or embed_for_weaviate()",
            "multimodal-embedding": (
                "embed() (embed_for_weaviate() mirrors text2vec-jinaai, which does not "
                "serve multimodal models)"
            ),
            "multi-vector": "embed_multivector()",
            "reranker": "rerank()",
        }[info.kind]
        msg = f"model={model!r} is a {info.kind} model and cannot serve {method}(); use {use}"
        raise JinaConfigError(msg)
    return info


def _resolve_task(info: JinaModelInfo | None, task: object) -> str | None:
    if task is AUTO_TASK:
        return (
            "retrieval.passage" if info is not None and "retrieval.passage" in info.tasks else None
        )
    if task is not None and not isinstance(task, str):
        msg = f"task={task!r} must be a str, None (send no task) or AUTO_TASK"
        raise InvalidTaskError(msg)
    return task


def _split(estimates: Sequence[int], *, max_items: int, max_tokens: int) -> list[tuple[int, int]]:
    """Greedy spans ``[a, b)`` with at most ``max_items`` items and ``max_tokens`` tokens.

    An item over the token budget on its own still gets a span of its own.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    tokens = 0
    for i, cost in enumerate(estimates):
        if i > start and (i - start >= max_items or tokens + cost > max_tokens):
            spans.append((start, i))
            start, tokens = i, 0
        tokens += cost
    if start < len(estimates):
        spans.append((start, len(estimates)))
    return spans

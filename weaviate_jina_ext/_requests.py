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
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, cast

from weaviate_jina_ext._catalogue import (
    MODULE_MULTI2VEC,
    MODULE_TEXT2VEC,
    JinaModelInfo,
    ModelKind,
    UnknownModelWarning,
    find_model,
)
from weaviate_jina_ext._exceptions import (
    InvalidDimensionsError,
    InvalidTaskError,
    JinaConfigError,
    ModelModuleMismatchError,
)
from weaviate_jina_ext._module_rules import (
    canonical_module,
    combine_vectors,
    dimensions_problems,
    field_names_and_weights,
    model_problems,
    multi2vec_field_problems,
    weaviate_sends,
)
from weaviate_jina_ext._responses import (
    _finish_embeddings,
    _finish_multivectors,
    _finish_rerank,
    _Part,
    _read_embeddings,
    _read_multivectors,
    _read_rerank,
)
from weaviate_jina_ext._results import EmbeddingResult
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
    estimate_tokens_each,
)

if TYPE_CHECKING:
    from weaviate_jina_ext._results import MultiVectorResult, RerankResult

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
    """The requests a call needs, how to read each answer, and how to join the readings.

    ``read`` runs once per answer, as it arrives (so its parsed body can go at once);
    ``finish`` gets the parts in call order.
    """

    calls: tuple[_Call, ...]
    read: Callable[[_Call, dict[str, Any]], _Part]
    finish: Callable[[list[_Part]], _R]


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
        calls = _calls(EMBEDDINGS_PATH, base, items, spans)
        return _Plan(calls, _read_embeddings, lambda parts: _finish_embeddings(parts, model))

    def plan_embed_for_weaviate(
        self,
        texts: Sequence[str],
        *,
        model: str,
        dimensions: int | None,
        query: bool,
        module: str = MODULE_TEXT2VEC,
    ) -> _Plan[EmbeddingResult]:
        module = _byo_module(module)
        kinds = ("text-embedding",) if module == MODULE_TEXT2VEC else _EMBEDDING_KINDS
        info = _model_info(model, kinds, "embed_for_weaviate")
        _check_module_fit(module, model, dimensions, info)
        items = _check_texts(texts, "texts")
        flag("query", query)
        sends = weaviate_sends(module, model, query=query, dimensions=dimensions)
        fields = sends.body_fields()
        inputs: list[Any] = [{"text": t} for t in items] if sends.multimodal_input else items
        spans = self._spans(items, info, truncate=False, late_chunking=False)
        calls = _calls(EMBEDDINGS_PATH, {"model": model, **fields}, inputs, spans)
        return _Plan(calls, _read_embeddings, lambda parts: _finish_embeddings(parts, model))

    def plan_embed_objects_for_weaviate(
        self,
        objects: Sequence[Mapping[str, object]],
        *,
        model: str,
        text_fields: Sequence[object] | None,
        image_fields: Sequence[object] | None,
        dimensions: int | None,
    ) -> _Plan[EmbeddingResult]:
        info = _model_info(model, _EMBEDDING_KINDS, "embed_objects_for_weaviate")
        _check_module_fit(MODULE_MULTI2VEC, model, dimensions, info)
        texts, images, weights = field_names_and_weights(text_fields, image_fields)
        problems = multi2vec_field_problems(texts, images, weights)
        if problems:
            raise JinaConfigError("; ".join(problems))
        shares = _normalised_weights(weights.get("textFields", []) + weights.get("imageFields", []))
        rows = _check_objects(objects)
        inputs: list[dict[str, str]] = []
        counts: list[int] = []
        for i, row in enumerate(rows):
            row_texts, row_images = _object_inputs(row, set(texts or ()), set(images or ()), i)
            count = len(row_texts) + len(row_images)
            if count == 0:
                msg = (
                    f"objects[{i}] has none of the fields text_fields={texts!r}, "
                    f"image_fields={images!r} (Weaviate would store an empty vector); give at "
                    f"least one of them a value"
                )
                raise JinaConfigError(msg)
            if shares and count != len(shares):
                msg = (
                    f"objects[{i}] gives {count} inputs for {len(shares)} field weights; with "
                    f"weights, every weighted field must hold exactly one value (Weaviate "
                    f"applies the weights by position)"
                )
                raise JinaConfigError(msg)
            inputs += [{"text": t} for t in row_texts] + [{"image": b} for b in row_images]
            counts.append(count)
        estimates = [_input_tokens(item, info, i) for i, item in enumerate(inputs)]
        spans = _split(
            estimates, max_items=self._max_items(info), max_tokens=self._max_tokens_per_request
        )
        fields = weaviate_sends(
            MODULE_MULTI2VEC, model, query=False, dimensions=dimensions
        ).body_fields()
        calls = _calls(EMBEDDINGS_PATH, {"model": model, **fields}, inputs, spans)

        def finish(parts: list[_Part]) -> EmbeddingResult:
            flat = _finish_embeddings(parts, model)
            vectors: list[list[float]] = []
            start = 0
            for count in counts:
                vectors.append(combine_vectors(flat.vectors[start : start + count], shares))
                start += count
            return EmbeddingResult(vectors, flat.model, flat.usage)

        return _Plan(calls, _read_embeddings, finish)

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
        calls = _calls(MULTI_VECTOR_PATH, base, items, spans)
        return _Plan(calls, _read_multivectors, lambda parts: _finish_multivectors(parts, model))

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
            [tokens + query_tokens for tokens in estimate_tokens_each(docs)],
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
        return _Plan(
            tuple(calls),
            lambda call, payload: _read_rerank(
                call, payload, docs, return_documents=return_documents
            ),
            lambda parts: _finish_rerank(parts, model, top_n=top_n),
        )

    def _max_items(self, info: JinaModelInfo | None) -> int:
        cap = info.max_inputs if info is not None else _FALLBACK_MAX_INPUTS
        return cap if self._batch_size is None else min(self._batch_size, cap)

    def _spans(
        self, items: list[str], info: JinaModelInfo | None, *, truncate: bool, late_chunking: bool
    ) -> list[tuple[int, int]]:
        """Split ``items`` into request spans, or raise for inputs the API would reject."""
        estimates = estimate_tokens_each(items)
        if late_chunking:
            return self._late_chunking_span(estimates, info, truncate=truncate)
        if info is not None and estimates and max(estimates) > info.max_tokens:
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


# --------------------------------------------------------------------------- bring your own vectors

#: Modules whose vectors ``embed_for_weaviate`` reproduces (one vector per input).
_BYO_MODULES: Final = (MODULE_TEXT2VEC, MODULE_MULTI2VEC)
#: Estimated tokens of one image, for splitting requests only (the API counts its own).
_IMAGE_TOKENS: Final = 1000


def _calls(
    path: str, base: Mapping[str, Any], inputs: Sequence[Any], spans: Sequence[tuple[int, int]]
) -> tuple[_Call, ...]:
    """One request per span of ``inputs``, each ``base`` plus its slice as ``input``."""
    return tuple(
        _Call(path, {**base, "input": inputs[a:b]}, a, b - a, len(inputs)) for a, b in spans
    )


def _byo_module(module: object) -> str:
    name = canonical_module(module) if isinstance(module, str) else module
    if name not in _BYO_MODULES:
        msg = (
            f"module={module!r} is not one whose vectors embed_for_weaviate reproduces; "
            f"allowed: {', '.join(repr(m) for m in _BYO_MODULES)}"
        )
        raise JinaConfigError(msg)
    return str(name)


def _check_module_fit(
    module: str, model: str, dimensions: object, info: JinaModelInfo | None
) -> None:
    """Refuse a model the module cannot serve, or dimensions it (or the API) would refuse."""
    mismatch = model_problems(module, model) if info is not None else []
    if mismatch:
        raise ModelModuleMismatchError("; ".join(mismatch))
    wrong = dimensions_problems(module, model, dimensions, info=info)
    if wrong:
        raise InvalidDimensionsError("; ".join(wrong))


def _check_objects(objects: object) -> list[Mapping[str, object]]:
    if (
        isinstance(objects, Mapping)
        or not isinstance(objects, Sequence)
        or isinstance(objects, str)
    ):
        msg = (
            f"objects must be a sequence of property dicts (one per object), got "
            f"{type(objects).__name__}; wrap a single object: [properties]"
        )
        raise JinaConfigError(msg)
    rows = list(objects)
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            msg = f"objects[{i}] must be a dict of properties, got {type(row).__name__}"
            raise JinaConfigError(msg)
    return rows


def _object_inputs(
    row: Mapping[str, object], texts: set[str], images: set[str], index: int
) -> tuple[list[str], list[str]]:
    """One object's text and image inputs, in the order Weaviate sends them.

    Weaviate walks an object's properties in name order; a ``text[]`` value gives one input
    per element; texts go before images. Properties without a value are skipped.
    """
    row_texts: list[str] = []
    row_images: list[str] = []
    for prop in sorted(row):
        value = row[prop]
        if value is None or (prop not in texts and prop not in images):
            continue
        if isinstance(value, str):
            _check_utf8((value,), f"objects[{index}][{prop!r}]", single=True)
            if prop in images:
                row_images.append(value)
            if prop in texts:
                row_texts.append(value)
            continue
        if prop in texts and isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
            strings = cast("Sequence[str]", value)
            _check_utf8(strings, f"objects[{index}][{prop!r}]")
            row_texts.extend(strings)
            continue
        kind = "a base64 str" if prop in images else "a str or a list of str"
        msg = f"objects[{index}][{prop!r}] must be {kind}, got {type(value).__name__}"
        raise JinaConfigError(msg)
    return row_texts, row_images


def _input_tokens(item: Mapping[str, str], info: JinaModelInfo | None, index: int) -> int:
    if "image" in item:
        return _IMAGE_TOKENS
    tokens = estimate_tokens(item["text"])
    if info is not None and tokens > info.max_tokens:
        msg = (
            f"input {index} (a text field) is about {tokens} tokens (estimated at ~4 "
            f"characters a token), over the {info.max_tokens}-token limit of {info.name!r}; "
            f"Weaviate sends no truncate, so shorten the text"
        )
        raise JinaConfigError(msg)
    return tokens


def _normalised_weights(weights: Sequence[float]) -> list[float]:
    total = sum(weights)
    return [w / total for w in weights] if weights and total else []


# --------------------------------------------------------------------------- argument checks and splitting


def _check_query(query: object) -> None:
    if not isinstance(query, str):
        msg = f"query must be a str, got {type(query).__name__}"
        raise JinaConfigError(msg)
    _check_utf8((query,), "query", single=True)


def _check_texts(texts: object, name: str) -> list[str]:
    """Return ``texts`` as a list, or raise naming the first item that is not a str."""
    if isinstance(texts, str | bytes):
        msg = f"{name} must be a sequence of str, not a single {type(texts).__name__}; wrap it: [text]"
        raise JinaConfigError(msg)
    if not isinstance(texts, Sequence):
        msg = f"{name} must be a sequence of str (a list or tuple), got {type(texts).__name__}"
        raise JinaConfigError(msg)
    items = list(texts)
    if not set(map(type, items)) <= {str}:  # one C-level pass; the loop only finds the culprit
        for i, item in enumerate(items):
            if not isinstance(item, str):
                msg = f"{name}[{i}] must be a str, got {type(item).__name__}; convert it first"
                raise JinaConfigError(msg)
    _check_utf8(items, name)
    return items


def _check_utf8(texts: Sequence[str], name: str, *, single: bool = False) -> None:
    """Raise naming the first text that cannot be sent: a lone surrogate is not UTF-8.

    Checked while planning, so a bad text deep in a long call fails before any request is
    sent, not as a ``UnicodeEncodeError`` when its request is built. ASCII texts (the test
    is O(1) per text) need no encoding.
    """
    if all(map(str.isascii, texts)):
        return
    for i, text in enumerate(texts):
        try:
            text.encode()
        except UnicodeEncodeError as exc:
            where = name if single else f"{name}[{i}]"
            msg = (
                f"{where} holds a lone surrogate ({text[exc.start]!r} at character {exc.start}),"
                f" which is not valid UTF-8 and cannot be sent; remove it, or decode the "
                f"source with errors='replace'"
            )
            raise JinaConfigError(msg) from None


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
                "embed(), or embed_for_weaviate(module='multi2vec-jinaai') and "
                "embed_objects_for_weaviate() for a multi2vec-jinaai collection "
                "(text2vec-jinaai does not serve multimodal models)"
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

    Each span takes as many items as fit, in order; an item over the token budget on its own
    still gets a span of its own. Found by bisecting the running token sums, so a call of a
    hundred thousand texts costs a few list operations per request, not a loop per text.
    """
    totals = list(accumulate(estimates, initial=0))  # totals[i]: tokens of items [0, i)
    count = len(estimates)
    spans: list[tuple[int, int]] = []
    start = 0
    while start < count:
        fits = bisect_right(totals, totals[start] + max_tokens, start + 1, count + 1) - 1
        end = min(max(fits, start + 1), start + max_items)
        spans.append((start, end))
        start = end
    return spans

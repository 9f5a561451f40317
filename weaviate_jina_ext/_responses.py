"""Reading the Jina API's answers: result types from success bodies, facts from error answers.

Each success body is read into a :class:`_Part` as it arrives, and a call's parts are
merged into a :mod:`weaviate_jina_ext._results` value in input order; a body that does not
fit the API raises ``JinaAPIError``. From an error answer this module reads what the client's messages and
retries need: the ``Retry-After`` wait, a short body snippet, and the input or parameter a
400/422 names. Which exception an error answer becomes is the client's decision.

The client always asks for ``embedding_type: "float"``, so vectors arrive as JSON lists of
numbers and nothing needs decoding.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Final

from weaviate_jina_ext._exceptions import JinaAPIError
from weaviate_jina_ext._results import (
    EmbeddingResult,
    MultiVectorResult,
    RerankHit,
    RerankResult,
    TokenUsage,
)
from weaviate_jina_ext._rules import is_int, is_number
from weaviate_jina_ext._secrets import scrub_text
from weaviate_jina_ext._wire import RERANK_PATH

if TYPE_CHECKING:
    import httpx

    from weaviate_jina_ext._requests import _Call

#: Parameters a 400/422 ``detail`` may name; the message then shows the value we sent (the
#: model is always shown).
_BODY_PARAMETERS: Final = (
    "task",
    "dimensions",
    "normalized",
    "late_chunking",
    "truncate",
    "input_type",
    "top_n",
    "return_documents",
    "embedding_type",
)
_INPUT_INDEX = re.compile(r"\b(?:input|documents)\b\W{1,8}(\d+)")


# --------------------------------------------------------------------------- error answers


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), if any."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _snippet(response: httpx.Response) -> str:
    text = response.text.strip()
    return text if len(text) <= 200 else text[:200] + "…"


def _bad_request_hint(call: _Call, detail: str) -> str:
    """Point at the input or parameter a 400/422 ``detail`` names, with the value we sent."""
    hints = []
    match = _INPUT_INDEX.search(detail)
    if match is not None and int(match.group(1)) < call.count:
        field = "documents" if call.path == RERANK_PATH else "texts"
        hints.append(f"it concerns {field}[{call.start + int(match.group(1))}]")
    for name in _BODY_PARAMETERS:
        if name in call.body and re.search(rf"\b{name}\b", detail, re.IGNORECASE):
            hints.append(f"{name}={call.body[name]!r} was sent")
    return "; " + "; ".join(hints) if hints else ""


# --------------------------------------------------------------------------- success bodies


def _malformed(call: _Call, what: str) -> JinaAPIError:
    msg = f"{call.describe()} got an answer that does not fit the Jina API: {what}"
    return JinaAPIError(msg, status_code=200, detail=what)


def _usage(payload: dict[str, Any]) -> TokenUsage:
    usage = payload.get("usage")
    if not isinstance(usage, dict):
        return TokenUsage()
    total = usage.get("total_tokens")
    total_i = total if is_int(total) else 0
    prompt = usage.get("prompt_tokens")
    return TokenUsage(total_i, prompt if is_int(prompt) else total_i)


def _data_in_order(call: _Call, payload: dict[str, Any], fields: tuple[str, ...]) -> list[Any]:
    """The ``data`` items' vectors sorted by ``index``; one per input of ``call``."""
    data: object = payload.get("data")
    if not isinstance(data, list) or len(data) != call.count:
        got = len(data) if isinstance(data, list) else "no"
        raise _malformed(call, f"{got} data items for {call.count} inputs")
    count = call.count
    slots: list[object] = [None] * count
    first = fields[0]
    for item in data:
        # The usual item, checked with as few calls as possible (thousands per answer);
        # anything else takes the careful path, which also words the error.
        try:
            index = item["index"]
            vector = item[first]
        except (TypeError, KeyError):
            index = vector = None
        if (
            type(index) is not int
            or type(vector) is not list
            or not 0 <= index < count
            or slots[index] is not None
        ):
            index, vector = _checked_item(call, item, slots, fields)
        slots[index] = vector
    return slots


def _checked_item(
    call: _Call, item: object, slots: list[object], fields: tuple[str, ...]
) -> tuple[int, list[Any]]:
    """The index and vector of an item that is not the usual shape, or the error it is."""
    index: object = item.get("index") if isinstance(item, dict) else None
    if (
        not isinstance(item, dict)
        or not is_int(index)
        or not 0 <= index < call.count
        or slots[index] is not None
    ):
        what = f"a data item with a missing, repeated or out-of-range index ({index!r})"
        raise _malformed(call, what)
    vector = next((item[f] for f in fields if isinstance(item.get(f), list)), None)
    if vector is None:
        raise _malformed(call, f"data[{index}] has no {' or '.join(fields)} list")
    return index, vector


@dataclass(frozen=True, slots=True)
class _Part:
    """What one answer contributes to its call's result, read as soon as it arrives.

    Reading each answer on arrival lets its body go at once: holding every parsed body of a
    call until the last arrives would keep thousands of dicts per answer alive for the
    garbage collector to walk again and again.

    Attributes:
        items: Vectors (in the order of the call's inputs) or rerank hits.
        usage: The tokens this answer counted.
        model: The model the answer named, if any (not yet cleared of keys).
    """

    items: list[Any]
    usage: TokenUsage
    model: object


def _merged(parts: Sequence[_Part], requested: str) -> tuple[list[Any], str, TokenUsage]:
    """The parts' items in call order, the model the API named, and the summed usage."""
    items: list[Any] = []
    usage = TokenUsage()
    for part in parts:
        items += part.items
        usage += part.usage
    return items, _response_model(parts, requested), usage


def _response_model(parts: Sequence[_Part], requested: str) -> str:
    """The model the API named (cleared of keys: a proxy may echo anything), else the requested."""
    for part in parts:
        if isinstance(part.model, str) and part.model:
            return scrub_text(part.model)
    return requested


def _read_embeddings(call: _Call, payload: dict[str, Any]) -> _Part:
    """One ``/v1/embeddings`` answer: a vector per input of ``call``."""
    vectors = _data_in_order(call, payload, ("embedding", "embeddings"))
    return _Part(vectors, _usage(payload), payload.get("model"))


def _read_multivectors(call: _Call, payload: dict[str, Any]) -> _Part:
    """One ``/v1/multi-vector`` answer: a matrix per input of ``call``."""
    vectors = _data_in_order(call, payload, ("embeddings", "embedding"))
    return _Part(vectors, _usage(payload), payload.get("model"))


def _finish_embeddings(parts: Sequence[_Part], model: str) -> EmbeddingResult:
    return EmbeddingResult(*_merged(parts, model))


def _finish_multivectors(parts: Sequence[_Part], model: str) -> MultiVectorResult:
    return MultiVectorResult(*_merged(parts, model))


def _read_rerank(
    call: _Call, payload: dict[str, Any], documents: list[str], *, return_documents: bool
) -> _Part:
    """One ``/v1/rerank`` answer: its hits, with positions in the caller's ``documents``."""
    results: object = payload.get("results")
    if not isinstance(results, list):
        raise _malformed(call, "no results list")
    hits: list[RerankHit] = []
    for item in results:
        if not isinstance(item, dict):
            raise _malformed(call, f"a result that is not an object ({type(item).__name__})")
        index: object = item.get("index")
        score: object = item.get("relevance_score")
        if not is_int(index) or not 0 <= index < call.count or not is_number(score):
            what = f"a result without a valid index and relevance_score ({index!r}, {score!r})"
            raise _malformed(call, what)
        position = call.start + index
        text = _document_text(item.get("document"), documents[position])
        hits.append(RerankHit(position, float(score), text if return_documents else None))
    return _Part(hits, _usage(payload), payload.get("model"))


def _finish_rerank(parts: Sequence[_Part], model: str, *, top_n: int | None) -> RerankResult:
    hits, named, usage = _merged(parts, model)
    hits.sort(key=lambda hit: hit.relevance_score, reverse=True)
    return RerankResult(hits if top_n is None else hits[:top_n], named, usage)


def _document_text(document: object, sent: str) -> str:
    """The hit's text: a plain string (current API), ``{"text": ...}`` (older), else as sent."""
    if isinstance(document, str):
        return document
    if isinstance(document, dict) and isinstance(document.get("text"), str):
        return str(document["text"])
    return sent

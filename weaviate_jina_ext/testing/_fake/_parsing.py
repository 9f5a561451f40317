"""Reading a request body into a job, or into the Jina error answer that says what is wrong.

Each endpoint (``/v1/embeddings``, ``/v1/multi-vector``, ``/v1/rerank``) has a parser that
checks the body against the model catalogue the way the real API does (fields, types,
tasks, ``dimensions``, input counts and lengths, images only for multimodal models) and
returns an :class:`EmbedJob` or a :class:`RerankJob` that holds everything needed to answer.
A bad body raises :class:`~weaviate_jina_ext.testing._fake._answers.ErrorAnswer`: 422 for
validation errors (``INPUT_TOKEN_LIMIT_EXCEEDED`` for overlong inputs), 400
``INPUT_MODEL_NOT_FOUND`` for unknown models in strict mode.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from weaviate_jina_ext import _wire
from weaviate_jina_ext._catalogue import find_model
from weaviate_jina_ext._exceptions import InvalidDimensionsError, InvalidTaskError
from weaviate_jina_ext._rules import is_positive_int, valid_dimensions, valid_task
from weaviate_jina_ext.testing._fake._answers import ErrorAnswer, invalid
from weaviate_jina_ext.testing._fake._embedder import IMAGE_KEY_PREFIX

if TYPE_CHECKING:
    from collections.abc import Mapping

    from weaviate_jina_ext._catalogue import JinaModelInfo

__all__ = [
    "EmbedJob",
    "RerankJob",
    "parse_embeddings",
    "parse_multi_vector",
    "parse_rerank",
    "require_dict",
]

_UNKNOWN_MODEL_DIMS: Final = 768
_UNKNOWN_MODEL_MAX_TOKENS: Final = 8192
_UNKNOWN_MODEL_MAX_INPUTS: Final = 2048
_MULTIVECTOR_TOKEN_DIMS: Final = 128  # jina-embeddings-v4 with return_multivector
_COLBERT_QUERY_TOKENS: Final = 32  # ColBERT queries are cut to 32 tokens
_IMAGE_TOKENS: Final = 1000  # an arbitrary, documented charge per image
_EMBEDDING_TYPES: Final = ("float", "base64", "binary", "ubinary")
_EMBED_FIELDS: Final = frozenset(
    {
        "model",
        "input",
        "embedding_type",
        "encoding_type",
        "encoding_format",  # OpenAI's name; OpenAI-compatible clients send it
        "task",
        "dimensions",
        "normalized",
        "late_chunking",
        "truncate",
        "return_multivector",
    }
)
_MULTI_FIELDS: Final = frozenset(
    {"model", "input", "input_type", "embedding_type", "encoding_type", "dimensions"}
)
_RERANK_FIELDS: Final = frozenset({"model", "query", "documents", "top_n", "return_documents"})
_DATA_URI_RE: Final = re.compile(r"data:[^,;]*(?:;[^,;]*)*;base64,(.*)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class _Item:
    key: str  # what the embedder sees
    tokens: int
    source: str  # what rerank echoes as ``document``


@dataclass(frozen=True, slots=True)
class EmbedJob:
    """A valid embeddings or multi-vector request: what to embed and how to answer."""

    model: str
    keys: list[str]
    tokens: int
    task: str | None
    full_dims: int
    out_dims: int
    normalized: bool
    late_chunking: bool
    per_token: bool
    token_cap: int
    types: tuple[str, ...]
    listed_types: bool
    object_name: str


@dataclass(frozen=True, slots=True)
class RerankJob:
    """A valid rerank request: the query, the documents and what to return."""

    model: str
    query: _Item
    documents: list[_Item]
    top_n: int | None
    return_documents: bool
    tokens: int


def require_dict(payload: object) -> dict[str, Any]:
    """Return ``payload`` if it is a JSON object, else raise a 422."""
    if not isinstance(payload, dict):
        msg = f"request body must be a JSON object, got {type(payload).__name__}"
        raise invalid(msg)
    return payload


def _check_fields(payload: Mapping[str, Any], allowed: frozenset[str], strict: bool) -> None:
    if not strict:
        return
    unknown = sorted(set(payload) - allowed)
    if unknown:
        msg = (
            f"Validation error: extra fields not permitted: {', '.join(unknown)}; "
            f"allowed fields: {', '.join(sorted(allowed))}"
        )
        raise invalid(msg)


def _get_bool(payload: Mapping[str, Any], name: str, default: bool) -> bool:
    value = payload.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        msg = f"{name} must be a boolean, got {value!r}"
        raise invalid(msg)
    return value


def _get_model(payload: Mapping[str, Any], strict: bool) -> tuple[str, JinaModelInfo | None]:
    model = payload.get("model")
    if model is None:
        msg = "you must provide a model parameter"
        raise invalid(msg)
    if not isinstance(model, str) or not model:
        msg = f"model must be a non-empty string, got {model!r}"
        raise invalid(msg)
    info = find_model(model)
    if info is None and strict:
        msg = f"Model '{model}' not found"
        raise ErrorAnswer(400, msg, _wire.CODE_MODEL_NOT_FOUND)
    return model, info


def _decode_base64(value: str, what: str) -> bytes:
    match = _DATA_URI_RE.fullmatch(value)
    try:
        return base64.b64decode(match.group(1) if match else value, validate=True)
    except (binascii.Error, ValueError):
        msg = f"{what} is neither an http(s) URL, a data URI nor valid base64"
        raise invalid(msg) from None


def _image_item(kind: str, value: object) -> _Item:
    if not isinstance(value, str) or not value:
        msg = f"input {{'{kind}': ...}} must hold a non-empty string"
        raise invalid(msg)
    is_url = value.startswith(("http://", "https://"))
    if kind == "url" and not is_url and not value.startswith("data:"):
        msg = f"{value[:40]!r} does not have a valid URL schema (http or https)"
        raise invalid(msg)
    if kind == "bytes" and is_url:
        msg = "input {'bytes': ...} must be base64, not a URL; use {'url': ...}"
        raise invalid(msg)
    content = value.encode() if is_url else _decode_base64(value, f"input {{'{kind}': ...}}")
    digest = hashlib.sha256(content).hexdigest()
    return _Item(IMAGE_KEY_PREFIX + digest, _IMAGE_TOKENS, value)


def _parse_item(raw: object, *, images: bool, position: str) -> _Item:
    if isinstance(raw, str):
        if images and raw.startswith("data:image/"):
            return _image_item("image", raw)
        return _Item(raw, _wire.estimate_tokens(raw), raw)
    if isinstance(raw, dict):
        kinds = [k for k in ("image", "url", "bytes", "pdf") if k in raw]
        if "text" in raw and not kinds:
            text = raw["text"]
            if not isinstance(text, str):
                msg = f"{position}: 'text' must be a string, got {text!r:.80}"
                raise invalid(msg)
            return _Item(text, _wire.estimate_tokens(text), text)
        if len(kinds) == 1 and "text" not in raw:
            if not images:
                msg = f"{position}: this model accepts text only; images need a multimodal model"
                raise invalid(msg)
            return _image_item(kinds[0], raw[kinds[0]])
    msg = (
        f"{position} must be a string, {{'text': str}} or one image object "
        f"({{'image'|'url'|'bytes': str}}), got {raw!r:.80}"
    )
    raise invalid(msg)


def _parse_inputs(raw: object, *, images: bool, field_name: str = "input") -> list[_Item]:
    if raw is None:
        msg = f'"{field_name}" field missing'
        raise invalid(msg)
    entries = raw if isinstance(raw, list) else [raw]
    if not entries:
        msg = f"{field_name} must not be an empty list"
        raise invalid(msg)
    return [
        _parse_item(e, images=images, position=f"{field_name}[{i}]") for i, e in enumerate(entries)
    ]


def _parse_types(payload: Mapping[str, Any]) -> tuple[tuple[str, ...], bool]:
    given = {
        name: payload[name]
        for name in ("embedding_type", "encoding_type", "encoding_format")
        if payload.get(name) is not None
    }
    if not given:
        return ("float",), False
    distinct = {json.dumps(v, sort_keys=True) for v in given.values()}
    if len(distinct) > 1:
        msg = f"conflicting output types {given!r}; send one of embedding_type/encoding_type"
        raise invalid(msg)
    name, value = next(iter(given.items()))
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v in _EMBEDDING_TYPES for v in values):
        msg = f"{name}={value!r} is not valid; allowed: {', '.join(_EMBEDDING_TYPES)} or a list"
        raise invalid(msg)
    return tuple(dict.fromkeys(values)), isinstance(value, list)


def _check_lengths(
    items: list[_Item], *, max_tokens: int, truncate: bool, late_chunking: bool
) -> list[_Item]:
    out: list[_Item] = []
    for i, item in enumerate(items):
        if item.tokens <= max_tokens or item.key.startswith(IMAGE_KEY_PREFIX):
            out.append(item)
            continue
        if not truncate:
            msg = (
                f"input[{i}] is about {item.tokens} tokens, over the model's limit of "
                f"{max_tokens}; shorten it or send truncate=true"
            )
            raise invalid(msg, _wire.CODE_TOKEN_LIMIT)
        cut = item.key[: max_tokens * 4]
        out.append(_Item(cut, _wire.estimate_tokens(cut), item.source))
    total = sum(item.tokens for item in out)
    if late_chunking and total > max_tokens and not truncate:
        msg = (
            f"late_chunking joins all inputs into one context of about {total} tokens, over "
            f"the model's limit of {max_tokens}; send fewer inputs or truncate=true"
        )
        raise invalid(msg, _wire.CODE_TOKEN_LIMIT)
    return out


def _check_count(items: list[_Item], info: JinaModelInfo | None, model: str) -> None:
    limit = info.max_inputs if info else _UNKNOWN_MODEL_MAX_INPUTS
    if len(items) > limit:
        msg = (
            f"Each input list can contain at most {limit} items for {model!r}, "
            f"got {len(items)}; split the request"
        )
        raise invalid(msg)


# The type checks keep the API's own wording; what a model accepts is the library's rule
# (``_rules``), judged on the catalogue entry the request's model was looked up to once.


def _check_dims(info: JinaModelInfo | None, dims: object) -> int | None:
    if dims is None:
        return None
    if not is_positive_int(dims):
        msg = f"dimensions must be a positive integer, got {dims!r}"
        raise invalid(msg)
    try:
        return valid_dimensions(dims, info)
    except InvalidDimensionsError as exc:
        raise invalid(str(exc)) from None


def _check_task(info: JinaModelInfo | None, task: object) -> str | None:
    if task is None:
        return None
    if not isinstance(task, str):
        msg = f"task must be a string, got {task!r}"
        raise invalid(msg)
    try:
        return valid_task(task, info)
    except InvalidTaskError as exc:
        raise invalid(str(exc)) from None


def _wrong_endpoint(model: str, info: JinaModelInfo | None, allowed: set[str]) -> None:
    if info is None or info.kind in allowed:
        return
    endpoint = {
        "reranker": _wire.RERANK_PATH,
        "multi-vector": _wire.MULTI_VECTOR_PATH,
    }.get(info.kind, _wire.EMBEDDINGS_PATH)
    msg = f"model {model!r} is a {info.kind} model; send it to {endpoint}"
    raise invalid(msg)


def parse_embeddings(payload: dict[str, Any], strict: bool) -> EmbedJob:
    """Check a ``/v1/embeddings`` body; ``strict`` refuses unknown fields and models."""
    _check_fields(payload, _EMBED_FIELDS, strict)
    model, info = _get_model(payload, strict)
    _wrong_endpoint(model, info, {"text-embedding", "multimodal-embedding"})
    images = info is None or info.kind == "multimodal-embedding" or "v4" in model
    items = _parse_inputs(payload.get("input"), images=images)
    _check_count(items, info, model)
    types, listed = _parse_types(payload)
    task = _check_task(info, payload.get("task"))
    dims = _check_dims(info, payload.get("dimensions"))
    truncate = _get_bool(payload, "truncate", default=False)
    late = _get_bool(payload, "late_chunking", default=False)
    normalized = _get_bool(payload, "normalized", default=True)
    multivector = _get_bool(payload, "return_multivector", default=False)
    if multivector and info is not None and "v4" not in model:
        msg = f"return_multivector is only supported by jina-embeddings-v4, not {model!r}"
        raise invalid(msg)
    max_tokens = info.max_tokens if info else _UNKNOWN_MODEL_MAX_TOKENS
    items = _check_lengths(items, max_tokens=max_tokens, truncate=truncate, late_chunking=late)
    default = (info.default_dimensions if info else None) or _UNKNOWN_MODEL_DIMS
    out_dims = _MULTIVECTOR_TOKEN_DIMS if multivector else (dims or default)
    return EmbedJob(
        model=model,
        keys=[item.key for item in items],
        tokens=sum(item.tokens for item in items),
        task=task,
        full_dims=out_dims if multivector else max(default, out_dims),
        out_dims=out_dims,
        normalized=normalized,
        late_chunking=late,
        per_token=multivector,
        token_cap=max_tokens,
        types=types,
        listed_types=listed,
        object_name="embeddings" if multivector else "embedding",
    )


def parse_multi_vector(payload: dict[str, Any], strict: bool) -> EmbedJob:
    """Check a ``/v1/multi-vector`` body; ``strict`` refuses unknown fields and models."""
    _check_fields(payload, _MULTI_FIELDS, strict)
    model, info = _get_model(payload, strict)
    _wrong_endpoint(model, info, {"multi-vector"})
    items = _parse_inputs(payload.get("input"), images=False)
    _check_count(items, info, model)
    types, listed = _parse_types(payload)
    input_type = payload.get("input_type", "document")
    if input_type not in ("query", "document"):
        msg = f"input_type={input_type!r} is not valid; allowed: query, document"
        raise invalid(msg)
    dims = _check_dims(info, payload.get("dimensions"))
    default = (info.default_dimensions if info else None) or 128
    max_tokens = info.max_tokens if info else _UNKNOWN_MODEL_MAX_TOKENS
    cap = _COLBERT_QUERY_TOKENS if input_type == "query" else max_tokens
    out_dims = dims or default
    return EmbedJob(
        model=model,
        keys=[item.key for item in items],
        tokens=sum(min(item.tokens, cap) for item in items),
        task=input_type,
        full_dims=max(default, out_dims),
        out_dims=out_dims,
        normalized=True,
        late_chunking=False,
        per_token=True,
        token_cap=cap,
        types=types,
        listed_types=listed,
        object_name="embeddings",
    )


def parse_rerank(payload: dict[str, Any], strict: bool) -> RerankJob:
    """Check a ``/v1/rerank`` body; ``strict`` refuses unknown fields and models."""
    _check_fields(payload, _RERANK_FIELDS, strict)
    model, info = _get_model(payload, strict)
    _wrong_endpoint(model, info, {"reranker", "multi-vector"})
    images = info is None or model == "jina-reranker-m0"
    query_raw = payload.get("query")
    if query_raw is None:
        msg = '"query" field missing'
        raise invalid(msg)
    if isinstance(query_raw, list):
        msg = "query must be a single string or {'text': str}, not a list"
        raise invalid(msg)
    query = _parse_item(query_raw, images=images, position="query")
    documents = _parse_inputs(payload.get("documents"), images=images, field_name="documents")
    _check_count(documents, info, model)
    top_n = payload.get("top_n")
    if top_n is not None and not is_positive_int(top_n):
        msg = f"top_n must be a positive integer (or null for all documents), got {top_n!r}"
        raise invalid(msg)
    return RerankJob(
        model=model,
        query=query,
        documents=documents,
        top_n=top_n,
        return_documents=_get_bool(payload, "return_documents", default=True),
        tokens=sum(query.tokens + d.tokens for d in documents),
    )

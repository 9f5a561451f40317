"""Reading a request body into a job, or into the Jina error answer that says what is wrong.

Each endpoint (``/v1/embeddings``, ``/v1/multi-vector``, ``/v1/rerank``) has a parser that
checks the body the way the real API does and returns an :class:`EmbedJob` or a
:class:`RerankJob` holding everything needed to answer. What a model accepts is the
catalogue's (:mod:`weaviate_jina_ext._catalogue`) and judged by the library's rules
(:mod:`weaviate_jina_ext._rules`): its body fields, tasks, ``dimensions``, input count and
length, and which kinds of input (text, image, PDF, audio, video) it embeds.

Strict (the default, like the API): a field outside the model's request schema is a 422
``extra_forbidden`` (all such fields listed at once) and an unknown model a 400
``INPUT_MODEL_NOT_FOUND``. Lenient: such fields are ignored and unknown models are served
(768 dimensions). Every other problem is a 422 in the API's validation shape
(:func:`~weaviate_jina_ext.testing._fake._answers.validation_failed`), with
``INPUT_TOKEN_LIMIT_EXCEEDED`` for an input over the model's context unless ``truncate``.
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
from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._rules import (
    extra_fields,
    is_positive_int,
    valid_dimensions,
    valid_input_kind,
    valid_task,
)
from weaviate_jina_ext.testing._fake._answers import (
    BODY,
    ErrorAnswer,
    FieldError,
    invalid,
    validation_failed,
)
from weaviate_jina_ext.testing._fake._embedder import IMAGE_KEY_PREFIX

if TYPE_CHECKING:
    from weaviate_jina_ext._catalogue import Endpoint, InputKind, JinaModelInfo

__all__ = [
    "EmbedJob",
    "RerankJob",
    "parse_embeddings",
    "parse_multi_vector",
    "parse_rerank",
    "require_dict",
]

_MODEL_FIELD: Final = f"{BODY} -> model"
_UNKNOWN_MODEL_DIMS: Final = 768
_UNKNOWN_MODEL_MAX_TOKENS: Final = 8192
_UNKNOWN_MODEL_MAX_INPUTS: Final = 2048
_MULTIVECTOR_TOKEN_DIMS: Final = 128  # jina-embeddings-v4 with return_multivector
_COLBERT_QUERY_TOKENS: Final = 32  # ColBERT queries are cut to 32 tokens
_MEDIA_TOKENS: Final = 1000  # an arbitrary, documented charge per image, PDF, audio or video
_EMBEDDING_TYPES: Final = ("float", "base64", "binary", "ubinary")
_TYPE_FIELDS: Final = ("embedding_type", "encoding_type", "encoding_format")
# Keys of an input object and the kind of input each holds (images: any of three keys).
_MEDIA_KEYS: Final[dict[str, InputKind]] = {
    "image": "image",
    "url": "image",
    "bytes": "image",
    "pdf": "pdf",
    "audio": "audio",
    "video": "video",
}
_DATA_URI_RE: Final = re.compile(r"data:[^,;]*(?:;[^,;]*)*;base64,(.*)", re.DOTALL)
# What ``return_documents`` defaults to: true in Jina's API guide (2026) and in the live
# answers Weaviate parses (weaviate/weaviate#9709, 2025-11-17, a request without the field
# got documents back); langgenius/dify-official-plugins#1799 (2025-10-01) reported false.
_RETURN_DOCUMENTS_DEFAULT: Final = True
# What ``normalized`` defaults to where a model's schema has it: false in Jina's API guide
# (2026); jinaai-api-schemas 0.0.89 (2025-04) said true. Models without the field (v4, the
# code models) answer unit vectors.
_NORMALIZED_DEFAULT: Final = False


@dataclass(frozen=True, slots=True)
class _Item:
    key: str  # what the embedder sees
    tokens: int
    source: Any  # what rerank echoes as ``document``: the request's string or object


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


@dataclass(frozen=True, slots=True)
class _Request:
    """A body whose model is resolved and whose fields fit that model's schema."""

    model: str
    info: JinaModelInfo | None
    fields: dict[str, Any]

    def at(self, *path: str | int) -> str:
        """Where a problem is, as the API writes it: ``body -> <model> -> <field> -> ...``."""
        return " -> ".join(("body", self.model, *(str(p) for p in path)))

    def get_bool(self, name: str, default: bool) -> bool:
        value = self.fields.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise invalid(
                self.at(name), "Input should be a valid boolean", kind="bool_type", value=value
            )
        return value


def require_dict(payload: object) -> dict[str, Any]:
    """Return ``payload`` if it is a JSON object, else raise a 422."""
    if not isinstance(payload, dict):
        msg = f"request body must be a JSON object, got {type(payload).__name__}"
        raise invalid(BODY, msg, kind="model_attributes_type", value=None)
    return payload


def _resolve(
    payload: dict[str, Any], endpoint: Endpoint, kinds: set[str], strict: bool
) -> _Request:
    """Look the model up and hold the body to that model's schema (or drop the rest).

    A known model of a kind outside ``kinds`` is sent to the wrong endpoint: a 422 naming
    the right one, before its fields are judged.
    """
    model = payload.get("model")
    if model is None:
        msg = "Field required; you must provide a model parameter"
        raise invalid(_MODEL_FIELD, msg, kind="missing", value=None)
    if not isinstance(model, str) or not model:
        msg = f"model must be a non-empty string naming a Jina model, got {model!r}"
        raise invalid(_MODEL_FIELD, msg, kind="string_type", value=model)
    info = find_model(model)
    if info is None:
        if strict:
            raise ErrorAnswer(400, f"Model '{model}' not found", _wire.CODE_MODEL_NOT_FOUND)
        return _Request(model, None, dict(payload))
    _wrong_endpoint(_Request(model, info, payload), kinds)
    extras = extra_fields(payload, info, endpoint)
    request = _Request(model, info, {k: v for k, v in payload.items() if k not in extras})
    if extras and strict:
        raise validation_failed(
            [
                FieldError(
                    request.at(name),
                    "Extra inputs are not permitted",
                    "extra_forbidden",
                    payload[name],
                )
                for name in extras
            ]
        )
    return request


def _wrong_endpoint(request: _Request, allowed: set[str]) -> None:
    info = request.info
    if info is None or info.kind in allowed:
        return
    endpoint = {
        "reranker": _wire.RERANK_PATH,
        "multi-vector": _wire.MULTI_VECTOR_PATH,
    }.get(info.kind, _wire.EMBEDDINGS_PATH)
    msg = f"model {request.model!r} is a {info.kind} model; send it to {endpoint}"
    raise invalid(request.at(), msg, value=request.model)


def _decode_base64(value: str, where: str, what: str) -> bytes:
    match = _DATA_URI_RE.fullmatch(value)
    try:
        return base64.b64decode(match.group(1) if match else value, validate=True)
    except (binascii.Error, ValueError):
        msg = f"{what} is neither an http(s) URL, a data URI nor valid base64"
        raise invalid(where, msg, value=value[:80]) from None


def _media_item(request: _Request, key: str, value: object, where: str) -> _Item:
    kind = _MEDIA_KEYS[key]
    try:
        valid_input_kind(kind, request.info)
    except JinaConfigError as exc:
        raise invalid(where, str(exc), value={key: str(value)[:80]}) from None
    if not isinstance(value, str) or not value:
        msg = f"input {{'{key}': ...}} must hold a non-empty string"
        raise invalid(where, msg, kind="string_type", value={key: value})
    is_url = value.startswith(("http://", "https://"))
    if key == "url" and not is_url and not value.startswith("data:"):
        msg = f"{value[:40]!r} does not have a valid URL schema (http or https)"
        raise invalid(where, msg, value=value[:80])
    if key == "bytes" and is_url:
        msg = "input {'bytes': ...} must be base64, not a URL; use {'url': ...}"
        raise invalid(where, msg, value=value[:80])
    content = value.encode() if is_url else _decode_base64(value, where, f"input {{'{key}': ...}}")
    digest = hashlib.sha256(content).hexdigest()
    label = "" if kind == "image" else f"{kind}:"
    return _Item(IMAGE_KEY_PREFIX + label + digest, _MEDIA_TOKENS, value)


def _parse_item(request: _Request, raw: object, path: tuple[str | int, ...]) -> _Item:
    """One input of a request, checked.

    ``path`` locates the input for an error; its text is built only when needed, since a
    plain string (thousands per request) needs none.
    """
    if isinstance(raw, str):
        if raw.startswith("data:image/") and (
            request.info is None or request.info.takes_input("image")
        ):
            return _media_item(request, "image", raw, request.at(*path))
        return _Item(raw, _wire.estimate_tokens(raw), raw)
    where = request.at(*path)
    if isinstance(raw, dict):
        keys = [k for k in _MEDIA_KEYS if k in raw]
        if "text" in raw and not keys:
            text = raw["text"]
            if not isinstance(text, str):
                msg = f"'text' must be a string, got {text!r:.80}"
                raise invalid(where, msg, kind="string_type", value=text)
            return _Item(text, _wire.estimate_tokens(text), raw)
        if len(keys) == 1 and "text" not in raw:
            return _media_item(request, keys[0], raw[keys[0]], where)
    msg = (
        "must be a string, {'text': str} or one input object "
        "({'image'|'url'|'bytes'|'pdf'|'audio'|'video': str})"
    )
    raise invalid(where, msg, value=raw)


def _parse_inputs(request: _Request, field_name: str = "input") -> list[_Item]:
    raw = request.fields.get(field_name)
    if raw is None:
        msg = f'Field required; "{field_name}" field missing'
        raise invalid(request.at(field_name), msg, kind="missing", value=None)
    entries = raw if isinstance(raw, list) else [raw]
    if not entries:
        msg = f"{field_name} must not be an empty list"
        raise invalid(request.at(field_name), msg, kind="too_short", value=raw)
    items = [_parse_item(request, e, (field_name, i)) for i, e in enumerate(entries)]
    limit = request.info.max_inputs if request.info else _UNKNOWN_MODEL_MAX_INPUTS
    if len(items) > limit:
        # The API's own words (langgenius/dify-official-plugins#1997), at the model level.
        msg = f"Each input list can contain at most {limit} items."
        raise invalid(request.at(), msg, value=len(items))
    return items


def _parse_types(request: _Request) -> tuple[tuple[str, ...], bool]:
    given = {
        name: request.fields[name] for name in _TYPE_FIELDS if request.fields.get(name) is not None
    }
    if not given:
        return ("float",), False
    distinct = {json.dumps(v, sort_keys=True) for v in given.values()}
    name, value = next(iter(given.items()))
    if len(distinct) > 1:
        msg = f"conflicting output types {given!r}; send one of embedding_type/encoding_type"
        raise invalid(request.at(name), msg, value=value)
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v in _EMBEDDING_TYPES for v in values):
        msg = f"Input should be one of {', '.join(_EMBEDDING_TYPES)}, or a list of them"
        raise invalid(request.at(name), msg, kind="literal_error", value=value)
    return tuple(dict.fromkeys(values)), isinstance(value, list)


def _check_lengths(
    request: _Request, items: list[_Item], *, max_tokens: int, truncate: bool, late_chunking: bool
) -> list[_Item]:
    out: list[_Item] = []
    for i, item in enumerate(items):
        if item.tokens <= max_tokens or item.key.startswith(IMAGE_KEY_PREFIX):
            out.append(item)
            continue
        if not truncate:
            msg = (
                f"input is about {item.tokens} tokens, over the model's limit of "
                f"{max_tokens}; shorten it or send truncate=true"
            )
            raise invalid(
                request.at("input", i), msg, value=item.key[:80], code=_wire.CODE_TOKEN_LIMIT
            )
        cut = item.key[: max_tokens * 4]
        out.append(_Item(cut, _wire.estimate_tokens(cut), item.source))
    total = sum(item.tokens for item in out)
    if late_chunking and total > max_tokens and not truncate:
        msg = (
            f"late_chunking joins all inputs into one context of about {total} tokens, over "
            f"the model's limit of {max_tokens}; send fewer inputs or truncate=true"
        )
        raise invalid(request.at("input"), msg, value=total, code=_wire.CODE_TOKEN_LIMIT)
    return out


# The type checks keep the API's own wording; what a model accepts is the library's rule
# (``_rules``), judged on the catalogue entry the request's model was looked up to once.


def _check_dims(request: _Request) -> int | None:
    dims = request.fields.get("dimensions")
    if dims is None:
        return None
    if not is_positive_int(dims):
        msg = "Input should be a valid positive integer"
        raise invalid(request.at("dimensions"), msg, kind="int_type", value=dims)
    try:
        return valid_dimensions(dims, request.info)
    except JinaConfigError as exc:
        raise invalid(request.at("dimensions"), str(exc), value=dims) from None


def _check_task(request: _Request) -> str | None:
    task = request.fields.get("task")
    if task is None:
        return None
    if not isinstance(task, str):
        msg = "Input should be a valid string"
        raise invalid(request.at("task"), msg, kind="string_type", value=task)
    try:
        return valid_task(task, request.info)
    except JinaConfigError as exc:
        raise invalid(request.at("task"), str(exc), kind="literal_error", value=task) from None


def parse_embeddings(payload: dict[str, Any], strict: bool) -> EmbedJob:
    """Check a ``/v1/embeddings`` body; ``strict`` refuses unknown fields and models."""
    request = _resolve(payload, "embeddings", {"text-embedding", "multimodal-embedding"}, strict)
    info, model = request.info, request.model
    items = _parse_inputs(request)
    types, listed = _parse_types(request)
    task = _check_task(request)
    dims = _check_dims(request)
    truncate = request.get_bool("truncate", default=False)
    late = request.get_bool("late_chunking", default=False)
    has_switch = info is None or info.takes_normalized
    normalized = request.get_bool("normalized", _NORMALIZED_DEFAULT) if has_switch else True
    multivector = request.get_bool("return_multivector", default=False)
    max_tokens = info.max_tokens if info else _UNKNOWN_MODEL_MAX_TOKENS
    items = _check_lengths(request, items, max_tokens=max_tokens, truncate=truncate,
                           late_chunking=late)  # fmt: skip
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
    request = _resolve(payload, "multi-vector", {"multi-vector"}, strict)
    info = request.info
    items = _parse_inputs(request)
    types, listed = _parse_types(request)
    input_type = request.fields.get("input_type", "document")
    if input_type not in ("query", "document"):
        msg = "Input should be 'query' or 'document'"
        raise invalid(request.at("input_type"), msg, kind="literal_error", value=input_type)
    dims = _check_dims(request)
    default = (info.default_dimensions if info else None) or 128
    max_tokens = info.max_tokens if info else _UNKNOWN_MODEL_MAX_TOKENS
    cap = _COLBERT_QUERY_TOKENS if input_type == "query" else max_tokens
    out_dims = dims or default
    return EmbedJob(
        model=request.model,
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
    request = _resolve(payload, "rerank", {"reranker", "multi-vector"}, strict)
    query_raw = request.fields.get("query")
    if query_raw is None:
        msg = 'Field required; "query" field missing'
        raise invalid(request.at("query"), msg, kind="missing", value=None)
    if isinstance(query_raw, list):
        msg = "query must be a single string or {'text': str}, not a list"
        raise invalid(request.at("query"), msg, value=query_raw)
    query = _parse_item(request, query_raw, ("query",))
    documents = _parse_inputs(request, "documents")
    top_n = request.fields.get("top_n")
    if top_n is not None and not is_positive_int(top_n):
        msg = "top_n must be a positive integer (or null for all documents)"
        raise invalid(request.at("top_n"), msg, value=top_n)
    return RerankJob(
        model=request.model,
        query=query,
        documents=documents,
        top_n=top_n,
        return_documents=request.get_bool("return_documents", _RETURN_DOCUMENTS_DEFAULT),
        tokens=sum(query.tokens + d.tokens for d in documents),
    )

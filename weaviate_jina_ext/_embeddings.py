"""A Jina API client for bring-your-own vectors: embeddings, multi-vectors and reranking.

Why a client of our own: vectors imported next to a Weaviate collection that uses
``text2vec-jinaai`` must come from the same request Weaviate's module sends, or ``near_text``
compares query vectors from one space with object vectors from another.
:meth:`JinaClient.embed_for_weaviate` sends exactly that request; :meth:`JinaClient.embed`
exposes every parameter for everything else.

Both twins validate through the model catalogue before anything is sent, split work by item
count and by an estimated token budget, keep results in input order, retry with ``stamina``
(honouring ``Retry-After``) and map error answers onto the package's exception hierarchy.

Layout (as in httpx): ``_BaseJinaClient`` holds everything without I/O -- validation, request
planning, response parsing, error mapping and the retry decision. :class:`JinaClient` and
:class:`AsyncJinaClient` differ only in the line that sends a request (and in how the async
twin runs a call's requests concurrently).
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import logging
import random
import re
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar

import httpx
import stamina

from weaviate_jina_ext._catalogue import (
    JinaModelInfo,
    ModelKind,
    UnknownModelWarning,
    check_dimensions,
    check_task,
    lookup_model,
)
from weaviate_jina_ext._checks import positive_int, positive_seconds
from weaviate_jina_ext._exceptions import (
    InvalidDimensionsError,
    InvalidTaskError,
    JinaAPIError,
    JinaAuthenticationError,
    JinaBadRequestError,
    JinaConfigError,
    JinaPaymentRequiredError,
    JinaRateLimitError,
    JinaServerError,
)
from weaviate_jina_ext._keys import mask_key, resolve_api_key
from weaviate_jina_ext._wire import (
    CODE_BALANCE,
    DEFAULT_BASE_URL,
    EMBEDDINGS_PATH,
    MULTI_VECTOR_PATH,
    RERANK_PATH,
    estimate_tokens,
    parse_error_body,
    weaviate_module_request,
)

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

__all__ = [
    "AUTO_TASK",
    "DEFAULT_MAX_TOKENS_PER_REQUEST",
    "AsyncJinaClient",
    "AutoTask",
    "EmbeddingResult",
    "JinaClient",
    "MultiVectorResult",
    "RerankHit",
    "RerankResult",
    "TokenUsage",
]

_logger = logging.getLogger("weaviate_jina_ext")

#: Default budget of estimated tokens in one request. It stays under the smallest
#: tokens-per-minute quota reported for a free key (100,000), so one request can never be
#: larger than what the key may spend in a minute, and it keeps single requests short enough
#: to finish well inside the timeout.
DEFAULT_MAX_TOKENS_PER_REQUEST: Final = 50_000

#: Items per request for models the catalogue does not know (the API's general cap).
_FALLBACK_MAX_INPUTS: Final = 2048
#: Exponential backoff between retries when the API gave no ``Retry-After``.
_WAIT_INITIAL: Final = 0.5
_WAIT_MAX: Final = 30.0
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
_EMBEDDING_KINDS: Final[tuple[ModelKind, ...]] = ("text-embedding", "multimodal-embedding")
_MULTI_VECTOR_KINDS: Final[tuple[ModelKind, ...]] = ("multi-vector",)
# ColBERT models score query/document pairs too, so /v1/rerank accepts them.
_RERANK_KINDS: Final[tuple[ModelKind, ...]] = ("reranker", "multi-vector")

_R = TypeVar("_R")


class AutoTask(enum.Enum):
    """Type of :data:`AUTO_TASK`, the "choose for me" value of ``embed(task=...)``."""

    AUTO_TASK = "AUTO_TASK"

    def __repr__(self) -> str:
        return "AUTO_TASK"


#: ``embed(task=AUTO_TASK)`` (the default) sends ``retrieval.passage`` when the model accepts
#: it and no task otherwise; ``task=None`` sends no task at all (the API's model default).
AUTO_TASK: Final = AutoTask.AUTO_TASK


# --------------------------------------------------------------------------- results


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


# --------------------------------------------------------------------------- plans


class _Secret:
    """Holds the key so that no repr, ``vars()`` dump or debugger view shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return f"<secret {mask_key(self._value)}>"

    def reveal(self) -> str:
        return self._value


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


class _Attempts(Protocol):
    """What ``stamina.retry_context`` returns: attempts to iterate, sync or async."""

    def __iter__(self) -> Iterator[stamina.Attempt]: ...

    def __aiter__(self) -> AsyncIterator[stamina.Attempt]: ...


class _Exchange:
    """One attempt of one request: times it, logs it and judges the response.

    Used as ``with self._exchange(call, n) as ex: ex.response = <send>``; on leaving the
    block the parsed body is in ``ex.payload``, or a :class:`JinaAPIError` was raised.
    """

    __slots__ = ("_attempt", "_call", "_client", "_started", "payload", "response")

    def __init__(self, client: _BaseJinaClient, call: _Call, attempt: int) -> None:
        self._client = client
        self._call = call
        self._attempt = attempt
        self._started = 0.0
        self.response: httpx.Response | None = None
        self.payload: dict[str, Any] = {}

    def __enter__(self) -> _Exchange:
        self._started = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        elapsed = time.perf_counter() - self._started
        if exc_type is not None or self.response is None:
            outcome = exc_type.__name__ if exc_type is not None else "no response"
            self._client._log_attempt(self._call, self._attempt, outcome, elapsed)
            return
        self._client._log_attempt(self._call, self._attempt, self.response.status_code, elapsed)
        self.payload = self._client._judge(self._call, self.response)


# --------------------------------------------------------------------------- base


class _BaseJinaClient:
    """Everything both twins share that involves no I/O."""

    _http: httpx.Client | httpx.AsyncClient

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str,
        timeout: float | httpx.Timeout,
        max_attempts: int,
        max_retry_time: float,
        batch_size: int | None,
        max_tokens_per_request: int,
        transport: object | None,
        http_client: object | None,
    ) -> None:
        key = resolve_api_key(api_key, required=True, parameter="api_key")
        if key is None:  # pragma: no cover - resolve_api_key(required=True) raises instead
            msg = "a Jina API key is required: pass api_key=... or set JINAAI_APIKEY"
            raise JinaConfigError(msg)
        self._secret = _Secret(key)
        self._base_url = _check_base_url(base_url)
        self._timeout = (
            timeout if isinstance(timeout, httpx.Timeout) else positive_seconds("timeout", timeout)
        )
        self._max_attempts = positive_int("max_attempts", max_attempts)
        self._max_retry_time = positive_seconds("max_retry_time", max_retry_time)
        self._batch_size = None if batch_size is None else positive_int("batch_size", batch_size)
        self._max_tokens_per_request = positive_int(
            "max_tokens_per_request", max_tokens_per_request
        )
        if transport is not None and http_client is not None:
            msg = "pass either transport= or http_client=, not both (a client has its transport)"
            raise JinaConfigError(msg)
        self._user_agent = f"weaviate-jina-ext/{_package_version()}"

    def __repr__(self) -> str:
        fields = {
            "base_url": self._base_url,
            "api_key": mask_key(self._secret.reveal()),
            "max_attempts": self._max_attempts,
            "max_retry_time": self._max_retry_time,
            **self._repr_extra(),
        }
        shown = ", ".join(f"{name}={value!r}" for name, value in fields.items())
        return f"{type(self).__name__}({shown})"

    def _repr_extra(self) -> dict[str, object]:
        return {}

    # -- planning ---------------------------------------------------------------------

    def _plan_embed(
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
        resolved_task = _resolve_task(info, task)
        check_task(model, resolved_task)
        _check_dimensions(model, dimensions)
        _check_flag("normalized", normalized, optional=True)
        _check_flag("late_chunking", late_chunking, optional=True)
        _check_flag("truncate", truncate, optional=True)
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

    def _plan_embed_for_weaviate(
        self, texts: Sequence[str], *, model: str, dimensions: int | None, query: bool
    ) -> _Plan[EmbeddingResult]:
        # Mirrors text2vec-jinaai only: multi2vec-jinaai sends other bodies for CLIP models.
        info = _model_info(model, ("text-embedding",), "embed_for_weaviate")
        items = _check_texts(texts, "texts")
        _check_dimensions(model, dimensions)
        _check_flag("query", query, optional=False)
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

    def _plan_multivector(
        self,
        texts: Sequence[str],
        *,
        model: str,
        dimensions: int | None,
        input_type: str | None,
    ) -> _Plan[MultiVectorResult]:
        info = _model_info(model, _MULTI_VECTOR_KINDS, "embed_multivector")
        items = _check_texts(texts, "texts")
        _check_dimensions(model, dimensions)
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

    def _plan_rerank(
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
        if top_n is not None:
            positive_int("top_n", top_n)
        _check_flag("return_documents", return_documents, optional=False)
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

    # -- sending support --------------------------------------------------------------

    def _build_request(self, call: _Call) -> httpx.Request:
        return self._http.build_request(
            "POST",
            self._base_url + call.path,
            json=call.body,
            headers={
                # Built per request so the client object itself never holds the key in clear.
                "Authorization": f"Bearer {self._secret.reveal()}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": self._user_agent,
            },
            timeout=self._timeout,
        )

    def _unreachable(self, call: _Call, exc: httpx.TransportError) -> httpx.TransportError:
        """The same transport error, with a message that names the URL and the fix.

        The type is kept, so ``except httpx.TransportError`` (or a subclass) still matches.
        """
        msg = (
            f"{call.describe()} could not reach base_url={self._base_url!r} after "
            f"max_attempts={self._max_attempts} ({type(exc).__name__}: {exc}); check that "
            f"base_url points at a running Jina-compatible API and that the network or "
            f"proxy allows it"
        )
        return type(exc)(msg, request=exc.request)

    def _retrying(self) -> _Attempts:
        """A fresh ``stamina.retry_context`` for one request.

        A context block, not a decorated function: stamina's retry hooks log the wrapped
        callable's arguments, and here there are none to log (the key never reaches them).
        """
        deadline = time.monotonic() + self._max_retry_time
        return stamina.retry_context(
            on=lambda exc: _retry_decision(exc, deadline),
            attempts=self._max_attempts,
            timeout=self._max_retry_time,
            wait_initial=_WAIT_INITIAL,
            wait_max=_WAIT_MAX,
        )

    def _exchange(self, call: _Call, attempt: int) -> _Exchange:
        return _Exchange(self, call, attempt)

    def _log_attempt(self, call: _Call, attempt: int, outcome: int | str, elapsed: float) -> None:
        if not _logger.isEnabledFor(logging.DEBUG):
            return
        _logger.debug(
            "POST %s model=%s inputs=%d attempt=%d -> %s in %.3fs",
            call.path,
            call.body.get("model"),
            call.count,
            attempt,
            outcome,
            elapsed,
            extra={
                "weaviate_jina_ext.path": call.path,
                "weaviate_jina_ext.model": call.body.get("model"),
                "weaviate_jina_ext.inputs": call.count,
                "weaviate_jina_ext.attempt": attempt,
                "weaviate_jina_ext.outcome": outcome,
                "weaviate_jina_ext.elapsed": round(elapsed, 4),
            },
        )

    def _judge(self, call: _Call, response: httpx.Response) -> dict[str, Any]:
        """Return the JSON body of a successful response, or raise the matching error."""
        if response.is_success:
            try:
                payload = response.json()
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                msg = (
                    f"{call.describe()} got HTTP {response.status_code} but its body is not a "
                    f"JSON object; is base_url={self._base_url!r} a Jina-compatible API?"
                )
                raise JinaAPIError(
                    msg,
                    status_code=response.status_code,
                    detail=self._scrub(_snippet(response)),
                    request=response.request,
                    response=response,
                )
            return payload
        raise self._error_for(call, response)

    def _scrub(self, text: str) -> str:
        """Mask the key wherever a server or proxy echoed it back."""
        key = self._secret.reveal()
        return text.replace(key, mask_key(key)) if key in text else text

    def _error_for(self, call: _Call, response: httpx.Response) -> JinaAPIError:
        """Map an error response onto the exception hierarchy, with a message naming the fix."""
        status = response.status_code
        try:
            payload: object = response.json()
        except ValueError:
            payload = None
        parsed = parse_error_body(payload, _snippet(response) or response.reason_phrase)
        detail = self._scrub(parsed.detail)
        code = parsed.code
        head = f"{call.describe()} failed (HTTP {status}{f', {code}' if code else ''}): {detail}"

        def error(cls: type[JinaAPIError], message: str) -> JinaAPIError:
            return cls(
                message,
                status_code=status,
                detail=detail,
                code=code,
                request=response.request,
                response=response,
            )

        if status in (400, 422):
            return error(JinaBadRequestError, head + _bad_request_hint(call, detail))
        if status == 401:
            msg = (
                f"{head}. The API key {mask_key(self._secret.reveal())} was not accepted: check "
                f"the key: pass api_key= or set JINAAI_APIKEY"
            )
            return error(JinaAuthenticationError, msg)
        if status == 402 or (
            status == 403 and (code == CODE_BALANCE or "balance" in detail.lower())
        ):
            msg = f"{head}. The account behind the key is out of tokens: top up balance at https://jina.ai"
            return error(JinaPaymentRequiredError, msg)
        if status == 429:
            retry_after = _retry_after(response)
            wait = f" (Retry-After: {retry_after:g}s)" if retry_after is not None else ""
            msg = (
                f"{head}{wait}. Still rate limited when retries stopped (max_attempts="
                f"{self._max_attempts}, max_retry_time={self._max_retry_time:g}s); lower "
                f"max_concurrency or batch_size, raise max_retry_time, or use a higher-tier key"
            )
            return JinaRateLimitError(
                msg,
                status_code=status,
                detail=detail,
                code=code,
                request=response.request,
                response=response,
                retry_after=retry_after,
            )
        if status >= 500:
            msg = f"{head}. The service failed; it was retried up to max_attempts={self._max_attempts}"
            return error(JinaServerError, msg)
        return error(JinaAPIError, head)


# --------------------------------------------------------------------------- sync twin


class JinaClient(_BaseJinaClient):
    """Synchronous client of the Jina embeddings, multi-vector and rerank APIs.

    Requests of one call are sent one after another; use :class:`AsyncJinaClient` to run
    them concurrently.

    Args:
        api_key: The Jina key. ``None`` reads ``JINAAI_APIKEY``, ``JINAAI_API_KEY`` or
            ``JINA_API_KEY``; a key is required.
        base_url: The API root; point it at a proxy or a Jina-compatible test server.
        timeout: Seconds (or an ``httpx.Timeout``) for each request, also when
            ``http_client`` is given. Long inputs on large models take many seconds.
        max_attempts: Most attempts per request, the first included (stamina's ``attempts``).
        max_retry_time: Most seconds spent retrying one request (stamina's ``timeout``).
        batch_size: Most inputs per request; default and upper bound: the model's
            ``max_inputs`` from the catalogue (2048; 512 for ``jina-embeddings-v4``).
        max_tokens_per_request: Budget of estimated tokens per request.
        transport: An ``httpx`` transport to send through (for example
            ``httpx.MockTransport`` in tests).
        http_client: A ready ``httpx.Client``; it is used as is and not closed by
            :meth:`close`.

    Raises:
        MissingJinaKeyError: No key was given or found.
        InvalidJinaKeyError: The key cannot be sent in a header.
        JinaConfigError: Another argument is out of range.

    Retries are stamina's: ``stamina.set_active(False)`` turns them off and
    ``stamina.set_testing(True)`` makes them instant in tests. 429 answers wait for their
    ``Retry-After``; 5xx, 524 and transport errors back off exponentially; other 4xx
    answers are never retried.
    """

    _http: httpx.Client

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | httpx.Timeout = 60.0,
        max_attempts: int = 6,
        max_retry_time: float = 120.0,
        batch_size: int | None = None,
        max_tokens_per_request: int = DEFAULT_MAX_TOKENS_PER_REQUEST,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_attempts=max_attempts,
            max_retry_time=max_retry_time,
            batch_size=batch_size,
            max_tokens_per_request=max_tokens_per_request,
            transport=transport,
            http_client=http_client,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=timeout)

    def embed(
        self,
        texts: Sequence[str],
        *,
        model: str = "jina-embeddings-v3",
        task: str | AutoTask | None = AUTO_TASK,
        dimensions: int | None = None,
        normalized: bool | None = None,
        late_chunking: bool | None = None,
        truncate: bool | None = None,
    ) -> EmbeddingResult:
        """Embed ``texts`` with any ``/v1/embeddings`` parameter.

        Args:
            texts: The texts; an empty sequence returns an empty result without a request
                (after the other arguments are validated).
            model: A text or multimodal embedding model.
            task: The task adapter. :data:`AUTO_TASK` sends ``retrieval.passage`` when the
                model accepts it and nothing otherwise; ``None`` sends nothing. Use
                ``"retrieval.query"`` for search queries.
            dimensions: Truncate vectors to this length (Matryoshka models only).
            normalized: Ask for unit-length vectors; ``None`` leaves the API's default.
            late_chunking: Embed the texts of a request as one document, a vector per
                text; all texts then go into a single request.
            truncate: Let the API cut texts longer than the model's context instead of
                failing; without it such texts are rejected before sending.

        Returns:
            One vector per text, in input order, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments or inputs (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._plan_embed(
            texts,
            model=model,
            task=task,
            dimensions=dimensions,
            normalized=normalized,
            late_chunking=late_chunking,
            truncate=truncate,
        )
        return plan.finish([self._send(call) for call in plan.calls])

    def embed_for_weaviate(
        self,
        texts: Sequence[str],
        *,
        model: str,
        dimensions: int | None = None,
        query: bool = False,
    ) -> EmbeddingResult:
        """Embed ``texts`` exactly as Weaviate's ``text2vec-jinaai`` module would.

        Use this for vectors you import into a collection whose ``near_text`` queries
        Weaviate vectorizes itself, so both live in one space. Like the module, it sends
        ``task`` (``retrieval.passage``, or ``retrieval.query`` with ``query=True``) and
        ``normalized: false`` only for models whose name contains ``v3`` or ``clip``; for
        ``jina-embeddings-v4``, v2 and v5 models it sends no task.

        Args:
            texts: The texts; an empty sequence returns an empty result without a request.
            model: The model configured on the collection's vectorizer.
            dimensions: The vectorizer's ``dimensions``, if it sets one.
            query: Build search vectors (as Weaviate does for ``near_text``) instead of
                object vectors.

        Returns:
            One vector per text, in input order, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments or inputs (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._plan_embed_for_weaviate(texts, model=model, dimensions=dimensions, query=query)
        return plan.finish([self._send(call) for call in plan.calls])

    def embed_multivector(
        self,
        texts: Sequence[str],
        *,
        model: str = "jina-colbert-v2",
        dimensions: int | None = None,
        input_type: str | None = None,
    ) -> MultiVectorResult:
        """Embed ``texts`` into token-level vectors with a ColBERT model (``/v1/multi-vector``).

        Args:
            texts: The texts; an empty sequence returns an empty result without a request.
            model: A multi-vector model.
            dimensions: Per-token vector length (``jina-colbert-v2``: 64, 96 or 128).
            input_type: ``"query"`` or ``"document"``; ``None`` sends nothing (the API then
                treats inputs as documents, as Weaviate's module does).

        Returns:
            One matrix per text, in input order, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments or inputs (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._plan_multivector(
            texts, model=model, dimensions=dimensions, input_type=input_type
        )
        return plan.finish([self._send(call) for call in plan.calls])

    def rerank(
        self,
        query: str,
        documents: Sequence[str],
        *,
        model: str = "jina-reranker-v2-base-multilingual",
        top_n: int | None = None,
        return_documents: bool = True,
    ) -> RerankResult:
        """Score ``documents`` against ``query`` and order them by relevance.

        Documents beyond one request's capacity are scored in several requests; the hits
        are then merged by score and cut to ``top_n``.

        Args:
            query: The search query.
            documents: The candidate texts; an empty sequence returns an empty result
                without a request.
            model: A reranker (or ColBERT) model.
            top_n: Keep only the best ``top_n`` hits; ``None`` keeps all.
            return_documents: Include each document's text in its hit (sent explicitly,
                since the API's default has changed over time).

        Returns:
            The hits, most relevant first, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments or inputs (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._plan_rerank(
            query, documents, model=model, top_n=top_n, return_documents=return_documents
        )
        return plan.finish([self._send(call) for call in plan.calls])

    def close(self) -> None:
        """Close the connection pool (unless ``http_client`` was given: its owner closes it)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _send(self, call: _Call) -> dict[str, Any]:
        request = self._build_request(call)
        try:
            for attempt in self._retrying():
                with attempt:
                    with self._exchange(call, attempt.num) as exchange:
                        exchange.response = self._http.send(request)
                    return exchange.payload
        except httpx.TransportError as exc:
            raise self._unreachable(call, exc) from exc
        msg = "unreachable: stamina re-raises the last error"
        raise AssertionError(msg)  # pragma: no cover


# --------------------------------------------------------------------------- async twin


class AsyncJinaClient(_BaseJinaClient):
    """Asynchronous (asyncio) twin of :class:`JinaClient`.

    A call's requests run concurrently, at most ``max_concurrency`` at a time across all
    calls on this client (Jina limits concurrent requests per key); results keep input order.

    Args:
        api_key: As for :class:`JinaClient`.
        base_url: As for :class:`JinaClient`.
        timeout: As for :class:`JinaClient`.
        max_attempts: As for :class:`JinaClient`.
        max_retry_time: As for :class:`JinaClient`.
        batch_size: As for :class:`JinaClient`.
        max_tokens_per_request: As for :class:`JinaClient`.
        transport: An ``httpx`` async transport to send through.
        http_client: A ready ``httpx.AsyncClient``; it is not closed by :meth:`aclose`.
        max_concurrency: Most requests in flight at once.

    Raises:
        MissingJinaKeyError: No key was given or found.
        InvalidJinaKeyError: The key cannot be sent in a header.
        JinaConfigError: Another argument is out of range.
    """

    _http: httpx.AsyncClient

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | httpx.Timeout = 60.0,
        max_attempts: int = 6,
        max_retry_time: float = 120.0,
        batch_size: int | None = None,
        max_tokens_per_request: int = DEFAULT_MAX_TOKENS_PER_REQUEST,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        max_concurrency: int = 4,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_attempts=max_attempts,
            max_retry_time=max_retry_time,
            batch_size=batch_size,
            max_tokens_per_request=max_tokens_per_request,
            transport=transport,
            http_client=http_client,
        )
        self._max_concurrency = positive_int("max_concurrency", max_concurrency)
        self._semaphore = asyncio.Semaphore(self._max_concurrency)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport,
            timeout=timeout,
            limits=httpx.Limits(max_connections=max(self._max_concurrency, 10)),
        )

    async def embed(
        self,
        texts: Sequence[str],
        *,
        model: str = "jina-embeddings-v3",
        task: str | AutoTask | None = AUTO_TASK,
        dimensions: int | None = None,
        normalized: bool | None = None,
        late_chunking: bool | None = None,
        truncate: bool | None = None,
    ) -> EmbeddingResult:
        """Embed ``texts`` with any ``/v1/embeddings`` parameter; see :meth:`JinaClient.embed`.

        Args:
            texts: The texts; an empty sequence returns an empty result without a request.
            model: A text or multimodal embedding model.
            task: The task adapter (:data:`AUTO_TASK`: ``retrieval.passage`` when accepted).
            dimensions: Truncate vectors to this length (Matryoshka models only).
            normalized: Ask for unit-length vectors; ``None`` leaves the API's default.
            late_chunking: Embed the texts as one document (a single request).
            truncate: Let the API cut over-long texts instead of failing.

        Returns:
            One vector per text, in input order, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments or inputs (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._plan_embed(
            texts,
            model=model,
            task=task,
            dimensions=dimensions,
            normalized=normalized,
            late_chunking=late_chunking,
            truncate=truncate,
        )
        return plan.finish(await self._send_all(plan.calls))

    async def embed_for_weaviate(
        self,
        texts: Sequence[str],
        *,
        model: str,
        dimensions: int | None = None,
        query: bool = False,
    ) -> EmbeddingResult:
        """Embed ``texts`` as ``text2vec-jinaai`` would; see :meth:`JinaClient.embed_for_weaviate`.

        Args:
            texts: The texts; an empty sequence returns an empty result without a request.
            model: The model configured on the collection's vectorizer.
            dimensions: The vectorizer's ``dimensions``, if it sets one.
            query: Build search vectors instead of object vectors.

        Returns:
            One vector per text, in input order, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments or inputs (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._plan_embed_for_weaviate(texts, model=model, dimensions=dimensions, query=query)
        return plan.finish(await self._send_all(plan.calls))

    async def embed_multivector(
        self,
        texts: Sequence[str],
        *,
        model: str = "jina-colbert-v2",
        dimensions: int | None = None,
        input_type: str | None = None,
    ) -> MultiVectorResult:
        """Embed ``texts`` into token vectors; see :meth:`JinaClient.embed_multivector`.

        Args:
            texts: The texts; an empty sequence returns an empty result without a request.
            model: A multi-vector model.
            dimensions: Per-token vector length.
            input_type: ``"query"``, ``"document"`` or ``None`` (not sent).

        Returns:
            One matrix per text, in input order, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments or inputs (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._plan_multivector(
            texts, model=model, dimensions=dimensions, input_type=input_type
        )
        return plan.finish(await self._send_all(plan.calls))

    async def rerank(
        self,
        query: str,
        documents: Sequence[str],
        *,
        model: str = "jina-reranker-v2-base-multilingual",
        top_n: int | None = None,
        return_documents: bool = True,
    ) -> RerankResult:
        """Score ``documents`` against ``query``; see :meth:`JinaClient.rerank`.

        Args:
            query: The search query.
            documents: The candidate texts; an empty sequence returns an empty result.
            model: A reranker (or ColBERT) model.
            top_n: Keep only the best ``top_n`` hits; ``None`` keeps all.
            return_documents: Include each document's text in its hit.

        Returns:
            The hits, most relevant first, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments or inputs (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._plan_rerank(
            query, documents, model=model, top_n=top_n, return_documents=return_documents
        )
        return plan.finish(await self._send_all(plan.calls))

    async def aclose(self) -> None:
        """Close the connection pool (unless ``http_client`` was given: its owner closes it)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _repr_extra(self) -> dict[str, object]:
        return {"max_concurrency": self._max_concurrency}

    async def _send_all(self, calls: Sequence[_Call]) -> list[dict[str, Any]]:
        """Send ``calls`` concurrently (bounded by the semaphore); answers in call order.

        The first failure cancels the requests still running and is raised as is.
        """
        if len(calls) <= 1:
            return [await self._bounded_send(call) for call in calls]
        tasks = [asyncio.ensure_future(self._bounded_send(call)) for call in calls]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def _bounded_send(self, call: _Call) -> dict[str, Any]:
        async with self._semaphore:
            return await self._send(call)

    async def _send(self, call: _Call) -> dict[str, Any]:
        request = self._build_request(call)
        try:
            async for attempt in self._retrying():
                with attempt:
                    with self._exchange(call, attempt.num) as exchange:
                        exchange.response = await self._http.send(request)
                    return exchange.payload
        except httpx.TransportError as exc:
            raise self._unreachable(call, exc) from exc
        msg = "unreachable: stamina re-raises the last error"
        raise AssertionError(msg)  # pragma: no cover


# --------------------------------------------------------------------------- helpers


def _package_version() -> str:
    try:
        return version("weaviate-jina-ext")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def _check_base_url(value: object) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        msg = f"base_url={value!r} must be an http:// or https:// URL, e.g. {DEFAULT_BASE_URL!r}"
        raise JinaConfigError(msg)
    return value.rstrip("/")


def _check_flag(name: str, value: object, *, optional: bool) -> None:
    if isinstance(value, bool) or (optional and value is None):
        return
    allowed = "True, False or None (None: not sent)" if optional else "True or False"
    msg = f"{name}={value!r} must be {allowed}"
    raise JinaConfigError(msg)


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

    The ``stacklevel`` lands the warning on the caller of the public method (sync or async:
    an awaited coroutine's frame links back to the awaiting frame).
    """
    if not isinstance(model, str) or not model:
        msg = f"model={model!r} must be a non-empty model name such as 'jina-embeddings-v3'"
        raise JinaConfigError(msg)
    info = lookup_model(model)
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


def _check_dimensions(model: str, dimensions: object) -> None:
    if dimensions is None:
        return
    if isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1:
        msg = f"dimensions={dimensions!r} must be a positive int, or None for the model's default"
        raise InvalidDimensionsError(msg)
    check_dimensions(model, dimensions)


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


def _retry_decision(exc: Exception, deadline: float) -> bool | float:
    """Stamina's ``on=`` hook: whether (and after how long) to retry after ``exc``.

    429 waits for its ``Retry-After`` (plus a little jitter so concurrent requests do not
    return together) unless that would overrun the retry time; without one, stamina's
    exponential backoff applies. 5xx/524 and transport errors are retried; any other error
    (400, 401, 402, 403, 422, malformed bodies) is final.
    """
    if isinstance(exc, JinaRateLimitError):
        if exc.retry_after is None:
            return True
        if exc.retry_after > deadline - time.monotonic():
            return False
        jitter = random.uniform(0, min(1.0, exc.retry_after / 10))  # noqa: S311 - not crypto
        return exc.retry_after + jitter
    return isinstance(exc, JinaServerError | httpx.TransportError)


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


def _malformed(call: _Call, what: str) -> JinaAPIError:
    msg = f"{call.describe()} got an answer that does not fit the Jina API: {what}"
    return JinaAPIError(msg, status_code=200, detail=what)


def _usage(payload: dict[str, Any]) -> TokenUsage:
    usage = payload.get("usage")
    if not isinstance(usage, dict):
        return TokenUsage()
    total = usage.get("total_tokens")
    total_i = total if isinstance(total, int) else 0
    prompt = usage.get("prompt_tokens")
    return TokenUsage(total_i, prompt if isinstance(prompt, int) else total_i)


def _data_in_order(call: _Call, payload: dict[str, Any], fields: tuple[str, ...]) -> list[Any]:
    """The ``data`` items' vectors sorted by ``index``; one per input of ``call``."""
    data: object = payload.get("data")
    if not isinstance(data, list) or len(data) != call.count:
        got = len(data) if isinstance(data, list) else "no"
        raise _malformed(call, f"{got} data items for {call.count} inputs")
    slots: list[object] = [None] * call.count
    for item in data:
        index: object = item.get("index") if isinstance(item, dict) else None
        if not isinstance(index, int) or not 0 <= index < call.count or slots[index] is not None:
            what = f"a data item with a missing, repeated or out-of-range index ({index!r})"
            raise _malformed(call, what)
        vector = next((item[f] for f in fields if isinstance(item.get(f), list)), None)
        if vector is None:
            raise _malformed(call, f"data[{index}] has no {' or '.join(fields)} list")
        slots[index] = vector
    return slots


def _response_model(payloads: list[dict[str, Any]], requested: str) -> str:
    for payload in payloads:
        model = payload.get("model")
        if isinstance(model, str) and model:
            return model
    return requested


def _finish_embeddings(
    calls: Sequence[_Call], payloads: list[dict[str, Any]], model: str
) -> EmbeddingResult:
    vectors: list[list[float]] = []
    usage = TokenUsage()
    for call, payload in zip(calls, payloads, strict=True):
        vectors.extend(_data_in_order(call, payload, ("embedding", "embeddings")))
        usage += _usage(payload)
    return EmbeddingResult(vectors, _response_model(payloads, model), usage)


def _finish_multivectors(
    calls: Sequence[_Call], payloads: list[dict[str, Any]], model: str
) -> MultiVectorResult:
    vectors: list[list[list[float]]] = []
    usage = TokenUsage()
    for call, payload in zip(calls, payloads, strict=True):
        vectors.extend(_data_in_order(call, payload, ("embeddings", "embedding")))
        usage += _usage(payload)
    return MultiVectorResult(vectors, _response_model(payloads, model), usage)


def _finish_rerank(
    calls: Sequence[_Call],
    payloads: list[dict[str, Any]],
    model: str,
    documents: list[str],
    *,
    top_n: int | None,
    return_documents: bool,
) -> RerankResult:
    hits: list[RerankHit] = []
    usage = TokenUsage()
    for call, payload in zip(calls, payloads, strict=True):
        results: object = payload.get("results")
        if not isinstance(results, list):
            raise _malformed(call, "no results list")
        for item in results:
            if not isinstance(item, dict):
                raise _malformed(call, f"a result that is not an object ({type(item).__name__})")
            index: object = item.get("index")
            score: object = item.get("relevance_score")
            if (
                not isinstance(index, int)
                or not 0 <= index < call.count
                or isinstance(score, bool)
                or not isinstance(score, int | float)
            ):
                what = f"a result without a valid index and relevance_score ({index!r}, {score!r})"
                raise _malformed(call, what)
            position = call.start + index
            text = _document_text(item.get("document"), documents[position])
            hits.append(RerankHit(position, float(score), text if return_documents else None))
        usage += _usage(payload)
    hits.sort(key=lambda hit: hit.relevance_score, reverse=True)
    return RerankResult(
        hits if top_n is None else hits[:top_n], _response_model(payloads, model), usage
    )


def _document_text(document: object, sent: str) -> str:
    """The hit's text: a plain string (current API), ``{"text": ...}`` (older), else as sent."""
    if isinstance(document, str):
        return document
    if isinstance(document, dict) and isinstance(document.get("text"), str):
        return str(document["text"])
    return sent

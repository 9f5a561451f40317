"""A Jina API client for bring-your-own vectors: embeddings, multi-vectors and reranking.

Why a client of our own: vectors imported next to a Weaviate collection that uses
``text2vec-jinaai`` must come from the same request Weaviate's module sends, or ``near_text``
compares query vectors from one space with object vectors from another.
:meth:`JinaClient.embed_for_weaviate` sends exactly that request; :meth:`JinaClient.embed`
exposes every parameter for everything else.

Both twins validate through the model catalogue before anything is sent, split work by item
count and by an estimated token budget, keep results in input order, retry with ``stamina``
(honouring ``Retry-After``) and map error answers onto the package's exception hierarchy.

Layout (as in httpx): what the client sends is planned in :mod:`weaviate_jina_ext._requests`,
answers are read in :mod:`weaviate_jina_ext._responses` into the values of
:mod:`weaviate_jina_ext._results`. This module is the client itself, one concern at about
990 lines: ``_BaseJinaClient`` holds what both twins share without I/O -- settings, the
key, request headers, the retry decision, logging and which exception an error answer
becomes -- and :class:`JinaClient` and :class:`AsyncJinaClient` differ only in the line
that sends a request (and in how the async twin runs a call's requests concurrently). Most
of the twins' length is their public methods' documentation.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

import httpx
import stamina

from weaviate_jina_ext._exceptions import (
    JinaAPIError,
    JinaAuthenticationError,
    JinaBadRequestError,
    JinaConfigError,
    JinaPaymentRequiredError,
    JinaRateLimitError,
    JinaServerError,
    JinaUnreachableError,
)
from weaviate_jina_ext._json import dumps, loads
from weaviate_jina_ext._keys import resolve_api_key
from weaviate_jina_ext._requests import AUTO_TASK, AutoTask, _Call, _Plan, _RequestPlanner
from weaviate_jina_ext._responses import _bad_request_hint, _retry_after, _snippet
from weaviate_jina_ext._rules import (
    optional_positive_int,
    positive_int,
    positive_seconds,
    valid_base_url,
)
from weaviate_jina_ext._secrets import (
    Secret,
    mask_key,
    scrub_request,
    scrub_text,
)
from weaviate_jina_ext._wire import CODE_BALANCE, DEFAULT_BASE_URL, parse_error_body

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    from typing_extensions import Self
    from weaviate.classes.config import Multi2VecField

    from weaviate_jina_ext._responses import _Part
    from weaviate_jina_ext._results import EmbeddingResult, MultiVectorResult, RerankResult

__all__ = ["DEFAULT_MAX_TOKENS_PER_REQUEST", "AsyncJinaClient", "JinaClient"]

_logger = logging.getLogger("weaviate_jina_ext")
_R = TypeVar("_R")

#: Default budget of estimated tokens in one request. It stays under the smallest
#: tokens-per-minute quota reported for a free key (100,000), so one request can never be
#: larger than what the key may spend in a minute, and it keeps single requests short enough
#: to finish well inside the timeout.
DEFAULT_MAX_TOKENS_PER_REQUEST: Final = 50_000
#: Exponential backoff between retries when the API gave no ``Retry-After``.
_WAIT_INITIAL: Final = 0.5
_WAIT_MAX: Final = 30.0


# --------------------------------------------------------------------------- attempts


class _Attempts(Protocol):
    """What ``stamina.retry_context`` returns: attempts to iterate, sync or async."""

    def __iter__(self) -> Iterator[stamina.Attempt]: ...

    def __aiter__(self) -> AsyncIterator[stamina.Attempt]: ...


class _Exchange:
    """One attempt of one request: times it, logs it and judges the response's status.

    Used as ``with self._exchange(call, n) as ex: ex.response = <send>``; on leaving the
    block the response was a success, or a :class:`JinaAPIError` was raised. Its body is
    parsed later (:meth:`_BaseJinaClient._payload`), outside any retry or concurrency slot.
    """

    __slots__ = ("_attempt", "_call", "_client", "_started", "response")

    def __init__(self, client: _BaseJinaClient, call: _Call, attempt: int) -> None:
        self._client = client
        self._call = call
        self._attempt = attempt
        self._started = 0.0
        self.response: httpx.Response | None = None

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
        if not self.response.is_success:
            raise self._client._error_for(self._call, self.response)


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
        self._secret = Secret(key)
        self._base_url = valid_base_url(base_url)
        self._timeout = (
            timeout if isinstance(timeout, httpx.Timeout) else positive_seconds("timeout", timeout)
        )
        self._max_attempts = positive_int("max_attempts", max_attempts)
        self._max_retry_time = positive_seconds("max_retry_time", max_retry_time)
        self._planner = _RequestPlanner(
            batch_size=optional_positive_int("batch_size", batch_size),
            max_tokens_per_request=positive_int("max_tokens_per_request", max_tokens_per_request),
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

    def _build_request(self, call: _Call) -> httpx.Request:
        return self._http.build_request(
            "POST",
            self._base_url + call.path,
            content=dumps(call.body),  # the bytes json= would send, in a tenth of the time
            headers={
                # Built per request so the client object itself never holds the key in clear.
                "Authorization": f"Bearer {self._secret.reveal()}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": self._user_agent,
            },
            timeout=self._timeout,
        )

    def _unreachable(
        self, call: _Call, exc: httpx.TransportError, request: httpx.Request
    ) -> tuple[httpx.TransportError, httpx.TransportError]:
        """The error to raise when ``base_url`` could not be reached, and its cause.

        The error is a :class:`JinaUnreachableError` and of ``exc``'s type, so ``except
        httpx.TransportError`` (or the subclass that happened) still matches; its message
        names the URL and the fix. Both it and the cause (a copy of ``exc``) carry a copy of
        the request with the key masked: ``exc`` itself refers to the request as sent.
        """
        text = self._scrub(str(exc))
        msg = (
            f"{call.describe()} could not reach base_url={self._base_url!r} after "
            f"max_attempts={self._max_attempts} ({type(exc).__name__}: {text}); check that "
            f"base_url points at a running Jina-compatible API and that the network or "
            f"proxy allows it"
        )
        shown = scrub_request(request)
        return _unreachable_type(type(exc))(msg, request=shown), type(exc)(text, request=shown)

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

    def _payload(self, call: _Call, response: httpx.Response) -> dict[str, Any]:
        """The JSON object of a successful answer; a body that is none is final, not retried."""
        try:
            payload = loads(response.content)  # orjson: most of an answer is floats
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

    def _scrub(self, text: str) -> str:
        """Mask the key (whole or bare) and any other key wherever a server or proxy echoed it."""
        return scrub_text(text, (self._secret.reveal(),))

    def _error_for(self, call: _Call, response: httpx.Response) -> JinaAPIError:
        """Map an error response onto the exception hierarchy, with a message naming the fix."""
        status = response.status_code
        try:
            payload: object = response.json()
        except ValueError:
            payload = None
        parsed = parse_error_body(payload, _snippet(response) or response.reason_phrase)
        detail = self._scrub(parsed.detail)
        code = None if parsed.code is None else self._scrub(parsed.code)
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
        plan = self._planner.plan_embed(
            texts,
            model=model,
            task=task,
            dimensions=dimensions,
            normalized=normalized,
            late_chunking=late_chunking,
            truncate=truncate,
        )
        return self._run(plan)

    def embed_for_weaviate(
        self,
        texts: Sequence[str],
        *,
        model: str,
        dimensions: int | None = None,
        query: bool = False,
        module: str = "text2vec-jinaai",
    ) -> EmbeddingResult:
        """Embed ``texts`` exactly as Weaviate's Jina ``module`` would.

        Use this for vectors you import into a collection whose ``near_text`` queries
        Weaviate vectorizes itself, so both live in one space. What is sent depends on the
        module (:func:`~weaviate_jina_ext._module_rules.weaviate_sends`):

        * ``text2vec-jinaai``: ``task`` (``retrieval.passage``, or ``retrieval.query`` with
          ``query=True``) and ``normalized: false`` only for models whose name contains
          ``v3`` or ``clip``; for ``jina-embeddings-v4``, v2 and v5 models no task.
        * ``multi2vec-jinaai``: object vectors (``query=False``) send each text as a
          ``{"text": ...}`` input with neither task nor ``normalized`` (the vector of an
          object with that one text field); search vectors send ``task: retrieval.query``
          and ``normalized: true`` for CLIP models. For objects with several fields or
          images use :meth:`embed_objects_for_weaviate`.

        Args:
            texts: The texts; an empty sequence returns an empty result without a request.
            model: The model configured on the collection's vectorizer.
            dimensions: The vectorizer's ``dimensions``, if it sets one.
            query: Build search vectors (as Weaviate does for ``near_text``) instead of
                object vectors.
            module: ``"text2vec-jinaai"`` (default) or ``"multi2vec-jinaai"``.

        Returns:
            One vector per text, in input order, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments or inputs (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._planner.plan_embed_for_weaviate(
            texts, model=model, dimensions=dimensions, query=query, module=module
        )
        return self._run(plan)

    def embed_objects_for_weaviate(
        self,
        objects: Sequence[Mapping[str, object]],
        *,
        model: str,
        text_fields: Sequence[str | Multi2VecField] | None = None,
        image_fields: Sequence[str | Multi2VecField] | None = None,
        dimensions: int | None = None,
    ) -> EmbeddingResult:
        """The vectors ``multi2vec-jinaai`` would store for ``objects`` (bring your own).

        Give the same model, fields (with their weights) and ``dimensions`` as the
        collection's vectorizer. Like the module, each object's text fields (in
        property-name order, one input per element of a ``text[]``) and then its image
        fields (base64 strings, as stored in a ``blob`` property) are embedded in one
        ``/v1/embeddings`` request with neither ``task`` nor ``normalized``, and the
        object's vector is their mean (weighted as Weaviate weights it, see
        :func:`~weaviate_jina_ext._module_rules.combine_vectors`). The same call gives
        ``near_image`` search vectors: an object holding only the query image.

        Args:
            objects: One property dict per object; properties not named in the fields are
                ignored, and ``None`` values are skipped.
            model: The model configured on the collection's vectorizer (a CLIP model).
            text_fields: The vectorizer's ``text_fields``.
            image_fields: The vectorizer's ``image_fields``.
            dimensions: The vectorizer's ``dimensions``, if it sets one.

        Returns:
            One vector per object, in input order, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments, fields Weaviate would refuse, or an object with
                none of the fields (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._planner.plan_embed_objects_for_weaviate(
            objects,
            model=model,
            text_fields=text_fields,
            image_fields=image_fields,
            dimensions=dimensions,
        )
        return self._run(plan)

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
        plan = self._planner.plan_multivector(
            texts, model=model, dimensions=dimensions, input_type=input_type
        )
        return self._run(plan)

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
        plan = self._planner.plan_rerank(
            query, documents, model=model, top_n=top_n, return_documents=return_documents
        )
        return self._run(plan)

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

    def _run(self, plan: _Plan[_R]) -> _R:
        """Send the plan's requests one after another; each answer is read as it comes."""
        return plan.finish(
            [plan.read(call, self._payload(call, self._send(call))) for call in plan.calls]
        )

    def _send(self, call: _Call) -> httpx.Response:
        """Send ``call`` with retries; the successful response, or the error to raise."""
        request = self._build_request(call)
        try:
            for attempt in self._retrying():
                with attempt:
                    with self._exchange(call, attempt.num) as exchange:
                        exchange.response = self._http.send(request)
                    return exchange.response
        except httpx.TransportError as exc:
            error, cause = self._unreachable(call, exc, request)
        else:  # pragma: no cover
            msg = "unreachable: stamina re-raises the last error"
            raise AssertionError(msg)
        raise error from cause  # outside the handler: no __context__ holds the sent request


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
        plan = self._planner.plan_embed(
            texts,
            model=model,
            task=task,
            dimensions=dimensions,
            normalized=normalized,
            late_chunking=late_chunking,
            truncate=truncate,
        )
        return await self._run(plan)

    async def embed_for_weaviate(
        self,
        texts: Sequence[str],
        *,
        model: str,
        dimensions: int | None = None,
        query: bool = False,
        module: str = "text2vec-jinaai",
    ) -> EmbeddingResult:
        """Embed ``texts`` as Weaviate's ``module`` would; see :meth:`JinaClient.embed_for_weaviate`.

        Args:
            texts: The texts; an empty sequence returns an empty result without a request.
            model: The model configured on the collection's vectorizer.
            dimensions: The vectorizer's ``dimensions``, if it sets one.
            query: Build search vectors instead of object vectors.
            module: ``"text2vec-jinaai"`` (default) or ``"multi2vec-jinaai"``.

        Returns:
            One vector per text, in input order, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments or inputs (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._planner.plan_embed_for_weaviate(
            texts, model=model, dimensions=dimensions, query=query, module=module
        )
        return await self._run(plan)

    async def embed_objects_for_weaviate(
        self,
        objects: Sequence[Mapping[str, object]],
        *,
        model: str,
        text_fields: Sequence[str | Multi2VecField] | None = None,
        image_fields: Sequence[str | Multi2VecField] | None = None,
        dimensions: int | None = None,
    ) -> EmbeddingResult:
        """The vectors multi2vec-jinaai would store; see :meth:`JinaClient.embed_objects_for_weaviate`.

        Args:
            objects: One property dict per object.
            model: The model configured on the collection's vectorizer.
            text_fields: The vectorizer's ``text_fields``.
            image_fields: The vectorizer's ``image_fields``.
            dimensions: The vectorizer's ``dimensions``, if it sets one.

        Returns:
            One vector per object, in input order, with the summed token usage.

        Raises:
            JinaConfigError: Bad arguments or inputs (nothing was sent).
            JinaAPIError: The API refused (a subclass per cause).
        """
        plan = self._planner.plan_embed_objects_for_weaviate(
            objects,
            model=model,
            text_fields=text_fields,
            image_fields=image_fields,
            dimensions=dimensions,
        )
        return await self._run(plan)

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
        plan = self._planner.plan_multivector(
            texts, model=model, dimensions=dimensions, input_type=input_type
        )
        return await self._run(plan)

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
        plan = self._planner.plan_rerank(
            query, documents, model=model, top_n=top_n, return_documents=return_documents
        )
        return await self._run(plan)

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

    async def _run(self, plan: _Plan[_R]) -> _R:
        """Send the plan's requests concurrently (bounded by the semaphore); parts in call order.

        The first failure cancels the requests still running and is raised as is.
        """
        calls = plan.calls
        if len(calls) <= 1:
            return plan.finish([await self._send_and_read(call, plan) for call in calls])
        tasks = [asyncio.ensure_future(self._send_and_read(call, plan)) for call in calls]
        try:
            return plan.finish(list(await asyncio.gather(*tasks)))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def _send_and_read(self, call: _Call, plan: _Plan[_R]) -> _Part:
        """Send ``call`` in a concurrency slot, then read its answer with the slot free.

        The slot bounds requests in flight at the API, and an answered request is no longer
        in flight. Parsing thousands of vectors takes milliseconds of CPU; yielding once
        before it lets a request waiting for the slot go out first, so the next request's
        latency runs while this answer is read.
        """
        async with self._semaphore:
            response = await self._send(call)
        await asyncio.sleep(0)
        return plan.read(call, self._payload(call, response))

    async def _send(self, call: _Call) -> httpx.Response:
        """Send ``call`` with retries; the successful response, or the error to raise."""
        request = self._build_request(call)
        try:
            async for attempt in self._retrying():
                with attempt:
                    with self._exchange(call, attempt.num) as exchange:
                        exchange.response = await self._http.send(request)
                    return exchange.response
        except httpx.TransportError as exc:
            error, cause = self._unreachable(call, exc, request)
        else:  # pragma: no cover
            msg = "unreachable: stamina re-raises the last error"
            raise AssertionError(msg)
        raise error from cause  # outside the handler: no __context__ holds the sent request


# --------------------------------------------------------------------------- helpers


def _package_version() -> str:
    try:
        return version("weaviate-jina-ext")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


_UNREACHABLE_TYPES: dict[type[httpx.TransportError], type[httpx.TransportError]] = {}
_UNREACHABLE_LOCK = threading.Lock()


def _unreachable_type(error: type[httpx.TransportError]) -> type[httpx.TransportError]:
    """The :class:`JinaUnreachableError` twin of one httpx transport error type (one per type).

    ``JinaConnectError`` is both a ``JinaUnreachableError`` (so the package's own tree
    catches it) and an ``httpx.ConnectError`` (so code written for httpx still does).
    """
    with _UNREACHABLE_LOCK:
        twin = _UNREACHABLE_TYPES.get(error)
        if twin is None:
            twin = type(
                f"Jina{error.__name__}",
                (JinaUnreachableError, error),
                {"__module__": __name__, "__doc__": JinaUnreachableError.__doc__},
            )
            _UNREACHABLE_TYPES[error] = twin
        return twin


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

"""The fake Jina API without a socket: a request in, a :class:`FakeResponse` out.

:class:`FakeJinaApp` is the transport-independent core that
:class:`~weaviate_jina_ext.testing.FakeJina` serves on a loopback port and the TLS proxy
(:mod:`weaviate_jina_ext.testing._proxy`) serves as ``https://api.jina.ai``. It answers
``POST /v1/embeddings``, ``POST /v1/multi-vector`` and ``POST /v1/rerank`` in the shapes the
real API uses (built with :mod:`weaviate_jina_ext._wire`): it records the request, routes it
by path, checks the key, applies rate limits and faults, parses the body and builds the
answer. Every failure, expected or not, becomes an HTTP answer; nothing is raised to the
transport.

Strict by default, like the real API: a body field outside the model's request schema is a
422 ``extra_forbidden`` and an unknown model a 400 ``INPUT_MODEL_NOT_FOUND``. Lenient
(``strict=False``, or :meth:`FakeJinaApp.lenient` for a while) ignores such fields and serves
unknown models (768 dimensions by default). ``docs/jina-fidelity.md`` lists what is enforced
and the sources of each choice.

Status codes. Where the real API's behaviour is unverified, these are the choices made here:

* 401 with ``AUTH_MISSING_API_KEY`` (no ``Authorization``), ``AUTH_INVALID_FORMAT`` (not
  ``Bearer <key>``) or ``AUTH_INVALID_API_KEY`` (a key outside ``api_keys``).
* 400 with ``INPUT_MODEL_NOT_FOUND`` for a model the catalogue does not know (strict).
* 422 for every other validation error, in the API's shape (a ``[RID: ...]`` ``detail`` and
  an ``errors`` list): unknown fields (strict), missing or ill-typed fields, a task or
  ``dimensions`` the model does not accept, too many inputs for the model, inputs of a kind
  the model does not embed (images, PDFs, audio, video), a model sent to the wrong endpoint,
  ``top_n <= 0``. An input longer than the model's context (estimated with
  :func:`weaviate_jina_ext._wire.estimate_tokens`) is a 422 with ``INPUT_TOKEN_LIMIT_EXCEEDED``
  unless ``truncate`` is true.
* 429 from :class:`Faults` or :class:`RateLimit`, always with ``Retry-After``.
* 404 for an unknown path, 405 for a method other than POST, 413 for a body over 64 MiB.

Every error body has a string ``detail`` (and ``code`` when one applies), what Weaviate and
every peer client parse.

Request fields. The output type may be named ``embedding_type``, ``encoding_type`` or
``encoding_format`` (OpenAI's name, which the OpenAI client sends); a list of types answers a
dict keyed by type. ``normalized`` defaults to false where a model's schema has it (Jina's API
guide, 2026): the vector is cut to ``dimensions`` and not rescaled; models without the field
(v4, the code models) answer unit vectors. ``return_multivector`` (v4) answers one
128-dimension vector per word in ``embeddings`` and ignores ``dimensions``. Images, PDFs,
audio and video count 1,000 tokens each. ``/v1/multi-vector`` caps ``input_type: query`` at
32 tokens. Rerank answers return documents unless ``return_documents`` is false, each in the
form it was sent (a string, or the object with all its fields).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from weaviate_jina_ext import _wire
from weaviate_jina_ext._secrets import mask_credential, mask_key
from weaviate_jina_ext.testing._fake._answers import BODY, ErrorAnswer, invalid
from weaviate_jina_ext.testing._fake._embedder import hashing_embedder
from weaviate_jina_ext.testing._fake._faults import FaultSchedule, hold
from weaviate_jina_ext.testing._fake._limits import Limiter
from weaviate_jina_ext.testing._fake._outputs import embeddings_body, rerank_body, vectors
from weaviate_jina_ext.testing._fake._parsing import (
    EmbedJob,
    RerankJob,
    parse_embeddings,
    parse_multi_vector,
    parse_rerank,
    require_dict,
)
from weaviate_jina_ext.testing._fake._recording import RecordedRequest, RequestLog
from weaviate_jina_ext.testing._http import json_response
from weaviate_jina_ext.testing._json import dumps, loads

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from weaviate_jina_ext.testing._fake._embedder import EmbedFn
    from weaviate_jina_ext.testing._fake._faults import Faults
    from weaviate_jina_ext.testing._fake._limits import RateLimit
    from weaviate_jina_ext.testing._http import FakeResponse

__all__ = ["FakeJinaApp"]

_log = logging.getLogger("weaviate_jina_ext.testing.fake_jina")

_NOT_JSON: Final = object()
_PARSERS: Final[dict[str, Callable[[dict[str, Any], bool], EmbedJob | RerankJob]]] = {
    _wire.EMBEDDINGS_PATH: parse_embeddings,
    _wire.MULTI_VECTOR_PATH: parse_multi_vector,
    _wire.RERANK_PATH: parse_rerank,
}


class FakeJinaApp:
    """The Jina API's embeddings, multi-vector and rerank endpoints, answered in-process.

    Takes the arguments of :class:`~weaviate_jina_ext.testing.FakeJina` (documented there,
    on the public class) but ``host`` and ``port``: this core has no socket.
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] | None = None,
        embed_fn: EmbedFn | None = None,
        faults: Faults | None = None,
        rate_limit: RateLimit | None = None,
        strict: bool = True,
        max_recorded: int = 10_000,
    ) -> None:
        self.strict = strict
        self._api_keys = None if api_keys is None else frozenset(api_keys)
        self._embed_fn: EmbedFn = embed_fn if embed_fn is not None else hashing_embedder
        self._limiter = None if rate_limit is None else Limiter(rate_limit)
        self._recording = RequestLog(max_recorded)
        self._faults = FaultSchedule(faults)
        self._stopping = threading.Event()  # set while the server stops: cuts sleeps short

    # -- state

    @property
    def stopping(self) -> threading.Event:
        """Set while the transport stops: injected sleeps (latency, hangs) end at once."""
        return self._stopping

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the recorded requests, oldest first (keys masked)."""
        return self._recording.snapshot()

    def clear(self) -> None:
        """Forget the recorded requests."""
        self._recording.clear()

    @property
    def faults(self) -> Faults | None:
        """The faults in force."""
        return self._faults.faults

    def set_faults(self, faults: Faults | None) -> None:
        """Replace the faults (``None`` for none); the script and the RNG start over."""
        self._faults.replace(faults)

    @contextlib.contextmanager
    def lenient(self) -> Iterator[FakeJinaApp]:
        """Serve leniently inside a ``with`` block, then return to the previous mode.

        Lenient: body fields outside a model's request schema are ignored and unknown models
        are served, instead of the real API's 422 and 400.
        """
        previous = self.strict
        self.strict = False
        try:
            yield self
        finally:
            self.strict = previous

    def embed(
        self,
        texts: Sequence[str],
        *,
        model: str = "jina-embeddings-v3",
        task: str | None = None,
        dimensions: int | None = None,
        normalized: bool | None = None,
    ) -> list[list[float]]:
        """Compute, without HTTP, the float vectors a request would get back.

        The values equal those a client parses from the JSON response to a request with
        the same fields, so a test can assert that Weaviate (or any client) holds exactly
        what this server returned. ``None`` leaves a field out (the API's default applies);
        fields the model does not take are ignored here.

        Raises:
            ValueError: The request would be refused (the message is the answer's detail).
        """
        payload: dict[str, Any] = {"model": model, "input": list(texts)}
        optional = {"task": task, "dimensions": dimensions, "normalized": normalized}
        payload.update({k: v for k, v in optional.items() if v is not None})
        try:
            job = parse_embeddings(payload, strict=False)
        except ErrorAnswer as exc:
            raise ValueError(exc.detail) from None
        # Round-trip through the server's JSON encoder so the floats equal, bit for bit,
        # what a client parses from a response (float32 values in shortest form).
        result: list[list[float]] = loads(dumps(vectors(self._embed_fn, job)))
        return result

    # -- request handling

    def handle(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        cancel: threading.Event | None = None,
    ) -> FakeResponse:
        """Answer one HTTP request; the transport-independent core of the server.

        Args:
            method: The HTTP method.
            path: The request target (origin form, ``/v1/embeddings?x=y``).
            headers: Request headers (any case).
            body: The request body.
            cancel: Set by a transport that is shutting down, to cut sleeps short.

        Returns:
            The response to write.
        """
        lower = {k.lower(): v for k, v in headers.items()}
        try:
            payload: Any = loads(body) if body else None
        except ValueError:
            payload = _NOT_JSON
        auth = lower.get("authorization")
        token = _bearer_token(auth)
        if auth is not None:
            lower["authorization"] = mask_credential(auth)
        record = RecordedRequest(
            method=method.upper(),
            path=path,
            headers=lower,
            json=None if payload is _NOT_JSON else payload,
            key=mask_key(token) if token else None,
            received_at=time.time(),
        )
        self._recording.append(record)
        try:
            response = self._route(method.upper(), path, auth, token, body, payload, cancel)
        except ErrorAnswer as exc:
            response = exc.response()
        except Exception as exc:  # noqa: BLE001 - any bug (or embed_fn error) becomes a 500
            _log.warning("fake Jina API failed on %s %s", method, path, exc_info=True)
            detail = f"fake Jina server error: {type(exc).__name__}: {exc}"
            response = ErrorAnswer(500, detail).response()
        _log.debug("%s %s -> %s (key %s)", method, path, response.status, record.key or "<none>")
        return response

    def _route(
        self,
        method: str,
        path: str,
        auth: str | None,
        token: str | None,
        body: bytes,
        payload: object,
        cancel: threading.Event | None,
    ) -> FakeResponse:
        route = urlsplit(path).path.rstrip("/") or "/"
        parser = _PARSERS.get(route)
        if parser is None:
            raise ErrorAnswer(404, f"Not Found: {route}; this server offers {', '.join(_PARSERS)}")
        if method != "POST":
            raise ErrorAnswer(405, "Method Not Allowed", headers=(("Allow", "POST"),))
        key = self._authenticate(auth, token)
        started = time.monotonic()
        stops = (self._stopping, *(() if cancel is None else (cancel,)))
        limiter = self._limiter
        if limiter is not None:
            limiter.enter(key)
        try:
            faulted, latency = self._faults.apply(payload, stops)
            try:
                response = faulted or self._serve(key, body, payload, parser)
            except ErrorAnswer as exc:
                response = exc.response()
            hold(started, latency, stops)  # the answer's least latency, computing included
            return response
        finally:
            if limiter is not None:
                limiter.leave(key)

    def _serve(
        self,
        key: str,
        body: bytes,
        payload: object,
        parser: Callable[[dict[str, Any], bool], EmbedJob | RerankJob],
    ) -> FakeResponse:
        if not body:
            msg = "Field required; the request body is a JSON object"
            raise invalid(BODY, msg, kind="missing")
        if payload is _NOT_JSON:
            msg = "JSON decode error: the request body is not valid JSON"
            raise invalid(BODY, msg, kind="json_invalid")
        job = parser(require_dict(payload), self.strict)
        limiter = self._limiter
        extra = limiter.admit(key, job.tokens) if limiter is not None else ()
        if isinstance(job, RerankJob):
            return json_response(200, rerank_body(self._embed_fn, job), extra)
        return json_response(200, embeddings_body(self._embed_fn, job), extra)

    def _authenticate(self, auth: str | None, token: str | None) -> str:
        if auth is None or not auth.strip():
            raise ErrorAnswer(401, "Authentication required", _wire.CODE_MISSING_KEY)
        if token is None:
            msg = "Invalid authorization format; send 'Authorization: Bearer <key>'"
            raise ErrorAnswer(401, msg, _wire.CODE_INVALID_FORMAT)
        if self._api_keys is not None and token not in self._api_keys:
            raise ErrorAnswer(401, f"Invalid API key {mask_key(token)}", _wire.CODE_INVALID_KEY)
        return token


def _bearer_token(auth: str | None) -> str | None:
    if auth is None:
        return None
    scheme, _, token = auth.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token

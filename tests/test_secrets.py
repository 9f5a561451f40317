"""A planted Jina key never shows up anywhere a user or a CI log could see it.

The keys are distinctive (``jina_SECRET_<uuid hex>``, and ``SECRETbare<uuid hex>`` for a key
without the ``jina_`` prefix) and are searched for whole and in part (everything but the
last four characters, which the masked form ``jina_…abcd`` shows on purpose, and a slice
from the middle, which is what a provider echoing the key without its prefix shows), in:
logs at DEBUG (ours, httpx, httpcore, stamina, weaviate-client, root), messages, reprs and
tracebacks of every error raised with the key in play, every attribute of every error and
result, walked recursively (:func:`hunt`), reprs of every public object that may hold it,
stamina's retry instrumentation, a Weaviate server's log, and the whole output of a user's
failing pytest run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import traceback
import types
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import stamina
import weaviate
from stamina.instrumentation import (
    LoggingOnRetryHook,
    RetryDetails,
    set_on_retry_hooks,
)
from weaviate.classes.config import DataType, Property
from weaviate.collections.classes.batch import BatchObject, BatchObjectReturn, ErrorObject
from weaviate.exceptions import WeaviateBaseError

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._import import ImportAbortedError, ImportIncompleteError, import_objects
from weaviate_jina_ext.testing import (
    FakeJina,
    Faults,
    JinaEndpoint,
    LocalStack,
    ScriptedResponse,
    WeaviateInstance,
)
from weaviate_jina_ext.testing._weaviate import cache_dir

pytest_plugins = ["pytester"]

# Read before pytester points HOME at a temporary directory, so the inner run finds the
# cached weaviate-server instead of building a fresh one.
BINARY_CACHE = cache_dir()

_PREFIX = "jina_SECRET_"
KEY = _PREFIX + uuid.uuid4().hex
#: A second planted key, for conflicts and for the key a server refuses.
KEY2 = _PREFIX + uuid.uuid4().hex
#: A key without the ``jina_`` prefix: only the key itself can betray it.
BARE = "SECRETbare" + uuid.uuid4().hex
#: A key the package is never given directly: the importer learns it from the connection.
KEY3 = _PREFIX + uuid.uuid4().hex
#: What would betray each key: the whole key, all of it but the masked tail, its middle.
SECRET_PARTS = (
    *(part for key in (KEY, KEY2, KEY3) for part in (key, key[:-4], key[len(_PREFIX) + 8 : -8])),
    *(BARE, BARE[:-4], BARE[8:-8]),
)
LOGGERS = ("weaviate_jina_ext", "httpx", "httpcore", "stamina", "weaviate-client")


def leaks(text: str) -> list[str]:
    """The parts of a planted key found in ``text``."""
    return [part for part in SECRET_PARTS if part in text]


def error_texts(exc: BaseException) -> str:
    """Everything an error shows: message, repr, args, attributes and full traceback."""
    return "\n".join(
        [
            str(exc),
            repr(exc),
            repr(exc.args),
            repr(getattr(exc, "__dict__", {})),
            "".join(traceback.format_exception(exc)),
        ]
    )


def record_texts(records: list[logging.LogRecord]) -> str:
    """Everything a log record carries: the message, its arguments, extras and exc text."""
    return "\n".join(r.getMessage() + repr(r.__dict__) for r in records)


#: Objects whose insides are not data a user sees (code, frames) or that hold nothing.
_NOT_WALKED = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.TracebackType,
    types.FrameType,
    types.CodeType,
)


def _shown(show: Callable[[object], str], obj: object) -> str:
    try:
        return show(obj)
    except Exception as exc:  # a str/repr that fails shows nothing
        return f"<{type(exc).__name__}>"


def hunt(obj: object, path: str = "value") -> list[str]:
    """The paths under ``obj`` where a planted key shows, walking it recursively.

    Covers str and repr of everything, exception args, causes, contexts and notes, mapping
    keys and values, sequence items, dataclass fields, ``vars()`` and ``__slots__``, and
    bytes (decoded), to a depth of 10.
    """
    found: list[str] = []
    seen: set[int] = set()

    def walk(node: object, where: str, depth: int) -> None:
        if node is None or isinstance(node, int | float | complex):
            return
        if isinstance(node, bytes | bytearray | memoryview):
            node = bytes(node).decode("utf-8", "replace")
        if isinstance(node, str):
            if leaks(node):
                found.append(where)
            return
        if id(node) in seen or depth > 10:
            return
        seen.add(id(node))
        for label, show in (("str", str), ("repr", repr)):
            if leaks(_shown(show, node)):
                found.append(f"{label}({where})")
        if isinstance(node, _NOT_WALKED):
            return
        children: list[tuple[str, object]] = []
        if isinstance(node, BaseException):
            children += [
                ("args", node.args),
                ("__cause__", node.__cause__),
                ("__context__", node.__context__),
                ("__notes__", getattr(node, "__notes__", None)),
            ]
        if isinstance(node, Mapping):
            children += [(f"[{k!r}]", v) for k, v in node.items()]
            children += [(f"key[{i}]", k) for i, k in enumerate(node)]
        elif isinstance(node, list | tuple | set | frozenset):
            children += [(f"[{i}]", v) for i, v in enumerate(node)]
        if dataclasses.is_dataclass(node):
            children += [(f.name, getattr(node, f.name, None)) for f in dataclasses.fields(node)]
        attributes = getattr(node, "__dict__", None)
        if isinstance(attributes, dict):
            children += list(attributes.items())
        for cls in type(node).__mro__:
            slots = getattr(cls, "__slots__", ())
            for slot in (slots,) if isinstance(slots, str) else slots:
                if hasattr(node, slot):
                    children.append((slot, getattr(node, slot)))
        for name, child in children:
            walk(child, f"{where}.{name}", depth + 1)

    walk(obj, path, 0)
    return found


def hunt_records(records: list[logging.LogRecord]) -> list[str]:
    """:func:`hunt` over log records: each one's message and every attribute."""
    return [
        path
        for i, record in enumerate(records)
        for path in hunt([record.getMessage(), vars(record)], f"{record.name}[{i}]")
    ]


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture every record at DEBUG, on the root logger and on the named ones."""
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture(scope="module")
def fake(jina_endpoint: JinaEndpoint) -> Iterator[FakeJina]:
    """A Jina-compatible server that accepts only KEY and BARE, where Weaviate reaches it too."""
    with FakeJina(host=jina_endpoint.bind_host, api_keys=[KEY, BARE]) as server:
        yield server


@pytest.fixture
def jina(fake: FakeJina) -> Iterator[FakeJina]:
    """The module's server, with no faults and an empty request log."""
    fake.set_faults(None)
    fake.clear()
    yield fake
    fake.set_faults(None)


@pytest.fixture
def retry_details() -> Iterator[list[RetryDetails]]:
    """Every retry stamina schedules, through its logging hook (at DEBUG) and a recorder."""
    seen: list[RetryDetails] = []
    set_on_retry_hooks(
        [LoggingOnRetryHook, lambda details: seen.append(details)]  # logs at WARNING
    )
    try:
        with stamina.set_testing(True, attempts=1000, cap=True):
            yield seen
    finally:
        set_on_retry_hooks(None)


# --------------------------------------------------------------------------- config errors


def _env(value: str) -> Callable[[pytest.MonkeyPatch], object]:
    def act(monkeypatch: pytest.MonkeyPatch) -> object:
        monkeypatch.setenv("JINAAI_APIKEY", value)
        return wje.use_async_with_local(port=1, grpc_port=2)

    return act


CONFIG_ERRORS = [
    pytest.param(
        lambda mp: wje.jina_headers({"X-Jinaai-Api-Key": KEY}, jina_api_key=KEY2),
        wje.HeaderConflictError,
        id="key-in-headers-and-argument",
    ),
    pytest.param(
        lambda mp: wje.jina_headers({"X-Jinaai-Api-Key": KEY, "x-jinaai-api-key": KEY2}),
        wje.HeaderConflictError,
        id="key-header-twice",
    ),
    pytest.param(
        lambda mp: wje.use_async_with_local(
            headers={"X-JINAAI-API-KEY": KEY}, jina_api_key=KEY2, port=1, grpc_port=2
        ),
        wje.HeaderConflictError,
        id="use_async_with_local-conflict",
    ),
    pytest.param(
        lambda mp: wje.connect_to_local(port=1, grpc_port=2, jina_api_key=KEY + " "),
        wje.InvalidJinaKeyError,
        id="connect_to_local-trailing-space",
    ),
    pytest.param(
        lambda mp: wje.jina_headers(jina_api_key=KEY[:20] + "\x00" + KEY[20:]),
        wje.InvalidJinaKeyError,
        id="nul-inside-key",
    ),
    pytest.param(
        lambda mp: wje.jina_headers({"X-Jinaai-Api-Key": KEY + "\r\nX-Evil: 1"}),
        wje.InvalidJinaKeyError,
        id="header-injection-in-headers",
    ),
    pytest.param(_env(KEY + "\n"), wje.InvalidJinaKeyError, id="env-trailing-newline"),
    pytest.param(
        lambda mp: wje.JinaClient(api_key=" " + KEY), wje.InvalidJinaKeyError, id="JinaClient-space"
    ),
    pytest.param(
        lambda mp: wje.AsyncJinaClient(api_key=KEY + "\t"),
        wje.InvalidJinaKeyError,
        id="AsyncJinaClient-tab",
    ),
    pytest.param(
        lambda mp: wje.JinaClient(api_key=KEY[:20] + "\u00e9" + KEY[20:]).embed(["hello"]),
        wje.InvalidJinaKeyError,
        id="JinaClient-non-ascii",
    ),
    pytest.param(
        lambda mp: wje.JinaClient(api_key=BARE + "\u2026").embed(["hello"]),
        wje.InvalidJinaKeyError,
        id="JinaClient-bare-key-with-ellipsis",
    ),
    pytest.param(
        lambda mp: wje.jina_headers({"X-Jinaai-Api-Key": "\u201c" + KEY + "\u201d"}),
        wje.InvalidJinaKeyError,
        id="smart-quoted-key-in-headers",
    ),
    pytest.param(_env(KEY + "\u00a0"), wje.InvalidJinaKeyError, id="env-non-breaking-space"),
    pytest.param(_env("\u0436" + KEY), wje.InvalidJinaKeyError, id="env-cyrillic"),
]


@pytest.mark.parametrize(("act", "raises"), CONFIG_ERRORS)
def test_config_errors_hide_the_key(
    monkeypatch: pytest.MonkeyPatch,
    debug_logs: pytest.LogCaptureFixture,
    act: Callable[[pytest.MonkeyPatch], object],
    raises: type[Exception],
) -> None:
    """Key and header errors never show the key in message, repr, traceback or logs."""
    with pytest.raises(raises) as info:
        act(monkeypatch)
    assert leaks(error_texts(info.value)) == []
    assert leaks(record_texts(debug_logs.records)) == []
    assert hunt(info.value) == []
    assert hunt_records(debug_logs.records) == []


def test_non_ascii_key_is_refused_before_anything_is_sent() -> None:
    """A key a header cannot carry fails validation, not later in httpx's encoder."""
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    for bad in (KEY + "\u00e9", "\ufeff" + KEY, KEY[:10] + "\u2026" + KEY[11:]):
        with pytest.raises(wje.InvalidJinaKeyError, match="non-ASCII") as info:
            wje.JinaClient(api_key=bad, transport=httpx.MockTransport(record))
        assert not isinstance(info.value, UnicodeError)
        assert hunt(info.value) == []
    assert sent == []


# --------------------------------------------------------------------------- API errors


def _echo(status: int, detail: str) -> ScriptedResponse:
    return ScriptedResponse(status, {"detail": detail, "code": "ECHO"})


API_ERRORS = [
    pytest.param(None, KEY2, wje.JinaAuthenticationError, id="401-wrong-key"),
    pytest.param(
        Faults(then=_echo(401, f"Invalid API key {KEY}")),
        KEY,
        wje.JinaAuthenticationError,
        id="401-key-echoed-in-detail",
    ),
    pytest.param(
        Faults(then=_echo(422, f"input rejected for Bearer {KEY}")),
        KEY,
        wje.JinaBadRequestError,
        id="422-key-echoed-in-detail",
    ),
    pytest.param(
        Faults(then=ScriptedResponse(502, f"upstream: Authorization: Bearer {KEY}".encode(), content_type="text/plain")),
        KEY,
        wje.JinaServerError,
        id="502-retries-exhausted-key-echoed-in-text-body",
    ),
    pytest.param(
        Faults(then=_echo(503, f"overloaded ({KEY})")),
        KEY,
        wje.JinaServerError,
        id="503-retries-exhausted-key-echoed",
    ),
    pytest.param(
        Faults(then=ScriptedResponse(429, {"detail": f"slow down {KEY}"}, headers={"Retry-After": "0"})),
        KEY,
        wje.JinaRateLimitError,
        id="429-retries-exhausted-key-echoed",
    ),
    pytest.param(
        Faults(then=ScriptedResponse(200, f"<html>{KEY}</html>".encode(), content_type="text/html")),
        KEY,
        wje.JinaAPIError,
        id="200-not-json-key-echoed",
    ),
]  # fmt: skip


def _check_api_error(
    exc: wje.JinaAPIError,
    logs: pytest.LogCaptureFixture,
    retries: list[RetryDetails],
) -> None:
    assert leaks(error_texts(exc)) == []
    assert leaks(exc.detail) == []
    assert exc.request is not None
    assert leaks(repr(exc.request) + repr(exc.request.headers)) == []
    assert leaks(record_texts(logs.records)) == []
    assert leaks(logs.text) == []
    for details in retries:
        shown = repr((details.name, details.args, details.kwargs, details.caused_by))
        assert leaks(shown) == []


@pytest.mark.parametrize(("faults", "key", "raises"), API_ERRORS)
def test_api_errors_hide_the_key(
    jina: FakeJina,
    debug_logs: pytest.LogCaptureFixture,
    retry_details: list[RetryDetails],
    faults: Faults | None,
    key: str,
    raises: type[wje.JinaAPIError],
) -> None:
    """Errors from the API, even ones echoing the key, and their retries never show it."""
    jina.set_faults(faults)
    with (
        wje.JinaClient(api_key=key, base_url=jina.url, max_attempts=3) as client,
        pytest.raises(raises) as info,
    ):
        client.embed(["hello"])
    assert type(info.value) is raises
    _check_api_error(info.value, debug_logs, retry_details)
    assert jina.requests, "the request never reached the server"


def test_async_retries_exhausted_hide_the_key(
    jina: FakeJina, debug_logs: pytest.LogCaptureFixture, retry_details: list[RetryDetails]
) -> None:
    """The async twin's exhausted retries on an echoing server show the key nowhere."""
    jina.set_faults(Faults(then=_echo(500, f"crashed with {KEY}")))

    async def run() -> None:
        async with wje.AsyncJinaClient(api_key=KEY, base_url=jina.url, max_attempts=3) as client:
            await client.embed(["hello", "world"])

    with pytest.raises(wje.JinaServerError) as info:
        asyncio.run(run())
    _check_api_error(info.value, debug_logs, retry_details)
    assert len(retry_details) == 2


def test_retry_instrumentation_hides_the_key(
    jina: FakeJina, debug_logs: pytest.LogCaptureFixture, retry_details: list[RetryDetails]
) -> None:
    """The stamina logging hook and a custom hook see every retry, never the key."""
    jina.set_faults(Faults(script=[_echo(503, KEY), _echo(500, KEY)]))
    with wje.JinaClient(api_key=KEY, base_url=jina.url) as client:
        client.embed(["hello"])
    assert [d.retry_num for d in retry_details] == [1, 2]
    stamina_records = [r for r in debug_logs.records if r.name == "stamina"]
    assert len(stamina_records) == 2
    assert leaks(record_texts(stamina_records)) == []
    assert leaks(repr(retry_details)) == []


def test_unreachable_server_hides_the_key(
    debug_logs: pytest.LogCaptureFixture, retry_details: list[RetryDetails]
) -> None:
    """A transport error retried to exhaustion shows the key nowhere."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
        with (
            wje.JinaClient(api_key=KEY, base_url=url, max_attempts=2) as client,
            pytest.raises(httpx.TransportError) as info,
        ):
            client.embed(["hello"])
    assert leaks(error_texts(info.value)) == []
    assert leaks(record_texts(debug_logs.records)) == []
    assert len(retry_details) == 1
    assert leaks(repr(retry_details)) == []


def _bare(key: str) -> str:
    """The key as a provider might echo it: without the ``jina_`` prefix."""
    return key.removeprefix("jina_")


ECHOES = [
    pytest.param(KEY, KEY, id="prefixed-key-echoed-whole"),
    pytest.param(KEY, _bare(KEY), id="prefixed-key-echoed-without-prefix"),
    pytest.param(BARE, BARE, id="unprefixed-key-echoed"),
]
ECHO_FAULTS: list[tuple[str, Callable[[str], Faults], type[wje.JinaAPIError]]] = [
    ("401", lambda e: Faults(then=_echo(401, f"Invalid API key {e}")), wje.JinaAuthenticationError),
    ("422", lambda e: Faults(then=_echo(422, f"bad input for key={e}")), wje.JinaBadRequestError),
    ("429", lambda e: Faults(then=ScriptedResponse(429, {"detail": f"slow {e}", "code": e}, headers={"Retry-After": "0", "X-Echo": e})), wje.JinaRateLimitError),
    ("503", lambda e: Faults(then=_echo(503, f"overloaded ({e})")), wje.JinaServerError),
    ("502-text", lambda e: Faults(then=ScriptedResponse(502, f"upstream said {e}".encode(), content_type="text/plain")), wje.JinaServerError),
    ("200-html", lambda e: Faults(then=ScriptedResponse(200, f"<html>{e}</html>".encode(), content_type="text/html")), wje.JinaAPIError),
    ("200-bad-index", lambda e: Faults(then=ScriptedResponse(200, {"data": [{"index": e, "embedding": [1.0]}], "model": e})), wje.JinaAPIError),
]  # fmt: skip


def _check_error_hunt(
    exc: wje.JinaAPIError,
    key: str,
    logs: pytest.LogCaptureFixture,
    retries: list[RetryDetails],
) -> None:
    """Nothing reachable from the error, the records or the retries shows the key."""
    assert hunt(exc) == []
    assert hunt_records(logs.records) == []
    assert leaks(logs.text) == []
    assert hunt(retries) == []
    if exc.request is not None:  # a copy: the credential masked, the rest as sent
        assert exc.request.headers["authorization"] == f"Bearer {wje.mask_key(key)}"
        assert exc.request.url.path == "/v1/embeddings"
    if exc.response is not None:
        assert exc.response.request is exc.request
        assert exc.response.status_code == exc.status_code


@pytest.mark.parametrize(("name", "faults", "raises"), ECHO_FAULTS, ids=[f[0] for f in ECHO_FAULTS])
@pytest.mark.parametrize(("key", "echo"), ECHOES)
def test_hunt_api_errors_for_an_echoed_key(
    jina: FakeJina,
    debug_logs: pytest.LogCaptureFixture,
    retry_details: list[RetryDetails],
    key: str,
    echo: str,
    name: str,
    faults: Callable[[str], Faults],
    raises: type[wje.JinaAPIError],
) -> None:
    """Whatever the API echoes of the key is found nowhere the error or its logs reach.

    The echo is the key whole, the key without its ``jina_`` prefix, or a key that has no
    prefix; searched: the error (request and response included), the logs, the retries.
    """
    jina.set_faults(faults(echo))
    with (
        wje.JinaClient(api_key=key, base_url=jina.url, max_attempts=2) as client,
        pytest.raises(raises) as info,
    ):
        client.embed(["hello"])
    assert type(info.value) is raises
    _check_error_hunt(info.value, key, debug_logs, retry_details)


@pytest.mark.parametrize(("key", "echo"), ECHOES)
def test_hunt_async_errors_for_an_echoed_key(
    jina: FakeJina,
    debug_logs: pytest.LogCaptureFixture,
    retry_details: list[RetryDetails],
    key: str,
    echo: str,
) -> None:
    """The async twin's errors and retries show no echoed key either."""
    jina.set_faults(Faults(then=_echo(500, f"crashed with {echo}")))

    async def run() -> None:
        async with wje.AsyncJinaClient(api_key=key, base_url=jina.url, max_attempts=3) as client:
            await client.rerank("q", ["a", "b"])

    with pytest.raises(wje.JinaServerError) as info:
        asyncio.run(run())
    assert hunt(info.value) == []
    assert hunt_records(debug_logs.records) == []
    assert hunt(retry_details) == []
    assert len(retry_details) == 2


def test_error_keeps_copies_and_the_sent_request_is_left_alone() -> None:
    """The error's request and response are masked copies; what the transport saw is intact."""
    sent: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(401, json={"detail": f"Invalid API key {_bare(KEY)}"})

    with (
        wje.JinaClient(api_key=KEY, transport=httpx.MockTransport(refuse)) as client,
        pytest.raises(wje.JinaAuthenticationError) as info,
    ):
        client.embed(["hello"])
    error = info.value
    [request] = sent
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert error.request is not request
    assert error.request is not None
    assert error.response is not None
    assert error.request.headers["authorization"] == f"Bearer {wje.mask_key(KEY)}"
    assert error.response.json() == {"detail": f"Invalid API key {wje.mask_key(_bare(KEY))}"}
    assert error.detail == f"Invalid API key {wje.mask_key(_bare(KEY))}"
    assert hunt(error) == []


def test_results_hide_a_key_the_api_echoes_as_its_model() -> None:
    """A proxy answering with the key as the model name: the result shows it masked."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = {
            "model": f"{KEY} via proxy",
            "usage": {"total_tokens": 1, "prompt_tokens": 1},
            "data": [{"object": "embedding", "index": 0, "embedding": [0.5, 0.5]}],
        }
        return httpx.Response(200, json=body)

    with wje.JinaClient(api_key=KEY, transport=httpx.MockTransport(answer)) as client:
        result = client.embed(["hello"])
    assert result.model == f"{wje.mask_key(KEY)} via proxy"
    assert hunt(result) == []


def test_hunt_results_of_every_kind(jina: FakeJina) -> None:
    """Embedding, multi-vector and rerank results hold nothing of the key."""
    with wje.JinaClient(api_key=KEY, base_url=jina.url) as client:
        results = [
            client.embed(["hello"]),
            client.embed_for_weaviate(["hello"], model="jina-embeddings-v3"),
            client.embed_multivector(["hello"]),
            client.rerank("query", ["doc", "other"]),
        ]
    assert hunt(results) == []


def test_hunt_unreachable_error() -> None:
    """The unreachable error, its cause and their requests show no key; httpx types still match."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
        with (
            stamina.set_testing(True, attempts=2),
            wje.JinaClient(api_key=KEY, base_url=url, max_attempts=2) as client,
            pytest.raises(wje.JinaUnreachableError) as info,
        ):
            client.embed(["hello"])
    error = info.value
    assert isinstance(error, httpx.ConnectError)
    assert isinstance(error, wje.JinaExtError)
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert error.__context__ is None
    assert error.request.headers["authorization"] == f"Bearer {wje.mask_key(KEY)}"
    assert hunt(error) == []


# --------------------------------------------------------------------------- the importer


class _EchoData:
    """``collection.data`` of a stand-in collection whose Weaviate echoes a key in errors."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.calls = 0

    def insert_many(self, objects: list[Any]) -> BatchObjectReturn:
        self.calls += 1
        # weaviate-client logs some server messages itself; its records must be scrubbed too.
        logging.getLogger("weaviate-client").warning("batch failed: %s", self.message)
        try:
            raise WeaviateBaseError(self.message)
        except WeaviateBaseError:
            logging.getLogger("weaviate-client").debug("with traceback", exc_info=True)
        errors = {
            i: ErrorObject(
                self.message,
                BatchObject(collection="Echo", properties=o.properties, uuid=o.uuid, index=i),
                original_uuid=o.uuid,
            )
            for i, o in enumerate(objects)
        }
        return BatchObjectReturn(errors=errors, uuids={}, has_errors=True)


class _EchoCollection:
    """Just enough of a ``Collection`` whose client sends ``key`` in its headers."""

    name = "Echo"

    def __init__(self, key: str, message: str) -> None:
        self._connection = SimpleNamespace(additional_headers={"X-Jinaai-Api-Key": key})
        self.data = _EchoData(message)
        self.query = SimpleNamespace(fetch_objects=self._fetch_objects)
        self.config = SimpleNamespace(get=_jina_config)
        self._message = message

    def exists(self) -> bool:
        return True

    def _fetch_objects(self, **kwargs: Any) -> Any:
        raise WeaviateBaseError(f"lookup failed: {self._message}")


def _jina_config() -> Any:
    """What ``collection.config.get()`` returns for a collection vectorized by Jina."""
    vectorizer = SimpleNamespace(
        vectorizer="text2vec-jinaai",
        model={"model": "jina-embeddings-v3", "dimensions": 32},
        source_properties=None,
    )
    return SimpleNamespace(vector_config={"default": SimpleNamespace(vectorizer=vectorizer)})


IMPORT_ECHOES = [
    pytest.param(KEY3, _bare(KEY3), id="prefixed-key-echoed-without-prefix"),
    pytest.param(KEY3, KEY3, id="prefixed-key-echoed-whole"),
    pytest.param(BARE, BARE, id="unprefixed-key-echoed"),
]
_JINA_SAID = "connection to: JinaAI API failed with status: {} error: {}"


@pytest.mark.parametrize(("key", "echo"), IMPORT_ECHOES)
def test_hunt_import_abort_for_an_echoed_key(
    debug_logs: pytest.LogCaptureFixture,
    retry_details: list[RetryDetails],
    key: str,
    echo: str,
) -> None:
    """A 401 whose text echoes the key: the abort, its report, summary and every log hide it.

    The key reaches the package only through the collection's connection headers, as for a
    client built without the connect helpers.
    """
    collection = _EchoCollection(key, _JINA_SAID.format(401, f"Invalid API key {echo}"))
    objects = [{"text": f"t{i}"} for i in range(5)]
    with pytest.raises(ImportAbortedError) as info:
        import_objects(collection, objects, progress=False, skip_existing=True)  # type: ignore[arg-type]
    error = info.value
    assert error.cause == "auth"
    assert wje.mask_key(echo) in error.reason
    assert hunt(error) == []
    assert hunt([error.report.summary(), error.report, *error.report.failed]) == []
    assert {r.name for r in debug_logs.records} >= {"weaviate-client", "weaviate_jina_ext"}
    assert hunt_records(debug_logs.records) == []
    assert leaks(debug_logs.text) == []
    assert hunt(retry_details) == []


@pytest.mark.parametrize(("key", "echo"), IMPORT_ECHOES)
def test_hunt_import_retries_for_an_echoed_key(
    debug_logs: pytest.LogCaptureFixture,
    retry_details: list[RetryDetails],
    key: str,
    echo: str,
) -> None:
    """503s echoing the key, retried to exhaustion: report, summary, error, stamina hide it."""
    collection = _EchoCollection(key, _JINA_SAID.format(503, f"overloaded, key {echo}"))
    report = import_objects(
        collection,  # type: ignore[arg-type]
        [{"text": "a"}, {"text": "b"}],
        max_attempts=3,
        progress=False,
        wait_initial=0.001,
        wait_max=0.002,
    )
    assert [f.retryable for f in report.failed] == [True, True]
    with pytest.raises(ImportIncompleteError) as info:
        report.raise_for_failures()
    assert hunt([report, report.summary(), info.value]) == []
    assert len(retry_details) == 2
    assert hunt(retry_details) == []
    stamina_records = [r for r in debug_logs.records if r.name == "stamina"]
    assert len(stamina_records) == 2
    assert hunt_records(debug_logs.records) == []
    assert leaks(debug_logs.text) == []


# --------------------------------------------------------------------------- logs


def test_successful_flow_logs_hide_the_key(
    jina: FakeJina, debug_logs: pytest.LogCaptureFixture
) -> None:
    """Headers, connect helpers and a client round trip log at DEBUG without the key."""
    headers = wje.jina_headers(jina_api_key=KEY, requests_per_minute=10)
    assert headers["X-Jinaai-Api-Key"] == KEY
    wje.use_async_with_local(port=1, grpc_port=2, jina_api_key=KEY)
    with wje.JinaClient(api_key=KEY, base_url=jina.url) as client:
        client.embed(["hello"])
        client.rerank("query", ["doc"])
    names = {r.name for r in debug_logs.records}
    assert {"weaviate_jina_ext", "httpx", "httpcore.http11"} <= names
    assert leaks(record_texts(debug_logs.records)) == []
    assert leaks(debug_logs.text) == []
    assert wje.mask_key(KEY) in record_texts(debug_logs.records)


# --------------------------------------------------------------------------- reprs


def _reprs(*objects: object) -> str:
    return "\n".join(f"{obj!r}\n{obj!s}" for obj in objects)


def test_client_reprs_hide_the_key() -> None:
    """JinaClient and AsyncJinaClient show a masked key in repr, str and vars()."""
    with wje.JinaClient(api_key=KEY) as client:
        shown = _reprs(client, vars(client))
    async_client = wje.AsyncJinaClient(api_key=KEY)
    shown += _reprs(async_client, vars(async_client))
    asyncio.run(async_client.aclose())
    assert leaks(shown) == []
    assert wje.mask_key(KEY) in shown


def test_rig_reprs_hide_the_key(jina: FakeJina) -> None:
    """FakeJina, its recorded requests, LocalStack and WeaviateInstance never show a key."""
    idle = FakeJina(api_keys=[KEY, KEY2])
    with wje.JinaClient(api_key=KEY, base_url=jina.url) as client:
        client.embed(["hello"])
    recorded = jina.requests
    assert recorded
    instance = WeaviateInstance(
        http_host="127.0.0.1", http_port=8080, grpc_host="127.0.0.1", grpc_port=50051,
        backend="existing", api_key=KEY2,
    )  # fmt: skip
    stack = LocalStack(weaviate=instance, jina_api_key=KEY, base_url=jina.url, fake_jina=jina)
    shown = _reprs(idle, jina, recorded, *recorded, [r.headers for r in recorded], instance, stack)
    assert leaks(shown) == []
    assert wje.mask_key(KEY) in shown


def test_connect_helper_results_hide_the_key() -> None:
    """The clients the helpers return show no key in repr or str."""
    clients = [
        wje.use_async_with_local(port=1, grpc_port=2, jina_api_key=KEY),
        wje.use_async_with_custom(
            http_host="127.0.0.1", http_port=1, http_secure=False,
            grpc_host="127.0.0.1", grpc_port=2, grpc_secure=False, jina_api_key=KEY,
        ),
        wje.use_async_with_weaviate_cloud("abc.weaviate.cloud", "wcd-key", jina_api_key=KEY),
    ]  # fmt: skip
    assert all(c._connection.additional_headers["X-Jinaai-Api-Key"] == KEY for c in clients)
    assert leaks(_reprs(*clients)) == []


# --------------------------------------------------------------------------- through Weaviate


@pytest.mark.integration
def test_weaviate_path_hides_the_key(
    weaviate_jina_server: WeaviateInstance,
    jina_fake: FakeJina,
    jina_base_url: str | None,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    """A key Jina refuses, sent through Weaviate, shows up in no error, log, repr or server log."""
    name = "Secret" + uuid.uuid4().hex[:12]
    with wje.connect_to_custom(**weaviate_jina_server.connect_kwargs(), jina_api_key=KEY) as client:
        notes = client.collections.create(
            name,
            properties=[Property(name="text", data_type=DataType.TEXT)],
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(base_url=jina_base_url),
        )
        jina_fake.clear()
        try:
            with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError) as insert_error:
                notes.data.insert({"text": "planted"})
            with pytest.raises(weaviate.exceptions.WeaviateQueryError) as query_error:
                notes.query.near_text("planted", limit=1)
            with notes.batch.fixed_size(batch_size=5) as batch:
                batch.add_object({"text": "planted"})
            failed = notes.batch.failed_objects
            shown = _reprs(client, notes, failed, jina_fake.requests, weaviate_jina_server)
        finally:
            client.collections.delete(name)
    assert failed, "the batch was expected to fail with Jina's 401"
    assert {r.key for r in jina_fake.requests} == {wje.mask_key(KEY)}
    assert leaks(error_texts(insert_error.value)) == []
    assert leaks(error_texts(query_error.value)) == []
    assert leaks(shown) == []
    assert leaks(record_texts(debug_logs.records)) == []
    assert leaks(weaviate_jina_server.log_tail(500)) == []
    assert "401" in str(insert_error.value)


@pytest.mark.integration
def test_import_report_hides_the_key(
    weaviate_jina_server: WeaviateInstance,
    jina: FakeJina,
    jina_endpoint: JinaEndpoint,
    debug_logs: pytest.LogCaptureFixture,
    retry_details: list[RetryDetails],
) -> None:
    """Import errors, reports and retries hide the key even when Jina echoes it back whole."""
    name = "Secret" + uuid.uuid4().hex[:12]
    kwargs = weaviate_jina_server.connect_kwargs()
    with wje.connect_to_custom(**kwargs, jina_api_key=KEY) as client:
        client.collections.create(
            name,
            properties=[Property(name="text", data_type=DataType.TEXT)],
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(
                base_url=jina_endpoint.base_url(jina)
            ),
        )
        collection = client.collections.use(name)
        try:
            jina.set_faults(Faults(then=_echo(401, f"Invalid API key {KEY}")))
            with pytest.raises(ImportAbortedError) as aborted:
                import_objects(collection, [{"text": "one"}, {"text": "two"}], progress=False)
            jina.set_faults(Faults(then=_echo(503, f"overloaded, key {KEY}")))
            report = import_objects(collection, [{"text": "three"}], max_attempts=3, progress=False)
            with pytest.raises(ImportIncompleteError) as incomplete:
                report.raise_for_failures()
        finally:
            jina.set_faults(None)
            client.collections.delete(name)
    first = aborted.value.report
    assert aborted.value.cause == "auth"
    assert wje.mask_key(KEY) in aborted.value.reason  # Jina's echo got through, masked
    assert [f.retryable for f in report.failed] == [True]
    shown = "\n".join(
        [
            error_texts(aborted.value),
            error_texts(incomplete.value),
            _reprs(first, *first.failed, report, *report.failed),
            first.summary(),
            report.summary(),
            aborted.value.reason,
        ]
    )
    assert leaks(shown) == []
    ours = [r for r in debug_logs.records if r.name.startswith(("weaviate_jina_ext", "stamina"))]
    assert ours
    assert leaks(record_texts(ours)) == []
    assert len(retry_details) == 2
    assert leaks(repr(retry_details)) == []


@pytest.mark.integration
def test_import_through_weaviate_hides_a_key_echoed_without_its_prefix(
    weaviate_jina_server: WeaviateInstance,
    jina: FakeJina,
    jina_endpoint: JinaEndpoint,
    debug_logs: pytest.LogCaptureFixture,
    retry_details: list[RetryDetails],
) -> None:
    """Jina echoing the key without ``jina_`` (Weaviate relays it): hunted everywhere."""
    name = "Secret" + uuid.uuid4().hex[:12]
    kwargs = weaviate_jina_server.connect_kwargs()
    with wje.connect_to_custom(**kwargs, jina_api_key=KEY) as client:
        client.collections.create(
            name,
            properties=[Property(name="text", data_type=DataType.TEXT)],
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(
                base_url=jina_endpoint.base_url(jina)
            ),
        )
        collection = client.collections.use(name)
        try:
            jina.set_faults(Faults(then=_echo(401, f"Invalid API key {_bare(KEY)}")))
            with pytest.raises(ImportAbortedError) as aborted:
                import_objects(collection, [{"text": "one"}, {"text": "two"}], progress=False)
            jina.set_faults(Faults(then=_echo(503, f"overloaded, key {_bare(KEY)}")))
            report = import_objects(collection, [{"text": "three"}], max_attempts=2, progress=False)
        finally:
            jina.set_faults(None)
            client.collections.delete(name)
    assert aborted.value.cause == "auth"
    assert wje.mask_key(_bare(KEY)) in aborted.value.reason
    assert [f.retryable for f in report.failed] == [True]
    assert hunt([aborted.value, report, report.summary(), aborted.value.report.summary()]) == []
    assert hunt_records(debug_logs.records) == []
    assert leaks(debug_logs.text) == []
    assert hunt(retry_details) == []


# --------------------------------------------------------------------------- a user's pytest run

USER_TESTS = """
import weaviate_jina_ext as wje
from weaviate.classes.config import DataType, Property
from weaviate.collections.classes.batch import BatchObject, BatchObjectReturn, ErrorObject
from weaviate.exceptions import WeaviateBaseError


def test_import_with_planted_key(weaviate_jina_server, jina_fake, jina_base_url):
    jina_fake.clear()
    kwargs = weaviate_jina_server.connect_kwargs()
    with wje.connect_to_custom(**kwargs, require_key=True) as client:
        notes = client.collections.create(
            "Planted",
            properties=[Property(name="text", data_type=DataType.TEXT)],
            vector_config=wje.JinaConfigure.Vectors.text2vec_jinaai(base_url=jina_base_url),
        )
        with notes.batch.fixed_size(batch_size=5) as batch:
            batch.add_object({"text": "planted"})
        failed = notes.batch.failed_objects
        client.collections.delete("Planted")
    print(weaviate_jina_server, jina_fake, jina_fake.requests)
    assert failed == []


def test_jina_client_with_planted_key(jina_base_url):
    with wje.JinaClient(base_url=jina_base_url, max_attempts=2) as jina:
        print(jina)
        jina.embed(["planted"])
"""


@pytest.mark.integration
def test_pytest_output_hides_the_key(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, weaviate_jina_backend: str
) -> None:
    """A user's failing run with -vv and DEBUG logs prints Jina's refusal, never the key."""
    monkeypatch.setenv("WEAVIATE_JINA_CACHE", str(BINARY_CACHE))
    monkeypatch.setenv("JINAAI_APIKEY", KEY)  # read by the helpers and by the server's env
    for name in ("WEAVIATE_URL", "WEAVIATE_GRPC_PORT", "WEAVIATE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess(
        f"--weaviate-backend={weaviate_jina_backend}",
        "-p",
        "no:cacheprovider",
        "-vv",
        "-rA",
        "--log-level=DEBUG",
    )
    output = "\n".join(result.outlines + result.errlines)
    result.assert_outcomes(failed=2)
    assert "Invalid API key" in output
    assert wje.mask_key(KEY) in output  # the key was in play, shown masked
    assert "Captured log call" in output
    assert leaks(output) == []
    reports = [p for p in Path(pytester.path).rglob("*") if p.is_file() and p.suffix != ".py"]
    assert all(leaks(p.read_text(errors="replace")) == [] for p in reports)

"""Bad input anywhere in the public API: the right error, a message with cause and fix, no residue.

Every row of the two tables below names one mistake a user can make. Each row checks three
things: (a) the exception type, (b) that the message names the cause and the fix (the
parameter, the allowed values, the variable or setting to change), and (c) that nothing was
half-done: no request reached the Jina-compatible server, no connection was opened, no
collection was created and no object was stored. The planted key never appears in a message.

The unit table needs no server: Jina requests go through ``httpx.MockTransport`` into
:meth:`FakeJina.handle` (which records them without a socket), and the connect helpers point
at listening sockets that record whether anything connected. The integration table runs
against the session's Weaviate and, for missing modules, a second Weaviate started with no
Jina module at all.
"""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import stamina
import weaviate
from weaviate.classes.config import DataType, Property
from weaviate.connect import ConnectionParams

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._import import (
    ImportAbortedError,
    ImportIncompleteError,
    ImportObject,
    async_import_objects,
    import_objects,
)
from weaviate_jina_ext.testing import FakeJina

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from weaviate.client import WeaviateAsyncClient, WeaviateClient
    from weaviate.collections import Collection, CollectionAsync

    from weaviate_jina_ext.testing import WeaviateInstance

KEY = "jina_BADINPUTkey" + uuid.uuid4().hex
OTHER_KEY = "jina_OTHERkey" + uuid.uuid4().hex
#: Parts of the keys that a leak would show; the masked form shows only the last four.
KEY_PARTS = (KEY, KEY[5:-4], OTHER_KEY[5:-4])
FAKE_URL = "http://jina.test"
LONG_TEXT = "word " * 10_000  # about 12,500 estimated tokens: over every 8,192-token model
HOW_TO_SET_KEY = r"pass jina_api_key=\.\.\. or set the JINAAI_APIKEY environment variable"


def _assert_message(exc: BaseException, says: tuple[str, ...], avoid: tuple[str, ...]) -> None:
    """The message matches every ``says`` pattern, no ``avoid`` pattern and shows no key."""
    text = str(exc)
    for pattern in says:
        assert re.search(pattern, text), f"{pattern!r} not found in message: {text!r}"
    for pattern in avoid:
        assert not re.search(pattern, text), f"{pattern!r} must not be in message: {text!r}"
    for part in KEY_PARTS:
        assert part not in text
        assert part not in repr(exc)


# ------------------------------------------------------------------------------- unit rig


class _Listener:
    """A listening loopback socket that tells whether anything connected to it."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.setblocking(False)
        self.port: int = self._sock.getsockname()[1]

    def connected(self) -> bool:
        try:
            conn, _ = self._sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def close(self) -> None:
        self._sock.close()


class _ClosedPort:
    """A loopback port held bound but not listening, so connecting to it is refused."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]

    def close(self) -> None:
        self._sock.close()


class Rig:
    """What a unit row acts on: an offline Jina server, a Weaviate that records contact."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.fake = FakeJina(api_keys=[KEY])  # never started: handle() is called directly
        self.http = _Listener()
        self.grpc = _Listener()
        self.closed = _ClosedPort()
        self.closed_grpc = _ClosedPort()
        self._clients: list[WeaviateClient] = []

    def close(self) -> None:
        for client in self._clients:
            client.close()
        for sock in (self.http, self.grpc, self.closed, self.closed_grpc):
            sock.close()

    def collection(self) -> Collection[Any, Any]:
        """A collection of a client that was never connected (aimed at the listeners)."""
        params = ConnectionParams.from_params(
            http_host="127.0.0.1",
            http_port=self.http.port,
            http_secure=False,
            grpc_host="127.0.0.1",
            grpc_port=self.grpc.port,
            grpc_secure=False,
        )
        client = weaviate.WeaviateClient(connection_params=params, skip_init_checks=True)
        self._clients.append(client)
        return client.collections.use("Thing")

    def async_collection(self) -> CollectionAsync[Any, Any]:
        """The async twin of :meth:`collection`."""
        client: WeaviateAsyncClient = wje.use_async_with_local(
            port=self.http.port, grpc_port=self.grpc.port
        )
        return client.collections.use("Thing")

    def _answer(self, request: httpx.Request) -> httpx.Response:
        answer = self.fake.handle(
            request.method, request.url.raw_path.decode(), dict(request.headers), request.read()
        )
        return httpx.Response(answer.status, headers=list(answer.headers), content=answer.body)

    def jina(self, **kwargs: Any) -> wje.JinaClient:
        """A JinaClient whose requests the offline fake answers and records."""
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("base_url", FAKE_URL)
        return wje.JinaClient(transport=httpx.MockTransport(self._answer), **kwargs)

    def async_jina(self, **kwargs: Any) -> wje.AsyncJinaClient:
        """The async twin of :meth:`jina`."""
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("base_url", FAKE_URL)
        return wje.AsyncJinaClient(transport=httpx.MockTransport(self._answer), **kwargs)

    def local(self, **kwargs: Any) -> WeaviateClient:
        """``connect_to_local`` aimed at the recording sockets."""
        return wje.connect_to_local(port=self.http.port, grpc_port=self.grpc.port, **kwargs)

    def custom(self, **kwargs: Any) -> WeaviateClient:
        """``connect_to_custom`` aimed at the recording sockets."""
        return wje.connect_to_custom(
            http_host="127.0.0.1",
            http_port=self.http.port,
            http_secure=False,
            grpc_host="127.0.0.1",
            grpc_port=self.grpc.port,
            grpc_secure=False,
            **kwargs,
        )


def _nothing_sent(rig: Rig) -> None:
    """No Jina request was made and nothing connected to the Weaviate ports."""
    assert rig.fake.requests == []
    assert not rig.http.connected()
    assert not rig.grpc.connected()


def _one_refused_request(rig: Rig) -> None:
    """Exactly one request reached the server (a 401 is never retried); no Weaviate contact."""
    assert [r.key for r in rig.fake.requests] == [wje.mask_key(OTHER_KEY)]
    assert not rig.http.connected()


@dataclass(frozen=True)
class Case:
    """One unit row: what to do, what it raises, what the message must (not) say."""

    act: Callable[[Rig], object]
    raises: type[BaseException]
    says: tuple[str, ...]
    avoid: tuple[str, ...] = ()
    residue: Callable[[Rig], None] = _nothing_sent


def _call(method: str, *args: Any, api_key: str = KEY, **kwargs: Any) -> Callable[[Rig], object]:
    """An act that calls ``JinaClient.<method>(*args, **kwargs)`` on a client it closes."""

    def act(rig: Rig) -> object:
        with rig.jina(api_key=api_key) as client:
            return getattr(client, method)(*args, **kwargs)

    return act


def _embed(texts: object = ("hello",), **kwargs: Any) -> Callable[[Rig], object]:
    """An act that calls ``JinaClient.embed(texts, **kwargs)``."""
    return _call("embed", list(texts) if isinstance(texts, tuple) else texts, **kwargs)


def _async_embed(**kwargs: Any) -> Callable[[Rig], object]:
    """An act that awaits ``AsyncJinaClient.embed(["hello"], **kwargs)``."""

    async def run(rig: Rig) -> object:
        async with rig.async_jina() as client:
            return await client.embed(["hello"], **kwargs)

    return lambda rig: asyncio.run(run(rig))


def _unreachable_jina(rig: Rig) -> object:
    with wje.JinaClient(
        api_key=KEY, base_url=f"http://127.0.0.1:{rig.closed.port}", max_attempts=2
    ) as client:
        return client.embed(["hello"])


def _unreachable_jina_async(rig: Rig) -> object:
    async def run() -> object:
        async with wje.AsyncJinaClient(
            api_key=KEY, base_url=f"http://127.0.0.1:{rig.closed.port}", max_attempts=2
        ) as client:
            return await client.embed(["hello"])

    return asyncio.run(run())


def _both_transport_and_client(rig: Rig) -> object:
    with httpx.Client() as http:
        return wje.JinaClient(
            api_key=KEY, transport=httpx.MockTransport(rig._answer), http_client=http
        )


def _unknown_model_negative_dimensions(rig: Rig) -> object:
    """A builder for a model the catalogue does not know (its warning silenced), dimensions=-5."""
    with pytest.warns(wje.UnknownModelWarning):
        return JinaConfigure.Vectors.text2vec_jinaai(model="jina-embeddings-v99", dimensions=-5)


def _env_key(value: str) -> Callable[[Rig], object]:
    """An act that puts ``value`` in JINAAI_APIKEY and connects with no key argument."""

    def act(rig: Rig) -> object:
        rig.monkeypatch.setenv("JINAAI_APIKEY", value)
        return rig.local()

    return act


_V, _MV, _VZ, _NV = (
    JinaConfigure.Vectors,
    JinaConfigure.MultiVectors,
    JinaConfigure.Vectorizer,
    JinaConfigure.NamedVectors,
)

UNIT_ROWS = [
    # -- config builders: dimensions the model cannot produce, one row per builder family
    pytest.param(Case(
        lambda rig: _V.text2vec_jinaai(model="jina-embeddings-v3", dimensions=4096),
        wje.InvalidDimensionsError,
        (r"dimensions=4096 is not valid for 'jina-embeddings-v3'", r"allowed: 32-1024"),
    ), id="Vectors.text2vec-v3-dimensions-over-max"),
    pytest.param(Case(
        lambda rig: _V.text2vec_jinaai(dimensions=256),
        wje.InvalidDimensionsError,
        (r"dimensions=256 is not valid for 'jina-embeddings-v2-base-en'",
         r"fixed output of 768; leave dimensions unset"),
    ), id="Vectors.text2vec-v2-dimensions-on-fixed-size"),
    pytest.param(Case(
        lambda rig: _V.multi2vec_jinaai(text_fields=["caption"], dimensions=32),
        wje.InvalidDimensionsError,
        (r"dimensions=32 is refused by multi2vec-jinaai for 'jina-clip-v2'", r"allowed: 64-1024"),
    ), id="Vectors.multi2vec-clip-v2-dimensions-under-min"),
    pytest.param(Case(
        lambda rig: _MV.text2vec_jinaai(dimensions=100),
        wje.InvalidDimensionsError,
        (r"dimensions=100 is not valid for 'jina-colbert-v2'", r"allowed: one of 64, 96, 128"),
    ), id="MultiVectors.text2vec-colbert-dimensions-not-a-choice"),
    pytest.param(Case(
        lambda rig: _VZ.text2vec_jinaai(model="jina-embeddings-v5-text-nano", dimensions=1024),
        wje.InvalidDimensionsError,
        (r"dimensions=1024 is not valid for 'jina-embeddings-v5-text-nano'", r"allowed: 32-768"),
    ), id="Vectorizer.text2vec-v5-nano-dimensions-over-max"),
    pytest.param(Case(
        lambda rig: _VZ.multi2vec_jinaai(model="jina-clip-v1", image_fields=["image"], dimensions=512),
        wje.InvalidDimensionsError,
        (r"dimensions=512 is refused by multi2vec-jinaai for 'jina-clip-v1'",
         r"needs exactly 768; set dimensions=768 or leave it unset"),
    ), id="Vectorizer.multi2vec-clip-v1-dimensions-not-768"),
    pytest.param(Case(
        lambda rig: _NV.text2vec_jinaai("body", model="jina-embeddings-v4", dimensions=64),
        wje.InvalidDimensionsError,
        (r"dimensions=64 is not valid for 'jina-embeddings-v4'", r"allowed: 128-2048"),
    ), id="NamedVectors.text2vec-v4-dimensions-under-min"),
    pytest.param(Case(
        lambda rig: _NV.multi2vec_jinaai("mm", model="jina-embeddings-v4", text_fields=["t"], dimensions=4096),
        wje.InvalidDimensionsError,
        (r"dimensions=4096 is not valid for 'jina-embeddings-v4'", r"allowed: 128-2048"),
    ), id="NamedVectors.multi2vec-v4-dimensions-over-max"),
    pytest.param(Case(
        lambda rig: _NV.text2colbert_jinaai("tokens", dimensions=256),
        wje.InvalidDimensionsError,
        (r"dimensions=256 is not valid for 'jina-colbert-v2'", r"allowed: one of 64, 96, 128"),
    ), id="NamedVectors.text2colbert-dimensions-not-a-choice"),
    pytest.param(Case(
        lambda rig: _V.text2vec_jinaai(model="jina-embeddings-v3", dimensions="256"),  # type: ignore[arg-type]
        wje.InvalidDimensionsError,
        (r"dimensions must be an int, got '256' \(str\)",),
    ), id="Vectors.text2vec-dimensions-as-str"),
    pytest.param(Case(
        _unknown_model_negative_dimensions,
        wje.InvalidDimensionsError,
        (r"dimensions=-5 must be a positive int, or None for the model's default",),
    ), id="Vectors.text2vec-unknown-model-negative-dimensions"),
    # -- config builders: a model the module cannot serve
    pytest.param(Case(
        lambda rig: _V.text2vec_jinaai(model="jina-reranker-v2-base-multilingual"),
        wje.ModelModuleMismatchError,
        (r"model='jina-reranker-v2-base-multilingual' is a reranker model served by reranker-jinaai",
         r"not by text2vec-jinaai",
         r"models for text2vec-jinaai: jina-embeddings-v2-base-en, .*jina-embeddings-v3"),
    ), id="Vectors.text2vec-reranker-model"),
    pytest.param(Case(
        lambda rig: _VZ.text2vec_jinaai(model="jina-reranker-v3"),
        wje.ModelModuleMismatchError,
        (r"'jina-reranker-v3' is a reranker model", r"models for text2vec-jinaai: "),
    ), id="Vectorizer.text2vec-reranker-model"),
    pytest.param(Case(
        lambda rig: _MV.text2vec_jinaai(model="jina-embeddings-v3"),
        wje.ModelModuleMismatchError,
        (r"'jina-embeddings-v3' is a text-embedding model", r"not by text2multivec-jinaai",
         r"models for text2multivec-jinaai: jina-colbert-v2, jina-colbert-v1-en"),
    ), id="MultiVectors.text2vec-text-model"),
    pytest.param(Case(
        lambda rig: _MV.multi2vec_jinaai(model="jina-clip-v2", image_fields=["image"]),
        wje.ModelModuleMismatchError,
        (r"'jina-clip-v2' is a multimodal-embedding model served by multi2vec-jinaai",
         r"models for multi2multivec-jinaai: jina-embeddings-v4"),
    ), id="MultiVectors.multi2vec-clip-model"),
    pytest.param(Case(
        lambda rig: JinaConfigure.Reranker.jinaai(model="jina-embeddings-v3"),
        wje.ModelModuleMismatchError,
        (r"'jina-embeddings-v3' is a text-embedding model", r"not by reranker-jinaai",
         r"models for reranker-jinaai: .*jina-reranker-v2-base-multilingual"),
    ), id="Reranker.jinaai-embedding-model"),
    # -- config builders: other arguments
    pytest.param(Case(
        lambda rig: _V.multi2vec_jinaai(),
        wje.JinaConfigError,
        (r"multi2vec-jinaai needs image_fields= and/or text_fields=", r"none were given"),
    ), id="Vectors.multi2vec-no-fields"),
    pytest.param(Case(
        lambda rig: _V.text2vec_jinaai(base_url="api.jina.ai"),
        wje.JinaConfigError,
        (r"base_url='api\.jina\.ai' is not an http\(s\) URL", r"give the API root such as 'https://api\.jina\.ai'"),
    ), id="Vectors.text2vec-base-url-without-scheme"),
    pytest.param(Case(
        lambda rig: _V.text2vec_jinaai(base_url="https://api.jina.ai/v1/embeddings"),
        wje.JinaConfigError,
        (r"includes the endpoint path", r"give only the root \(e\.g\. https://api\.jina\.ai\)"),
    ), id="Vectors.text2vec-base-url-with-endpoint"),
    pytest.param(Case(
        lambda rig: _V.text2vec_jinaai(model=""),
        wje.JinaConfigError,
        (r"model must be a non-empty str naming a Jina model, got ''",),
    ), id="Vectors.text2vec-empty-model"),
    pytest.param(Case(
        lambda rig: wje.get_model("jina-embeddings-v9"),
        wje.UnknownModelError,
        (r"model='jina-embeddings-v9' is not in the Jina model catalogue",
         r"known models: jina-embeddings-v2-base-en, "),
    ), id="get_model-unknown"),
    # -- the key: empty, whitespace, control characters, wrong type, from the environment
    pytest.param(Case(
        lambda rig: rig.local(jina_api_key=""),
        wje.InvalidJinaKeyError,
        (r"jina_api_key is empty", HOW_TO_SET_KEY, r"leave it unset to use the server's key"),
    ), id="connect_to_local-empty-key"),
    pytest.param(Case(
        lambda rig: rig.local(jina_api_key="", require_key=True),
        wje.InvalidJinaKeyError,
        (r"jina_api_key is empty", HOW_TO_SET_KEY),
        avoid=(r"server's key",),  # with require_key=True there is no server key to fall back on
    ), id="connect_to_local-empty-key-with-require-key"),
    pytest.param(Case(
        lambda rig: wje.use_async_with_local(port=rig.http.port, jina_api_key=KEY + " "),
        wje.InvalidJinaKeyError,
        (r"jina_api_key contains whitespace \(1 character\(s\)\)", r"Check for a trailing newline"),
    ), id="use_async_with_local-whitespace-key"),
    pytest.param(Case(
        lambda rig: rig.custom(jina_api_key=KEY[:12] + "\x1b" + KEY[12:]),
        wje.InvalidJinaKeyError,
        (r"jina_api_key contains whitespace or control characters \(1 character\(s\)\)",
         r"a Jina key is a single printable token"),
    ), id="connect_to_custom-control-character-key"),
    pytest.param(Case(
        lambda rig: rig.local(jina_api_key=KEY + "\r\nX-Injected: 1"),
        wje.InvalidJinaKeyError,
        (r"jina_api_key contains whitespace \(3 character\(s\)\)", r"copy/paste damage"),
    ), id="connect_to_local-header-injection-key"),
    pytest.param(Case(
        lambda rig: wje.connect_to_embedded(port=rig.http.port, grpc_port=rig.grpc.port, jina_api_key="\t"),
        wje.InvalidJinaKeyError,
        (r"jina_api_key contains whitespace", r"Check for a trailing newline"),
    ), id="connect_to_embedded-tab-key"),
    pytest.param(Case(
        lambda rig: rig.local(jina_api_key=12345),
        wje.InvalidJinaKeyError,
        (r"jina_api_key must be a str, got int", HOW_TO_SET_KEY),
    ), id="connect_to_local-key-not-a-str"),
    pytest.param(Case(
        _env_key(KEY + "\n"),
        wje.InvalidJinaKeyError,
        (r"the JINAAI_APIKEY environment variable contains whitespace", r"trailing newline"),
    ), id="env-JINAAI_APIKEY-trailing-newline"),
    pytest.param(Case(
        _env_key(""),
        wje.InvalidJinaKeyError,
        (r"the JINAAI_APIKEY environment variable is empty", r"leave it unset"),
    ), id="env-JINAAI_APIKEY-empty"),
    pytest.param(Case(
        lambda rig: wje.jina_headers({"X-Jinaai-Api-Key": " "}),
        wje.InvalidJinaKeyError,
        (r"headers\['X-Jinaai-Api-Key'\] contains whitespace",),
    ), id="jina_headers-blank-key-header"),
    # -- conflicting headers
    pytest.param(Case(
        lambda rig: rig.local(headers={"X-Jinaai-Api-Key": KEY}, jina_api_key=OTHER_KEY),
        wje.HeaderConflictError,
        (r"header 'X-Jinaai-Api-Key' is set in headers= \(jina_…\w{4}\) and by the Jina options \(jina_…\w{4}\)",
         r"give it in one place only"),
    ), id="connect_to_local-key-in-headers-and-argument"),
    pytest.param(Case(
        lambda rig: wje.jina_headers({"X-Jinaai-Api-Key": KEY, "x-jinaai-api-key": OTHER_KEY}),
        wje.HeaderConflictError,
        (r"header 'x-jinaai-api-key' is given twice with different values", r"keep one"),
    ), id="jina_headers-key-header-twice-in-two-cases"),
    pytest.param(Case(
        lambda rig: rig.custom(
            headers={"X-Jinaai-Ratelimit-RequestPM-Embedding": "10"},
            jina_api_key=KEY,
            requests_per_minute=20,
        ),
        wje.HeaderConflictError,
        (r"header 'X-Jinaai-Ratelimit-RequestPM-Embedding' is set in headers= \('10'\) and by the Jina options \('20'\)",
         r"give it in one place only"),
    ), id="connect_to_custom-rate-header-and-argument"),
    # -- rate limits
    pytest.param(Case(
        lambda rig: rig.local(requests_per_minute=0),
        wje.JinaConfigError,
        (r"requests_per_minute=0 must be a positive int \(per minute\)",
         r"leave it unset for the server default"),
    ), id="connect_to_local-requests-per-minute-zero"),
    pytest.param(Case(
        lambda rig: wje.use_async_with_local(port=rig.http.port, tokens_per_minute=-5),
        wje.JinaConfigError,
        (r"tokens_per_minute=-5 must be a positive int \(per minute\)", r"leave it unset"),
    ), id="use_async_with_local-tokens-per-minute-negative"),
    pytest.param(Case(
        lambda rig: rig.custom(requests_per_minute=True),
        wje.JinaConfigError,
        (r"requests_per_minute=True must be a positive int \(per minute\)",),
    ), id="connect_to_custom-requests-per-minute-bool"),
    pytest.param(Case(
        lambda rig: wje.jina_headers(tokens_per_minute=1.5),  # type: ignore[arg-type]
        wje.JinaConfigError,
        (r"tokens_per_minute=1\.5 must be a positive int \(per minute\)",),
    ), id="jina_headers-tokens-per-minute-float"),
    # -- require_key
    pytest.param(Case(
        lambda rig: rig.local(require_key=True),
        wje.MissingJinaKeyError,
        (r"a Jina API key is required", HOW_TO_SET_KEY),
    ), id="connect_to_local-require-key-without-key"),
    pytest.param(Case(
        lambda rig: wje.use_async_with_weaviate_cloud(
            "abc.weaviate.cloud", "wcd-api-key", require_key=True
        ),
        wje.MissingJinaKeyError,
        (r"a Jina API key is required", HOW_TO_SET_KEY),
    ), id="use_async_with_weaviate_cloud-require-key-without-key"),
    # -- JinaClient construction (its key parameter is api_key=, not jina_api_key=)
    pytest.param(Case(
        lambda rig: wje.JinaClient(base_url=FAKE_URL),
        wje.MissingJinaKeyError,
        (r"a Jina API key is required", r"\bapi_key=", r"JINAAI_APIKEY"),
        avoid=(r"jina_api_key",),
    ), id="JinaClient-no-key"),
    pytest.param(Case(
        lambda rig: rig.jina(api_key=""),
        wje.InvalidJinaKeyError,
        (r"\bapi_key is empty", r"\bapi_key=", r"JINAAI_APIKEY"),
        avoid=(r"jina_api_key", r"server's key"),
    ), id="JinaClient-empty-key"),
    pytest.param(Case(
        lambda rig: rig.async_jina(api_key=KEY + "\n"),
        wje.InvalidJinaKeyError,
        (r"\bapi_key contains whitespace", r"trailing newline"),
        avoid=(r"jina_api_key",),
    ), id="AsyncJinaClient-newline-key"),
    pytest.param(Case(
        lambda rig: rig.jina(base_url="api.jina.ai"),
        wje.JinaConfigError,
        (r"base_url='api\.jina\.ai' is not an http\(s\) URL", r"give the API root such as 'https://api\.jina\.ai'"),
    ), id="JinaClient-base-url-without-scheme"),
    pytest.param(Case(
        lambda rig: rig.jina(base_url="ftp://api.jina.ai"),
        wje.JinaConfigError,
        (r"base_url='ftp://api\.jina\.ai' is not an http\(s\) URL",),
    ), id="JinaClient-base-url-ftp"),
    pytest.param(Case(
        lambda rig: rig.jina(base_url="http://"),
        wje.JinaConfigError,
        (r"base_url='http://' has no host", r"give the API root such as 'https://api\.jina\.ai'"),
    ), id="JinaClient-base-url-without-host"),
    pytest.param(Case(
        lambda rig: rig.jina(base_url="https://api.jina.ai/v1/embeddings"),
        wje.JinaConfigError,
        (r"includes the endpoint path", r"give only the root \(e\.g\. https://api\.jina\.ai\)"),
    ), id="JinaClient-base-url-with-endpoint"),
    pytest.param(Case(
        lambda rig: rig.jina(api_key=KEY[:10] + "\u00e9" + KEY[10:]),
        wje.InvalidJinaKeyError,
        (r"\bapi_key contains non-ASCII characters \(1 character\(s\)\)", r"copy/paste damage"),
    ), id="JinaClient-non-ascii-key"),
    pytest.param(Case(
        lambda rig: rig.jina(max_attempts=0),
        wje.JinaConfigError,
        (r"max_attempts=0 must be a positive int \(at least 1\)",),
    ), id="JinaClient-max-attempts-zero"),
    pytest.param(Case(
        lambda rig: rig.async_jina(max_concurrency=0),
        wje.JinaConfigError,
        (r"max_concurrency=0 must be a positive int \(at least 1\)",),
    ), id="AsyncJinaClient-max-concurrency-zero"),
    pytest.param(Case(
        _both_transport_and_client,
        wje.JinaConfigError,
        (r"pass either transport= or http_client=, not both",),
    ), id="JinaClient-transport-and-http-client"),
    # -- JinaClient calls: rejected before anything is sent
    pytest.param(Case(
        _embed(model="jina-embeddings-v3", task="code.query"),
        wje.InvalidTaskError,
        (r"task='code\.query' is not valid for 'jina-embeddings-v3'",
         r"allowed: retrieval\.query, retrieval\.passage, text-matching, classification, separation"),
    ), id="JinaClient.embed-unknown-task-for-model"),
    pytest.param(Case(
        _async_embed(model="jina-embeddings-v4", task="classification"),
        wje.InvalidTaskError,
        (r"task='classification' is not valid for 'jina-embeddings-v4'", r"allowed: retrieval\.query"),
    ), id="AsyncJinaClient.embed-unknown-task-for-model"),
    pytest.param(Case(
        _embed(model="jina-embeddings-v2-base-en", task="retrieval.query"),
        wje.InvalidTaskError,
        (r"'jina-embeddings-v2-base-en', which takes no task", r"leave task unset"),
    ), id="JinaClient.embed-task-for-taskless-model"),
    pytest.param(Case(
        _embed(model="jina-embeddings-v2-base-en", dimensions=256),
        wje.InvalidDimensionsError,
        (r"dimensions=256 is not valid for 'jina-embeddings-v2-base-en'", r"leave dimensions unset"),
    ), id="JinaClient.embed-dimensions-on-fixed-size-model"),
    pytest.param(Case(
        _embed(model="jina-embeddings-v3", dimensions=0),
        wje.InvalidDimensionsError,
        (r"dimensions=0 must be a positive int", r"or None for the model's default"),
    ), id="JinaClient.embed-dimensions-zero"),
    pytest.param(Case(
        _embed(model="jina-embeddings-v3", texts=["short", LONG_TEXT]),
        wje.JinaConfigError,
        (r"texts\[1\] is about \d+ tokens", r"over the 8192-token limit of 'jina-embeddings-v3'",
         r"pass truncate=True to let the API cut it, or split the text"),
    ), id="JinaClient.embed-over-long-text"),
    pytest.param(Case(
        _embed(model="jina-embeddings-v3", texts=[LONG_TEXT[:20_000]] * 2, late_chunking=True),
        wje.JinaConfigError,
        (r"late_chunking=True concatenates the texts", r"over the 8192-token limit",
         r"Call embed once per document, or pass truncate=True"),
    ), id="JinaClient.embed-late-chunking-over-long"),
    pytest.param(Case(
        _embed(model="jina-reranker-v3"),
        wje.JinaConfigError,
        (r"model='jina-reranker-v3' is a reranker model and cannot serve embed\(\)", r"use rerank\(\)"),
    ), id="JinaClient.embed-reranker-model"),
    pytest.param(Case(
        _embed(texts="hello"),
        wje.JinaConfigError,
        (r"texts must be a sequence of str, not a single str", r"wrap it: \[text\]"),
    ), id="JinaClient.embed-single-string"),
    pytest.param(Case(
        _embed(texts=["ok", 3]),
        wje.JinaConfigError,
        (r"texts\[1\] must be a str, got int", r"convert it first"),
    ), id="JinaClient.embed-non-str-item"),
    pytest.param(Case(
        _call("embed_multivector", ["hello"], input_type="passage"),
        wje.JinaConfigError,
        (r"input_type='passage' is not valid", r"allowed: 'query', 'document' or None"),
    ), id="JinaClient.embed_multivector-bad-input-type"),
    pytest.param(Case(
        _call("rerank", "query", ["doc"], top_n=0),
        wje.JinaConfigError,
        (r"top_n=0 must be a positive int \(at least 1\)",),
    ), id="JinaClient.rerank-top-n-zero"),
    # -- importer arguments: rejected before the collection is even looked up
    pytest.param(Case(
        lambda rig: import_objects(rig.collection(), [{"text": "a"}], batch_size=0),
        wje.JinaConfigError,
        (r"batch_size=0 must be a positive int \(at least 1\)",),
    ), id="import_objects-batch-size-zero"),
    pytest.param(Case(
        lambda rig: import_objects(rig.collection(), {"text": "a"}),  # type: ignore[dict-item]
        wje.JinaConfigError,
        (r"objects must be an iterable of ImportObject or property mappings",
         r"got dict; wrap a single object in a list"),
    ), id="import_objects-single-mapping"),
    pytest.param(Case(
        lambda rig: import_objects(rig.collection(), [{"text": "a"}], id_key=""),
        wje.JinaConfigError,
        (r"id_key='' must be a property name \(non-empty str\)",
         r"or None to derive ids from all properties"),
    ), id="import_objects-empty-id-key"),
    pytest.param(Case(
        lambda rig: import_objects(rig.collection(), [{"text": "a"}], max_retry_time=0),
        wje.JinaConfigError,
        (r"max_retry_time=0 must be a positive number of seconds",),
    ), id="import_objects-max-retry-time-zero"),
    pytest.param(Case(
        lambda rig: asyncio.run(
            async_import_objects(rig.async_collection(), [{"text": "a"}], concurrency=0)
        ),
        wje.JinaConfigError,
        (r"concurrency=0 must be a positive int \(at least 1\)",),
    ), id="async_import_objects-concurrency-zero"),
    # -- the far side says no, or is not there
    pytest.param(Case(
        _call("embed", ["hello"], api_key=OTHER_KEY),
        wje.JinaAuthenticationError,
        (r"failed \(HTTP 401, AUTH_INVALID_API_KEY\)", r"The API key jina_…\w{4} was not accepted",
         r"pass api_key= or set JINAAI_APIKEY"),
        residue=_one_refused_request,
    ), id="JinaClient-wrong-key"),
    pytest.param(Case(
        _unreachable_jina,
        httpx.TransportError,
        (r"[Cc]onnection refused", r"127\.0\.0\.1:\d+", r"base_url"),
    ), id="JinaClient-unreachable-base-url"),
    pytest.param(Case(
        _unreachable_jina_async,
        httpx.TransportError,
        (r"[Cc]onnection (refused|attempts failed)", r"127\.0\.0\.1:\d+", r"base_url"),
    ), id="AsyncJinaClient-unreachable-base-url"),
    pytest.param(Case(
        lambda rig: wje.connect_to_local(
            port=rig.closed.port, grpc_port=rig.closed_grpc.port, jina_api_key=KEY
        ),
        weaviate.exceptions.WeaviateConnectionError,
        (r"Connection refused", r"Is Weaviate running and reachable at http://localhost:\d+"),
    ), id="connect_to_local-unreachable-weaviate"),
]  # fmt: skip


@pytest.fixture
def rig(monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    """A fresh offline rig; retries take no time but keep each client's attempt count."""
    unit_rig = Rig(monkeypatch)
    try:
        with stamina.set_testing(True, attempts=1000, cap=True):
            yield unit_rig
    finally:
        unit_rig.close()


@pytest.mark.parametrize("case", UNIT_ROWS)
def test_bad_input_is_rejected_cleanly(rig: Rig, case: Case) -> None:
    """The mistake raises its error, the message gives cause and fix, and nothing was sent."""
    with pytest.raises(case.raises) as info:
        case.act(rig)
    _assert_message(info.value, case.says, case.avoid)
    case.residue(rig)


# ------------------------------------------------------------------------ integration rig


@pytest.fixture(scope="module")
def bare_weaviate(
    weaviate_jina_start: Callable[..., AbstractContextManager[WeaviateInstance]],
) -> Iterator[WeaviateInstance]:
    """A Weaviate with API-based modules disabled and no Jina module enabled."""
    with weaviate_jina_start(
        modules=(), extra_env={"API_BASED_MODULES_DISABLED": "true"}
    ) as server:
        yield server


PROPS = [Property(name="text", data_type=DataType.TEXT)]


@dataclass
class Live:
    """What an integration row acts on; ``name`` is a fresh collection name for the row."""

    request: pytest.FixtureRequest
    server: WeaviateInstance
    client: WeaviateClient
    fake: FakeJina
    base_url: str | None
    key: str
    name: str

    @property
    def bare(self) -> WeaviateInstance:
        """The Weaviate without Jina modules (started on first use, once per module)."""
        server: WeaviateInstance = self.request.getfixturevalue("bare_weaviate")
        return server

    @property
    def collection(self) -> Collection[Any, Any]:
        """The row's collection, through the client that sends the right key."""
        return self.client.collections.use(self.name)

    def create(self, base_url: str | None = None) -> None:
        """Create the row's collection with a text2vec-jinaai vector (the fake by default)."""
        self.client.collections.create(
            self.name,
            properties=PROPS,
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(
                base_url=base_url or self.base_url, vectorize_collection_name=False
            ),
        )

    def wrong_key_client(self) -> WeaviateClient:
        """A client of the session's Weaviate that sends a key the fake refuses."""
        return wje.connect_to_custom(**self.server.connect_kwargs(), jina_api_key=OTHER_KEY)

    def stored(self) -> int:
        """How many objects the row's collection holds."""
        result = self.collection.aggregate.over_all(total_count=True)
        return result.total_count or 0


def _no_collection(live: Live, exc: BaseException) -> None:
    """The row's collection was not created and Jina was not called."""
    assert not live.client.collections.exists(live.name)
    assert live.fake.requests == []


def _bare_untouched(live: Live, exc: BaseException) -> None:
    """The module-less server holds no collection and Jina was not called."""
    with weaviate.connect_to_custom(**live.bare.connect_kwargs()) as raw:
        assert raw.collections.list_all(simple=True) == {}
    assert live.fake.requests == []


def _nothing_stored(live: Live, exc: BaseException) -> None:
    """The row's collection holds no object."""
    assert live.stored() == 0


def _nothing_sent_or_stored(live: Live, exc: BaseException) -> None:
    """The row's collection holds no object and Jina was not called."""
    assert live.stored() == 0
    assert live.fake.requests == []


def _nothing_stored_key_refused(live: Live, exc: BaseException) -> None:
    """No object stored; Jina saw only the refused key, masked."""
    assert live.stored() == 0
    keys = {r.key for r in live.fake.requests}
    assert keys == {wje.mask_key(OTHER_KEY)}


def _import_stopped_early(live: Live, exc: BaseException) -> None:
    """One refused request stopped the import: nothing stored, most input never read."""
    _nothing_stored_key_refused(live, exc)
    assert len(live.fake.requests) == 1
    assert isinstance(exc, ImportAbortedError)
    report = exc.report
    assert report.stored == 0
    assert report.total < 100
    assert len(report.failed) == report.total


def _only_valid_stored(live: Live, exc: BaseException) -> None:
    """The two valid objects are stored; the invalid one is reported, never sent, not retryable."""
    assert live.stored() == 2
    assert isinstance(exc, ImportIncompleteError)
    (failed,) = exc.report.failed
    assert (failed.index, failed.retryable, failed.attempts) == (2, False, 0)


def _no_missing_collection(live: Live, exc: BaseException) -> None:
    """The missing collection was not created by the attempt and Jina was not called."""
    assert not live.client.collections.exists(live.name)
    assert live.fake.requests == []
    assert isinstance(exc, ImportAbortedError)
    assert exc.report.total == 0


def _prepare_collection(live: Live) -> None:
    live.create()


def _prepare_unreachable_collection(live: Live) -> None:
    closed = _ClosedPort()
    live.request.addfinalizer(closed.close)
    live.create(base_url=f"http://127.0.0.1:{closed.port}")


def _insert_wrong_key(live: Live) -> object:
    with live.wrong_key_client() as client:
        return client.collections.use(live.name).data.insert({"text": "hello"})


def _insert_many_wrong_key(live: Live) -> object:
    with live.wrong_key_client() as client:
        return client.collections.use(live.name).data.insert_many([{"text": "a"}, {"text": "b"}])


def _near_text_wrong_key(live: Live) -> object:
    with live.wrong_key_client() as client:
        return client.collections.use(live.name).query.near_text("hello", limit=1)


def _import_wrong_key(live: Live) -> object:
    objects = ({"text": f"object {i}"} for i in range(1000))
    with live.wrong_key_client() as client:
        collection = client.collections.use(live.name)
        return import_objects(collection, objects, batch_size=10, concurrency=1, progress=False)


def _import(*objects: object) -> Callable[[Live], object]:
    """An act that imports ``objects`` into the row's collection with the right key."""
    return lambda live: import_objects(live.collection, list(objects), progress=False)  # type: ignore[arg-type]


def _async_import(*objects: object) -> Callable[[Live], object]:
    """An act that imports ``objects`` with the async importer and an async client."""

    async def run(live: Live) -> object:
        kwargs = live.server.connect_kwargs()
        async with wje.use_async_with_custom(**kwargs, jina_api_key=live.key) as client:
            collection = client.collections.use(live.name)
            return await async_import_objects(collection, list(objects), progress=False)  # type: ignore[arg-type]

    return lambda live: asyncio.run(run(live))


def _noop(live: Live) -> None:
    return None


@dataclass(frozen=True)
class LiveCase:
    """One integration row: optional setup, the mistake, its error and what must be untouched."""

    act: Callable[[Live], object]
    raises: type[BaseException]
    says: tuple[str, ...]
    residue: Callable[[Live, BaseException], None]
    prepare: Callable[[Live], None] = _noop


LIVE_ROWS = [
    pytest.param(LiveCase(
        lambda live: wje.connect_to_custom(
            **live.bare.connect_kwargs(), jina_api_key=KEY, verify_modules=True
        ),
        wje.JinaModuleNotEnabledError,
        (r"does not have the text2vec-jinaai module enabled", r"enabled modules: none",
         r"Start Weaviate with ENABLE_MODULES=text2vec-jinaai",
         r"make sure API_BASED_MODULES_DISABLED is not true"),
        _bare_untouched,
    ), id="connect_to_custom-verify-modules-none-enabled"),
    pytest.param(LiveCase(
        lambda live: wje.connect_to_local(
            host=live.bare.http_host,
            port=live.bare.http_port,
            grpc_port=live.bare.grpc_port,
            verify_modules=["reranker-jinaai"],
        ),
        wje.JinaModuleNotEnabledError,
        (r"does not have the reranker-jinaai module enabled", r"ENABLE_MODULES=reranker-jinaai"),
        _bare_untouched,
    ), id="connect_to_local-verify-modules-reranker-missing"),
    pytest.param(LiveCase(
        lambda live: live.client.collections.create(
            live.name,
            properties=PROPS,
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(
                model="jina-embeddings-v3", dimensions=2048, base_url=live.base_url
            ),
        ),
        wje.InvalidDimensionsError,
        (r"dimensions=2048 is not valid for 'jina-embeddings-v3'", r"allowed: 32-1024"),
        _no_collection,
    ), id="collections.create-bad-dimensions"),
    pytest.param(LiveCase(
        lambda live: live.client.collections.create(
            live.name,
            properties=PROPS,
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(
                model="jina-reranker-v3", base_url=live.base_url
            ),
        ),
        wje.ModelModuleMismatchError,
        (r"'jina-reranker-v3' is a reranker model", r"models for text2vec-jinaai: "),
        _no_collection,
    ), id="collections.create-reranker-as-vectorizer"),
    pytest.param(LiveCase(
        lambda live: live.client.collections.create(
            live.name,
            properties=PROPS,
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(base_url="127.0.0.1:8765"),
        ),
        wje.JinaConfigError,
        (r"base_url='127\.0\.0\.1:8765' is not an http\(s\) URL", r"'http://127\.0\.0\.1:8765'"),
        _no_collection,
    ), id="collections.create-base-url-without-scheme"),
    pytest.param(LiveCase(
        _insert_wrong_key,
        weaviate.exceptions.UnexpectedStatusCodeError,
        (r"JinaAI API failed with status: 401", r"Invalid API key jina_…\w{4}"),
        _nothing_stored_key_refused,
        prepare=_prepare_collection,
    ), id="data.insert-wrong-key"),
    pytest.param(LiveCase(
        _insert_many_wrong_key,
        weaviate.exceptions.WeaviateInsertManyAllFailedError,
        (r"status: 401", r"Invalid API key"),
        _nothing_stored_key_refused,
        prepare=_prepare_collection,
    ), id="data.insert_many-wrong-key"),
    pytest.param(LiveCase(
        _near_text_wrong_key,
        weaviate.exceptions.WeaviateQueryError,
        (r"401", r"Invalid API key"),
        _nothing_stored_key_refused,
        prepare=_prepare_collection,
    ), id="query.near_text-wrong-key"),
    pytest.param(LiveCase(
        lambda live: live.collection.data.insert({"text": "hello"}),
        weaviate.exceptions.UnexpectedStatusCodeError,
        (r"vectorize target vector default", r"127\.0\.0\.1:\d+/v1/embeddings", r"connection refused"),
        _nothing_stored,
        prepare=_prepare_unreachable_collection,
    ), id="data.insert-unreachable-jina"),
    # -- the importer
    pytest.param(LiveCase(
        _import_wrong_key,
        ImportAbortedError,
        (r"stopped after \d+ objects were read \(0 stored", r"Jina rejected the API key",
         r"Pass the right key to the connect helper with jina_api_key=", r"JINAAI_APIKEY",
         r"re-run the same input", r"status: 401 error: Invalid API key jina_…\w{4}"),
        _import_stopped_early,
        prepare=_prepare_collection,
    ), id="import_objects-wrong-key-aborts-early"),
    pytest.param(LiveCase(
        _import({"text": "a"}),
        ImportAbortedError,
        (r"collection 'Bad\w+' does not exist", r"Create it with a Jina vectorizer first",
         r"then re-run the same input"),
        _no_missing_collection,
    ), id="import_objects-missing-collection"),
    pytest.param(LiveCase(
        _import({"text": "a"}, "not an object"),
        wje.JinaConfigError,
        (r"objects\[1\] is a str", r"give a mapping of properties or ImportObject\(properties=\.\.\., vector=\.\.\., uuid=\.\.\.\)"),
        _nothing_sent_or_stored,
        prepare=_prepare_collection,
    ), id="import_objects-malformed-object"),
    pytest.param(LiveCase(
        _import({"text": "same"}, {"text": "same"}),
        wje.JinaConfigError,
        (r"objects\[1\] has the id [0-9a-f-]{36} of an earlier object in this input",
         r"give each object a distinct key \(id_key=\) or uuid, or drop the duplicate"),
        _nothing_sent_or_stored,
        prepare=_prepare_collection,
    ), id="import_objects-duplicate-ids"),
    pytest.param(LiveCase(
        _import(ImportObject({"text": "a"}, uuid=uuid.UUID(int=7)), ImportObject({"text": "b"}, uuid=str(uuid.UUID(int=7)))),
        wje.JinaConfigError,
        (r"objects\[1\] has the id 00000000-0000-0000-0000-000000000007 of an earlier object",
         r"distinct key \(id_key=\) or uuid"),
        _nothing_sent_or_stored,
        prepare=_prepare_collection,
    ), id="import_objects-duplicate-given-uuids"),
    pytest.param(LiveCase(
        _async_import({"text": "twice"}, {"text": "twice"}),
        wje.JinaConfigError,
        (r"objects\[1\] has the id [0-9a-f-]{36} of an earlier object", r"drop the duplicate"),
        _nothing_sent_or_stored,
        prepare=_prepare_collection,
    ), id="async_import_objects-duplicate-ids"),
    pytest.param(LiveCase(
        _import(ImportObject({"text": "a"}, vector="0.1, 0.2")),  # type: ignore[arg-type]
        wje.JinaConfigError,
        (r"objects\[0\] has a vector of type str", r"give a list of floats \(or a numpy array\)"),
        _nothing_sent_or_stored,
        prepare=_prepare_collection,
    ), id="import_objects-vector-as-str"),
    pytest.param(LiveCase(
        _import(ImportObject({"text": "a"}, vector={"default": ["x", "y"]})),  # type: ignore[list-item]
        wje.JinaConfigError,
        (r"objects\[0\] has vector\['default'\] whose first element is str, not a number",
         r"give a list of floats"),
        _nothing_sent_or_stored,
        prepare=_prepare_collection,
    ), id="import_objects-named-vector-of-str"),
    pytest.param(LiveCase(
        _import(ImportObject({"text": "a"}, uuid="not-a-uuid")),
        wje.JinaConfigError,
        (r"objects\[0\] has uuid='not-a-uuid', which is not a UUID",
         r"give a uuid\.UUID or its string form, or None to derive one"),
        _nothing_sent_or_stored,
        prepare=_prepare_collection,
    ), id="import_objects-bad-uuid"),
    pytest.param(LiveCase(
        _import({"id": 7, "text": "a"}),
        wje.JinaConfigError,
        (r"objects\[0\] has a property named 'id', which Weaviate reserves",
         r"rename it \(e\.g\. 'source_id'\)", r"ImportObject\(uuid=\.\.\.\)"),
        _nothing_sent_or_stored,
        prepare=_prepare_collection,
    ), id="import_objects-reserved-property"),
    pytest.param(LiveCase(
        lambda live: import_objects(
            live.collection, [{"text": "a"}, {"text": "b"}, 42], batch_size=2, progress=False,  # type: ignore[list-item]
        ).raise_for_failures(),
        ImportIncompleteError,
        (r"2 of 3 objects stored, 1 failed", r"failed indexes: 2", r"objects\[2\] is an? int",
         r"fix the objects \(or the setup\) and re-run the same input"),
        _only_valid_stored,
        prepare=_prepare_collection,
    ), id="import_objects-later-malformed-object-reported"),
]  # fmt: skip


@pytest.fixture
def live(
    request: pytest.FixtureRequest,
    weaviate_jina_server: WeaviateInstance,
    weaviate_jina_client: WeaviateClient,
    jina_fake: FakeJina,
    jina_base_url: str | None,
    jina_api_key: str,
) -> Live:
    """The session's Weaviate, a client with the right key and the fake Jina server."""
    return Live(
        request=request,
        server=weaviate_jina_server,
        client=weaviate_jina_client,
        fake=jina_fake,
        base_url=jina_base_url,
        key=jina_api_key,
        name="Bad" + uuid.uuid4().hex[:12],
    )


@pytest.fixture
def _quick_import_retries() -> Iterator[None]:
    """Importer backoffs take no time; attempts stay as each call configures them."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


@pytest.mark.integration
@pytest.mark.usefixtures("_quick_import_retries")
@pytest.mark.parametrize("case", LIVE_ROWS)
def test_bad_input_against_weaviate(live: Live, case: LiveCase) -> None:
    """Against a real Weaviate the mistake raises its error, explains itself and stores nothing."""
    case.prepare(live)
    live.fake.clear()
    with pytest.raises(case.raises) as info:
        case.act(live)
    _assert_message(info.value, case.says, ())
    case.residue(live, info.value)


def test_tables_are_wide() -> None:
    """Both tables together cover at least twenty mistakes, each under its own readable id."""
    ids = [row.id for row in (*UNIT_ROWS, *LIVE_ROWS)]
    assert len(ids) >= 20
    assert len(set(ids)) == len(ids)
    assert all(isinstance(row_id, str) and " " not in row_id for row_id in ids)

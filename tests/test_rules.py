"""One rule, one place: builders, clients, helpers and importer judge a value the same way.

Each rule of ``weaviate_jina_ext._rules`` is checked through every public entry that applies
it, so a copy drifting apart from the rule (as the client's prefix-only ``base_url`` check and
the builders' dimensions check once did) fails here.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import pytest

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext import _catalogue as catalogue
from weaviate_jina_ext._import import import_objects
from weaviate_jina_ext._rules import (
    extra_fields,
    flag,
    is_int,
    is_number,
    is_positive_int,
    optional_flag,
    positive_int,
    positive_seconds,
    valid_base_url,
    valid_dimensions,
    valid_input_kind,
    valid_late_chunking,
    valid_normalized,
    valid_task,
)
from weaviate_jina_ext.testing import RateLimit
from weaviate_jina_ext.testing._fake._app import FakeJinaApp

KEY = "jina_RULESkey0123456789abcdef"


def _never_sent(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing may be sent, got {request.method} {request.url}")


def _client(**kwargs: Any) -> wje.JinaClient:
    return wje.JinaClient(api_key=KEY, transport=httpx.MockTransport(_never_sent), **kwargs)


def _message(act: Callable[[], object], error: type[Exception]) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", wje.UnknownModelWarning)
        with pytest.raises(error) as info:
            act()
    return str(info.value)


# --------------------------------------------------------------------------- predicates


@pytest.mark.parametrize(
    ("value", "int_", "positive", "number"),
    [
        (1, True, True, True),
        (0, True, False, True),
        (-5, True, False, True),
        (True, False, False, False),
        (False, False, False, False),
        (1.0, False, False, True),
        ("1", False, False, False),
        (None, False, False, False),
    ],
)
def test_predicates_refuse_bools(value: object, int_: bool, positive: bool, number: bool) -> None:
    """A bool is never an int or a number to the package, though it is one to Python."""
    assert is_int(value) is int_
    assert is_positive_int(value) is positive
    assert is_number(value) is number


def test_checks_return_the_value_or_name_the_parameter() -> None:
    """Checks return what they accept and name the parameter and value in what they refuse."""
    assert positive_int("n", 3) == 3
    assert positive_seconds("t", 2) == 2.0
    assert flag("f", False) is False
    assert optional_flag("f", None, none_means="None: not sent") is None
    for act, says in [
        (lambda: positive_int("n", True), "n=True must be a positive int (at least 1)"),
        (lambda: positive_seconds("t", float("nan")), "t=nan must be a positive number"),
        (lambda: flag("f", 1), "f=1 must be True or False"),
        (lambda: optional_flag("f", "x", none_means="why"), "f='x' must be True, False or None (why)"),
    ]:  # fmt: skip
        assert says in _message(act, wje.JinaConfigError)


# --------------------------------------------------------------------------- base_url

BAD_BASE_URLS = [
    pytest.param("http://", "has no host", id="scheme-only"),
    pytest.param("https://", "has no host", id="https-scheme-only"),
    pytest.param("https://api.jina.ai/v1/embeddings", "includes the endpoint path", id="endpoint"),
    pytest.param("https://api.jina.ai/v1/multi-vector/", "includes the endpoint path", id="mv-endpoint"),
    pytest.param("https://api.jina.ai/v1/rerank", "includes the endpoint path", id="rerank-endpoint"),
    pytest.param("https://api.jina.ai/v1", "includes the API version /v1", id="version"),
    pytest.param("api.jina.ai", "is not an http(s) URL", id="no-scheme"),
    pytest.param("ftp://api.jina.ai", "is not an http(s) URL", id="ftp"),
    pytest.param("https://api.jina.ai/?x=1", "has a query or fragment", id="query"),
    pytest.param("https://api.jina.ai/#top", "has a query or fragment", id="fragment"),
    pytest.param("https://api.jina.ai ", "whitespace or control characters", id="trailing-space"),
    pytest.param("http://:8080", "has no valid host", id="port-only"),
    pytest.param("http://localhost:99999", "has no valid host and port", id="port-out-of-range"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "problem"), BAD_BASE_URLS)
def test_client_and_builders_refuse_the_same_base_urls(url: str, problem: str) -> None:
    """JinaClient, AsyncJinaClient and every builder with base_url= refuse alike, naming the form."""
    shown = {
        _message(lambda: _client(base_url=url), wje.JinaConfigError),
        _message(lambda: wje.AsyncJinaClient(api_key=KEY, base_url=url), wje.JinaConfigError),
        _message(lambda: JinaConfigure.Vectors.text2vec_jinaai(base_url=url), wje.JinaConfigError),
        _message(
            lambda: JinaConfigure.Vectors.multi2vec_jinaai(base_url=url, text_fields=["t"]),
            wje.JinaConfigError,
        ),
        _message(
            lambda: JinaConfigure.MultiVectors.multi2vec_jinaai(base_url=url, text_fields=["t"]),
            wje.JinaConfigError,
        ),
        _message(
            lambda: JinaConfigure.Vectorizer.text2vec_jinaai(base_url=url), wje.JinaConfigError
        ),
        _message(
            lambda: JinaConfigure.NamedVectors.text2vec_jinaai("v", base_url=url),
            wje.JinaConfigError,
        ),
    }
    assert len(shown) == 1, shown
    [message] = shown
    assert message.startswith(f"base_url={url!r} ") or "has no valid host" in message
    assert problem in message
    assert "https://api.jina.ai" in message  # the expected form


def test_base_url_with_credentials_is_refused_without_showing_them() -> None:
    """user:password@ in base_url is refused, and the message shows neither part."""
    url = "https://someone:jina_PASSWORDinURL0123456789@proxy.example/jina"
    for act in (
        lambda: _client(base_url=url),
        lambda: JinaConfigure.Vectors.text2vec_jinaai(base_url=url),
    ):
        message = _message(act, wje.JinaConfigError)
        assert "carries credentials" in message
        assert "someone" not in message
        assert "PASSWORDinURL" not in message
        assert "https://***@proxy.example/jina" in message


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://api.jina.ai", "https://api.jina.ai"),
        ("https://api.jina.ai/", "https://api.jina.ai"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("https://proxy.example/jina/", "https://proxy.example/jina"),
        ("http://[::1]:8765", "http://[::1]:8765"),
    ],
)
def test_client_and_builders_accept_the_same_roots(url: str, root: str) -> None:
    """A root (with an optional path prefix and trailing slash) passes both; the client trims it."""
    assert valid_base_url(url) == root
    assert repr(root) in repr(_client(base_url=url))
    JinaConfigure.Vectors.text2vec_jinaai(base_url=url)
    JinaConfigure.NamedVectors.multi2vec_jinaai("v", base_url=url, text_fields=["t"])


# --------------------------------------------------------------------------- dimensions


def _embed(model: str, dims: Any) -> Callable[[], object]:
    return lambda: _client().embed(["a"], model=model, dimensions=dims)


def _embed_async(model: str, dims: Any) -> Callable[[], object]:
    async def run() -> object:
        async with wje.AsyncJinaClient(
            api_key=KEY, transport=httpx.MockTransport(_never_sent)
        ) as client:
            return await client.embed(["a"], model=model, dimensions=dims)

    return lambda: asyncio.run(run())


@pytest.mark.parametrize("dims", [-5, 0])
@pytest.mark.parametrize("model", ["jina-embeddings-v99-unknown", "jina-embeddings-v3"])
def test_non_positive_dimensions_refused_everywhere_alike(model: str, dims: int) -> None:
    """No model produces -5 numbers: builders refuse it like the client, known model or not."""
    acts = [
        lambda: JinaConfigure.Vectors.text2vec_jinaai(model=model, dimensions=dims),
        lambda: JinaConfigure.Vectorizer.text2vec_jinaai(model=model, dimensions=dims),
        lambda: JinaConfigure.NamedVectors.text2vec_jinaai("v", model=model, dimensions=dims),
        _embed(model, dims),
        _embed_async(model, dims),
        lambda: _client().embed_for_weaviate(["a"], model=model, dimensions=dims),
        lambda: catalogue.check_dimensions(model, dims),
    ]
    shown = {_message(act, wje.InvalidDimensionsError) for act in acts}
    assert shown == {f"dimensions={dims} must be a positive int, or None for the model's default"}


@pytest.mark.parametrize("dims", ["256", True, 256.0])
def test_dimensions_of_the_wrong_type_refused_alike(dims: Any) -> None:
    """A str, bool or float dimensions is refused by builders and client with one message."""
    acts = [
        lambda: JinaConfigure.Vectors.text2vec_jinaai(model="jina-embeddings-v3", dimensions=dims),
        lambda: JinaConfigure.Vectors.text2vec_jinaai(model="some-new-model", dimensions=dims),
        _embed("jina-embeddings-v3", dims),
        _embed("some-new-model", dims),
    ]
    shown = {_message(act, wje.InvalidDimensionsError) for act in acts}
    assert shown == {
        f"dimensions must be an int, got {dims!r} ({type(dims).__name__}); give a "
        f"positive int, or None for the model's default"
    }


def test_unknown_model_takes_any_positive_dimensions() -> None:
    """An unknown model is not range-checked: any positive int passes (with the warning)."""
    assert valid_dimensions(7, None) == 7
    with pytest.warns(wje.UnknownModelWarning):
        JinaConfigure.Vectors.text2vec_jinaai(model="jina-embeddings-v99", dimensions=5000)


def test_task_rule_takes_the_looked_up_entry() -> None:
    """valid_task judges by the entry it is given; None (unknown model) passes any str."""
    v3 = wje.get_model("jina-embeddings-v3")
    assert valid_task("retrieval.query", v3) == "retrieval.query"
    assert valid_task("anything", None) == "anything"
    with pytest.raises(wje.InvalidTaskError, match="must be a str"):
        valid_task(3, v3)


class _CountingModels(Mapping[str, Any]):
    """The catalogue table, counting look-ups."""

    def __init__(self, models: Mapping[str, Any]) -> None:
        self._models = models
        self.lookups: list[str] = []

    def __getitem__(self, name: str) -> Any:
        self.lookups.append(name)
        return self._models[name]

    def get(self, name: str, default: Any = None) -> Any:
        self.lookups.append(name)
        return self._models.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._models)

    def __len__(self) -> int:
        return len(self._models)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> _CountingModels:
    table = _CountingModels(catalogue._MODELS)
    monkeypatch.setattr(catalogue, "_MODELS", table)
    return table


def test_builders_look_the_model_up_once(counted: _CountingModels) -> None:
    """A builder call looks its model up once; the entry judges module fit and dimensions."""
    JinaConfigure.Vectors.text2vec_jinaai(model="jina-embeddings-v3", dimensions=256)
    assert counted.lookups == ["jina-embeddings-v3"]


def test_client_calls_look_the_model_up_once(counted: _CountingModels) -> None:
    """Each client call looks its model up once; the entry judges kind, task and dimensions."""
    with pytest.raises(wje.InvalidDimensionsError):
        _client().embed(["a"], model="jina-embeddings-v3", task="retrieval.query", dimensions=8)
    assert counted.lookups == ["jina-embeddings-v3"]
    counted.lookups.clear()
    with pytest.raises(wje.InvalidDimensionsError):
        _client().embed_multivector(["a"], model="jina-colbert-v2", dimensions=100)
    assert counted.lookups == ["jina-colbert-v2"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"task": "retrieval.query", "dimensions": 64}, 200),
        ({"task": "code.query", "dimensions": 64}, 422),
        ({"task": "retrieval.query", "dimensions": 8}, 422),
    ],
    ids=["served", "bad-task", "bad-dimensions"],
)
def test_local_server_looks_the_model_up_once(
    counted: _CountingModels, body: dict[str, Any], status: int
) -> None:
    """The local server looks a request's model up once; the entry judges kind, task and dims."""
    payload = {"model": "jina-embeddings-v3", "input": ["a"], **body}
    response = FakeJinaApp().handle(
        "POST",
        "/v1/embeddings",
        {"Authorization": f"Bearer {KEY}"},
        json.dumps(payload).encode(),
    )
    assert response.status == status
    assert counted.lookups == ["jina-embeddings-v3"]


# --------------------------------------------------------------------------- ints everywhere


#: Arguments are checked before the collection is touched, so none is needed.
NO_COLLECTION: Any = None
#: What an untyped caller may pass where a flag is expected.
ONE: Any = 1

BOOL_AS_INT = [
    pytest.param(lambda: _client(max_attempts=True), "max_attempts=True", id="JinaClient-max-attempts"),
    pytest.param(lambda: _client(batch_size=True), "batch_size=True", id="JinaClient-batch-size"),
    pytest.param(lambda: _client(timeout=True), "timeout=True", id="JinaClient-timeout"),
    pytest.param(lambda: wje.AsyncJinaClient(api_key=KEY, max_concurrency=True), "max_concurrency=True", id="AsyncJinaClient-concurrency"),
    pytest.param(lambda: _client().rerank("q", ["d"], top_n=True), "top_n=True", id="rerank-top-n"),
    pytest.param(lambda: wje.jina_headers(requests_per_minute=True), "requests_per_minute=True", id="jina_headers-rpm"),
    pytest.param(lambda: wje.jina_headers(tokens_per_minute=False), "tokens_per_minute=False", id="jina_headers-tpm"),
    pytest.param(lambda: import_objects(NO_COLLECTION, [], batch_size=True), "batch_size=True", id="import-batch-size"),
    pytest.param(lambda: import_objects(NO_COLLECTION, [], concurrency=True), "concurrency=True", id="import-concurrency"),
    pytest.param(lambda: import_objects(NO_COLLECTION, [], max_retry_time=True), "max_retry_time=True", id="import-retry-time"),
    pytest.param(lambda: import_objects(NO_COLLECTION, [], total=True), "total=True", id="import-total"),
    pytest.param(lambda: import_objects(NO_COLLECTION, [], skip_existing=ONE), "skip_existing=1 must be True or False", id="import-skip-existing"),
    pytest.param(lambda: _client().embed(["a"], truncate=ONE), "truncate=1 must be True, False or None", id="embed-truncate"),
    pytest.param(lambda: RateLimit(concurrency=True), "concurrency=True", id="RateLimit-concurrency"),
    pytest.param(lambda: RateLimit(requests_per_minute=False), "requests_per_minute=False", id="RateLimit-rpm"),
    pytest.param(lambda: RateLimit(window=True), "window=True", id="RateLimit-window"),
]  # fmt: skip


@pytest.mark.parametrize(("act", "says"), BOOL_AS_INT)
def test_bools_are_not_ints_and_ints_are_not_bools(act: Callable[[], object], says: str) -> None:
    """Every int parameter refuses True/False and every flag refuses 1, naming the parameter."""
    assert says in _message(act, wje.JinaConfigError)


# --------------------------------------------------------------------------- model options


def test_late_chunking_rule_follows_the_catalogue() -> None:
    """``late_chunking`` passes for models whose schema has it, else names the fix."""
    v3, code = wje.get_model("jina-embeddings-v3"), wje.get_model("jina-code-embeddings-1.5b")
    assert valid_late_chunking(True, v3) is True
    assert valid_late_chunking(None, code) is None
    assert valid_late_chunking(True, None) is True  # unknown models are not judged
    with pytest.raises(wje.JinaConfigError, match=r"late_chunking=True .* leave late_chunking"):
        valid_late_chunking(True, code)
    with pytest.raises(wje.JinaConfigError, match="True, False or None"):
        valid_late_chunking(1, v3)


def test_normalized_rule_refuses_v4_and_code_models() -> None:
    """v4 and the code models have no ``normalized`` field; v3 and CLIP do."""
    assert valid_normalized(False, wje.get_model("jina-clip-v1")) is False
    for name in ("jina-embeddings-v4", "jina-code-embeddings-0.5b"):
        with pytest.raises(wje.JinaConfigError, match="no normalized field"):
            valid_normalized(True, wje.get_model(name))


def test_input_kind_rule_names_models_that_take_the_input() -> None:
    """An image for a text model is refused, naming multimodal models to use instead."""
    assert valid_input_kind("pdf", wje.get_model("jina-embeddings-v4")) == "pdf"
    assert valid_input_kind("audio", None) == "audio"
    with pytest.raises(
        wje.JinaConfigError, match=r"takes text inputs, not image; .*jina-embeddings-v4"
    ):
        valid_input_kind("image", wje.get_model("jina-embeddings-v3"))
    with pytest.raises(wje.JinaConfigError, match="jina-embeddings-v5-omni"):
        valid_input_kind("video", wje.get_model("jina-embeddings-v4"))


def test_extra_fields_lists_what_the_model_refuses_in_order() -> None:
    """Fields outside a model's schema, in the order the body has them."""
    v2 = wje.get_model("jina-embeddings-v2-base-en")
    body = ["model", "task", "input", "return_multivector", "truncate", "colour"]
    assert extra_fields(body, v2, "embeddings") == ["task", "return_multivector", "colour"]
    reranker = wje.get_model("jina-reranker-v3")
    assert extra_fields(["model", "query", "documents", "task"], reranker, "rerank") == ["task"]

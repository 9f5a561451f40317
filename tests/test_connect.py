"""Connect helpers: signatures mirror the client's, headers carry the key, bad input fails early."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import weaviate
from weaviate.client import WeaviateAsyncClient

import weaviate_jina_ext as wje
from weaviate_jina_ext._connect import _check_modules

KEY = "jina_TESTKEY0123456789abcdefXYZ"
JINA_EXTRAS = ["jina_api_key", "requests_per_minute", "tokens_per_minute", "require_key"]
SYNC = ["connect_to_local", "connect_to_weaviate_cloud", "connect_to_custom", "connect_to_embedded"]
ASYNC = [
    "use_async_with_local",
    "use_async_with_weaviate_cloud",
    "use_async_with_custom",
    "use_async_with_embedded",
]


def _params(fn: Any) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", SYNC + ASYNC)
def test_signature_mirrors_client(name: str) -> None:
    """Each helper keeps the client's parameters (names, order, kinds, defaults) and adds Jina ones after *."""
    ours = _params(getattr(wje, name))
    theirs = _params(getattr(weaviate, name))
    assert ours[: len(theirs)] == theirs
    extras = ours[len(theirs) :]
    assert all(kind is inspect.Parameter.KEYWORD_ONLY for _, kind, _ in extras)
    expected = JINA_EXTRAS + (["verify_modules"] if name in SYNC else [])
    assert [n for n, _, _ in extras] == expected


def _local(**kwargs: Any) -> WeaviateAsyncClient:
    return wje.use_async_with_local(port=1, grpc_port=2, **kwargs)


def test_async_helper_returns_client_object_with_key_header() -> None:
    """use_async_with_local returns the client's own unconnected object carrying the key header."""
    client = _local(jina_api_key=KEY)
    assert type(client) is WeaviateAsyncClient
    assert not client.is_connected()
    assert client._connection.additional_headers["X-Jinaai-Api-Key"] == KEY


@pytest.mark.parametrize(
    ("helper", "kwargs"),
    [
        ("use_async_with_local", {}),
        ("use_async_with_custom", {
            "http_host": "h", "http_port": 1, "http_secure": False,
            "grpc_host": "h", "grpc_port": 2, "grpc_secure": False,
        }),
        ("use_async_with_weaviate_cloud", {
            "cluster_url": "abc.weaviate.cloud", "auth_credentials": "wcd-key",
        }),
    ],
    ids=["local", "custom", "cloud"],
)  # fmt: skip
def test_every_async_helper_sets_headers(helper: str, kwargs: dict[str, Any]) -> None:
    """Every async helper sends the key and both rate-limit headers and keeps caller headers."""
    client = getattr(wje, helper)(
        headers={"X-Custom": "yes"},
        jina_api_key=KEY,
        requests_per_minute=120,
        tokens_per_minute=50_000,
        **kwargs,
    )
    headers = client._connection.additional_headers
    assert headers["X-Custom"] == "yes"
    assert headers["X-Jinaai-Api-Key"] == KEY
    assert headers["X-Jinaai-Ratelimit-RequestPM-Embedding"] == "120"
    assert headers["X-Jinaai-Ratelimit-TokenPM-Embedding"] == "50000"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"JINAAI_APIKEY": "jina_from_APIKEY_000000", "JINAAI_API_KEY": "jina_from_API_KEY_0000",
          "JINA_API_KEY": "jina_from_JINA_API_KEY_"}, "jina_from_APIKEY_000000"),
        ({"JINAAI_API_KEY": "jina_from_API_KEY_0000", "JINA_API_KEY": "jina_from_JINA_API_KEY_"},
         "jina_from_API_KEY_0000"),
        ({"JINA_API_KEY": "jina_from_JINA_API_KEY_"}, "jina_from_JINA_API_KEY_"),
    ],
    ids=["JINAAI_APIKEY-first", "JINAAI_API_KEY-second", "JINA_API_KEY-third"],
)  # fmt: skip
def test_env_precedence(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    """Without an argument the key comes from JINAAI_APIKEY, then JINAAI_API_KEY, then JINA_API_KEY."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _local()._connection.additional_headers["X-Jinaai-Api-Key"] == expected


def test_argument_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit jina_api_key wins over the environment."""
    monkeypatch.setenv("JINAAI_APIKEY", "jina_env_key_00000000")
    assert _local(jina_api_key=KEY)._connection.additional_headers["X-Jinaai-Api-Key"] == KEY


def test_no_key_no_header() -> None:
    """With no key anywhere no Jina header is sent, leaving the server's own key in charge."""
    headers = _local()._connection.additional_headers
    assert not any(h.lower().startswith("x-jinaai") for h in headers)


def test_rate_limit_without_key() -> None:
    """Rate-limit headers are sent even when the key lives on the server."""
    headers = _local(requests_per_minute=60)._connection.additional_headers
    assert headers == {"X-Jinaai-Ratelimit-RequestPM-Embedding": "60"}


def test_require_key_names_both_ways() -> None:
    """require_key=True without a key raises an error naming the argument and the variable."""
    with pytest.raises(wje.MissingJinaKeyError) as info:
        _local(require_key=True)
    assert "jina_api_key" in str(info.value)
    assert "JINAAI_APIKEY" in str(info.value)


def test_caller_header_key_is_used_and_kept() -> None:
    """A key given only in headers= is kept as is and counts as the key."""
    client = _local(headers={"x-jinaai-api-key": KEY}, require_key=True)
    assert client._connection.additional_headers == {"x-jinaai-api-key": KEY}


def test_same_header_same_value_is_fine() -> None:
    """Giving the key in headers= and as the argument with the same value is not a conflict."""
    client = _local(headers={"X-Jinaai-Api-Key": KEY}, jina_api_key=KEY)
    assert client._connection.additional_headers == {"X-Jinaai-Api-Key": KEY}


def test_conflicting_key_header_masked() -> None:
    """Two different keys (header and argument) is an error that shows neither key."""
    other = "jina_OTHERKEY9876543210zyxw"
    with pytest.raises(wje.HeaderConflictError) as info:
        _local(headers={"X-JINAAI-API-KEY": other}, jina_api_key=KEY)
    message = str(info.value)
    assert KEY not in message
    assert other not in message
    assert "jina_…fXYZ" in message
    assert "jina_…zyxw" in message


def test_conflicting_rate_header() -> None:
    """A rate limit given both in headers= and as an option with two values is an error."""
    with pytest.raises(wje.HeaderConflictError, match="RequestPM"):
        _local(
            headers={"X-Jinaai-Ratelimit-RequestPM-Embedding": "10"},
            jina_api_key=KEY,
            requests_per_minute=20,
        )


def test_duplicate_caller_headers_in_two_cases() -> None:
    """The same header twice in headers= in two letter cases with two values is an error."""
    with pytest.raises(wje.HeaderConflictError, match=r"(?i)x-team"):
        _local(headers={"X-Team": "a", "x-team": "b"})


@pytest.mark.parametrize(
    "bad",
    ["", " ", "jina_abc def0000000", "jina_abc\n", "jina_abc\r\nX-Evil: 1", "\tjina_x",
     "jina_\x00abcdefgh", "jina_\x7fabcdefgh"],
    ids=["empty", "space", "inner-space", "newline", "header-injection", "tab", "nul", "del"],
)  # fmt: skip
def test_bad_keys_rejected(bad: str) -> None:
    """Empty keys and keys with whitespace or control characters are rejected, unprinted."""
    with pytest.raises(wje.InvalidJinaKeyError) as info:
        _local(jina_api_key=bad)
    if bad.strip():
        assert bad not in str(info.value)
    assert "jina_api_key" in str(info.value)


def test_bad_env_key_names_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A malformed key in the environment is reported with the variable's name."""
    monkeypatch.setenv("JINAAI_APIKEY", "jina_key_with_newline\n")
    with pytest.raises(wje.InvalidJinaKeyError, match="JINAAI_APIKEY"):
        _local()


@pytest.mark.parametrize(
    "value", [0, -5, 1.5, True, "60"], ids=["zero", "neg", "float", "bool", "str"]
)
def test_bad_rate_limits(value: Any) -> None:
    """Rate limits must be positive ints; the error names the parameter."""
    with pytest.raises(wje.JinaConfigError, match="requests_per_minute"):
        _local(requests_per_minute=value)


def test_sync_helper_validates_before_connecting() -> None:
    """A bad key fails in connect_to_local before any connection attempt (nothing listens on port 1)."""
    with pytest.raises(wje.InvalidJinaKeyError):
        wje.connect_to_local(port=1, grpc_port=2, jina_api_key=" ")


def test_sync_helper_connection_error_is_the_clients() -> None:
    """With a good key and no server the client's own connection error comes through, keyless."""
    with pytest.raises(weaviate.exceptions.WeaviateConnectionError) as info:
        wje.connect_to_local(port=1, grpc_port=2, jina_api_key=KEY)
    assert KEY not in str(info.value)


def test_jina_headers_does_not_mutate_input() -> None:
    """jina_headers returns a new dict and leaves the caller's mapping untouched."""
    given = {"X-A": "1"}
    merged = wje.jina_headers(given, jina_api_key=KEY)
    assert given == {"X-A": "1"}
    assert merged == {"X-A": "1", "X-Jinaai-Api-Key": KEY}


META = {"version": "1.39.3", "modules": {"text2vec-jinaai": {}, "text2colbert-jinaai": {}}}


def test_module_check_passes_and_accepts_alias() -> None:
    """Enabled modules pass, and the older text2colbert name counts as the multi-vector module."""
    _check_modules(META, ["text2vec-jinaai", "text2multivec-jinaai"])


def test_module_check_explains_fix() -> None:
    """A missing module raises an error listing enabled modules and naming ENABLE_MODULES."""
    with pytest.raises(wje.JinaModuleNotEnabledError) as info:
        _check_modules(META, ["reranker-jinaai"])
    message = str(info.value)
    assert "reranker-jinaai" in message
    assert "ENABLE_MODULES" in message
    assert "text2vec-jinaai" in message
    assert info.value.enabled == ("text2colbert-jinaai", "text2vec-jinaai")


def test_conflict_masks_other_credentials() -> None:
    """A conflict on any credential-like header (not only Jina's) shows the values masked."""
    first, second = "sk-OPENAIKEY0123456789aaaa", "sk-OPENAIKEY0123456789bbbb"
    with pytest.raises(wje.HeaderConflictError) as info:
        _local(headers={"X-OpenAI-Api-Key": first, "x-openai-api-key": second})
    assert first not in str(info.value)
    assert second not in str(info.value)

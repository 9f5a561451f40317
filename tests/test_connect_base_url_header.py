"""Connect helpers warn when headers carry X-Jinaai-Baseurl, which Weaviate never reads."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from weaviate.classes.config import Integrations

import weaviate_jina_ext as wje

KEY = "jina_TESTKEY0123456789abcdefXYZ"


def _integration_headers(**kwargs: Any) -> dict[str, str]:
    # What client.integrations.configure(Integrations.jinaai(...)) would add to the headers.
    config: Any = Integrations.jinaai(api_key=KEY, **kwargs)
    headers: dict[str, str] = config._to_header()
    return headers


def test_client_integration_sends_the_ignored_header() -> None:
    """The client's Integrations.jinaai(base_url=...) produces the header this warning is about."""
    headers = _integration_headers(base_url="http://jina.example:8765")
    assert headers["X-Jinaai-Baseurl"] == "http://jina.example:8765"


@pytest.mark.parametrize(
    "helper",
    ["use_async_with_local", "use_async_with_custom", "jina_headers"],
)
def test_base_url_header_warns_at_caller(helper: str) -> None:
    """Headers from Integrations.jinaai(base_url=...) warn at the caller's line, naming the fix."""
    headers = _integration_headers(base_url="http://jina.example:8765")
    by_helper: dict[str, dict[str, Any]] = {
        "use_async_with_local": {"port": 1, "grpc_port": 2},
        "use_async_with_custom": {
            "http_host": "h", "http_port": 1, "http_secure": False,
            "grpc_host": "h", "grpc_port": 2, "grpc_secure": False,
        },
        "jina_headers": {},
    }  # fmt: skip
    kwargs = by_helper[helper]
    with pytest.warns(wje.JinaBaseUrlHeaderWarning) as record:
        result = getattr(wje, helper)(headers=headers, **kwargs)
    assert record[0].filename == __file__
    message = str(record[0].message)
    assert "X-Jinaai-Baseurl" in message
    assert "base_url=" in message
    assert "JinaConfigure.Vectors.text2vec_jinaai(base_url=...)" in message
    assert KEY not in message
    sent = result if helper == "jina_headers" else result._connection.additional_headers
    assert sent["X-Jinaai-Baseurl"] == "http://jina.example:8765"  # warned, not altered


def test_header_name_any_case_warns() -> None:
    """HTTP header names are case-insensitive; so is the check."""
    with pytest.warns(wje.JinaBaseUrlHeaderWarning):
        wje.jina_headers({"x-jinaai-baseurl": "https://proxy.example"}, jina_api_key=KEY)


def test_no_warning_without_base_url() -> None:
    """The key and rate-limit headers of Integrations.jinaai alone raise no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        headers = wje.jina_headers(_integration_headers(requests_per_minute_embeddings=10))
    assert headers["X-Jinaai-Api-Key"] == KEY

"""The one rule for where a local Jina server listens and which URL Weaviate gets for it."""

from __future__ import annotations

import pytest

from weaviate_jina_ext._exceptions import WeaviateBackendError
from weaviate_jina_ext.testing._endpoint import jina_endpoint


def test_a_process_uses_loopback_on_both_sides() -> None:
    endpoint = jina_endpoint("process", environ={})
    assert endpoint.bind_host == "127.0.0.1"
    assert endpoint.base_url(4321) == "http://127.0.0.1:4321"
    assert endpoint.for_weaviate("http://127.0.0.1:99") == "http://127.0.0.1:99"


def test_a_container_reaches_the_host_through_its_alias_and_never_loopback() -> None:
    endpoint = jina_endpoint("docker", environ={})
    assert endpoint.bind_host == "0.0.0.0"
    assert endpoint.base_url(4321) == "http://host.docker.internal:4321"
    for loopback in ("127.0.0.1", "localhost", "0.0.0.0", "[::1]"):
        rewritten = endpoint.for_weaviate(f"http://{loopback}:8123/x?y=1")
        assert rewritten == "http://host.docker.internal:8123/x?y=1"
    assert endpoint.for_weaviate("https://proxy.example:3128") == "https://proxy.example:3128"


def test_an_existing_server_is_local_unless_an_alias_is_named() -> None:
    assert jina_endpoint("existing", environ={}).base_url(1) == "http://127.0.0.1:1"
    aliased = jina_endpoint("existing", environ={"WEAVIATE_JINA_HOST_ALIAS": " gateway.lan "})
    assert aliased.bind_host == "0.0.0.0"
    assert aliased.base_url(8) == "http://gateway.lan:8"


class _Server:
    port = 5555


def test_base_url_takes_a_running_server() -> None:
    assert jina_endpoint("docker", environ={}).base_url(_Server()).endswith(":5555")


@pytest.mark.parametrize("backend", ["auto", "", "kubernetes"])
def test_unresolved_or_unknown_backends_are_refused(backend: str) -> None:
    with pytest.raises(WeaviateBackendError, match="resolved backend"):
        jina_endpoint(backend)

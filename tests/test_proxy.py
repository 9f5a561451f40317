"""The transparent HTTPS proxy that serves ``api.jina.ai`` from the local fake API."""

from __future__ import annotations

import http.client
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from weaviate_jina_ext import JinaExtError, _wire
from weaviate_jina_ext.testing import RigNotStartedError
from weaviate_jina_ext.testing._fake import FakeJina, Faults
from weaviate_jina_ext.testing._proxy import JinaProxy

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

KEY = "jina_proxy_key_00000000042"
JINA = "https://api.jina.ai"
TEXTS = ["through the tunnel"]
BODY = {"model": "jina-embeddings-v3", "input": TEXTS, "dimensions": 64}


@pytest.fixture
def fake() -> Iterator[FakeJina]:
    with FakeJina(api_keys=[KEY]) as server:
        yield server


@pytest.fixture
def proxy(fake: FakeJina) -> Iterator[JinaProxy]:
    with JinaProxy(fake) as jp:
        yield jp


@pytest.fixture
def client(proxy: JinaProxy) -> Iterator[httpx.Client]:
    ctx = ssl.create_default_context(cafile=proxy.ca_bundle_path)
    with httpx.Client(proxy=proxy.url, verify=ctx, headers={"Authorization": f"Bearer {KEY}"}) as c:
        yield c


def test_connect_to_jina_is_served_by_the_fake(fake: FakeJina, client: httpx.Client) -> None:
    """``https://api.jina.ai`` through the proxy answers with the fake API's vectors."""
    response = client.post(JINA + _wire.EMBEDDINGS_PATH, json=BODY)
    assert response.status_code == 200
    assert response.http_version == "HTTP/1.1"
    expected = fake.embed(TEXTS, dimensions=64)
    assert response.json()["data"][0]["embedding"] == expected[0]
    assert fake.requests[-1].headers["host"] == "api.jina.ai"
    assert fake.requests[-1].key == "jina_…0042"


def test_every_endpoint_and_error_path_is_reachable(client: httpx.Client) -> None:
    """Rerank, multi-vector and a 401 all pass through unchanged."""
    rerank = client.post(
        JINA + _wire.RERANK_PATH,
        json={"model": "jina-reranker-v2-base-multilingual", "query": "q", "documents": ["a"]},
    )
    assert rerank.json()["results"][0]["index"] == 0
    colbert = client.post(
        JINA + _wire.MULTI_VECTOR_PATH, json={"model": "jina-colbert-v2", "input": ["a b"]}
    )
    assert len(colbert.json()["data"][0]["embeddings"]) == 2
    denied = client.post(
        JINA + _wire.EMBEDDINGS_PATH, json=BODY, headers={"Authorization": "Bearer other"}
    )
    assert denied.status_code == 401
    assert denied.json()["code"] == _wire.CODE_INVALID_KEY


def test_one_tunnel_carries_many_requests(proxy: JinaProxy) -> None:
    """Keep-alive works inside the tunnel: three requests share one TLS connection."""
    ctx = ssl.create_default_context(cafile=proxy.ca_bundle_path)
    host, port = proxy.url[len("http://") :].rsplit(":", 1)
    conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=10)
    conn.set_tunnel("api.jina.ai", 443)
    try:
        sockets = []
        for _ in range(3):
            conn.request(
                "POST",
                _wire.EMBEDDINGS_PATH,
                body=json.dumps(BODY),
                headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            assert response.status == 200
            response.read()
            sockets.append(conn.sock)
        assert sockets[0] is sockets[1] is sockets[2]
    finally:
        conn.close()


def test_faults_and_recording_are_shared_with_the_fake(
    fake: FakeJina, client: httpx.Client
) -> None:
    """Faults set on the fake apply to proxied requests, which are recorded there too."""
    fake.set_faults(Faults(script=[429], retry_after=3))
    response = client.post(JINA + _wire.EMBEDDINGS_PATH, json=BODY)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert [r.path for r in fake.requests] == [_wire.EMBEDDINGS_PATH]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/",
        "https://api.jina.ai:8443/v1/embeddings",
        "https://api.jina.ai.example.com/v1/embeddings",
        "https://127.0.0.1/",
    ],
    ids=["other-host", "other-port", "suffix-trick", "ip"],
)
def test_connect_to_anything_else_is_refused(
    fake: FakeJina, client: httpx.Client, url: str
) -> None:
    """A CONNECT to any other host or port is 403 and nothing is served or forwarded."""
    with pytest.raises(httpx.ProxyError, match="403"):
        client.get(url)
    assert fake.requests == []


def test_plain_http_requests_are_refused_except_for_jina(fake: FakeJina, proxy: JinaProxy) -> None:
    """Absolute-form HTTP requests for other hosts are 403; for the Jina host they are served."""
    with httpx.Client(proxy=proxy.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
        refused = c.post("http://example.com/v1/embeddings", json=BODY)
        served = c.post("http://api.jina.ai/v1/embeddings", json=BODY)
    assert refused.status_code == 403
    assert "refused" in refused.text
    assert served.status_code == 200
    assert len(fake.requests) == 1


def test_direct_requests_to_the_proxy_are_refused(proxy: JinaProxy) -> None:
    """An origin-form request sent to the proxy itself is not served."""
    response = httpx.post(proxy.url + _wire.EMBEDDINGS_PATH, json=BODY)
    assert response.status_code == 403


def test_the_certificate_needs_the_throwaway_ca(proxy: JinaProxy) -> None:
    """Without the proxy's CA the TLS handshake fails, so nothing is trusted by accident."""
    with httpx.Client(proxy=proxy.url) as c, pytest.raises(httpx.ConnectError):
        c.post(JINA + _wire.EMBEDDINGS_PATH, json=BODY)


def test_env_routes_a_process_through_the_proxy(proxy: JinaProxy) -> None:
    """``env()`` names the proxy, the CA bundle and loopback exemptions."""
    env = proxy.env()
    assert env["HTTPS_PROXY"] == env["https_proxy"] == proxy.url
    assert env["NO_PROXY"] == env["no_proxy"] == "127.0.0.1,localhost"
    pem = Path(env["SSL_CERT_FILE"]).read_text()
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    assert env["SSL_CERT_FILE"] == env["REQUESTS_CA_BUNDLE"] == proxy.ca_bundle_path


def test_a_child_process_reaches_the_fake_with_env_alone(fake: FakeJina, proxy: JinaProxy) -> None:
    """A subprocess using a stock httpx client and only ``env()`` gets fake embeddings."""
    code = (
        "import httpx, json, sys\n"
        f"r = httpx.post('{JINA}/v1/embeddings', json={BODY!r},\n"
        f"               headers={{'Authorization': 'Bearer {KEY}'}}, timeout=20)\n"
        "print(json.dumps(r.json()))\n"
    )
    env = {**os.environ, **proxy.env()}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["data"][0]["embedding"] == fake.embed(TEXTS, dimensions=64)[0]


_REQUESTS_CLIENT = (
    # What LangChain's JinaEmbeddings and LlamaIndex's sync JinaEmbedding do: a requests
    # Session with a bearer header, posting to the hard-coded https://api.jina.ai.
    "import json, requests\n"
    "session = requests.Session()\n"
    "session.headers.update({{'Authorization': 'Bearer {key}', 'Accept-Encoding': 'identity'}})\n"
    "try:\n"
    "    r = session.post('{url}/v1/embeddings', json={body!r}, timeout=20)\n"
    "    print(json.dumps(r.json()))\n"
    "except requests.exceptions.SSLError as exc:\n"
    "    print(json.dumps({{'ssl_error': str(exc)}}))\n"
)


def _run_requests_client(env: dict[str, str]) -> dict[str, object]:
    code = _REQUESTS_CLIENT.format(key=KEY, url=JINA, body=BODY)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_a_requests_client_trusts_the_test_ca_with_env_alone(
    fake: FakeJina, proxy: JinaProxy
) -> None:
    """A ``requests`` client (LangChain's, LlamaIndex's sync) trusts the CA from ``env()``.

    ``requests`` ignores ``SSL_CERT_FILE``; ``REQUESTS_CA_BUNDLE`` is what it reads. Without that one variable the same client fails TLS, which shows it is what matters.
    """
    inherited = {
        k: v for k, v in os.environ.items() if k not in {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"}
    }
    env = {**inherited, **proxy.env()}
    assert env["REQUESTS_CA_BUNDLE"] == proxy.ca_bundle_path
    answer = _run_requests_client(env)
    assert answer["data"] == [
        {"object": "embedding", "index": 0, "embedding": fake.embed(TEXTS, dimensions=64)[0]}
    ]
    assert fake.requests[-1].headers["host"] == "api.jina.ai"
    without = {k: v for k, v in env.items() if k != "REQUESTS_CA_BUNDLE"}
    assert "ssl_error" in _run_requests_client(without)


def test_an_unstarted_fake_is_served_too() -> None:
    """The proxy needs only the fake's handler, not its HTTP server."""
    unstarted = FakeJina()
    with JinaProxy(unstarted) as jp:
        ctx = ssl.create_default_context(cafile=jp.ca_bundle_path)
        with httpx.Client(proxy=jp.url, verify=ctx) as c:
            response = c.post(
                JINA + _wire.EMBEDDINGS_PATH, json=BODY, headers={"Authorization": "Bearer k"}
            )
    assert response.status_code == 200


def test_stop_is_idempotent_removes_the_ca_and_closes_tunnels(fake: FakeJina) -> None:
    """``stop()`` closes idle tunnels promptly, deletes the CA and may be repeated."""
    jp = JinaProxy(fake).start()
    bundle = Path(jp.ca_bundle_path)
    with httpx.Client(proxy=jp.url, verify=jp.client_ssl_context()) as c:
        c.post(JINA + _wire.EMBEDDINGS_PATH, json=BODY, headers={"Authorization": f"Bearer {KEY}"})
        start = time.monotonic()
        jp.stop()
        assert time.monotonic() - start < 2
    jp.stop()
    assert not bundle.exists()
    assert not bundle.parent.exists()
    assert not any(t.name.startswith("jina-proxy") for t in threading.enumerate())
    with pytest.raises(RuntimeError, match="not running"):
        _ = jp.url
    with pytest.raises(RuntimeError):
        jp.env()


@pytest.mark.parametrize(
    "read",
    [lambda fake, proxy: fake.url, lambda fake, proxy: proxy.url, lambda fake, proxy: proxy.ca_bundle_path],
    ids=["FakeJina.url", "JinaProxy.url", "JinaProxy.ca_bundle_path"],
)  # fmt: skip
def test_not_started_rig_raises_rig_not_started(
    read: Callable[[FakeJina, JinaProxy], str],
) -> None:
    """What exists only while a service runs raises RigNotStartedError, before and after."""
    fake = FakeJina()
    proxy = JinaProxy(fake)
    with pytest.raises(RigNotStartedError, match="not running") as info:
        read(fake, proxy)
    assert isinstance(info.value, JinaExtError)
    assert isinstance(info.value, RuntimeError)
    with fake, proxy:
        assert read(fake, proxy)
    with pytest.raises(RigNotStartedError, match="not running"):
        read(fake, proxy)


def test_stop_cuts_a_hanging_proxied_request_short(fake: FakeJina) -> None:
    """A request hanging inside a tunnel does not hold up the proxy's ``stop()``."""
    fake.set_faults(Faults(then="hang", hang_seconds=30))
    jp = JinaProxy(fake).start()
    errors: list[BaseException] = []

    def call() -> None:
        with httpx.Client(proxy=jp.url, verify=jp.client_ssl_context(), timeout=20) as c:
            try:
                c.post(
                    JINA + _wire.EMBEDDINGS_PATH,
                    json=BODY,
                    headers={"Authorization": f"Bearer {KEY}"},
                )
            except httpx.HTTPError as exc:
                errors.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    deadline = time.monotonic() + 5
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    start = time.monotonic()
    jp.stop()
    assert time.monotonic() - start < 2
    worker.join()
    assert len(errors) == 1

"""``doctor`` against real Weaviate servers, with deliberately broken collections.

Broken collections are made with raw REST calls (``POST /v1/schema``), so the package's own
builders cannot stop them; a few shapes Weaviate refuses at creation are stored the way a
user can store them: by adding a named vector to an existing collection (``PUT
/v1/schema/{class}``), a path on which Weaviate 1.39 runs no module validation.

Servers (process backend; each module-scoped): ``plain`` with every Jina module, ``guarded``
with ``MODULES_VALIDATE_BASE_URL=true``, and ``text_only`` with only ``text2vec-jinaai``.
"""

from __future__ import annotations

import json
import socket
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import jsonschema
import pytest

import weaviate_jina_ext as wje
from weaviate_jina_ext._cli import main
from weaviate_jina_ext._doctor import DoctorReport, Severity
from weaviate_jina_ext.testing import FakeJina

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

    from weaviate_jina_ext.testing import JinaEndpoint, WeaviateInstance

    Start = Callable[..., AbstractContextManager[WeaviateInstance]]

pytestmark = pytest.mark.integration

KEY = "jina_doctor_test_key_5e3a9c1d7b"
WRONG_KEY = "jina_doctor_wrong_key_0f4e8d2c6a"
WEAVIATE_KEY = "wv-doctor-admin-key-7c1d5e9a"
KEY_ENV = ("JINAAI_APIKEY", "JINAAI_API_KEY", "JINA_API_KEY")


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*KEY_ENV, "WEAVIATE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def jina(jina_endpoint: JinaEndpoint) -> Iterator[FakeJina]:
    """A strict local Jina server accepting only ``KEY``."""
    with FakeJina(host=jina_endpoint.bind_host, api_keys=[KEY], strict=True) as fake:
        yield fake


@pytest.fixture(scope="module")
def jina_url(jina: FakeJina, jina_endpoint: JinaEndpoint) -> str:
    """``jina``'s URL as Weaviate reaches it."""
    return jina_endpoint.base_url(jina)


@pytest.fixture(scope="module")
def plain(weaviate_jina_start: Start) -> Iterator[WeaviateInstance]:
    """A Weaviate with every Jina module and no server-side key."""
    with weaviate_jina_start(jina_api_key="") as instance:
        yield instance


@pytest.fixture(scope="module")
def guarded(weaviate_jina_start: Start) -> Iterator[WeaviateInstance]:
    """A Weaviate that refuses loopback and plain-http ``base_url`` values."""
    with weaviate_jina_start(jina_api_key="", extra_env={"MODULES_VALIDATE_BASE_URL": "true"}) as w:
        yield w


@pytest.fixture(scope="module")
def text_only(weaviate_jina_start: Start) -> Iterator[WeaviateInstance]:
    """A Weaviate with ``text2vec-jinaai`` as its only Jina module."""
    with weaviate_jina_start(
        jina_api_key="",
        modules=("text2vec-jinaai",),
        extra_env={"API_BASED_MODULES_DISABLED": "true"},
    ) as instance:
        yield instance


def _schema(url: str, method: str, path: str = "", body: object = None) -> httpx.Response:
    return httpx.request(method, f"{url}/v1/schema{path}", json=body, timeout=30)


def _props(**types: str) -> list[dict[str, Any]]:
    return [{"name": n, "dataType": [t]} for n, t in types.items()]


def _vector(module: str, settings: dict[str, Any], *, multi: bool = False) -> dict[str, Any]:
    config: dict[str, Any] = {"vectorizer": {module: settings}, "vectorIndexType": "hnsw"}
    if multi:
        config["vectorIndexConfig"] = {"multivector": {"enabled": True}}
    return config


@pytest.fixture
def collections(plain: WeaviateInstance) -> Iterator[Callable[..., str]]:
    """Create raw collections on ``plain`` (asserting the server took them); delete them after."""
    made: list[str] = []

    def create(
        body: dict[str, Any], *, add_vector: tuple[str, dict[str, Any]] | None = None
    ) -> str:
        name = f"Doc{uuid.uuid4().hex[:10]}"
        body = {**body, "class": name}
        response = _schema(plain.url, "POST", body=body)
        assert response.status_code == 200, response.text
        made.append(name)
        if add_vector is not None:
            stored = _schema(plain.url, "GET", f"/{name}").json()
            stored["vectorConfig"][add_vector[0]] = add_vector[1]
            response = _schema(plain.url, "PUT", f"/{name}", stored)
            assert response.status_code == 200, response.text
            stored = _schema(plain.url, "GET", f"/{name}").json()["vectorConfig"]
            assert add_vector[0] in stored, "the server did not store the added vector"
        return name

    yield create
    for name in made:
        _schema(plain.url, "DELETE", f"/{name}")


def _run(instance: WeaviateInstance, jina_url: str, **kwargs: Any) -> DoctorReport:
    kwargs.setdefault("jina_api_key", KEY)
    kwargs.setdefault("probe_base_url", jina_url)
    return wje.doctor(instance.url, **kwargs)


def _about(report: DoctorReport, name: str) -> list[tuple[str, Severity]]:
    return [(f.code, f.severity) for f in report.findings if f"collection {name!r}" in f.subject]


def _throwaways(instance: WeaviateInstance) -> list[str]:
    classes = _schema(instance.url, "GET").json().get("classes") or []
    return [c["class"] for c in classes if c["class"].startswith("WjeDoctor")]


# --------------------------------------------------------------------------- a clean server


def test_clean_server_passes_with_one_tiny_embedding(
    plain: WeaviateInstance, jina: FakeJina, jina_url: str
) -> None:
    """A server with no collection: exit 0, one probe request of 'ping' with the key, nothing left behind."""
    jina.clear()
    report = _run(plain, jina_url)
    codes = {f.code for f in report.findings}
    assert codes == {"server-version", "base-url-validation-off", "rate-limits", "key-ok"}
    assert report.exit_code == 0
    assert report.server_version == "1.39.3"
    assert report.base_url_validation is False
    assert report.probe is not None
    assert report.probe.ok
    assert report.probe.estimated_tokens == 1
    embeddings = [r for r in jina.requests if r.path.endswith("/v1/embeddings")]
    assert [r.json["input"] for r in embeddings] == [["ping"]]
    assert embeddings[0].key == wje.mask_key(KEY)
    assert _throwaways(plain) == []


def test_no_probe_spends_nothing(plain: WeaviateInstance, jina: FakeJina, jina_url: str) -> None:
    """probe=False sends nothing to Jina and says the probe was skipped."""
    jina.clear()
    report = _run(plain, jina_url, probe=False)
    assert "probe-skipped" in {f.code for f in report.findings}
    assert report.probe is None
    assert jina.requests == []


def test_probe_takes_the_route_imports_take(
    plain: WeaviateInstance, jina: FakeJina, jina_url: str, collections: Callable[..., str]
) -> None:
    """Without probe options, the probe uses the first text2vec-jinaai vector's model and base_url."""
    settings = {"model": "jina-embeddings-v5-text-nano", "baseURL": jina_url, "dimensions": 64}
    collections({"properties": _props(title="text"),
                 "vectorConfig": {"v": _vector("text2vec-jinaai", settings)}})  # fmt: skip
    jina.clear()
    report = wje.doctor(plain.url, jina_api_key=KEY)
    assert report.probe is not None
    assert (report.probe.model, report.probe.base_url) == (settings["model"], jina_url)
    assert report.probe.ok
    assert [r.json["model"] for r in jina.requests] == [settings["model"]]


# --------------------------------------------------------------------------- one per finding


BROKEN: dict[str, tuple[dict[str, Any], tuple[str, dict[str, Any]] | None, Severity]] = {
    "model-module-mismatch": (
        {"properties": _props(title="text"),
         "vectorConfig": {"v": _vector("text2vec-jinaai", {"model": "jina-clip-v2"})}},
        None, Severity.ERROR,
    ),
    "unknown-model": (
        {"properties": _props(title="text"),
         "vectorConfig": {"v": _vector("text2vec-jinaai", {"model": "jina-embedings-v3"})}},
        None, Severity.WARNING,
    ),
    "dimensions-invalid": (
        {"properties": _props(title="text"),
         "vectorConfig": {"v": _vector("text2vec-jinaai", {"model": "jina-embeddings-v3", "dimensions": 4096})}},
        None, Severity.ERROR,
    ),
    "no-text-property": (
        {"properties": _props(count="int"),
         "vectorConfig": {"v": _vector("text2multivec-jinaai", {"model": "jina-colbert-v2"}, multi=True)}},
        None, Severity.ERROR,
    ),
    "missing-property": (
        {"properties": _props(title="text"),
         "vectorConfig": {"v": _vector("text2vec-jinaai", {"model": "jina-embeddings-v3", "properties": ["title", "body"]})}},
        None, Severity.ERROR,
    ),
    "multimodal-field-type": (
        {"properties": _props(title="int"),
         "vectorConfig": {"v": _vector("multi2multivec-jinaai", {"model": "jina-embeddings-v4", "textFields": ["title"]}, multi=True)}},
        None, Severity.ERROR,
    ),
    "multi2multivec-fields": (
        {"properties": _props(a="text", b="text"),
         "vectorConfig": {"t": _vector("text2vec-jinaai", {"model": "jina-embeddings-v3"})}},
        ("m", _vector("multi2multivec-jinaai", {"model": "jina-embeddings-v4", "textFields": ["a", "b"],
                                                "weights": {"textFields": [0.3, 0.7]}}, multi=True)),
        Severity.ERROR,
    ),
    "multi2vec-fields": (
        {"properties": _props(a="text", b="text"),
         "vectorConfig": {"t": _vector("text2vec-jinaai", {"model": "jina-embeddings-v3"})}},
        ("m", _vector("multi2vec-jinaai", {"model": "jina-clip-v2", "textFields": ["a", "b"],
                                           "weights": {"textFields": [1.0]}})),
        Severity.ERROR,
    ),
    "reranker-model": (
        {"properties": _props(title="text"),
         "vectorConfig": {"v": _vector("text2vec-jinaai", {"model": "jina-embeddings-v3"})},
         "moduleConfig": {"reranker-jinaai": {"model": "jina-embeddings-v3"}}},
        None, Severity.ERROR,
    ),
    "reranker-fixed-host": (
        {"properties": _props(title="text"),
         "vectorConfig": {"v": _vector("text2vec-jinaai", {"model": "jina-embeddings-v3", "baseURL": "http://127.0.0.1:9"})},
         "moduleConfig": {"reranker-jinaai": {"model": "jina-reranker-v2-base-multilingual"}}},
        None, Severity.WARNING,
    ),
    "base-url-invalid": (
        {"properties": _props(title="text"),
         "vectorConfig": {"v": _vector("text2vec-jinaai", {"model": "jina-embeddings-v3", "baseURL": "http://127.0.0.1:9/v1"})}},
        None, Severity.ERROR,
    ),
    "vectorize-collection-name": (
        {"properties": _props(title="text"),
         "vectorConfig": {"v": _vector("text2vec-jinaai", {"model": "jina-embeddings-v3", "vectorizeClassName": True})}},
        None, Severity.INFO,
    ),
    "default-model": (
        {"properties": _props(title="text"), "vectorizer": "text2vec-jinaai"},
        None, Severity.INFO,
    ),
}  # fmt: skip


@pytest.mark.parametrize("code", sorted(BROKEN))
def test_each_broken_collection_is_found(
    code: str, collections: Callable[..., str], plain: WeaviateInstance, jina_url: str
) -> None:
    """Each deliberately broken collection the server accepted yields its finding, and a fix."""
    body, add_vector, severity = BROKEN[code]
    name = collections(body, add_vector=add_vector)
    report = _run(plain, jina_url, probe=False)
    about = _about(report, name)
    assert (code, severity) in about, about
    finding = next(f for f in report.findings if f.code == code and name in f.subject)
    if severity is not Severity.INFO:
        assert finding.fix
    expected_exit = {Severity.ERROR: 3, Severity.WARNING: 1, Severity.INFO: 0}[severity]
    assert report.exit_code == expected_exit
    assert name in report.collections


# --------------------------------------------------------------------------- base_url validation


def test_validation_on_is_detected_without_storing_anything(
    guarded: WeaviateInstance, jina_url: str
) -> None:
    """With MODULES_VALIDATE_BASE_URL on: a warning, the loopback probe skipped, no class left."""
    report = _run(guarded, jina_url)
    codes = {f.code: f.severity for f in report.findings}
    assert report.base_url_validation is True
    assert codes["base-url-validation-on"] is Severity.WARNING
    assert "probe-skipped" in codes
    assert report.exit_code == 1
    assert _throwaways(guarded) == []


def test_collection_with_refused_base_url_is_an_error(
    guarded: WeaviateInstance, jina_url: str
) -> None:
    """A vector whose loopback base_url the server refuses at request time is an error.

    Offline, the guarded server refuses even the default ``https://api.jina.ai`` (its name
    does not resolve), so the first vector points at a public IP literal; the loopback
    vector is then added in place, a path the server does not validate.
    """
    name = f"Doc{uuid.uuid4().hex[:10]}"
    public = {"model": "jina-embeddings-v3", "baseURL": "https://203.0.113.10"}
    body = {"class": name, "properties": _props(title="text"),
            "vectorConfig": {"t": _vector("text2vec-jinaai", public)}}  # fmt: skip
    assert _schema(guarded.url, "POST", body=body).status_code == 200
    try:
        stored = _schema(guarded.url, "GET", f"/{name}").json()
        local = _vector("text2vec-jinaai", {"model": "jina-embeddings-v3", "baseURL": jina_url})
        stored["vectorConfig"]["local"] = local
        added = _schema(guarded.url, "PUT", f"/{name}", stored)
        if (
            added.status_code != 200
            or "local" not in _schema(guarded.url, "GET", f"/{name}").json()["vectorConfig"]
        ):
            pytest.fail(f"the server did not store the loopback vector: {added.text[:300]}")
        report = _run(guarded, jina_url, probe=False)
        refused = [f.subject for f in report.findings if f.code == "base-url-refused"]
        assert refused == [f"collection {name!r}, vector 'local'"]
        assert report.exit_code == 3
    finally:
        _schema(guarded.url, "DELETE", f"/{name}")


def test_text_only_server_uses_the_text2vec_method(
    text_only: WeaviateInstance, jina_url: str
) -> None:
    """Without multi2vec-jinaai the check creates and deletes a text2vec class; missing modules are listed."""
    report = _run(text_only, jina_url)
    codes = {f.code for f in report.findings}
    assert report.jina_modules == ("text2vec-jinaai",)
    assert report.base_url_validation is False
    assert "jina-module-missing" in codes
    assert "key-ok" in codes
    method = next(f for f in report.findings if f.code == "base-url-validation-off").message
    assert "text2vec-jinaai" in method
    assert _throwaways(text_only) == []


# --------------------------------------------------------------------------- the key


def test_missing_key_is_a_warning_and_the_probe_fails(
    plain: WeaviateInstance, jina_url: str
) -> None:
    """No key anywhere: key-missing, and the probe proves nothing works (no server key)."""
    report = wje.doctor(plain.url, probe_base_url=jina_url)
    codes = {f.code: f.severity for f in report.findings}
    assert codes["key-missing"] is Severity.WARNING
    assert codes["key-rejected"] is Severity.ERROR
    assert report.key_source is None
    assert report.exit_code == 3


def test_wrong_key_is_rejected(plain: WeaviateInstance, jina_url: str) -> None:
    """A key Jina answers 401 to is an error naming the fix."""
    report = _run(plain, jina_url, jina_api_key=WRONG_KEY)
    rejected = [f for f in report.findings if f.code == "key-rejected"]
    assert len(rejected) == 1
    assert "401" in rejected[0].message
    assert "JINAAI_APIKEY" in rejected[0].fix
    assert report.probe is not None
    assert not report.probe.ok


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_jina_is_a_probe_failure(plain: WeaviateInstance) -> None:
    """A base_url where nothing listens: key-probe-failed, not key-rejected."""
    report = _run(plain, "", probe_base_url=f"http://127.0.0.1:{_closed_port()}")
    codes = {f.code for f in report.findings}
    assert "key-probe-failed" in codes
    assert "key-rejected" not in codes


def test_key_from_the_environment(
    plain: WeaviateInstance, jina_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key's source is the first variable set, in the package's precedence."""
    monkeypatch.setenv("JINA_API_KEY", KEY)
    report = wje.doctor(plain.url, probe_base_url=jina_url)
    assert report.key_source == "JINA_API_KEY"
    assert report.key == wje.mask_key(KEY)
    assert "key-ok" in {f.code for f in report.findings}


def test_base_url_header_is_reported_not_raised(plain: WeaviateInstance, jina_url: str) -> None:
    """Headers carrying X-Jinaai-Baseurl (which Weaviate ignores) give a warning finding."""
    report = _run(plain, jina_url, headers={"X-Jinaai-Baseurl": jina_url})
    found = [f for f in report.findings if f.code == "base-url-header-ignored"]
    assert [f.severity for f in found] == [Severity.WARNING]
    assert report.exit_code == 1


def test_rate_limit_headers_in_effect(
    plain: WeaviateInstance, jina: FakeJina, jina_url: str
) -> None:
    """The rate-limit headers are reported and sent with the probe."""
    report = _run(plain, jina_url, requests_per_minute=120, tokens_per_minute=50_000)
    assert report.rate_limits == {
        "X-Jinaai-Ratelimit-RequestPM-Embedding": "120",
        "X-Jinaai-Ratelimit-TokenPM-Embedding": "50000",
    }
    message = next(f for f in report.findings if f.code == "rate-limits").message
    assert "120" in message
    assert "not applied" in message


# --------------------------------------------------------------------------- CLI: JSON, exit codes


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["doctor", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_matches_its_schema(
    plain: WeaviateInstance, jina_url: str, collections: Callable[..., str],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """--json prints one document valid against the published schema, findings included."""
    body, _, _ = BROKEN["dimensions-invalid"]
    collections(body)
    code, out, _ = _cli(capsys, plain.url, "--json", "--jina-api-key", KEY,
                        "--probe-base-url", jina_url)  # fmt: skip
    document = json.loads(out)
    jsonschema.validate(document, DoctorReport.json_schema())
    assert code == document["summary"]["exit_code"] == 3
    assert document["summary"]["error"] >= 1
    assert any(f["code"] == "dimensions-invalid" for f in document["findings"])


@pytest.mark.parametrize(
    ("server", "argv", "expected"),
    [
        ("plain", ["--no-probe", "--jina-api-key", KEY], 0),
        ("guarded", ["--jina-api-key", KEY], 1),
        ("plain", ["--no-probe"], 1),
        ("plain", [], 3),
        (None, [], 4),
    ],
    ids=["clean-0", "warning-1", "no-key-warning-1", "no-key-probe-error-3", "unreachable-4"],
)
def test_exit_codes(
    server: str | None, argv: list[str], expected: int, request: pytest.FixtureRequest,
    jina_url: str, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """The exit code follows the worst severity: 0 info, 1 warning, 3 error, 4 could not check."""
    url = request.getfixturevalue(server).url if server else f"http://127.0.0.1:{_closed_port()}"
    code, out, _ = _cli(capsys, url, "--probe-base-url", jina_url, *argv)
    assert code == expected, out
    assert out.rstrip().endswith(f"exit code {expected}")


def test_a_server_that_is_not_weaviate_is_fatal(jina: FakeJina) -> None:
    """Pointed at another HTTP server (the local Jina API), doctor stops with exit code 4."""
    report = wje.doctor(jina.url, jina_api_key=KEY)
    assert [(f.code, f.severity) for f in report.findings] == [
        ("server-unreachable", Severity.FATAL)
    ]
    assert report.exit_code == 4
    assert "not Weaviate" in report.findings[0].message


def test_server_crashing_mid_run_is_fatal(weaviate_jina_start: Start, jina_url: str) -> None:
    """Weaviate killed (SIGKILL) right after doctor read the schema: a fatal finding, exit 4."""
    import os  # noqa: PLC0415
    import signal  # noqa: PLC0415

    with weaviate_jina_start(jina_api_key="") as instance:
        if instance.pid is None:
            pytest.skip("needs a server process to kill (process backend)")
        pid = instance.pid

        class KillAfterSchema(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                response = super().handle_request(request)
                if request.method == "GET" and request.url.path == "/v1/schema":
                    response.read()
                    os.killpg(pid, signal.SIGKILL)
                return response

        report = wje.doctor(instance.url, jina_api_key=KEY, probe_base_url=jina_url,
                            transport=KillAfterSchema(), timeout=10)  # fmt: skip
    assert [(f.code, f.severity) for f in report.findings] == [
        ("server-unreachable", Severity.FATAL)
    ]
    assert "went away" in report.findings[0].message
    assert report.exit_code == 4


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad URL or option exits 2 before anything is sent."""
    code, _, err = _cli(capsys, "ftp://example.com")
    assert code == 2
    assert "http://localhost:8080" in err
    with pytest.raises(SystemExit) as exc:
        main(["doctor", "--no-such-option"])
    assert exc.value.code == 2


# --------------------------------------------------------------------------- the key stays hidden


def _assert_hidden(text: str) -> None:
    for secret in (KEY, WRONG_KEY, WEAVIATE_KEY):
        assert secret not in text
        assert secret.removeprefix("jina_") not in text


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_key_never_printed(
    as_json: bool, plain: WeaviateInstance, jina_url: str, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Neither the Jina key nor Weaviate's key appears in the output, on success or failure."""
    fmt = ["--json"] if as_json else []
    runs = [
        (plain.url, ["--jina-api-key", KEY]),
        (plain.url, ["--jina-api-key", WRONG_KEY]),  # the error path: Jina's 401 is quoted
        (f"http://127.0.0.1:{_closed_port()}", ["--jina-api-key", KEY]),  # unreachable
        (plain.url, ["--jina-api-key", KEY, "--weaviate-api-key", WEAVIATE_KEY]),
        (f"http://{KEY}@127.0.0.1:1", ["--jina-api-key", KEY]),  # a key pasted into the URL
    ]
    for url, argv in runs:
        _, out, err = _cli(capsys, url, "--probe-base-url", jina_url, *fmt, *argv)
        _assert_hidden(out + err)
        assert out or err


def test_key_hidden_when_the_server_echoes_it(
    plain: WeaviateInstance, capsys: pytest.CaptureFixture[str], jina_endpoint: JinaEndpoint
) -> None:
    """A Jina server that echoes the raw key in its error: the doctor's output still masks it."""
    import threading  # noqa: PLC0415
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: PLC0415

    class Echo(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = json.dumps({"detail": f"bad key {self.headers.get('authorization')}"}).encode()
            self.send_response(401)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((jina_endpoint.bind_host, 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        echo_url = jina_endpoint.base_url(int(server.server_address[1]))
        for fmt in ([], ["--json"]):
            code, out, err = _cli(capsys, plain.url, "--jina-api-key", KEY,
                                  "--probe-base-url", echo_url, *fmt)  # fmt: skip
            assert code == 3
            _assert_hidden(out + err)
            assert "401" in out
    finally:
        server.shutdown()
        server.server_close()

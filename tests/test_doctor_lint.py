"""Unit tests of doctor's lint rules on literal stored configs (as GET /v1/schema shows them)."""

from __future__ import annotations

from typing import Any

import pytest

from weaviate_jina_ext._doctor._lint import (
    ServerFacts,
    base_url_refusal,
    jina_vectors,
    lint_collection,
)
from weaviate_jina_ext._doctor._report import DoctorFinding, Severity
from weaviate_jina_ext._server_lines import server_line

ALL_MODULES = frozenset(
    {
        "text2vec-jinaai",
        "multi2vec-jinaai",
        "text2multivec-jinaai",
        "multi2multivec-jinaai",
        "reranker-jinaai",
    }
)
FACTS = ServerFacts(server_line("1.39.3"), ALL_MODULES, validates_base_url=False)


def _class(module: str, settings: dict[str, Any], props: dict[str, str] | None = None,
           *, named: bool = True, reranker: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    props = {"title": "text"} if props is None else props
    cls: dict[str, Any] = {
        "class": "Doc",
        "properties": [{"name": n, "dataType": [t]} for n, t in props.items()],
        "moduleConfig": {},
    }
    if named:
        cls["vectorConfig"] = {"v": {"vectorizer": {module: settings}, "vectorIndexType": "hnsw"}}
    else:
        cls["vectorizer"] = module
        cls["moduleConfig"][module] = settings
    if reranker is not None:
        cls["moduleConfig"]["reranker-jinaai"] = reranker
    return cls


def _codes(findings: list[DoctorFinding]) -> list[str]:
    return sorted(f.code for f in findings)


GOOD = {"model": "jina-embeddings-v3", "dimensions": 256, "vectorizeClassName": False}


def test_clean_config_has_no_findings() -> None:
    """A valid text2vec-jinaai config with the model written gets no finding at all."""
    assert lint_collection(_class("text2vec-jinaai", GOOD), FACTS) == []


def test_legacy_and_alias_vectors_are_found() -> None:
    """A class-level vectorizer and the old text2colbert-jinaai name are both linted."""
    legacy = list(jina_vectors(_class("text2vec-jinaai", GOOD, named=False)))
    assert [(v.vector, v.module) for v in legacy] == [(None, "text2vec-jinaai")]
    alias = list(jina_vectors(_class("text2colbert-jinaai", {"model": "jina-colbert-v2"})))
    assert alias[0].module == "text2multivec-jinaai"
    assert alias[0].stored_module == "text2colbert-jinaai"


@pytest.mark.parametrize(
    ("module", "settings", "props", "code", "severity"),
    [
        ("text2vec-jinaai", {"vectorizeClassName": False}, None, "implicit-model", Severity.WARNING),
        ("text2vec-jinaai", {"model": "jina-clip-v2"}, None, "model-module-mismatch", Severity.ERROR),
        ("text2vec-jinaai", {"model": "jina-embedings-v3"}, None, "unknown-model", Severity.WARNING),
        ("text2vec-jinaai", {"model": "jina-embeddings-v3", "dimensions": 4096}, None, "dimensions-invalid", Severity.ERROR),
        ("text2vec-jinaai", {"model": "jina-embeddings-v2-base-en", "dimensions": 1024}, None, "dimensions-invalid", Severity.ERROR),
        ("multi2vec-jinaai", {"model": "jina-embeddings-v4", "dimensions": 4096, "imageFields": ["img"]}, {"img": "blob"}, "dimensions-invalid", Severity.ERROR),
        ("text2multivec-jinaai", {"model": "jina-colbert-v2", "dimensions": 100}, None, "dimensions-invalid", Severity.ERROR),
        ("text2multivec-jinaai", {"model": "jina-colbert-v2"}, {"n": "int"}, "no-text-property", Severity.ERROR),
        ("text2vec-jinaai", {"model": "jina-embeddings-v3", "properties": ["body"]}, None, "missing-property", Severity.ERROR),
        ("multi2vec-jinaai", {"model": "jina-clip-v2", "imageFields": ["title"]}, None, "multimodal-field-type", Severity.ERROR),
        ("multi2vec-jinaai", {"model": "jina-clip-v2", "textFields": ["title"], "weights": {"textFields": [0.5, 0.5]}}, None, "multi2vec-fields", Severity.ERROR),
        ("multi2vec-jinaai", {"model": "jina-clip-v1", "dimensions": 512, "imageFields": ["img"]}, {"img": "blob"}, "dimensions-invalid", Severity.ERROR),
        ("text2vec-jinaai", {"model": "jina-embeddings-v4"}, None, "default-model", Severity.INFO),
        ("multi2multivec-jinaai", {"model": "jina-embeddings-v4", "textFields": ["title"], "imageFields": ["img"]}, {"title": "text", "img": "blob"}, "multi2multivec-fields", Severity.ERROR),
        ("multi2multivec-jinaai", {"model": "jina-embeddings-v4", "textFields": ["a", "b"]}, {"a": "text", "b": "text"}, "multi2multivec-fields", Severity.ERROR),
        ("multi2multivec-jinaai", {"model": "jina-embeddings-v4", "textFields": ["a"], "weights": {"textFields": [1]}}, {"a": "text"}, "multi2multivec-fields", Severity.ERROR),
        ("multi2multivec-jinaai", {"model": "jina-embeddings-v4"}, None, "multi2multivec-fields", Severity.ERROR),
        ("text2vec-jinaai", {"model": "jina-embeddings-v3", "baseURL": "http://127.0.0.1:1/v1"}, None, "base-url-invalid", Severity.ERROR),
        ("text2vec-jinaai", {"model": "jina-embeddings-v3", "vectorizeClassName": True}, None, "vectorize-collection-name", Severity.INFO),
    ],
    ids=[
        "no-model", "clip-in-text2vec", "typo-model", "v3-4096", "v2-with-1024",
        "v4-multi2vec-4096", "colbert-100", "colbert-int-only", "missing-source",
        "image-field-is-text", "m2v-weights-count", "clip-v1-512", "server-default-v4", "m2mv-both", "m2mv-two-props", "m2mv-weights", "m2mv-none",
        "base-url-v1", "class-name",
    ],
)  # fmt: skip
def test_each_rule(
    module: str, settings: dict[str, Any], props: dict[str, str] | None, code: str,
    severity: Severity,
) -> None:  # fmt: skip
    """Each broken setting yields its finding, with its severity, a fix, and no other error."""
    findings = lint_collection(_class(module, settings, props), FACTS)
    hit = [f for f in findings if f.code == code]
    assert hit, _codes(findings)
    assert hit[0].severity is severity
    assert hit[0].subject == "collection 'Doc', vector 'v'"
    if severity is not Severity.INFO:
        assert hit[0].fix
    others = [f.code for f in findings if f.code != code and f.severity is Severity.ERROR]
    assert others == [], others


def test_module_not_enabled_on_server() -> None:
    """A collection using a module the server lacks (multi2multivec before its release) is an error."""
    facts = ServerFacts(server_line("1.31.5"), ALL_MODULES - {"multi2multivec-jinaai"}, False)
    cls = _class("multi2multivec-jinaai", {"model": "jina-embeddings-v4", "textFields": ["title"]})
    findings = lint_collection(cls, facts)
    assert _codes(findings) == ["module-not-enabled"]
    assert "Weaviate 1.31.5 does not have" in findings[0].message


def test_stored_dimensions_judged_by_what_the_server_line_sends() -> None:
    """The 1024 that 1.28-1.31.5 store for v2 models is an error only where it is sent (1.29+)."""
    cls = _class("text2vec-jinaai", {"model": "jina-embeddings-v2-base-en", "dimensions": 1024})
    old = ServerFacts(server_line("1.28.16"), ALL_MODULES, False)
    assert [f for f in lint_collection(cls, old) if f.severity is Severity.ERROR] == []
    mid = ServerFacts(server_line("1.31.5"), ALL_MODULES, False)
    assert "dimensions-invalid" in _codes(lint_collection(cls, mid))


def test_default_model_depends_on_the_line() -> None:
    """v2-base-en is the default (info) before 1.31.6, v4 after; the message names the other."""
    v2 = _class("text2vec-jinaai", {"model": "jina-embeddings-v2-base-en"})
    old = lint_collection(v2, ServerFacts(server_line("1.31.5"), ALL_MODULES, False))
    assert [(f.code, "jina-embeddings-v4" in f.message) for f in old] == [("default-model", True)]
    assert lint_collection(v2, FACTS) == []


def test_implicit_model_names_this_servers_default() -> None:
    """An absent model is a warning naming what this server version picks."""
    cls = _class("text2vec-jinaai", {})
    findings = lint_collection(cls, ServerFacts(server_line("1.31.5"), ALL_MODULES, False))
    assert _codes(findings) == ["implicit-model"]
    assert "Weaviate 1.31.5: jina-embeddings-v2-base-en" in findings[0].message


def test_legacy_module_name_counts_as_enabled() -> None:
    """A server listing text2colbert-jinaai serves text2multivec-jinaai collections."""
    facts = ServerFacts(server_line("1.28.0"), frozenset({"text2colbert-jinaai"}), False)
    cls = _class("text2multivec-jinaai", {"model": "jina-colbert-v2", "dimensions": 128})
    assert lint_collection(cls, facts) == []


@pytest.mark.parametrize(
    ("reranker", "code"),
    [
        ({"model": "jina-embeddings-v3"}, "reranker-model"),
        ({"model": "jina-rerankr-v2"}, "unknown-model"),
    ],
    ids=["embedding-model", "typo"],
)
def test_reranker_model(reranker: dict[str, Any], code: str) -> None:
    """The reranker's model must be one the reranker serves."""
    findings = lint_collection(_class("text2vec-jinaai", GOOD, reranker=reranker), FACTS)
    assert _codes(findings) == [code]
    assert findings[0].subject == "collection 'Doc', reranker"


def test_reranker_with_vectors_elsewhere() -> None:
    """A reranker next to vectors on another base_url: its host is fixed to the real API."""
    local = {**GOOD, "baseURL": "http://127.0.0.1:8765/"}
    cls = _class("text2vec-jinaai", local, reranker={"model": "jina-reranker-v3"})
    findings = lint_collection(cls, FACTS)
    assert [(f.code, f.severity) for f in findings] == [("reranker-fixed-host", Severity.WARNING)]
    assert "http://127.0.0.1:8765" in findings[0].message
    explicit = _class("text2vec-jinaai", {**GOOD, "baseURL": "https://api.jina.ai/"},
                      reranker={"model": "jina-reranker-v3"})  # fmt: skip
    assert lint_collection(explicit, FACTS) == []


def test_good_reranker_is_clean() -> None:
    """The Weaviate default reranker model passes."""
    cls = _class("text2vec-jinaai", GOOD, reranker={"model": "jina-reranker-v2-base-multilingual"})
    assert lint_collection(cls, FACTS) == []


def test_base_url_refused_only_when_validation_is_on() -> None:
    """A loopback base_url is an error only on a server that refuses it."""
    cls = _class("text2vec-jinaai", {**GOOD, "baseURL": "http://127.0.0.1:8765"})
    assert lint_collection(cls, FACTS) == []
    on = ServerFacts(server_line("1.39.3"), ALL_MODULES, validates_base_url=True)
    assert _codes(lint_collection(cls, on)) == ["base-url-refused"]


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://api.example.com", True),
        ("https://127.0.0.1:8443", True),
        ("https://10.1.2.3", True),
        ("https://169.254.0.1", True),
        ("https://[::1]:8443", True),
        ("https://0.0.0.0", True),
        ("https://LOCALHOST", True),
        ("https://jina.svc.cluster.local", True),
        ("https://gw.internal", True),
        ("https://[::ffff:127.0.0.1]", True),
        ("https://172.31.0.1", True),
        ("https://api.jina.ai", False),
        ("https://203.0.113.10", False),
        ("https://172.32.0.1", False),
        ("https://8.8.8.8", False),
    ],
)
def test_base_url_refusal_follows_the_server_rule(url: str, refused: bool) -> None:
    """The refusal rule matches the server's: https only, no internal address or name."""
    assert (base_url_refusal(url) is not None) is refused


def test_odd_unicode_names_survive() -> None:
    """Collection, property and model names with odd unicode are reported, not crashed on."""
    cls = _class("text2vec-jinaai", {"model": "jina-embeddings-v3\u200b"}, {"t\u00eftre": "text"})
    cls["class"] = "D\u00f6c\u202e"
    findings = lint_collection(cls, FACTS)
    assert _codes(findings) == ["unknown-model"]
    assert "D\u00f6c" in findings[0].subject


@pytest.mark.parametrize(
    "cls",
    [
        {"class": "A", "vectorConfig": None, "moduleConfig": []},
        {"class": "A", "vectorConfig": {"v": None}},
        {"class": "A", "vectorConfig": {"v": {"vectorizer": ["text2vec-jinaai"]}}},
        {"class": "A", "vectorConfig": {"v": {"vectorizer": {"text2vec-jinaai": "x"}}}},
        {"class": "A", "properties": "title", "vectorizer": "text2vec-jinaai"},
        {"class": "A", "properties": [None, {"dataType": []}], "vectorizer": 7},
        {"class": "A", "moduleConfig": {"reranker-jinaai": ["jina-reranker-v3"]}},
    ],
    ids=["null-vectors", "null-vector", "list-vectorizer", "str-settings", "str-properties",
         "junk-properties", "list-reranker"],
)  # fmt: skip
def test_malformed_schema_does_not_crash(cls: dict[str, Any]) -> None:
    """A server answering odd shapes gets findings (or none), never a crash."""
    findings = lint_collection(cls, FACTS)
    assert all(f.code in {"implicit-model", "no-text-property"} for f in findings)

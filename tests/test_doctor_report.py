"""The doctor's report: severities, exit codes, JSON form, text form, and its documentation."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jsonschema
import pytest

import weaviate_jina_ext as wje
from weaviate_jina_ext._doctor import render_text
from weaviate_jina_ext._doctor._report import (
    EXIT_CODES,
    FINDING_CODES,
    DoctorFinding,
    DoctorReport,
    KeyProbe,
    Severity,
)

ROOT = Path(__file__).resolve().parents[1]


def _report(*severities: Severity) -> DoctorReport:
    findings = tuple(
        DoctorFinding("rate-limits", s, "key", f"message {i}", "fix" if s.rank else "")
        for i, s in enumerate(severities)
    )
    probe = KeyProbe(True, "jina-embeddings-v3", None, "ping", 1)
    return DoctorReport("http://w:8080", "1.39.3", ("text2vec-jinaai",), False, ("A",),
                        "argument", "jina_…abcd", {}, probe, findings)  # fmt: skip


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ((), 0),
        ((Severity.INFO,), 0),
        ((Severity.INFO, Severity.WARNING), 1),
        ((Severity.WARNING, Severity.ERROR, Severity.INFO), 3),
        ((Severity.ERROR, Severity.FATAL), 4),
    ],
)
def test_exit_code_is_the_worst_severity(severities: tuple[Severity, ...], expected: int) -> None:
    """0 info, 1 warning, 3 error, 4 fatal; 2 stays argparse's usage error."""
    assert _report(*severities).exit_code == expected
    assert 2 not in EXIT_CODES.values()


def test_json_form_matches_the_schema() -> None:
    """to_dict() validates against json_schema(), and the schema rejects a stray field."""
    document = _report(Severity.ERROR, Severity.INFO).to_dict()
    schema = DoctorReport.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema)
    assert document["summary"] == {
        "worst": "error", "exit_code": 3, "info": 1, "warning": 0, "error": 1, "fatal": 0,
    }  # fmt: skip
    document["findings"][0]["extra"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_json_schema_is_a_copy() -> None:
    """Changing the returned schema does not change the next one."""
    DoctorReport.json_schema()["properties"].clear()
    assert "findings" in DoctorReport.json_schema()["properties"]


def _codes_in_source() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "weaviate_jina_ext" / "_doctor").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DoctorFinding":
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_fatal":
                found.add(node.args[1].value)  # type: ignore[attr-defined]
            elif isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
                "code"
            ]:
                found.add(node.value.value)  # type: ignore[attr-defined]
    return found


def test_codes_in_the_source_are_the_documented_ones() -> None:
    """Every code the doctor can emit is in FINDING_CODES, and none is listed but unused."""
    assert _codes_in_source() == FINDING_CODES


def test_text_form_lists_worst_first_with_fixes() -> None:
    """The text names each finding's severity, code, subject and fix, and ends with the exit code."""
    text = render_text(_report(Severity.WARNING, Severity.INFO))
    assert "WARNING rate-limits  [key]" in text
    assert "fix: fix" in text
    assert text.rstrip().endswith("1 info, 1 warning; exit code 1")
    many = render_text(_report(Severity.ERROR, Severity.ERROR, Severity.INFO, Severity.INFO))
    assert many.rstrip().endswith("2 info, 2 errors; exit code 3")
    quiet = render_text(_report(Severity.WARNING, Severity.INFO), verbose=False)
    assert "message 1" not in quiet
    assert "message 0" in quiet


def test_every_code_has_a_troubleshooting_entry() -> None:
    """docs/troubleshooting.md has a heading with symptom, cause and fix for every code."""
    page = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    entries = dict(re.findall(r"^#### ([a-z0-9-]+)\n(.*?)(?=^#|\Z)", page, re.M | re.S))
    assert set(entries) == FINDING_CODES
    for code, body in entries.items():
        for part in ("**Symptom**", "**Cause**", "**Fix**"):
            assert part in body, (code, part)


def test_public_names() -> None:
    """The root exports doctor and its two result types, which are the _doctor ones."""
    assert wje.DoctorReport is DoctorReport
    assert wje.DoctorFinding is DoctorFinding


@pytest.mark.parametrize("version", ["banana", "1.20.0", None, ""])
def test_unknown_server_version_is_a_warning(version: object) -> None:
    """A version the server-line facts do not cover disables version rules, with a warning."""
    from weaviate_jina_ext._doctor._server import server_line_of  # noqa: PLC0415

    line, findings = server_line_of(version)
    assert line is None
    assert [(f.code, f.severity) for f in findings] == [
        ("server-version-unknown", Severity.WARNING)
    ]


def test_known_server_version_has_its_line() -> None:
    """1.31.5 is read with its own facts (the old default model)."""
    from weaviate_jina_ext._doctor._server import server_line_of  # noqa: PLC0415

    line, findings = server_line_of("1.31.5")
    assert findings == []
    assert line is not None
    assert line.default_text_model == "jina-embeddings-v2-base-en"


SECRET = "jina_secret_in_bad_args_9d8c7b6a"


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"url": "ftp://example.com"}, "url="),
        ({"url": f"http://{SECRET}@localhost:8080"}, "credentials"),
        ({"url": "http://[::1"}, "url="),
        ({"timeout": 0}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"weaviate_api_key": f"{SECRET}\n"}, "weaviate_api_key"),
        ({"weaviate_api_key": ""}, "weaviate_api_key"),
        ({"jina_api_key": f"{SECRET} "}, "jina_api_key"),
        ({"probe_base_url": "http://127.0.0.1:1/v1/embeddings"}, "base_url"),
        ({"probe_model": ""}, "model"),
        ({"requests_per_minute": 0}, "requests_per_minute"),
    ],
    ids=["scheme", "credentials", "bracket", "timeout-0", "timeout-bool", "wv-key-newline",
         "wv-key-empty", "jina-key-space", "probe-url-path", "probe-model", "rpm-0"],
)  # fmt: skip
def test_bad_arguments_fail_before_sending(kwargs: dict[str, object], names: str) -> None:
    """Each bad argument raises JinaConfigError naming it (never the key) before any request."""
    kwargs.setdefault("url", "http://127.0.0.1:1")  # nothing listens: a request would be fatal
    with pytest.raises(wje.JinaConfigError) as caught:
        wje.doctor(**kwargs)  # type: ignore[arg-type]
    assert names in str(caught.value)
    assert SECRET not in str(caught.value)
    assert SECRET.removeprefix("jina_") not in str(caught.value)

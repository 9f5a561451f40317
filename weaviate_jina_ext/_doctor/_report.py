"""What ``doctor`` found: findings, the report that holds them, its JSON form and exit code.

A :class:`DoctorFinding` is one thing worth telling: a stable ``code`` (the anchor of its entry in
the troubleshooting page), a :class:`Severity`, the subject it is about (the server, a
collection's vector, the key), what is wrong and the fix. The :class:`DoctorReport` adds
what was observed on the way (server version, Jina modules, whether loopback ``base_url``
values are refused, the probe embedding) so that CI logs show the facts as well as the
verdict.

Exit codes (the CLI returns :attr:`DoctorReport.exit_code`):

====  ==========================================================================
0     nothing worse than ``info``
1     at least one ``warning``
2     (reserved: argparse's usage error, e.g. an unknown option)
3     at least one ``error``: something will fail or silently give wrong vectors
4     the checks could not run to the end (server unreachable, request refused)
====  ==========================================================================
"""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = [
    "EXIT_CODES",
    "FINDING_CODES",
    "REPORT_JSON_SCHEMA",
    "SCHEMA_VERSION",
    "DoctorReport",
    "DoctorFinding",
    "KeyProbe",
    "Severity",
]

#: Version of the JSON document :meth:`DoctorReport.to_dict` returns; bumped on any change
#: that could break a consumer (a renamed or removed field, a changed type).
SCHEMA_VERSION: Final = 1


class Severity(str, enum.Enum):
    """How bad a finding is; orders the output and decides the exit code."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    FATAL = "fatal"

    @property
    def rank(self) -> int:
        """0 for info up to 3 for fatal."""
        return _RANKS[self]


_RANKS: Final = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2, Severity.FATAL: 3}

#: Every finding ``doctor`` can report; each has an entry (symptom, cause, fix) under the same
#: name in the troubleshooting page, which a test checks.
FINDING_CODES: Final = frozenset(
    {
        # the server
        "server-unreachable", "server-auth", "schema-unreadable", "server-version",
        "server-version-unknown", "no-jina-modules", "jina-module-missing",
        "base-url-validation-on", "base-url-validation-off", "base-url-validation-unknown",
        # a collection's Jina settings
        "module-not-enabled", "implicit-model", "default-model", "model-module-mismatch",
        "unknown-model", "dimensions-invalid", "missing-property", "no-text-property",
        "multimodal-field-type", "multi2vec-fields", "multi2multivec-fields",
        "base-url-invalid", "base-url-refused", "vectorize-collection-name", "reranker-model",
        "reranker-fixed-host",
        # the key
        "base-url-header-ignored", "key-missing", "key-rejected", "key-probe-failed", "key-ok", "probe-skipped",
        "rate-limits",
    }
)  # fmt: skip

#: Exit status by the worst severity found.
EXIT_CODES: Final = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 3, Severity.FATAL: 4}


@dataclass(frozen=True, slots=True)
class DoctorFinding:
    """One problem (or notable fact) and how to fix it.

    Attributes:
        code: Stable identifier, e.g. ``"dimensions-invalid"``; documented in the
            troubleshooting page under the same name.
        severity: How bad it is.
        subject: What it is about: ``"server"``, ``"key"``, or ``"collection 'Article'"``
            with ``", vector 'body'"`` for a named vector.
        message: What is wrong, with the values seen.
        fix: What to do about it (empty for a purely informative finding).
    """

    code: str
    severity: Severity
    subject: str
    message: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        """The finding as JSON-ready data."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class KeyProbe:
    """The outcome of the probe embedding made through the server.

    Attributes:
        ok: Whether the server got a vector back from the Jina API.
        model: The model embedded with.
        base_url: The API root the server called (``None``: the module's default).
        text: The text embedded.
        estimated_tokens: What the probe costs, estimated (Weaviate does not pass Jina's
            usage figures on).
        error: The server's error, scrubbed of keys, when ``ok`` is false.
    """

    ok: bool
    model: str
    base_url: str | None
    text: str
    estimated_tokens: int
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The probe as JSON-ready data."""
        return {
            "ok": self.ok,
            "model": self.model,
            "base_url": self.base_url,
            "text": self.text,
            "estimated_tokens": self.estimated_tokens,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """Everything ``doctor`` observed about one Weaviate, and what it found.

    Attributes:
        url: The Weaviate checked.
        server_version: As ``/v1/meta`` reports it (``None`` if unreachable).
        jina_modules: The Jina modules enabled on the server.
        base_url_validation: Whether the server refuses loopback/private ``base_url``
            values (``MODULES_VALIDATE_BASE_URL``); ``None`` when it could not be told.
        collections: Names of the collections whose config was checked.
        key_source: Where the Jina key came from (``"argument"``, an environment variable
            name, or ``None``: no key sent, the server's own key applies).
        key: The key as shown (masked), or ``None``.
        rate_limits: The rate-limit headers sent with every request, by header name.
        probe: The probe embedding's outcome (``None`` when skipped).
        findings: What was found, worst first.
    """

    url: str
    server_version: str | None
    jina_modules: tuple[str, ...]
    base_url_validation: bool | None
    collections: tuple[str, ...]
    key_source: str | None
    key: str | None
    rate_limits: dict[str, str]
    probe: KeyProbe | None
    findings: tuple[DoctorFinding, ...] = field(default=())

    @property
    def worst(self) -> Severity:
        """The worst severity found (``INFO`` when there is nothing)."""
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=Severity.INFO)

    @property
    def exit_code(self) -> int:
        """0 nothing worse than info, 1 warnings, 3 errors, 4 checks could not finish."""
        return EXIT_CODES[self.worst]

    @staticmethod
    def json_schema() -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of :meth:`to_dict`, i.e. of ``doctor --json``."""
        return copy.deepcopy(REPORT_JSON_SCHEMA)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, described by :meth:`json_schema`."""
        counts = {s.value: 0 for s in Severity}
        for f in self.findings:
            counts[f.severity.value] += 1
        return {
            "schema_version": SCHEMA_VERSION,
            "url": self.url,
            "server_version": self.server_version,
            "jina_modules": list(self.jina_modules),
            "base_url_validation": self.base_url_validation,
            "collections": list(self.collections),
            "key": {"source": self.key_source, "shown": self.key},
            "rate_limits": dict(self.rate_limits),
            "probe": None if self.probe is None else self.probe.to_dict(),
            "summary": {"worst": self.worst.value, "exit_code": self.exit_code, **counts},
            "findings": [f.to_dict() for f in self.findings],
        }


_STR_OR_NULL: Final = {"type": ["string", "null"]}

#: JSON Schema (draft 2020-12) of :meth:`DoctorReport.to_dict`, i.e. of ``doctor --json``.
REPORT_JSON_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "weaviate-jina-ext doctor report",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "schema_version", "url", "server_version", "jina_modules", "base_url_validation",
        "collections", "key", "rate_limits", "probe", "summary", "findings",
    ],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "url": {"type": "string"},
        "server_version": _STR_OR_NULL,
        "jina_modules": {"type": "array", "items": {"type": "string"}},
        "base_url_validation": {"type": ["boolean", "null"]},
        "collections": {"type": "array", "items": {"type": "string"}},
        "key": {
            "type": "object",
            "additionalProperties": False,
            "required": ["source", "shown"],
            "properties": {"source": _STR_OR_NULL, "shown": _STR_OR_NULL},
        },
        "rate_limits": {"type": "object", "additionalProperties": {"type": "string"}},
        "probe": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["ok", "model", "base_url", "text", "estimated_tokens", "error"],
                    "properties": {
                        "ok": {"type": "boolean"},
                        "model": {"type": "string"},
                        "base_url": _STR_OR_NULL,
                        "text": {"type": "string"},
                        "estimated_tokens": {"type": "integer", "minimum": 1},
                        "error": _STR_OR_NULL,
                    },
                },
            ]
        },
        "summary": {
            "type": "object",
            "additionalProperties": False,
            "required": ["worst", "exit_code", *(s.value for s in Severity)],
            "properties": {
                "worst": {"enum": [s.value for s in Severity]},
                "exit_code": {"enum": sorted(set(EXIT_CODES.values()))},
                **{s.value: {"type": "integer", "minimum": 0} for s in Severity},
            },
        },
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["code", "severity", "subject", "message", "fix"],
                "properties": {
                    "code": {"enum": sorted(FINDING_CODES)},
                    "severity": {"enum": [s.value for s in Severity]},
                    "subject": {"type": "string"},
                    "message": {"type": "string"},
                    "fix": {"type": "string"},
                },
            },
        },
    },
}  # fmt: skip

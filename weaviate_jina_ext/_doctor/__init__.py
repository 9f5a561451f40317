"""``doctor``: check a live Weaviate and its collections for Jina pitfalls.

Rooms: ``_rest`` (the REST calls), ``_server`` (version, modules, ``base_url`` validation),
``_lint`` (rules on stored collection configs), ``_probe`` (the key's embedding, rate
limits), ``_report`` (findings, JSON form, exit codes), ``_render`` (text), ``_run``
(``doctor()`` itself).
"""

from __future__ import annotations

from weaviate_jina_ext._doctor._render import render_text
from weaviate_jina_ext._doctor._report import (
    EXIT_CODES,
    REPORT_JSON_SCHEMA,
    DoctorFinding,
    DoctorReport,
    KeyProbe,
    Severity,
)
from weaviate_jina_ext._doctor._run import doctor

__all__ = [
    "EXIT_CODES",
    "REPORT_JSON_SCHEMA",
    "DoctorReport",
    "DoctorFinding",
    "KeyProbe",
    "Severity",
    "doctor",
    "render_text",
]

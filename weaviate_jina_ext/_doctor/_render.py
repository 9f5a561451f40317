"""The human-readable form of a :class:`~weaviate_jina_ext._doctor._report.DoctorReport`."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from weaviate_jina_ext._doctor._report import Severity

if TYPE_CHECKING:
    from weaviate_jina_ext._doctor._report import DoctorReport

__all__ = ["render_text"]

_WIDTH = 100
_INDENT = " " * 4


def _wrap(text: str, prefix: str) -> str:
    return textwrap.fill(
        text,
        width=_WIDTH,
        initial_indent=_INDENT + prefix,
        subsequent_indent=_INDENT + "  ",
        break_on_hyphens=False,  # module names and header names stay whole
        break_long_words=False,  # so do URLs
    )


def _count(n: int, severity: Severity) -> str:
    plural = n != 1 and severity is not Severity.INFO
    return f"{n} {severity.value}{'s' if plural else ''}"


def render_text(report: DoctorReport, *, verbose: bool = True) -> str:
    """The report as text: a header, one block per finding (worst first), a summary line.

    Args:
        report: What ``doctor`` returned.
        verbose: Include ``info`` findings (the facts observed), not only problems.
    """
    version = report.server_version or "unknown version"
    lines = [f"weaviate-jina-ext doctor: {report.url} (Weaviate {version})", ""]
    counts = dict.fromkeys(Severity, 0)
    for f in report.findings:
        counts[f.severity] += 1
        if f.severity is Severity.INFO and not verbose:
            continue
        lines.append(f"{f.severity.value.upper():<8}{f.code}  [{f.subject}]")
        lines.append(_wrap(f.message, ""))
        if f.fix:
            lines.append(_wrap(f.fix, "fix: "))
        lines.append("")
    shown = ", ".join(_count(n, s) for s, n in counts.items() if n) or "no findings"
    lines.append(f"{shown}; exit code {report.exit_code}")
    return "\n".join(lines) + "\n"

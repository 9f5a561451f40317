"""One way for every benchmark to print a measured ratio next to its target, and the verdict.

Each benchmark measures something as a ratio of a bound (or of a peer) and compares it
with a target. Printing those lines the same way everywhere lets ``make bench`` be read at
a glance and grepped: every ratio line starts with ``ratio``, and every script ends with
exactly one of ``targets met`` / ``targets missed``.

Usage::

    from _report import Report

    report = Report("bench_client")
    report.ratio("async / bound, batch 100", 0.96, target=0.95, detail="3,412 texts/s")
    report.ratio("peak RSS growth (MB)", 31.0, target=50.0, higher_is_better=False)
    report.measure("raw loop / bound", 0.62)   # for comparison only: no target
    sys.exit(report.finish())

A line reads::

    ratio  bench_client: async / bound, batch 100 = 0.96  (target >= 0.95)  met   3,412 texts/s

Scripts in ``bench/`` import it as ``_report`` (the script's folder is on ``sys.path``
when it is run as ``python bench/x.py``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

__all__ = ["Line", "Report", "format_line"]


@dataclass(frozen=True, slots=True)
class Line:
    """One measured figure and its target."""

    name: str
    value: float
    target: float
    higher_is_better: bool = True
    detail: str = ""

    @property
    def met(self) -> bool:
        """Whether the figure reaches its target (``>=`` or, for costs, ``<``)."""
        if self.higher_is_better:
            return self.value >= self.target
        return self.value < self.target


def format_line(bench: str, line: Line) -> str:
    """The printed form of ``line`` (one line, no newline)."""
    sign = ">=" if line.higher_is_better else "<"
    verdict = "met   " if line.met else "MISSED"
    text = f"ratio  {bench}: {line.name} = {line.value:.2f}  (target {sign} {line.target:g})  {verdict}"
    return f"{text}  {line.detail}" if line.detail else text


@dataclass
class Report:
    """The ratio lines of one benchmark script, printed as they come, and its verdict."""

    bench: str
    out: TextIO = field(default=sys.stdout)
    lines: list[Line] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def ratio(
        self,
        name: str,
        value: float,
        *,
        target: float,
        higher_is_better: bool = True,
        detail: str = "",
    ) -> bool:
        """Print one ratio line now and remember it; return whether its target is met."""
        line = Line(name, value, target, higher_is_better, detail)
        self.lines.append(line)
        print(format_line(self.bench, line), file=self.out, flush=True)
        return line.met

    def measure(self, name: str, value: float, *, detail: str = "") -> None:
        """Print a ratio that has no target (shown for comparison); it does not affect the verdict."""
        text = f"ratio  {self.bench}: {name} = {value:.2f}  (no target)"
        print(f"{text}  {detail}" if detail else text, file=self.out, flush=True)

    def problem(self, text: str) -> None:
        """Record a failure that is not a ratio (a run that lost objects, a 429 it caused)."""
        self.problems.append(text)
        print(f"problem  {self.bench}: {text}", file=self.out, flush=True)

    @property
    def met(self) -> bool:
        """Every ratio met its target and nothing else went wrong."""
        return bool(self.lines) and all(line.met for line in self.lines) and not self.problems

    def finish(self) -> int:
        """Print ``targets met`` or ``targets missed`` (with the count); return the exit status."""
        if self.met:
            print(f"{self.bench}: targets met", file=self.out, flush=True)
            return 0
        missed = sum(not line.met for line in self.lines) + len(self.problems)
        print(f"{self.bench}: targets missed ({missed})", file=self.out, flush=True)
        return 1

"""CPU time of a process tree, for the benchmarks that run the local server apart."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["tree_cpu_seconds"]


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds so far of ``pid`` and its descendants, all threads (Linux ``/proc``).

    ``None`` where ``/proc`` is missing. With ``--workers`` above 1 the answers are computed
    in child processes, so the whole tree counts.
    """
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            text = Path(f"/proc/{current}/stat").read_text(encoding="ascii")
        except OSError:
            if current == pid:
                return None
            continue  # a child that has just exited
        # After the command's ")": state, ppid, ..., utime and stime (stat's fields 14 and 15).
        fields = text.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(child) for child in task.read_text(encoding="ascii").split())
    return total / tick

"""Stopping a child process that runs in its own session, together with its children.

The launchers start ``go install`` and ``weaviate-server`` with ``start_new_session=True``,
so each is the leader of its own process group: Ctrl-C in the terminal spares it, and the
whole group (with anything it spawned) is stopped as one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def _stop_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still there after ``grace``."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

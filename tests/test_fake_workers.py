"""The local Jina API from several processes (``fake-jina --workers``): one port, shared nothing.

What is promised: every worker answers like :class:`FakeJina` (same bodies, same key
checks); connections are dealt to the workers in turn; a dead worker's turn passes to the
next; stopping leaves no process behind; and what one process must count (rate limits) is
refused with the fix named.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from weaviate_jina_ext import _wire
from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext.testing._errors import RigNotStartedError
from weaviate_jina_ext.testing._fake import FakeJina, Faults
from weaviate_jina_ext.testing._fake._workers import WorkerPool

if TYPE_CHECKING:
    from collections.abc import Iterator

KEY = "jina_test_key_workers_0001"
V3 = "jina-embeddings-v3"
BODY: dict[str, Any] = {"model": V3, "input": ["a red fox", "ünïcödé ✓ 🦊"], "dimensions": 64}


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs: present in ``/proc`` and not a zombie waiting for its parent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _gone(pids: list[int], seconds: float = 20.0) -> bool:
    """Whether every one of ``pids`` has exited within ``seconds`` (a liveness bound)."""
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(workers=2, api_keys=[KEY]) as running:
        yield running


def _client(url: str) -> httpx.Client:
    """A client with a single connection, so each client is one connection to the pool."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, limits=limits)


def test_workers_answer_like_one_process(pool: WorkerPool) -> None:
    """A worker's answer is the in-process server's, byte for byte in meaning."""
    with FakeJina(api_keys=[KEY]) as single, _client(single.url) as one, _client(pool.url) as c:
        expected = one.post(_wire.EMBEDDINGS_PATH, json=BODY)
        for _ in range(3):
            got = c.post(_wire.EMBEDDINGS_PATH, json=BODY)
            assert got.status_code == 200, got.text
            assert got.json() == expected.json()


def test_workers_check_the_key(pool: WorkerPool) -> None:
    """The keys reach every worker (pickled, not on a command line): a wrong one is a 401."""
    for _ in range(4):  # four connections: both workers
        with httpx.Client(base_url=pool.url) as c:
            wrong = c.post(
                _wire.EMBEDDINGS_PATH, json=BODY, headers={"Authorization": "Bearer jina_wrong"}
            )
        assert wrong.status_code == 401
        assert "jina_wrong" not in wrong.text


def test_connections_are_dealt_in_turn() -> None:
    """Each worker runs its own fault script: the first request of each worker is a 429.

    Two connections get a 429 each on their first request, so they reached different
    workers; the next requests find both scripts used up.
    """
    faults = Faults(script=(429,))
    with (
        WorkerPool(workers=2, api_keys=[KEY], faults=faults) as pool,
        _client(pool.url) as first,
        _client(pool.url) as second,
    ):
        assert first.post(_wire.EMBEDDINGS_PATH, json=BODY).status_code == 429
        assert second.post(_wire.EMBEDDINGS_PATH, json=BODY).status_code == 429
        assert first.post(_wire.EMBEDDINGS_PATH, json=BODY).status_code == 200
        assert second.post(_wire.EMBEDDINGS_PATH, json=BODY).status_code == 200


def test_a_dead_workers_turn_passes_on() -> None:
    """With one worker killed, every new connection is served by the one left."""
    with WorkerPool(workers=2, api_keys=[KEY]) as pool:
        victim = pool.pids[0]
        os.kill(victim, signal.SIGKILL)
        assert _gone([victim])
        for _ in range(4):
            with _client(pool.url) as c:
                assert c.post(_wire.EMBEDDINGS_PATH, json=BODY).status_code == 200


def test_stop_ends_every_worker_and_frees_the_port() -> None:
    """After stop() no worker runs, the port refuses connections, and stop() may repeat."""
    pool = WorkerPool(workers=2, api_keys=[KEY]).start()
    pids, port = pool.pids, pool.port
    assert len(pids) == 2
    with _client(pool.url) as c:  # a connection still open when stopping
        assert c.post(_wire.EMBEDDINGS_PATH, json=BODY).status_code == 200
        pool.stop()
        assert _gone(pids)
        with pytest.raises(httpx.TransportError):
            c.post(_wire.EMBEDDINGS_PATH, json=BODY)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    pool.stop()
    assert pool.pids == []


def test_stop_cuts_a_hanging_request_short() -> None:
    """A request hanging in a worker (the ``hang`` fault) does not hold stop() up."""
    faults = Faults(then="hang", hang_seconds=600)
    pool = WorkerPool(workers=2, api_keys=[KEY], faults=faults).start()
    pids = pool.pids
    with _client(pool.url) as c:
        errors: list[BaseException] = []

        def call() -> None:
            try:
                c.post(_wire.EMBEDDINGS_PATH, json=BODY, timeout=120)
            except httpx.TransportError as exc:
                errors.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        time.sleep(0.5)  # the request is inside the worker, hanging
        pool.stop()
        caller.join(60)
        assert not caller.is_alive()
    assert _gone(pids)
    assert errors  # the connection was closed, not answered


def test_pool_refuses_bad_worker_counts() -> None:
    """Zero workers is refused before any process starts, naming what to give."""
    with pytest.raises(JinaConfigError, match="workers=0: give 1 or more"):
        WorkerPool(workers=0)


def test_pool_refuses_workers_where_descriptors_cannot_be_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without ``socket.send_fds`` (Windows) the pool is refused before any process starts."""
    monkeypatch.delattr(socket, "send_fds")
    with pytest.raises(JinaConfigError, match="serve from one process"):
        WorkerPool(workers=2)


def test_url_before_start_names_the_fix() -> None:
    """The URL of a pool not started is an error that says to start it."""
    with pytest.raises(RigNotStartedError, match="call start"):
        _ = WorkerPool(workers=2).url


def test_cli_refuses_rate_limits_with_workers() -> None:
    """``--workers 2 --rpm 10`` exits 2 and says to serve rate limits from one worker."""
    argv = [sys.executable, "-m", "weaviate_jina_ext._cli", "fake-jina", "--port", "0"]
    done = subprocess.run(
        [*argv, "--workers", "2", "--rpm", "10"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--workers 1" in done.stderr
    assert done.stdout == ""


def test_cli_serves_with_workers_until_terminated() -> None:
    """``fake-jina --workers 2`` prints its URL, serves, and on SIGTERM exits 0 with no child."""
    argv = [sys.executable, "-m", "weaviate_jina_ext._cli", "fake-jina", "--port", "0"]
    with subprocess.Popen(
        [*argv, "--workers", "2", "--api-key", KEY], stdout=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            children = _children(proc.pid)
            assert len(children) >= 2  # the workers (and multiprocessing's tracker)
            for _ in range(4):
                with _client(url) as c:
                    assert c.post(_wire.EMBEDDINGS_PATH, json=BODY).status_code == 200
        finally:
            proc.terminate()
            assert proc.wait(timeout=30) == 0
    assert _gone(children)


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux ``/proc``; the pool's workers are its children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found.extend(int(c) for c in task.read_text(encoding="ascii").split())
    return found

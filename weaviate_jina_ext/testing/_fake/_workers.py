"""The local Jina API served by several processes on one port, for benchmarks and big tests.

One Python process computes one answer at a time (its interpreter lock), and an answer of
128 vectors of 1,024 floats costs milliseconds of CPU, most of it writing the floats as
JSON. So a load that should find the local server faster than the real one needs more
than one process.

:class:`WorkerPool` binds the port in the calling process and accepts there; each accepted
connection is handed, round-robin, to one of ``workers`` child processes over a Unix socket
(``SCM_RIGHTS``), and that worker serves it for the connection's whole life, as
:class:`~weaviate_jina_ext.testing.FakeJina` does, on a thread of its own. Dealing
connections out in turn keeps the workers evenly loaded where a shared ``SO_REUSEPORT``
port would hash, say, four connections three to one.

The workers share nothing: each records its own requests and draws its own faults (RNG
seeded ``seed + index``). Per-key rate limits would be counted per worker, so the pool
refuses them; serve rate limits from one process (:class:`FakeJina`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import select
import socket
import threading
from typing import TYPE_CHECKING, Final

from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext.testing._errors import RigNotStartedError, started_url
from weaviate_jina_ext.testing._fake._app import FakeJinaApp
from weaviate_jina_ext.testing._fake._server import FakeJinaHandler
from weaviate_jina_ext.testing._http import LoopbackHTTPServer

if TYPE_CHECKING:
    from collections.abc import Iterable
    from multiprocessing.process import BaseProcess
    from types import TracebackType

    from weaviate_jina_ext.testing._fake._faults import Faults

__all__ = ["WorkerPool"]

_log = logging.getLogger("weaviate_jina_ext.testing.fake_jina")

#: How often the accept loop checks whether it should stop, in seconds.
_POLL: Final = 0.05
#: How long start() waits for a worker to import the package and report ready.
_START_TIMEOUT: Final = 60.0
#: How long stop() waits for a worker to finish its connections before terminating it.
_STOP_TIMEOUT: Final = 10.0
_READY: Final = b"R"


class WorkerPool:
    """The fake Jina API from ``workers`` processes sharing one loopback port.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. The arguments are
    :class:`~weaviate_jina_ext.testing.FakeJina`'s, less what one process cannot share
    (``rate_limit``, ``embed_fn``, the recorded requests).

    Raises:
        JinaConfigError: ``workers`` is below 1, or the platform lacks
            ``socket.send_fds`` (Windows).
    """

    def __init__(
        self,
        *,
        workers: int,
        host: str = "127.0.0.1",
        port: int = 0,
        api_keys: Iterable[str] | None = None,
        faults: Faults | None = None,
        strict: bool = True,
    ) -> None:
        if workers < 1:
            msg = f"workers={workers!r}: give 1 or more worker processes"
            raise JinaConfigError(msg)
        if not hasattr(socket, "send_fds"):
            msg = (
                f"workers={workers}: handing connections to worker processes needs "
                "socket.send_fds (Unix); on this platform serve from one process (FakeJina, "
                "or fake-jina without --workers)"
            )
            raise JinaConfigError(msg)
        self.workers = workers
        self.host = host
        self.port = port
        self._settings = _Settings(
            api_keys=None if api_keys is None else tuple(api_keys), faults=faults, strict=strict
        )
        self._listener: socket.socket | None = None
        self._channels: list[socket.socket] = []
        self._processes: list[BaseProcess] = []
        self._acceptor: threading.Thread | None = None
        self._stop = threading.Event()
        self._url: str | None = None

    def __repr__(self) -> str:
        return f"<WorkerPool {self._url or 'not started'} workers={self.workers}>"

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``; available once started.

        Raises:
            RigNotStartedError: The pool is not running.
        """
        return started_url(self._url, "WorkerPool")

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids (empty before start and after stop)."""
        return [p.pid for p in self._processes if p.pid is not None]

    def start(self) -> WorkerPool:
        """Bind the port, start the workers and accept in a background thread; returns self."""
        if self._listener is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.create_server((self.host, self.port), family=family, backlog=128)
        self._listener = listener
        try:
            self._spawn()
        except BaseException:
            self.stop()
            raise
        self.port = listener.getsockname()[1]
        host = f"[{self.host}]" if family == socket.AF_INET6 else self.host
        self._url = f"http://{host}:{self.port}"
        self._stop.clear()
        self._acceptor = threading.Thread(
            target=self._accept_loop,
            args=(listener,),
            name=f"fake-jina-pool-{self.port}",
            daemon=True,
        )
        self._acceptor.start()
        _log.info("fake Jina API listening on %s (%d workers)", self._url, self.workers)
        return self

    def _spawn(self) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited threads or locks
        for index in range(self.workers):
            ours, theirs = socket.socketpair()
            process = context.Process(
                target=_worker_main,
                args=(theirs, self._settings, index),
                name=f"fake-jina-worker-{index}",
                daemon=True,
            )
            process.start()
            theirs.close()
            self._channels.append(ours)
            self._processes.append(process)
        for index, channel in enumerate(self._channels):
            channel.settimeout(_START_TIMEOUT)
            try:
                ready = channel.recv(1)
            except TimeoutError:
                ready = b""
            channel.settimeout(None)
            if ready != _READY:
                msg = f"fake Jina worker {index} did not start (exit code {self._exit(index)})"
                raise RigNotStartedError(msg)

    def _exit(self, index: int) -> int | None:
        process = self._processes[index]
        process.join(0.5)
        return process.exitcode

    def _accept_loop(self, listener: socket.socket) -> None:
        turn = 0
        while not self._stop.is_set():
            readable, _, _ = select.select([listener], [], [], _POLL)
            if not readable:
                continue
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                for _ in range(len(self._channels)):  # a dead worker's turn passes on
                    channel = self._channels[turn % len(self._channels)]
                    turn += 1
                    try:
                        socket.send_fds(channel, [b"c"], [conn.fileno()])
                        break
                    except OSError:
                        continue

    def stop(self) -> None:
        """Stop accepting, let each worker finish its connections and exit; safe to repeat."""
        self._stop.set()
        if self._acceptor is not None:
            self._acceptor.join()
            self._acceptor = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for channel in self._channels:  # end of file: the worker closes its connections
            with contextlib.suppress(OSError):
                channel.shutdown(socket.SHUT_RDWR)
            channel.close()
        for process in self._processes:
            process.join(_STOP_TIMEOUT)
            if process.is_alive():
                process.terminate()
                process.join(_STOP_TIMEOUT)
        self._channels = []
        self._processes = []
        self._url = None

    def __enter__(self) -> WorkerPool:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclasses.dataclass(frozen=True)
class _Settings:
    """What a worker needs to build its app (pickled to it, never on a command line)."""

    api_keys: tuple[str, ...] | None
    faults: Faults | None
    strict: bool


class _ChannelServer(LoopbackHTTPServer):
    """A loopback server whose connections arrive over a channel instead of an accept."""

    thread_name = "fake-jina-worker"

    def __init__(self, app: FakeJinaApp) -> None:
        super().__init__(("127.0.0.1", 0), FakeJinaHandler, app, bind_and_activate=False)


def _worker_main(channel: socket.socket, settings: _Settings, index: int) -> None:
    """A worker: serve each connection received on ``channel`` until it reaches end of file."""
    faults = settings.faults
    if faults is not None:
        faults = dataclasses.replace(faults, seed=faults.seed + index)
    app = FakeJinaApp(api_keys=settings.api_keys, faults=faults, strict=settings.strict)
    server = _ChannelServer(app)
    channel.sendall(_READY)
    try:
        while True:
            try:
                _, fds, _, _ = socket.recv_fds(channel, 1, 1)
            except OSError:
                break
            if not fds:
                break  # the pool stopped
            conn = socket.socket(fileno=fds[0])
            try:
                address = conn.getpeername()
            except OSError:
                conn.close()
                continue
            server.connections.add(conn)
            server.process_request(conn, address)
    finally:  # end of file: wake every reader and every injected sleep, then join them
        server.connections.shutdown_all()
        app.stopping.set()
        server.close_connections()
        server.server_close()

"""The loopback HTTP/1.1 machinery shared by the local Jina server and the TLS proxy.

Both serve an :class:`Answerer` (in practice a :class:`~weaviate_jina_ext.testing.FakeJina`)
from background threads: :class:`LoopbackHTTPServer` binds without DNS look-ups, tracks its
connections so stopping it unblocks every reader, and joins its worker threads;
:class:`LoopbackRequestHandler` reads bodies (``Content-Length`` or chunked, 64 MiB at
most), asks the answerer and writes its :class:`FakeResponse`. Nothing here
knows the Jina API beyond the shape of an error body.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import TYPE_CHECKING, Any, Final, Protocol

from weaviate_jina_ext import _wire
from weaviate_jina_ext.testing._json import dumps, loads

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "MAX_BODY",
    "Answerer",
    "ConnectionRegistry",
    "FakeResponse",
    "LoopbackHTTPServer",
    "LoopbackRequestHandler",
    "json_response",
]

# The fake server's logger: these threads serve its API, whichever port they listen on.
_log = logging.getLogger("weaviate_jina_ext.testing.fake_jina")

#: The largest request body read; larger ones are answered 413.
MAX_BODY: Final = 64 * 1024 * 1024

_REASONS: Final = {524: "A Timeout Occurred"}
#: How often the accept loop checks whether it should stop, in seconds.
_POLL_INTERVAL: Final = 0.05


@dataclass(frozen=True, slots=True)
class FakeResponse:
    """What :meth:`FakeJina.handle` answers; the transport writes it as is.

    Attributes:
        status: The HTTP status.
        headers: Response headers, ``Content-Type`` included, in order.
        body: The body bytes.
        disconnect: Close the connection without writing anything (a fault).
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    disconnect: bool = False

    @property
    def reason(self) -> str:
        """The reason phrase for the status line."""
        if self.status in _REASONS:
            return _REASONS[self.status]
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Unknown"

    def json(self) -> Any:  # noqa: ANN401 - JSON is dynamically typed
        """The body parsed as JSON."""
        return loads(self.body)


def json_response(
    status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()
) -> FakeResponse:
    """A JSON answer: ``Content-Type: application/json`` first, then ``headers``."""
    return FakeResponse(status, (("Content-Type", "application/json"), *headers), dumps(payload))


def _error_response(status: int, detail: str) -> FakeResponse:
    return json_response(status, _wire.error_body(detail))


class Answerer(Protocol):
    """What the loopback servers serve: a transport-independent request handler."""

    def handle(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        cancel: threading.Event | None = None,
    ) -> FakeResponse:
        """Answer one HTTP request."""


class ConnectionRegistry:
    """Open sockets of a server, so stopping it can unblock their reader threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def add(self, sock: socket.socket) -> None:
        """Track ``sock`` until it is discarded."""
        with self._lock:
            self._open.add(sock)

    def discard(self, sock: socket.socket) -> None:
        """Stop tracking ``sock``."""
        with self._lock:
            self._open.discard(sock)

    def shutdown_all(self) -> None:
        """Shut down both directions of every tracked socket, waking blocked readers."""
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # the plain-socket method works under SSL too
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that tracks its connections and logs instead of printing."""

    daemon_threads = True
    request_queue_size = 128
    thread_name = "loopback-http"

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        app: Answerer,
        *,
        bind_and_activate: bool = True,
    ) -> None:
        self.app = app
        self.connections = ConnectionRegistry()
        self._workers: list[threading.Thread] = []
        self._workers_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler, bind_and_activate=bind_and_activate)

    def server_bind(self) -> None:
        """Bind like ``TCPServer``, skipping ``HTTPServer``'s FQDN look-up."""
        # HTTPServer.server_bind looks up the host's FQDN, which can stall without DNS.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host.decode() if isinstance(host, bytes) else str(host)
        self.server_port = int(port)

    def base_url(self) -> str:
        """``http://host:port`` of the bound socket (wildcard binds shown as loopback)."""
        host = self.server_name
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 - mapping a wildcard, not binding one
            host = "127.0.0.1" if host != "::" else "::1"
        return (
            f"http://[{host}]:{self.server_port}"
            if ":" in host
            else f"http://{host}:{self.server_port}"
        )

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection and track it."""
        conn, address = super().get_request()
        self.connections.add(conn)
        return conn, address

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        """Stop tracking a finished connection and close it."""
        if isinstance(request, socket.socket):
            self.connections.discard(request)
        super().shutdown_request(request)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """Serve the connection in a daemon thread that :meth:`close_connections` joins."""
        # ThreadingMixIn does not track daemon threads, so it cannot join them on close;
        # these are daemons (a forgotten stop() must not block interpreter exit) that
        # stop() joins itself.
        worker = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{self.thread_name}-connection",
            daemon=True,
        )
        with self._workers_lock:
            self._workers = [w for w in self._workers if w.is_alive()]
            self._workers.append(worker)
        worker.start()

    def close_connections(self) -> None:
        """Unblock every connection's thread, then wait for all of them to finish."""
        self.connections.shutdown_all()
        with self._workers_lock:
            workers = list(self._workers)
        for worker in workers:
            worker.join()

    def serve_in_thread(self) -> threading.Thread:
        """Run the accept loop in a started daemon thread named after the server and its port."""
        thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"{self.thread_name}-{self.server_port}",
            daemon=True,
        )
        thread.start()
        return thread

    def stop_serving(self, thread: threading.Thread | None, stopping: threading.Event) -> None:
        """Stop the accept loop in ``thread``, wake and join every connection, close the socket.

        The order is the one that leaves nothing blocked: the accept loop ends first; every
        socket is shut down before ``stopping`` (the event that cuts sleeping requests short)
        is set, so a woken request finds its peer gone instead of answering into it; then the
        connection threads, the listening socket and ``thread`` are done with.
        """
        self.shutdown()
        self.connections.shutdown_all()
        stopping.set()
        self.close_connections()
        self.server_close()
        if thread is not None:
            thread.join()

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """Log a connection's failure at debug level instead of printing a traceback."""
        _log.debug("connection from %s ended with an error", client_address, exc_info=True)


class LoopbackRequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive plumbing shared by the server and the TLS proxy."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-jina"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 300  # idle keep-alive connections are dropped after five minutes

    def log_message(self, format: str, *args: object) -> None:
        """Log the stdlib's access lines at debug level instead of printing them."""
        _log.debug("%s " + format, self.address_string(), *args)

    def read_body(self) -> bytes | None:
        """Read the request body, or answer an error and return ``None``."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self.write_response(_error_response(400, "invalid Content-Length"))
            return None
        if length > MAX_BODY:
            self.close_connection = True
            detail = f"request body of {length} bytes exceeds {MAX_BODY}"
            self.write_response(_error_response(413, detail))
            return None
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes | None:
        parts: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                self.write_response(_error_response(400, "malformed chunked body"))
                return None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                self.close_connection = True
                self.write_response(_error_response(413, "request body too large"))
                return None
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def write_response(self, response: FakeResponse) -> None:
        """Write ``response`` as one buffer (status line, headers, body)."""
        if response.disconnect:
            self.close_connection = True
            return
        lines = [
            f"HTTP/1.1 {response.status} {response.reason}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
            f"Content-Length: {len(response.body)}",
            *(f"{name}: {value}" for name, value in response.headers),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            # Two writes spare a copy of large bodies; Nagle is off, so nothing waits.
            self.wfile.write(head)
            self.wfile.write(response.body)
        except OSError:
            self.close_connection = True

    def serve_with(self, app: Answerer, path: str, cancel: threading.Event | None) -> None:
        """Read the body, let ``app`` answer and write the answer."""
        body = self.read_body()
        if body is None:
            return
        headers = dict(self.headers.items())
        response = app.handle(self.command, path, headers, body, cancel=cancel)
        self.write_response(response)

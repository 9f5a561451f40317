"""A transparent HTTPS proxy that answers for ``api.jina.ai`` with a :class:`FakeJina`.

Some callers cannot be pointed at another base URL: Weaviate's ``reranker-jinaai`` module
calls ``https://api.jina.ai/v1/rerank`` unconditionally, and several Jina integrations
hard-code the endpoint. :class:`JinaProxy` lets such a process run offline unchanged. Start
it with :meth:`JinaProxy.env` in its environment: it then sends ``CONNECT api.jina.ai:443``
to this proxy, which terminates TLS with a certificate for ``api.jina.ai`` issued by a
throwaway CA (made with ``trustme`` and trusted through ``SSL_CERT_FILE`` and, for
``requests``, ``REQUESTS_CA_BUNDLE``) and serves the fake API over that stream.

Nothing ever leaves the machine: a ``CONNECT`` to any other host or port, and a plain-HTTP
proxy request for any other host, is refused with 403; no request is forwarded anywhere.
"""

from __future__ import annotations

import logging
import shutil
import ssl
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from weaviate_jina_ext.testing._errors import RigNotStartedError, started_url
from weaviate_jina_ext.testing._http import (
    FakeResponse,
    LoopbackHTTPServer,
    LoopbackRequestHandler,
)

if TYPE_CHECKING:
    from types import TracebackType

    from weaviate_jina_ext.testing._fake import FakeJina

__all__ = ["JINA_API_HOST", "JinaProxy"]

_log = logging.getLogger("weaviate_jina_ext.testing.proxy")

#: The host the proxy answers for.
JINA_API_HOST = "api.jina.ai"

_NO_PROXY = "127.0.0.1,localhost"


def _refusal(detail: str) -> FakeResponse:
    body = (detail + "\n").encode()
    return FakeResponse(403, (("Content-Type", "text/plain; charset=utf-8"),), body)


class _ProxyServer(LoopbackHTTPServer):
    thread_name = "jina-proxy"

    def __init__(
        self,
        address: tuple[str, int],
        fake_jina: FakeJina,
        tls: ssl.SSLContext,
        hosts: frozenset[str],
    ) -> None:
        self.tls = tls
        self.hosts = hosts
        self.stopping = threading.Event()
        super().__init__(address, _ProxyHandler, fake_jina)


class _TunnelHandler(LoopbackRequestHandler):
    """Serves the fake API over one decrypted ``CONNECT`` tunnel (keep-alive)."""

    server: _ProxyServer

    def _serve(self) -> None:
        self.serve_with(self.server.app, self.path, self.server.stopping)

    # The stdlib dispatches on these names; every method reaches the core, which answers 405.
    do_POST = _serve  # noqa: N815
    do_GET = _serve  # noqa: N815
    do_PUT = _serve  # noqa: N815
    do_PATCH = _serve  # noqa: N815
    do_DELETE = _serve  # noqa: N815


class _ProxyHandler(LoopbackRequestHandler):
    """The proxy's own side: ``CONNECT`` and absolute-form plain-HTTP requests."""

    server: _ProxyServer

    def do_CONNECT(self) -> None:  # noqa: N802 - the stdlib dispatches on this name
        """Open a TLS tunnel to the fake API, or refuse any host but the Jina API's."""
        host, _, port = self.path.rpartition(":")
        host = host.strip("[]").lower()
        self.close_connection = True
        if host not in self.server.hosts or port != "443":
            _log.warning("refused CONNECT to %s", self.path)
            self.write_response(
                _refusal(
                    f"CONNECT {self.path} refused: this test proxy serves only "
                    f"{', '.join(sorted(self.server.hosts))} on port 443"
                )
            )
            return
        try:
            self.wfile.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (OSError, ssl.SSLError) as exc:
            _log.debug("TLS handshake for %s failed: %s", self.path, exc)
            return
        self.server.connections.add(tls)
        try:
            _TunnelHandler(tls, self.client_address, self.server)
        finally:
            self.server.connections.discard(tls)
            tls.close()

    def _plain(self) -> None:
        """Serve ``http://api.jina.ai/...`` from the fake API; refuse everything else."""
        target = urlsplit(self.path)
        if not target.scheme:
            self.close_connection = True
            self.write_response(_refusal("this is a proxy: send absolute-form requests or CONNECT"))
            return
        host = (target.hostname or "").lower()
        if (
            target.scheme != "http"
            or host not in self.server.hosts
            or target.port
            not in (
                None,
                80,
            )
        ):
            _log.warning("refused proxy request for %s", self.path)
            self.close_connection = True
            self.write_response(_refusal(f"proxy request for {self.path} refused"))
            return
        origin_form = target.path + (f"?{target.query}" if target.query else "")
        self.serve_with(self.server.app, origin_form or "/", self.server.stopping)

    do_POST = _plain  # noqa: N815
    do_GET = _plain  # noqa: N815
    do_PUT = _plain  # noqa: N815
    do_PATCH = _plain  # noqa: N815
    do_DELETE = _plain  # noqa: N815


class JinaProxy:
    """An HTTP proxy on a loopback port that serves ``https://api.jina.ai`` from a FakeJina.

    Use it as a context manager beside the fake server::

        with FakeJina() as jina, JinaProxy(jina) as proxy:
            subprocess.run(argv, env={**os.environ, **proxy.env()})

    The ``FakeJina`` need not be started: the proxy calls its request handler directly, so
    requests, faults and recordings are shared whichever way a request arrives.

    Args:
        fake_jina: The server whose API to serve.
        host: Interface to bind (loopback by default).
        port: Port to bind; 0 picks a free one.
        hosts: Host names served; every other ``CONNECT`` is refused.
    """

    def __init__(
        self,
        fake_jina: FakeJina,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        hosts: tuple[str, ...] = (JINA_API_HOST,),
    ) -> None:
        self.fake_jina = fake_jina
        self.host = host
        self.port = port
        self.hosts = frozenset(h.lower() for h in hosts)
        self._server: _ProxyServer | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: Path | None = None
        self._url: str | None = None

    def __repr__(self) -> str:
        return f"<JinaProxy {self._url or 'not started'} hosts={sorted(self.hosts)}>"

    @property
    def url(self) -> str:
        """The proxy URL, ``http://127.0.0.1:<port>``; available once started.

        Raises:
            RigNotStartedError: The proxy is not running.
        """
        return started_url(self._url, "JinaProxy")

    @property
    def ca_bundle_path(self) -> str:
        """Path of a PEM file holding the throwaway CA; deleted when the proxy stops.

        Raises:
            RigNotStartedError: The proxy is not running.
        """
        if self._tmpdir is None:
            msg = "JinaProxy is not running; the CA bundle exists only while it runs"
            raise RigNotStartedError(msg)
        return str(self._tmpdir / "ca.pem")

    def client_ssl_context(self) -> ssl.SSLContext:
        """An ``SSLContext`` that trusts the proxy's CA (and nothing else), for clients."""
        return ssl.create_default_context(cafile=self.ca_bundle_path)

    def env(self) -> dict[str, str]:
        """Environment variables that route a process's Jina traffic through this proxy.

        ``HTTPS_PROXY``/``https_proxy`` name the proxy, ``SSL_CERT_FILE`` makes Go, OpenSSL,
        httpx and most runtimes trust the throwaway CA (for Go it *replaces* the system
        roots, which is harmless since nothing else is reachable), ``REQUESTS_CA_BUNDLE``
        does the same for ``requests``, which ignores ``SSL_CERT_FILE`` (LangChain's and
        LlamaIndex's synchronous Jina clients use it), and ``NO_PROXY``/``no_proxy`` keep
        loopback traffic direct.
        """
        return {
            "HTTPS_PROXY": self.url,
            "https_proxy": self.url,
            "SSL_CERT_FILE": self.ca_bundle_path,
            "REQUESTS_CA_BUNDLE": self.ca_bundle_path,
            "NO_PROXY": _NO_PROXY,
            "no_proxy": _NO_PROXY,
        }

    def start(self) -> JinaProxy:
        """Create the CA and certificate, bind the port and serve; returns ``self``."""
        if self._server is not None:
            return self
        import trustme  # noqa: PLC0415 - a test-extra dependency, loaded on use

        ca = trustme.CA(organization_name="weaviate-jina-ext test CA")
        leaf = ca.issue_cert(*sorted(self.hosts))
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(tls)
        tls.set_alpn_protocols(["http/1.1"])  # keep Go and others off HTTP/2
        tmpdir = Path(tempfile.mkdtemp(prefix="weaviate-jina-ext-proxy-"))
        try:
            ca.cert_pem.write_to_path(str(tmpdir / "ca.pem"))
            server = _ProxyServer((self.host, self.port), self.fake_jina, tls, self.hosts)
        except BaseException:
            shutil.rmtree(tmpdir, ignore_errors=True)
            raise
        self._tmpdir = tmpdir
        self._server = server
        self.port = server.server_port
        self._url = server.base_url()
        self._thread = server.serve_in_thread()
        _log.info("Jina proxy for %s listening on %s", ", ".join(sorted(self.hosts)), self._url)
        return self

    def stop(self) -> None:
        """Stop serving, close every tunnel, join every thread, delete the CA; repeatable."""
        server, thread, tmpdir = self._server, self._thread, self._tmpdir
        if server is None:
            return
        server.stop_serving(thread, server.stopping)
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
        self._server = self._thread = None
        self._tmpdir = None
        self._url = None
        _log.info("Jina proxy on port %s stopped", self.port)

    def __enter__(self) -> JinaProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

"""FakeJina: the fake Jina API served over HTTP on a loopback port, from a background thread.

The API itself (routing, validation, faults, limits, recording) is :class:`FakeJinaApp`;
this module adds the lifecycle (start, stop, context manager, URL) and the HTTP transport,
built on the loopback machinery the TLS proxy shares (:mod:`weaviate_jina_ext.testing._http`).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from weaviate_jina_ext._secrets import mask_key
from weaviate_jina_ext.testing._errors import started_url
from weaviate_jina_ext.testing._fake._app import FakeJinaApp
from weaviate_jina_ext.testing._http import LoopbackHTTPServer, LoopbackRequestHandler

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from weaviate_jina_ext.testing._fake._embedder import EmbedFn
    from weaviate_jina_ext.testing._fake._faults import Faults
    from weaviate_jina_ext.testing._fake._limits import RateLimit

__all__ = ["FakeJina", "FakeJinaHandler"]

_log = logging.getLogger("weaviate_jina_ext.testing.fake_jina")


class FakeJina(FakeJinaApp):
    """A Jina-compatible HTTP API on a loopback port, served from a background thread.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with FakeJina(api_keys=["jina_test_key_0001"]) as jina:
            httpx.post(jina.url + "/v1/embeddings", ...)

    Args:
        host: Interface to bind; loopback by default so nothing is exposed.
        port: Port to bind; 0 picks a free one (read it back from :attr:`url`).
        api_keys: Keys accepted as ``Authorization: Bearer <key>``; ``None`` accepts any
            non-empty key, an empty collection accepts none.
        embed_fn: The embedder (see :class:`EmbedFn`); default :func:`hashing_embedder`.
        faults: Failures to inject (see :class:`Faults`); change with :meth:`set_faults`.
        rate_limit: Per-key limits to enforce (see :class:`RateLimit`).
        strict: Refuse body fields outside the model's request schema (422) and unknown
            models (400), as the real API does (the default). ``False`` ignores such fields
            and serves unknown models; :meth:`lenient` does so inside a ``with`` block.
        max_recorded: How many recent requests :attr:`requests` keeps.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_keys: Iterable[str] | None = None,
        embed_fn: EmbedFn | None = None,
        faults: Faults | None = None,
        rate_limit: RateLimit | None = None,
        strict: bool = True,
        max_recorded: int = 10_000,
    ) -> None:
        self.host = host
        self.port = port
        super().__init__(
            api_keys=api_keys,
            embed_fn=embed_fn,
            faults=faults,
            rate_limit=rate_limit,
            strict=strict,
            max_recorded=max_recorded,
        )
        self._server: _FakeJinaServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    def __repr__(self) -> str:
        keys = "any" if self._api_keys is None else [mask_key(k) for k in sorted(self._api_keys)]
        where = self._url or "not started"
        return f"<FakeJina {where} api_keys={keys} strict={self.strict}>"

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``; available once started.

        Raises:
            RigNotStartedError: The server is not running.
        """
        return started_url(self._url, "FakeJina")

    def start(self) -> FakeJina:
        """Bind the port and serve in a background thread; returns ``self``.

        Starting a running server does nothing.
        """
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _FakeJinaServer((self.host, self.port), self)
        self._server = server
        self.port = server.server_port
        self._url = server.base_url()
        self._thread = server.serve_in_thread()
        _log.info("fake Jina API listening on %s", self._url)
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and join every thread; safe to repeat."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.stop_serving(thread, self._stopping)
        self._server = None
        self._thread = None
        self._url = None
        _log.info("fake Jina API on port %s stopped", self.port)

    def __enter__(self) -> FakeJina:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _FakeJinaServer(LoopbackHTTPServer):
    thread_name = "fake-jina"

    def __init__(self, address: tuple[str, int], fake_jina: FakeJina) -> None:
        super().__init__(address, FakeJinaHandler, fake_jina)


class FakeJinaHandler(LoopbackRequestHandler):
    """Hands every request, whatever its method, to the server's app."""

    server: LoopbackHTTPServer

    def _serve(self) -> None:
        self.serve_with(self.server.app, self.path, None)

    # The stdlib dispatches on these names; every method reaches the core, which answers 405.
    do_POST = _serve  # noqa: N815
    do_GET = _serve  # noqa: N815
    do_PUT = _serve  # noqa: N815
    do_PATCH = _serve  # noqa: N815
    do_DELETE = _serve  # noqa: N815

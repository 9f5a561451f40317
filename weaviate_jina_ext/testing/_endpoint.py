"""Where a local Jina-compatible server must listen, and the URL Weaviate must use for it.

One rule, used by the pytest plugin, :func:`~weaviate_jina_ext.testing.local_stack`, the
Docker launcher (for ``HTTPS_PROXY`` in transparent mode), the examples and the tests:

* a Weaviate **process** runs on this machine: the server listens on loopback and Weaviate
  calls ``http://127.0.0.1:<port>``;
* a Weaviate **container** reaches this machine as ``host.docker.internal`` (the compose
  files map it to the host gateway), which is not loopback: the server listens on all
  interfaces;
* an **existing** Weaviate is assumed to run on this machine, like a process, unless
  ``WEAVIATE_JINA_HOST_ALIAS`` names the host under which it reaches this machine (for
  example ``host.docker.internal`` when it runs in Docker), in which case the server
  listens on all interfaces.

A loopback URL handed to a Weaviate in a container reaches the container itself, so every
such URL must come from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol
from urllib.parse import urlsplit

from weaviate_jina_ext._exceptions import WeaviateBackendError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DOCKER_HOST_ALIAS", "HOST_ALIAS_ENV", "JinaEndpoint", "jina_endpoint"]

#: How a container started from the compose files reaches the machine that runs Docker.
DOCKER_HOST_ALIAS: Final = "host.docker.internal"
#: Names the host under which an existing Weaviate reaches this machine.
HOST_ALIAS_ENV: Final = "WEAVIATE_JINA_HOST_ALIAS"
_LOOPBACK: Final = "127.0.0.1"
_ALL_INTERFACES: Final = "0.0.0.0"  # noqa: S104 - only where Weaviate is not on loopback
_LOOPBACK_NAMES: Final = frozenset({"127.0.0.1", "localhost", "0.0.0.0", "::1"})  # noqa: S104


class _HasPort(Protocol):
    @property
    def port(self) -> int: ...


@dataclass(frozen=True, slots=True)
class JinaEndpoint:
    """How a Weaviate reaches servers (Jina-compatible server, proxy) on this machine.

    Attributes:
        bind_host: The address those servers must listen on.
        weaviate_host: The host name Weaviate must use for them.
    """

    bind_host: str
    weaviate_host: str

    def base_url(self, server: _HasPort | int) -> str:
        """The ``base_url`` Weaviate's Jina modules need for a server (or a port) here."""
        port = server if isinstance(server, int) else server.port
        return f"http://{self.weaviate_host}:{port}"

    def for_weaviate(self, url: str) -> str:
        """Rewrite a loopback ``url`` (of a server on this machine) for Weaviate's side."""
        parts = urlsplit(url)
        if parts.hostname not in _LOOPBACK_NAMES or self.weaviate_host == _LOOPBACK:
            return url
        netloc = self.weaviate_host + (f":{parts.port}" if parts.port else "")
        return parts._replace(netloc=netloc).geturl()


def jina_endpoint(backend: str, *, environ: Mapping[str, str] | None = None) -> JinaEndpoint:
    """The endpoint rule for a Weaviate from ``backend`` (``process``/``docker``/``existing``).

    Args:
        backend: A resolved backend name (not ``"auto"``; see ``resolve_backend``).
        environ: Environment to read ``WEAVIATE_JINA_HOST_ALIAS`` from.

    Raises:
        WeaviateBackendError: ``backend`` is not a resolved backend name.
    """
    if backend == "docker":
        return JinaEndpoint(bind_host=_ALL_INTERFACES, weaviate_host=DOCKER_HOST_ALIAS)
    if backend == "existing":
        alias = (os.environ if environ is None else environ).get(HOST_ALIAS_ENV, "").strip()
        if alias:
            return JinaEndpoint(bind_host=_ALL_INTERFACES, weaviate_host=alias)
        return JinaEndpoint(bind_host=_LOOPBACK, weaviate_host=_LOOPBACK)
    if backend == "process":
        return JinaEndpoint(bind_host=_LOOPBACK, weaviate_host=_LOOPBACK)
    msg = f"backend={backend!r}: expected a resolved backend, one of process, docker, existing"
    raise WeaviateBackendError(msg)

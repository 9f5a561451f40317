"""What a running Weaviate is: where it answers, how to connect to it, where its log is.

Every launcher yields a :class:`WeaviateInstance`; its ``connect_kwargs()`` returns a
:class:`ConnectKwargs`. The log-tail reader lives here as well, because instances, builds
and clusters all end their error messages with the last lines of a log file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypedDict

if TYPE_CHECKING:
    from weaviate.auth import AuthCredentials

#: The address bare processes bind to and a local Docker engine publishes on.
_LOOPBACK: Final = "127.0.0.1"


class _ConnectKwargsRequired(TypedDict):
    http_host: str
    http_port: int
    http_secure: bool
    grpc_host: str
    grpc_port: int
    grpc_secure: bool


class ConnectKwargs(_ConnectKwargsRequired, total=False):
    """Keyword arguments for ``weaviate.connect_to_custom`` (and our ``connect_to_custom``)."""

    auth_credentials: AuthCredentials


def _read_tail(path: Path | None, lines: int) -> str:
    """The last ``lines`` lines of a log file, or ``""`` if it does not exist (any more)."""
    if path is None or lines <= 0:
        return ""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - 256 * 1024))
            data = fh.read()
    except FileNotFoundError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


def _host_in_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@dataclass(frozen=True, slots=True)
class WeaviateInstance:
    """Where a running Weaviate answers, and how it was provided.

    Attributes:
        http_host: Host of the REST API.
        http_port: Port of the REST API.
        grpc_host: Host of the gRPC API.
        grpc_port: Port of the gRPC API.
        backend: ``"existing"``, ``"docker"`` or ``"process"``.
        http_secure: Whether REST uses TLS.
        grpc_secure: Whether gRPC uses TLS.
        version: The server version, when the launcher knows it.
        api_key: A Weaviate API key to authenticate with (never shown in reprs).
        log_path: The server's log file (processes only).
        pid: The server's process id (processes only; also its process group id).
        container: The server's container id (Docker only).
    """

    http_host: str
    http_port: int
    grpc_host: str
    grpc_port: int
    backend: str
    http_secure: bool = False
    grpc_secure: bool = False
    version: str | None = None
    api_key: str | None = field(default=None, repr=False)
    log_path: Path | None = None
    pid: int | None = None
    container: str | None = None

    @property
    def url(self) -> str:
        """The REST base URL, for example ``http://127.0.0.1:8080``."""
        scheme = "https" if self.http_secure else "http"
        return f"{scheme}://{_host_in_url(self.http_host)}:{self.http_port}"

    def connect_kwargs(self) -> ConnectKwargs:
        """Keyword arguments that connect ``weaviate.connect_to_custom`` to this server.

        Our own ``weaviate_jina_ext.connect_to_custom`` takes the same ones plus
        ``jina_api_key=``.
        """
        kwargs: ConnectKwargs = {
            "http_host": self.http_host,
            "http_port": self.http_port,
            "http_secure": self.http_secure,
            "grpc_host": self.grpc_host,
            "grpc_port": self.grpc_port,
            "grpc_secure": self.grpc_secure,
        }
        if self.api_key:
            from weaviate.auth import Auth  # noqa: PLC0415 - keep this module light

            kwargs["auth_credentials"] = Auth.api_key(self.api_key)
        return kwargs

    def log_tail(self, lines: int = 50) -> str:
        """The last ``lines`` lines of the server log (``""`` when there is no log file)."""
        return _read_tail(self.log_path, lines)

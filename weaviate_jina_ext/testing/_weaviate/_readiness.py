"""Waiting for a Weaviate to serve: the generic wait loop and the readiness probes.

A node counts as ready when ``/v1/.well-known/ready`` answers 200 and its gRPC port accepts
connections, because the client checks both when it connects. Probes use the standard
library's HTTP client, which ignores ``HTTPS_PROXY``, so loopback checks never go through a
proxy set for the server.
"""

from __future__ import annotations

import http.client
import socket
import time
from typing import TYPE_CHECKING, Final

from weaviate_jina_ext._exceptions import ServiceTimeoutError

if TYPE_CHECKING:
    from collections.abc import Callable

    from weaviate_jina_ext.testing._weaviate._instance import WeaviateInstance

#: The endpoint that answers 200 once a node serves requests.
READY_PATH: Final = "/v1/.well-known/ready"


def wait_until_ready(
    probe: Callable[[], str | None],
    *,
    service: str,
    url: str,
    timeout: float,
    pause: float = 0.2,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    diagnostics: Callable[[], str] | None = None,
) -> float:
    """Call ``probe`` until it reports ready, or raise once ``timeout`` seconds have passed.

    Args:
        probe: Returns ``None`` when the service is ready, else a short description of what
            was seen (an error or a status); it may raise a :class:`WeaviateRigError` to stop
            waiting early (for example when the process died).
        service: What is waited for, named in the error.
        url: Where it is polled, named in the error.
        timeout: Seconds to wait at most.
        pause: Seconds between probes.
        clock: Monotonic clock, injectable for tests.
        sleep: Sleep function, injectable for tests.
        diagnostics: Extra text for the error (a log tail), computed only on timeout.

    Returns:
        Seconds it took.

    Raises:
        ServiceTimeoutError: The service was not ready in time.
    """
    start = clock()
    while True:
        last_error = probe()
        waited = clock() - start
        if last_error is None:
            return waited
        if waited >= timeout:
            break
        sleep(pause)
    detail = diagnostics() if diagnostics is not None else ""
    msg = (
        f"{service} at {url} was not ready after {waited:.1f}s "
        f"(timeout {timeout:g}s); last error: {last_error}"
    )
    if detail:
        msg += f"\n--- last log lines ---\n{detail}"
    raise ServiceTimeoutError(msg, service=service, url=url, waited=waited, last_error=last_error)


def _http_get(
    host: str, port: int, path: str, *, secure: bool = False, timeout: float = 2.0
) -> tuple[int, bytes]:
    """One GET without proxies (stdlib, so loopback probes never go through HTTPS_PROXY)."""
    conn: http.client.HTTPConnection = (
        http.client.HTTPSConnection(host, port, timeout=timeout)
        if secure
        else http.client.HTTPConnection(host, port, timeout=timeout)
    )
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _readiness_probe(instance: WeaviateInstance) -> Callable[[], str | None]:
    """REST readiness plus an open gRPC port (the client checks both on connect)."""

    def probe() -> str | None:
        try:
            status, _ = _http_get(
                instance.http_host, instance.http_port, READY_PATH, secure=instance.http_secure
            )
        except (OSError, http.client.HTTPException) as exc:
            return f"{type(exc).__name__}: {exc}"
        if status != 200:
            return f"GET {READY_PATH} answered {status}"
        try:
            with socket.create_connection((instance.grpc_host, instance.grpc_port), timeout=2):
                pass
        except OSError as exc:
            return f"gRPC port {instance.grpc_port}: {type(exc).__name__}: {exc}"
        return None

    return probe

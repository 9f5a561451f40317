"""Bare ``weaviate-server`` processes on loopback: :func:`weaviate_cluster` and its controls.

:func:`weaviate_cluster` starts any number of nodes as one cluster and yields a
:class:`WeaviateCluster`, which can kill and restart nodes. :func:`weaviate_process` is the
single-node case of the same launcher. A start that fails because a port was taken between
allocation and bind is retried with new ports.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from weaviate_jina_ext._exceptions import WeaviateRigError, WeaviateStartError
from weaviate_jina_ext._rules import is_positive_int
from weaviate_jina_ext.testing._weaviate._binary import ensure_weaviate_binary
from weaviate_jina_ext.testing._weaviate._compose import read_compose, rig_environ
from weaviate_jina_ext.testing._weaviate._instance import _LOOPBACK, _read_tail
from weaviate_jina_ext.testing._weaviate._ports import _allocate_ports
from weaviate_jina_ext.testing._weaviate._process import (
    _Node,
    _node_environment,
    for_version,
    process_environment,
)
from weaviate_jina_ext.testing._weaviate._readiness import READY_PATH, _http_get, wait_until_ready
from weaviate_jina_ext.testing._weaviate._tokenizer import ensure_tokenizer_data

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from weaviate_jina_ext.testing._weaviate._instance import WeaviateInstance

_log = logging.getLogger("weaviate_jina_ext.testing.weaviate")

#: What a node's log says when it lost a race for one of its ports.
_PORT_CLASH: Final = "address already in use"
#: How often a start is tried when ports were taken meanwhile.
_START_ATTEMPTS: Final = 3


class _ClusterNode(Protocol):
    """What a cluster needs of a node: a process (``_Node``) or a container."""

    @property
    def name(self) -> str: ...
    def instance(self) -> WeaviateInstance: ...
    def start(self) -> None: ...
    def stop(self, *, grace: float | None = None) -> None: ...
    def kill(self) -> None: ...
    def probe(self) -> Callable[[], str | None]: ...
    def log_tail(self, lines: int) -> str: ...


class WeaviateCluster:
    """Weaviate nodes forming one cluster, with failure controls.

    Get one from :func:`weaviate_cluster` (processes on loopback), from ``docker_cluster``
    (containers) or from ``start_cluster`` (either). ``nodes[i]`` describes node ``i``;
    after :meth:`restart_node` it is a new :class:`WeaviateInstance` with the same data (a
    process keeps its ports and gets a new ``pid``; a container may get new host ports).
    """

    def __init__(self, nodes: Sequence[_ClusterNode], *, startup_timeout: float) -> None:
        self._nodes = nodes
        self._startup_timeout = startup_timeout
        self._stopped: set[int] = set()  # nodes taken down on purpose by kill_node

    def __repr__(self) -> str:
        urls = [n.instance().url for n in self._nodes]
        return f"<WeaviateCluster nodes={urls}>"

    @property
    def nodes(self) -> list[WeaviateInstance]:
        """The nodes, in order; node 0 is the one the others join."""
        return [node.instance() for node in self._nodes]

    @property
    def url(self) -> str:
        """The REST URL of node 0."""
        return self._nodes[0].instance().url

    def kill_node(self, index: int, *, graceful: bool = False) -> None:
        """Stop node ``index``: SIGKILL by default (a crash), SIGTERM when ``graceful``."""
        node = self._nodes[index]
        self._stopped.add(index)
        if graceful:
            node.stop()
        else:
            node.kill()

    def restart_node(self, index: int, *, timeout: float | None = None) -> WeaviateInstance:
        """Start node ``index`` again, with the same ports and data, and wait until healthy.

        A node that is still running is stopped first.
        """
        node = self._nodes[index]
        node.stop()
        node.start()
        self._stopped.discard(index)
        self.wait_ready(timeout=self._startup_timeout if timeout is None else timeout)
        return node.instance()

    def log_tail(self, lines: int = 50) -> str:
        """The last ``lines`` lines of every node's log, each under a header."""
        return "\n".join(f"--- {node.name} ---\n{node.log_tail(lines)}" for node in self._nodes)

    def wait_ready(self, *, timeout: float, pause: float = 0.2) -> float:
        """Wait until every node not taken down by :meth:`kill_node` is ready and healthy.

        Raises:
            WeaviateStartError: A node that should be running has exited.
            ServiceTimeoutError: Not ready in time.
        """
        start = time.monotonic()
        running = [n for i, n in enumerate(self._nodes) if i not in self._stopped]
        for node in running:
            remaining = max(0.0, timeout - (time.monotonic() - start))
            wait_until_ready(
                node.probe(),
                service=f"weaviate node {node.name}",
                url=node.instance().url + READY_PATH,
                timeout=remaining,
                pause=pause,
                diagnostics=functools.partial(node.log_tail, 40),
            )
        if len(self._nodes) > 1 and running:
            first = running[0].instance()
            remaining = max(0.0, timeout - (time.monotonic() - start))
            wait_until_ready(
                self._membership_probe(first, len(running)),
                service=f"weaviate cluster of {len(self._nodes)} nodes",
                url=first.url + "/v1/nodes",
                timeout=remaining,
                pause=pause,
                diagnostics=lambda: self.log_tail(15),
            )
        return time.monotonic() - start

    @staticmethod
    def _membership_probe(first: WeaviateInstance, expected: int) -> Callable[[], str | None]:
        """Ready when ``first`` lists at least ``expected`` healthy nodes."""

        def probe() -> str | None:
            try:
                status, body = _http_get(first.http_host, first.http_port, "/v1/nodes")
            except (OSError, http.client.HTTPException) as exc:
                return f"{type(exc).__name__}: {exc}"
            if status != 200:
                return f"GET /v1/nodes answered {status}"
            try:
                nodes = json.loads(body).get("nodes") or []
            except (ValueError, AttributeError):
                return "GET /v1/nodes answered malformed JSON"
            healthy = sorted(n.get("name", "?") for n in nodes if n.get("status") == "HEALTHY")
            if len(healthy) < expected:
                return f"{len(healthy)} of {expected} nodes healthy: {healthy}"
            return None

        return probe

    def _stop_all(self) -> None:
        for node in reversed(self._nodes):
            node.stop()


def _port_clash(nodes: Iterable[_Node]) -> bool:
    return any(
        n.exited() is not None and _PORT_CLASH in _read_tail(n.log_path, 200).lower() for n in nodes
    )


@contextlib.contextmanager
def weaviate_cluster(
    nodes: int = 3,
    version: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    modules: Iterable[str] | None = None,
    jina_api_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    startup_timeout: float = 180.0,
    compose_file: str | os.PathLike[str] | None = None,
    binary: str | os.PathLike[str] | None = None,
) -> Iterator[WeaviateCluster]:
    """Run ``nodes`` ``weaviate-server`` processes on loopback as one cluster.

    Every node gets its own REST, gRPC, gossip/data and RAFT/RPC ports and data directory;
    nodes 1.. join node 0's gossip port and all of them vote in RAFT
    (``RAFT_BOOTSTRAP_EXPECT=nodes``). The shared environment is built by
    :func:`process_environment`. The processes run in their own process groups with output
    in log files and are stopped on exit, on interrupt, and at interpreter exit.

    REST, gossip and RAFT listen on 127.0.0.1 only; Weaviate offers no setting to bind its
    gRPC and cluster-data listeners to one interface, so those listen on all interfaces
    (anonymous access is on: run this on trusted machines).

    Args:
        nodes: How many nodes (1 gives a single node).
        version: The Weaviate version; the compose file's pinned one when ``None``.
        env: Replaces the compose file's environment (see :func:`process_environment`).
        extra_env: Added last, for example ``HTTPS_PROXY``/``SSL_CERT_FILE``.
        modules: Modules to enable instead of the compose file's ``ENABLE_MODULES``.
        jina_api_key: A server-side Jina key (``JINAAI_APIKEY``).
        data_dir: Keep data here (node ``i`` in ``node-i/``) instead of a temporary dir.
        startup_timeout: Seconds to wait for the whole cluster to be ready.
        compose_file: The compose file to read; located automatically when ``None``.
        binary: A ``weaviate-server`` to run instead of looking one up.

    Yields:
        The running cluster.

    Raises:
        WeaviateBinaryError: No binary can be found or built.
        WeaviateStartError: A node exited before it was ready.
        ServiceTimeoutError: The cluster was not ready in time (the message ends with the
            logs' last lines).
    """
    if not is_positive_int(nodes):
        msg = f"nodes={nodes!r} must be an int of at least 1"
        raise WeaviateRigError(msg)
    compose = (
        read_compose(compose_file, environ=rig_environ())
        if env is None or version is None
        else None
    )
    ver = (version or (compose.version if compose else "")).removeprefix("v")
    exe = Path(binary) if binary is not None else ensure_weaviate_binary(ver)
    common = for_version(
        process_environment(
            compose_env=compose.environment if compose else None,
            env=env,
            extra_env=extra_env,
            modules=modules,
            jina_api_key=jina_api_key,
        ),
        ver,
    )
    if "TIKTOKEN_CACHE_DIR" not in common and (tokenizer := ensure_tokenizer_data()):
        common["TIKTOKEN_CACHE_DIR"] = str(tokenizer)
    run_dir = Path(tempfile.mkdtemp(prefix="weaviate-jina-ext-"))
    data_root = Path(data_dir) if data_dir is not None else run_dir / "data"
    # A single node with a given data_dir uses it as is; otherwise node i gets node-i/.
    node_dirs = (
        [data_root]
        if nodes == 1 and data_dir is not None
        else [data_root / f"node-{i}" for i in range(nodes)]
    )
    cluster: WeaviateCluster | None = None
    try:
        for attempt in range(1, _START_ATTEMPTS + 1):
            ports = _allocate_ports(nodes)
            members = [
                _Node(
                    binary=exe,
                    host=_LOOPBACK,
                    ports=ports[i],
                    env=_node_environment(common, i, ports, node_dirs[i]),
                    data_dir=node_dirs[i],
                    log_path=run_dir / f"node-{i}.attempt{attempt}.log",
                    version=ver,
                )
                for i in range(nodes)
            ]
            cluster = WeaviateCluster(members, startup_timeout=startup_timeout)
            try:
                for member in members:
                    member.start()
                took = cluster.wait_ready(timeout=startup_timeout)
            except WeaviateStartError:
                clash = _port_clash(members)
                cluster._stop_all()
                if not clash or attempt == _START_ATTEMPTS:
                    raise
                _log.warning("a port was taken meanwhile; retrying with new ports")
                if data_dir is None:  # our own scratch data: start the next try afresh
                    shutil.rmtree(data_root, ignore_errors=True)
                continue
            except BaseException:
                cluster._stop_all()
                raise
            _log.info("%d weaviate node(s) v%s ready in %.1fs", nodes, ver, took)
            break
        if cluster is None:  # pragma: no cover - the loop either breaks or raises
            msg = "the cluster was not started"
            raise WeaviateRigError(msg)
        yield cluster
    finally:
        if cluster is not None:
            cluster._stop_all()
        shutil.rmtree(run_dir, ignore_errors=True)


@contextlib.contextmanager
def weaviate_process(
    version: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    modules: Iterable[str] | None = None,
    jina_api_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    startup_timeout: float = 120.0,
    compose_file: str | os.PathLike[str] | None = None,
    binary: str | os.PathLike[str] | None = None,
) -> Iterator[WeaviateInstance]:
    """Run one ``weaviate-server`` process on loopback; no Docker needed.

    The binary comes from ``WEAVIATE_BINARY``, the cache, or a ``go install`` (see
    :func:`ensure_weaviate_binary`). It runs with free loopback ports, a temporary data
    directory (or ``data_dir``), the compose file's environment plus ``extra_env``, in its
    own process group with output in a log file, and is stopped on exit, on interrupt and at
    interpreter exit.

    Args:
        version: The Weaviate version; the compose file's pinned one when ``None``.
        env: Replaces the compose file's environment (see :func:`process_environment`).
        extra_env: Added last, for example the ``HTTPS_PROXY``/``SSL_CERT_FILE`` of a
            :class:`~weaviate_jina_ext.testing.JinaProxy`.
        modules: Modules to enable instead of the compose file's ``ENABLE_MODULES``.
        jina_api_key: A server-side Jina key (``JINAAI_APIKEY``).
        data_dir: Keep the data here instead of in a temporary directory.
        startup_timeout: Seconds to wait for ``/v1/.well-known/ready``.
        compose_file: The compose file to read; located automatically when ``None``.
        binary: A ``weaviate-server`` to run instead of looking one up.

    Yields:
        The running server; ``log_tail()`` shows its latest output.

    Raises:
        WeaviateBinaryError: No binary can be found or built.
        WeaviateStartError: The process exited before it was ready.
        ServiceTimeoutError: It was not ready in time (the message ends with the log tail).
    """
    with weaviate_cluster(
        1,
        version,
        env=env,
        extra_env=extra_env,
        modules=modules,
        jina_api_key=jina_api_key,
        data_dir=data_dir,
        startup_timeout=startup_timeout,
        compose_file=compose_file,
        binary=binary,
    ) as cluster:
        yield cluster.nodes[0]

"""One ``weaviate-server`` process: its environment, its start, probe and stop.

The environment of a bare process is layered from a few host variables, the compose file's
server settings (without those that describe the container), fixed launcher settings and the
caller's additions (:func:`process_environment`), plus per-node ports, data directory and
cluster wiring. Every started process is tracked until it is stopped, and an ``atexit`` hook
stops whatever is still running when the interpreter exits.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import subprocess
import threading
from typing import TYPE_CHECKING, Final

from weaviate_jina_ext._exceptions import JinaConfigError, WeaviateStartError
from weaviate_jina_ext._server_lines import LEGACY_MULTIVECTOR_MODULE, server_line
from weaviate_jina_ext.testing._weaviate._compose import read_compose, rig_environ
from weaviate_jina_ext.testing._weaviate._instance import _LOOPBACK, WeaviateInstance, _read_tail
from weaviate_jina_ext.testing._weaviate._process_group import _stop_group
from weaviate_jina_ext.testing._weaviate._readiness import _readiness_probe

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path

    from weaviate_jina_ext.testing._weaviate._ports import _NodePorts

_log = logging.getLogger("weaviate_jina_ext.testing.weaviate")

#: Set for every bare process: no telemetry, no debug listener, clustering on loopback
#: (memberlist and RAFT bound to 127.0.0.1 rather than the host's public address), and RAFT
#: timeouts at the library defaults instead of five times them, which there is no network
#: delay to justify and which would add several seconds to every start.
_LAUNCHER_ENV: Final = {
    "CLUSTER_IN_LOCALHOST": "true",
    "CLUSTER_BIND_ADDR": _LOOPBACK,
    "CLUSTER_ADVERTISE_ADDR": _LOOPBACK,
    "RAFT_TIMEOUTS_MULTIPLIER": "1",
    "GO_PROFILING_DISABLE": "true",
    "DISABLE_TELEMETRY": "true",
}
#: Compose settings that describe the container, replaced by per-process values.
_CONTAINER_ONLY: Final = frozenset(
    {
        "PERSISTENCE_DATA_PATH",
        "CLUSTER_HOSTNAME",
        "CLUSTER_JOIN",
        "CLUSTER_GOSSIP_BIND_PORT",
        "CLUSTER_DATA_BIND_PORT",
        "GRPC_PORT",
        "RAFT_PORT",
        "RAFT_INTERNAL_RPC_PORT",
        "RAFT_JOIN",
        "RAFT_BOOTSTRAP_EXPECT",
        "SSL_CERT_FILE",  # a path inside the container; the host's own is inherited instead
        "TIKTOKEN_CACHE_DIR",  # likewise; processes get the offline cache (or the host's)
    }
)
#: Host variables a bare process inherits; everything else comes from the compose file.
_INHERITED: Final = (
    "PATH",
    "HOME",
    "TMPDIR",
    "TZ",
    "LANG",
    "LC_ALL",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "TIKTOKEN_CACHE_DIR",
)
#: Seconds a stopping process gets after SIGTERM before it is killed.
_STOP_GRACE: Final = 10.0


def process_environment(
    *,
    compose_env: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    modules: Iterable[str] | None = None,
    jina_api_key: str | None = None,
    host_environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment shared by every node of a bare run (node-specific values excluded).

    Layers, later ones winning: a few host variables (``PATH``, ``HOME``, ``SSL_CERT_FILE``,
    ...); ``env`` if given, else the compose environment without its container-only settings
    and empty values; the launcher's fixed settings (``CLUSTER_IN_LOCALHOST``,
    ``GO_PROFILING_DISABLE``, ``DISABLE_TELEMETRY``); ``modules`` as ``ENABLE_MODULES``;
    ``jina_api_key`` as ``JINAAI_APIKEY``; then ``extra_env``.
    """
    host = os.environ if host_environ is None else host_environ
    result = {name: host[name] for name in _INHERITED if host.get(name)}
    if env is not None:
        result.update(env)
    else:
        base = (
            read_compose(environ=rig_environ()).environment if compose_env is None else compose_env
        )
        result.update({k: v for k, v in base.items() if v and k not in _CONTAINER_ONLY})
    result.update(_LAUNCHER_ENV)
    if modules is not None:
        result["ENABLE_MODULES"] = ",".join(modules)
    if jina_api_key is not None:
        result["JINAAI_APIKEY"] = jina_api_key
    if extra_env:
        result.update(extra_env)
    return result


def for_version(env: Mapping[str, str], version: str) -> dict[str, str]:
    """``env`` adjusted to what Weaviate ``version`` understands.

    The compose file names the current modules. Servers before 1.31.5 know the ColBERT
    module only as ``text2colbert-jinaai`` (:mod:`weaviate_jina_ext._server_lines`), so that
    name is added next to ``text2multivec-jinaai``; names a server does not know are
    ignored by every version, which keeps ``multi2multivec-jinaai`` harmless before 1.32.
    Versions the facts do not cover are left alone.
    """
    result = dict(env)
    try:
        line = server_line(version)
    except JinaConfigError:
        return result
    names = [n.strip() for n in result.get("ENABLE_MODULES", "").split(",") if n.strip()]
    if (
        line.multivector_module == LEGACY_MULTIVECTOR_MODULE
        and "text2multivec-jinaai" in names
        and LEGACY_MULTIVECTOR_MODULE not in names
    ):
        names.append(LEGACY_MULTIVECTOR_MODULE)
        result["ENABLE_MODULES"] = ",".join(names)
    return result


def _node_environment(
    common: Mapping[str, str], index: int, ports: Sequence[_NodePorts], data_dir: Path
) -> dict[str, str]:
    mine = ports[index]
    env = dict(common)
    env.update(
        {
            "PERSISTENCE_DATA_PATH": str(data_dir),
            "CLUSTER_HOSTNAME": f"node-{index}",
            "GRPC_PORT": str(mine.grpc),
            "CLUSTER_GOSSIP_BIND_PORT": str(mine.gossip),
            "CLUSTER_DATA_BIND_PORT": str(mine.data),
            "RAFT_PORT": str(mine.raft),
            "RAFT_INTERNAL_RPC_PORT": str(mine.raft_rpc),
            "RAFT_BOOTSTRAP_EXPECT": str(len(ports)),
            "RAFT_JOIN": ",".join(f"node-{i}:{p.raft}" for i, p in enumerate(ports)),
        }
    )
    if index > 0:
        env["CLUSTER_JOIN"] = f"{_LOOPBACK}:{ports[0].gossip}"
    return env


_LIVE: set[_Node] = set()
_LIVE_LOCK = threading.Lock()
_ATEXIT_REGISTERED = False


def _stop_all_at_exit() -> None:
    """Last resort: stop every process still running when the interpreter exits."""
    with _LIVE_LOCK:
        nodes = list(_LIVE)
    for node in nodes:
        node.stop(grace=5)


def _track(node: _Node, *, alive: bool) -> None:
    global _ATEXIT_REGISTERED  # noqa: PLW0603 - one registration per interpreter
    with _LIVE_LOCK:
        if alive:
            _LIVE.add(node)
            if not _ATEXIT_REGISTERED:
                atexit.register(_stop_all_at_exit)
                _ATEXIT_REGISTERED = True
        else:
            _LIVE.discard(node)


class _Node:
    """One ``weaviate-server`` process: start, probe, stop; restartable with the same state."""

    def __init__(
        self,
        *,
        binary: Path,
        host: str,
        ports: _NodePorts,
        env: Mapping[str, str],
        data_dir: Path,
        log_path: Path,
        version: str,
    ) -> None:
        self.binary = binary
        self.host = host
        self.ports = ports
        self.env = dict(env)
        self.data_dir = data_dir
        self.log_path = log_path
        self.version = version
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        """The node's cluster host name (``node-<i>``)."""
        return self.env.get("CLUSTER_HOSTNAME", "?")

    def log_tail(self, lines: int) -> str:
        """The last ``lines`` lines of this node's log file."""
        return _read_tail(self.log_path, lines)

    def argv(self) -> list[str]:
        return [
            str(self.binary),
            "--scheme",
            "http",
            "--host",
            self.host,
            "--port",
            str(self.ports.http),
            "--read-timeout=600s",
            "--write-timeout=600s",
        ]

    def instance(self) -> WeaviateInstance:
        return WeaviateInstance(
            http_host=self.host,
            http_port=self.ports.http,
            grpc_host=self.host,
            grpc_port=self.ports.grpc,
            backend="process",
            version=self.version,
            log_path=self.log_path,
            pid=None if self.proc is None else self.proc.pid,
        )

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - argv list, no shell
                self.argv(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.data_dir,
                start_new_session=True,  # own process group: killed as one, spared Ctrl-C
            )
        _track(self, alive=True)
        _log.info(
            "started weaviate-server pid %s on %s:%s (log %s)",
            self.proc.pid,
            self.host,
            self.ports.http,
            self.log_path,
        )

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def probe(self) -> Callable[[], str | None]:
        ready = _readiness_probe(self.instance())

        def probe() -> str | None:
            code = self.exited()
            if code is not None:
                tail = _read_tail(self.log_path, 40)
                msg = (
                    f"weaviate-server ({self.binary}) exited with status {code} before it "
                    f"was ready on {self.instance().url}\n--- last log lines ---\n{tail}"
                )
                raise WeaviateStartError(msg, returncode=code, log_tail=tail)
            return ready()

        return probe

    def stop(self, *, grace: float | None = None) -> None:
        proc = self.proc
        if proc is not None:
            _stop_group(proc, _STOP_GRACE if grace is None else grace)
            _log.info("weaviate-server pid %s stopped (status %s)", proc.pid, proc.returncode)
        _track(self, alive=False)

    def kill(self) -> None:
        """SIGKILL the process group, like a crash."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        _track(self, alive=False)

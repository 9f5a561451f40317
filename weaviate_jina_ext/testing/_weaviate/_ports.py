"""Free loopback ports for the nodes of a bare-process run.

Each node gets a REST port, a gRPC port, and two pairs of consecutive ports: gossip (free for
TCP and UDP) followed by cluster data, and RAFT followed by its internal RPC port.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from weaviate_jina_ext._exceptions import WeaviateRigError
from weaviate_jina_ext.testing._weaviate._instance import _LOOPBACK


@dataclass(frozen=True, slots=True)
class _NodePorts:
    http: int
    grpc: int
    gossip: int  # the data port is gossip + 1
    raft: int  # the internal RPC port is raft + 1

    @property
    def data(self) -> int:
        return self.gossip + 1

    @property
    def raft_rpc(self) -> int:
        return self.raft + 1


def _allocate_ports(
    nodes: int, *, host: str = _LOOPBACK, max_attempts: int = 200
) -> list[_NodePorts]:
    """Free ports for ``nodes`` nodes: REST, gRPC, and two consecutive pairs each.

    All sockets stay bound until every port is chosen, so no port is handed out twice; the
    gossip pair is also checked for UDP, which the membership protocol uses too.
    """
    held: list[socket.socket] = []

    def bind(port: int, kind: socket.SocketKind) -> int | None:
        sock = socket.socket(socket.AF_INET, kind)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            return None
        held.append(sock)
        return int(sock.getsockname()[1])

    def single() -> int:
        port = bind(0, socket.SOCK_STREAM)
        if port is None:
            msg = f"cannot bind any port on {host}"
            raise WeaviateRigError(msg)
        return port

    def pair(*, udp: bool) -> int:
        for _ in range(max_attempts):
            base = single()  # stays held even when rejected, so it is not drawn again
            if base >= 65535:
                continue
            if udp and bind(base, socket.SOCK_DGRAM) is None:
                continue
            if bind(base + 1, socket.SOCK_STREAM) is None:
                continue
            if udp and bind(base + 1, socket.SOCK_DGRAM) is None:
                continue
            return base
        msg = f"found no two consecutive free ports on {host} in {max_attempts} attempts"
        raise WeaviateRigError(msg)

    try:
        return [
            _NodePorts(http=single(), grpc=single(), gossip=pair(udp=True), raft=pair(udp=False))
            for _ in range(nodes)
        ]
    finally:
        for sock in held:
            sock.close()

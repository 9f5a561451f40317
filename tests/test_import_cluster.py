"""The import helper against a 3-node cluster that loses a node in the middle of an import.

Three Weaviate nodes (processes or containers, by the session's backend) replicate the collection three times; the import writes
with consistency QUORUM (two of three replicas must confirm), so it can go on with one
node down. The node is killed (SIGKILL, like a crash) from inside the input generator, so
chunks are in flight when it dies. Async replication is set to run every second, so the
restarted node catches up within seconds instead of the default half-minute.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.init import AdditionalConfig, Timeout
from weaviate.collections.classes.config import ConsistencyLevel

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._compat import CLIENT_VERSION
from weaviate_jina_ext._import import derive_uuid, import_objects
from weaviate_jina_ext.testing import FAKE_JINA_KEY

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

    from weaviate.client import WeaviateClient

    from weaviate_jina_ext.testing import FakeJina, WeaviateCluster, WeaviateInstance

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

N = 3_000
KILL_AT = N // 3
NAME = "Replicated"
CATCH_UP_TIMEOUT = 60.0
INSERT_TIMEOUT = 10


def articles(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {"title": f"Item {i}", "body": f"w{i % 97} w{i % 89} w{i % 83}"}


def connect(node: WeaviateInstance) -> WeaviateClient:
    # A write that waits on the killed node gives up after INSERT_TIMEOUT and is retried
    # (ids are deterministic, so a retry overwrites), instead of waiting out the server's
    # own timeouts for the dead peer.
    return wje.connect_to_custom(
        **node.connect_kwargs(),
        jina_api_key=FAKE_JINA_KEY,
        additional_config=AdditionalConfig(timeout=Timeout(insert=INSERT_TIMEOUT)),
    )


def ids_on(node: WeaviateInstance, level: ConsistencyLevel) -> set[uuid.UUID]:
    """The ids a read through ``node`` at ``level`` returns."""
    with connect(node) as client:
        collection = client.collections.use(NAME).with_consistency_level(level)
        return {uuid.UUID(str(o.uuid)) for o in collection.iterator(cache_size=1000)}


@pytest.mark.skipif(
    CLIENT_VERSION < (4, 20),
    reason="sets async replication's timings with Configure.Replication, new in weaviate-client 4.20",
)
def test_node_killed_mid_import_keeps_every_reported_object(
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    weaviate_jina_start_cluster: Callable[..., AbstractContextManager[WeaviateCluster]],
    server_gone: Callable[[WeaviateInstance], bool],
) -> None:
    """A node dies mid-import: each object reported stored survives, and all nodes agree later."""
    jina_fake.set_faults(None)
    with weaviate_jina_start_cluster() as cluster:
        first, second, _ = cluster.nodes
        killed_at: list[int] = []

        def source() -> Iterator[dict[str, Any]]:
            for i, article in enumerate(articles(N)):
                if i == KILL_AT:
                    cluster.kill_node(2)
                    killed_at.append(i)
                yield article

        with connect(first) as client:
            client.collections.create(
                NAME,
                properties=[
                    Property(name="title", data_type=DataType.TEXT),
                    Property(name="body", data_type=DataType.TEXT),
                ],
                vector_config=JinaConfigure.Vectors.text2vec_jinaai(
                    base_url=jina_fake_base_url, model="jina-embeddings-v3", dimensions=32
                ),
                replication_config=Configure.replication(
                    factor=3,
                    async_config=Configure.Replication.async_config(
                        frequency=1000, frequency_while_propagating=500, propagation_delay=0
                    ),
                ),
            )
            quorum = client.collections.use(NAME).with_consistency_level(ConsistencyLevel.QUORUM)
            report = import_objects(
                quorum, source(), id_key="title", max_attempts=8, wait_initial=0.2, wait_max=2.0
            )

        assert killed_at == [KILL_AT]
        assert report.total == N
        assert report.stored + len(report.failed) == N
        all_ids = {derive_uuid(a, id_key="title") for a in articles(N)}
        stored = all_ids - {f.uuid for f in report.failed}
        assert len(stored) == report.stored

        # With node 2 down, every stored object is readable through each surviving node.
        for node in (first, second):
            assert stored <= ids_on(node, ConsistencyLevel.ONE), f"missing on {node.url}"
        assert stored <= ids_on(first, ConsistencyLevel.QUORUM)

        restarted = cluster.restart_node(2)
        deadline = time.monotonic() + CATCH_UP_TIMEOUT
        while True:
            seen = {n.url: ids_on(n, ConsistencyLevel.ONE) for n in (first, second, restarted)}
            agree = len({frozenset(ids) for ids in seen.values()}) == 1
            if agree and stored <= seen[restarted.url]:
                break
            assert time.monotonic() < deadline, {url: len(ids) for url, ids in seen.items()}
            time.sleep(1.0)
        [count] = {len(ids) for ids in seen.values()}  # every node holds the same objects
        assert count >= report.stored
        if report.ok:
            assert count == N
        nodes = cluster.nodes
    assert all(server_gone(node) for node in nodes)

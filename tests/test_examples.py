"""Every script in ``examples/`` runs against a real Weaviate and the local Jina server.

Each example's ``main`` is called in-process on the session's server, with a collection name
of its own, and what it returns and prints is checked; the quickstart also runs end to end as
a separate process, exactly as ``make quickstart`` runs it.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import weaviate_jina_ext as wje
from weaviate_jina_ext._secrets import mask_key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import ModuleType

    from weaviate.client import WeaviateClient

    from weaviate_jina_ext.testing import FakeJina, WeaviateInstance

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
#: The runnable scripts; a new one must get a test here.
SCRIPTS = (
    "basic_vectorizer",
    "connect",
    "full_parameters",
    "hybrid",
    "import_objects",
    "near_text",
    "quickstart",
)
#: Variables that would make the quickstart leave the offline path.
ONLINE_VARIABLES = ("JINAAI_APIKEY", "JINAAI_API_KEY", "JINA_API_KEY", "WEAVIATE_URL")


@pytest.fixture(scope="module")
def example() -> Iterator[Callable[[str], ModuleType]]:
    """Import an example by name, as its siblings do (the examples directory on sys.path)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(EXAMPLES))
        yield importlib.import_module
        for name, module in list(sys.modules.items()):
            origin = getattr(module, "__file__", None)
            if origin is not None and Path(origin).parent == EXAMPLES:
                del sys.modules[name]


def _name() -> str:
    return "Ex" + uuid.uuid4().hex[:12]


def _ranked(output: str, label: str, query: str) -> list[str]:
    """The titles printed under ``label 'query'...:``, best first."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{label} {query!r}"))
    titles = []
    for line in lines[start + 1 :]:
        rank, dot, rest = line.strip().partition(". ")
        if not dot or not rank.isdigit():
            break
        titles.append(rest.rsplit("  (", 1)[0])
    return titles


def test_every_example_is_exercised() -> None:
    """The scripts in examples/ are exactly the ones this file runs."""
    found = {p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_")}
    assert found == set(SCRIPTS)


def test_connect(
    example: Callable[[str], ModuleType],
    weaviate_jina_server: WeaviateInstance,
    jina_api_key: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """connect.py connects with verify_modules and reports the version and the Jina modules."""
    result = example("connect").main(weaviate_jina_server.connect_kwargs(), jina_api_key)
    assert set(wje.JINA_MODULES) <= set(result["jina_modules"])
    assert result["jina_modules"] == sorted(result["jina_modules"])
    if weaviate_jina_server.version is not None:
        assert result["version"] == weaviate_jina_server.version
    out = capsys.readouterr().out
    assert f"connected to Weaviate {result['version']}; Jina modules: " in out
    assert "text2vec-jinaai" in out
    assert jina_api_key not in out


def test_basic_vectorizer(
    example: Callable[[str], ModuleType],
    weaviate_jina_client: WeaviateClient,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """basic_vectorizer.py creates a text2vec-jinaai collection with the model written out."""
    name = _name()
    model = example("basic_vectorizer").main(weaviate_jina_client, jina_fake_base_url, name)
    assert model == "jina-embeddings-v4"  # the builders' default, written out
    config = weaviate_jina_client.collections.use(name).config.get()
    assert config.vector_config is not None
    stored = dict(config.vector_config["default"].vectorizer.model)
    assert stored["model"] == model
    assert stored["dimensions"] == 2048  # its full length, written out too
    assert stored["baseURL"].rstrip("/") == jina_fake_base_url
    out = capsys.readouterr().out
    line = rf"{name}: vectorizer text2vec-jinaai, model {model}"
    assert re.search(line, out), out


def test_full_parameters(
    example: Callable[[str], ModuleType],
    weaviate_jina_client: WeaviateClient,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """full_parameters.py rejects a bad dimension up front and stores two named Jina vectors."""
    name = _name()
    stored = example("full_parameters").main(weaviate_jina_client, jina_fake_base_url, name)
    assert set(stored) == {"title_v3", "body_v2"}
    assert stored["title_v3"]["model"] == "jina-embeddings-v3"
    assert stored["title_v3"]["dimensions"] == 256
    assert stored["body_v2"]["model"] == "jina-embeddings-v2-base-en"
    assert "dimensions" not in stored["body_v2"]
    assert {c["baseURL"].rstrip("/") for c in stored.values()} == {jina_fake_base_url}
    assert not any(c["vectorizeClassName"] for c in stored.values())
    out = capsys.readouterr().out
    assert "rejected before sending: dimensions=4096" in out
    assert "'jina-embeddings-v3'" in out
    assert "title_v3: {" in out
    assert "body_v2: {" in out


def test_import_objects(
    example: Callable[[str], ModuleType],
    weaviate_jina_client: WeaviateClient,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    jina_api_key: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """import_objects.py stores every article, each vectorized through the Jina server."""
    articles = example("_data").ARTICLES
    name = _name()
    jina_fake.clear()
    count = example("import_objects").main(weaviate_jina_client, jina_fake_base_url, name)
    assert count == len(articles)
    objects = weaviate_jina_client.collections.use(name).query.fetch_objects(
        limit=100, include_vector=True
    )
    assert len(objects.objects) == len(articles)
    assert all(len(o.vector["default"]) == 2048 for o in objects.objects)  # v4, the default
    requests = [r for r in jina_fake.requests if r.path == "/v1/embeddings"]
    sent = [text for r in requests for text in r.json["input"]]
    assert all(any(a["body"] in text for text in sent) for a in articles)
    assert {r.key for r in requests} == {mask_key(jina_api_key)}
    out = capsys.readouterr().out
    assert f"{name}: {len(articles)} objects stored, each vectorized by Jina" in out
    assert "not stored" not in out


@pytest.mark.parametrize(
    ("script", "label", "queries"),
    [("near_text", "near_text", "NEAR_TEXT_QUERIES"), ("hybrid", "hybrid", "HYBRID_QUERIES")],
    ids=["near_text", "hybrid"],
)
def test_search_examples(
    example: Callable[[str], ModuleType],
    weaviate_jina_client: WeaviateClient,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    capsys: pytest.CaptureFixture[str],
    script: str,
    label: str,
    queries: str,
) -> None:
    """near_text.py and hybrid.py import the articles and print each query's expected hit first."""
    cases: list[tuple[str, str]] = getattr(example("_data"), queries)
    name = _name()
    example(script).main(weaviate_jina_client, jina_fake_base_url, name)
    out = capsys.readouterr().out
    for query, expected in cases:
        ranked = _ranked(out, label, query)
        assert ranked[:1] == [expected], out
        assert len(ranked) == 3
    # search() on its own returns what it prints.
    query, expected = cases[0]
    titles = example(script).search(weaviate_jina_client, name, query)
    assert titles == _ranked(capsys.readouterr().out, label, query)
    assert titles[0] == expected


def test_quickstart_main(
    example: Callable[[str], ModuleType],
    weaviate_jina_client: WeaviateClient,
    jina_fake: FakeJina,
    jina_fake_base_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """quickstart.main runs every step, reports each expected hit as ok and removes its collection."""
    data = example("_data")
    name = _name()
    stored = example("quickstart").main(weaviate_jina_client, jina_fake_base_url, name)
    assert stored == len(data.ARTICLES)
    out = capsys.readouterr().out
    for _query, expected in [*data.NEAR_TEXT_QUERIES, *data.HYBRID_QUERIES]:
        assert f"expected first: {expected!r} -> ok" in out
    assert "MISMATCH" not in out
    assert not weaviate_jina_client.collections.exists(name)


def test_quickstart_script_end_to_end(example: Callable[[str], ModuleType]) -> None:
    """`python examples/quickstart.py` with no key and no WEAVIATE_URL runs offline and exits 0."""
    data = example("_data")
    env = {k: v for k, v in os.environ.items() if k not in ONLINE_VARIABLES}
    result = subprocess.run(
        [sys.executable, "examples/quickstart.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.returncode == 0, report
    out = result.stdout
    assert "embeddings from local Jina-compatible server" in out, report
    for query, expected in data.NEAR_TEXT_QUERIES:
        assert _ranked(out, "near_text", query)[:1] == [expected], report
    for query, expected in data.HYBRID_QUERIES:
        assert _ranked(out, "hybrid", query)[:1] == [expected], report
    cases = [*data.NEAR_TEXT_QUERIES, *data.HYBRID_QUERIES]
    for _query, expected in cases:
        assert f"expected first: {expected!r} -> ok" in out, report
    assert out.count(" -> ok") == len(cases), report
    assert "MISMATCH" not in out, report

"""The client internals the package relies on are still where ``_compat`` expects them."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import weaviate
from weaviate.connect import ConnectionParams
from weaviate.exceptions import WeaviateClosedClientError

from weaviate_jina_ext import _compat


def test_integration_headers_match_client() -> None:
    """The client's Integrations.jinaai still yields the header names Weaviate reads."""
    headers = _compat.integration_headers("jina_0123456789abcdef", 120)
    assert headers == {
        "X-Jinaai-Api-Key": "jina_0123456789abcdef",
        "X-Jinaai-Ratelimit-RequestPM-Embedding": "120",
    }


def test_private_config_types_importable() -> None:
    """The client's private config base classes used for return types still exist."""
    assert _compat.NamedVectorConfigCreate.__name__ == "_NamedVectorConfigCreate"
    assert _compat.VectorizerConfigCreate.__name__ == "_VectorizerConfigCreate"


def _unconnected_collection() -> Any:
    """A collection of a real client that was never connected (nothing listens on its ports)."""
    params = ConnectionParams.from_params("127.0.0.1", 9, False, "127.0.0.1", 10, False)
    client = weaviate.WeaviateClient(connection_params=params, skip_init_checks=True)
    return client.collections.use("Articles")


def test_client_version_is_the_installed_one() -> None:
    """CLIENT_VERSION is read from the installed distribution, within the supported range."""
    assert tuple(int(p) for p in weaviate.__version__.split(".")[:2]) == _compat.CLIENT_VERSION
    assert (4, 16) <= _compat.CLIENT_VERSION < (5, 0)


def test_exists_flag_matches_the_installed_client() -> None:
    """EXISTS_RAISES_ERRORS says what this client's Collection.exists() really does.

    On 4.16-4.18 a closed client answers False; on 4.19+ it raises. Run by the client matrix
    on every minor, so each side of the change is checked against a real client.
    """
    collection = _unconnected_collection()
    if _compat.EXISTS_RAISES_ERRORS:
        with pytest.raises(WeaviateClosedClientError):
            collection.exists()
    else:
        assert collection.exists() is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4.16.10", (4, 16)), ("4.24.0rc1", (4, 24)), ("4.19.0.dev3", (4, 19)), ("5.0", (5, 0))],
)
def test_minor_parses_release_and_pre_release_versions(
    text: str, expected: tuple[int, int]
) -> None:
    assert _compat._minor(text) == expected


# ------------------------------------------------------------- the matrix and its table

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def matrix() -> Iterator[Any]:
    """noxfile.py, the single source of the test matrix, loaded as a module.

    Loading it puts pyenv's interpreters on PATH (for nox); PATH is restored afterwards.
    """
    path = os.environ.get("PATH", "")
    spec = importlib.util.spec_from_file_location("_noxfile_matrix", ROOT / "noxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        os.environ["PATH"] = path


@pytest.mark.parametrize("name", ["README.md", "docs/compatibility.md"])
def test_compatibility_table_is_current(matrix: Any, name: str) -> None:
    """The table in each file is exactly what noxfile.py's matrix generates."""
    text = (ROOT / name).read_text(encoding="utf-8")
    assert matrix.TABLE_START in text, f"{name} lost its compatibility table markers"
    expected = matrix.replace_table(text, matrix.compatibility_table())
    assert text == expected, f"{name}: the compatibility table is stale; run `nox -s compatibility`"


def test_table_names_every_client_python_and_server_line(matrix: Any) -> None:
    table = matrix.compatibility_table()
    rows = [line for line in table.splitlines() if line.startswith("| 4.")]
    assert [row.split(" | ")[0] for row in rows] == [
        f"| {minor}.x" for minor in reversed(matrix.CLIENT_MINORS)
    ]
    for python in matrix.PYTHONS:
        assert python in rows[0]  # the newest client: the unit tier on every Python
    for line in matrix.SERVER_LINES:
        assert f"Weaviate {line}" in table.splitlines()[1]


def test_replace_table_refuses_a_file_without_markers(matrix: Any) -> None:
    with pytest.raises(ValueError, match="no compatibility table markers"):
        matrix.replace_table("# a README without the table\n", matrix.compatibility_table())


def test_client_floor_is_the_oldest_tested_minor(matrix: Any) -> None:
    """The weaviate-client floor is the oldest minor the matrix tests.

    And the installed client is inside the tested range, so no run goes beyond the claim.
    """
    [floor] = [pin for pin in matrix._floors() if pin.startswith("weaviate-client==")]
    assert floor.startswith(f"weaviate-client=={matrix.OLDEST_CLIENT}.")
    assert [f"4.{m}" for m in range(16, 16 + len(matrix.CLIENT_MINORS))] == matrix.CLIENT_MINORS
    newest = tuple(int(p) for p in matrix.NEWEST_CLIENT.split("."))
    assert newest >= _compat.CLIENT_VERSION


def test_classifiers_are_the_unit_pythons(matrix: Any) -> None:
    """Every Python the classifiers name has a unit session, and requires-python agrees."""
    assert matrix.PYTHONS == ["3.10", "3.11", "3.12", "3.13"]
    assert list(matrix.unit.python) == matrix.PYTHONS
    assert matrix.PYPROJECT["project"]["requires-python"] == f">={matrix.PYTHONS[0]}"

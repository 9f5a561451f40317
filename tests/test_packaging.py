"""The public surface: what ``import weaviate_jina_ext`` offers and how it is versioned."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import weaviate_jina_ext


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted and names exactly the public attributes of the package."""
    public = {
        name
        for name, value in vars(weaviate_jina_ext).items()
        if name[0].isalpha() and name != "annotations" and not isinstance(value, ModuleType)
    }
    assert weaviate_jina_ext.__all__ == sorted(weaviate_jina_ext.__all__)
    assert set(weaviate_jina_ext.__all__) == public


def test_version_matches_metadata() -> None:
    """__version__ is the installed distribution's version."""
    assert weaviate_jina_ext.__version__ == importlib.metadata.version("weaviate-jina-ext")


def test_helpers_listed() -> None:
    """Every connect helper of the client has a twin in the public API."""
    for name in (
        "connect_to_local",
        "connect_to_weaviate_cloud",
        "connect_to_custom",
        "connect_to_embedded",
        "use_async_with_local",
        "use_async_with_weaviate_cloud",
        "use_async_with_custom",
        "use_async_with_embedded",
    ):
        assert name in weaviate_jina_ext.__all__


def test_import_is_quiet_and_light() -> None:
    """Importing the package (and its pytest plugin module) starts no thread and no server."""
    code = (
        "import threading, weaviate_jina_ext, weaviate_jina_ext.testing;"
        "print(threading.active_count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "1"


def test_py_typed_shipped() -> None:
    """The package ships a py.typed marker so users' type checkers read its annotations."""
    assert Path(weaviate_jina_ext.__file__).with_name("py.typed").is_file()

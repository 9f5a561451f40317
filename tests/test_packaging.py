"""The public surface: what ``import weaviate_jina_ext`` offers and how it is versioned."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

import weaviate_jina_ext


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted, every name in it resolves, and nothing else is exported."""
    assert weaviate_jina_ext.__all__ == sorted(weaviate_jina_ext.__all__)
    assert set(weaviate_jina_ext.__all__) == set(weaviate_jina_ext._EXPORTS)
    for name in weaviate_jina_ext.__all__:
        assert getattr(weaviate_jina_ext, name) is not None
    assert set(weaviate_jina_ext.__all__) <= set(dir(weaviate_jina_ext))


def test_unknown_attribute_error() -> None:
    """A misspelt name raises AttributeError naming it."""
    with pytest.raises(AttributeError, match="connect_to_locl"):
        weaviate_jina_ext.connect_to_locl  # noqa: B018


def test_testing_exports_resolve() -> None:
    """Every name weaviate_jina_ext.testing exports resolves to its object."""
    import weaviate_jina_ext.testing as testing  # noqa: PLC0415

    assert testing.__all__ == sorted(testing.__all__)
    assert set(testing.__all__) == set(testing._EXPORTS)
    for name in testing.__all__:
        assert getattr(testing, name) is not None


#: The rig's errors: exported by ``weaviate_jina_ext.testing``, not by the library's root.
RIG_ERRORS = {
    "ComposeFileError",
    "RigNotStartedError",
    "ServiceTimeoutError",
    "WeaviateBackendError",
    "WeaviateBinaryError",
    "WeaviateRigError",
    "WeaviateStartError",
}
#: Provisioning helpers: private, reached through ``python -m weaviate_jina_ext.testing``.
PROVISIONING = {
    "binary_path",
    "cache_dir",
    "docker_available",
    "ensure_tokenizer_data",
    "ensure_weaviate_binary",
    "find_weaviate_binary",
    "pinned_version",
    "read_compose",
    "wait_until_ready",
}


def test_root_exports_the_library_and_testing_the_rig() -> None:
    """The rig's errors are exported where the rig is; provisioning stays behind the CLI."""
    import weaviate_jina_ext.testing as testing  # noqa: PLC0415

    assert RIG_ERRORS.isdisjoint(weaviate_jina_ext.__all__)
    assert set(testing.__all__) >= RIG_ERRORS
    assert PROVISIONING.isdisjoint(testing.__all__)
    for name in RIG_ERRORS:
        assert issubclass(getattr(testing, name), weaviate_jina_ext.JinaExtError)
    assert "DEMO_KEY" not in testing.__all__


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
    """Importing the package and its pytest plugin starts no thread and loads neither weaviate nor numpy."""
    code = (
        "import sys, threading, weaviate_jina_ext, weaviate_jina_ext.testing._plugin;"
        "print(threading.active_count(), 'weaviate' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["1", "False", "False"]


def test_exceptions_import_no_importer() -> None:
    """The error hierarchy is a leaf: importing it alone loads none of the import helper.

    ``ImportReport`` raises ``ImportIncompleteError``, and both import errors carry a report;
    the errors name the report for type checkers only, so the arrow points one way.
    """
    code = (
        "import sys, weaviate_jina_ext._exceptions;"
        "print(sorted(m for m in sys.modules if m.startswith('weaviate_jina_ext._import')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_py_typed_shipped() -> None:
    """The package ships a py.typed marker so users' type checkers read its annotations."""
    assert Path(weaviate_jina_ext.__file__).with_name("py.typed").is_file()


def test_doctor_surface() -> None:
    """The doctor is public as one function and its two result types; the CLI has the subcommand."""
    from weaviate_jina_ext._cli import build_parser  # noqa: PLC0415

    doctor_names = {n for n in weaviate_jina_ext.__all__ if "doctor" in n.lower()}
    assert doctor_names == {"doctor", "DoctorFinding", "DoctorReport"}
    assert weaviate_jina_ext.doctor.__module__ == "weaviate_jina_ext._doctor._run"
    assert build_parser().parse_args(["doctor", "--json"]).json is True

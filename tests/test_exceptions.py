"""The error tree: every error the library raises is in it, drawn in its docstring, and scrubbed."""

from __future__ import annotations

import ast
import builtins
import inspect
from pathlib import Path

import httpx
import pytest

import weaviate_jina_ext
from weaviate_jina_ext import _exceptions
from weaviate_jina_ext._embeddings import _unreachable_type
from weaviate_jina_ext._import import ImportReport
from weaviate_jina_ext._secrets import mask_key, remember_key

LIBRARY = Path(weaviate_jina_ext.__file__).parent
#: Builtin errors the library may raise, where a protocol demands that exact type.
ALLOWED_BUILTIN_RAISES = {
    ("__init__.py", "AttributeError"),  # module __getattr__
    ("_ids.py", "TypeError"),  # json.dumps(default=...) protocol; caught and turned into ours
    ("_json.py", "TypeError"),  # json.dumps(default=...) protocol, as orjson raises for it too
    ("_embeddings.py", "AssertionError"),  # unreachable: stamina re-raises the last error
    ("_cli.py", "SystemExit"),  # the command line's exit status
}


def _error_classes() -> list[type[BaseException]]:
    return [
        obj
        for name in _exceptions.__all__
        if inspect.isclass(obj := getattr(_exceptions, name)) and issubclass(obj, BaseException)
    ]


def test_every_error_is_in_the_tree_and_drawn() -> None:
    """Each exported error derives from JinaExtError and has its line in the drawn tree."""
    drawing = _exceptions.__doc__ or ""
    for cls in _error_classes():
        assert issubclass(cls, _exceptions.JinaExtError), cls
        assert f" {cls.__name__} " in drawing or f"── {cls.__name__}" in drawing, cls
    assert "ImportAbortCause" in _exceptions.__all__


def test_library_raises_no_stray_builtin_errors() -> None:
    """No library module (the rig aside) raises a builtin error where its own would do."""
    builtin_errors = {
        name
        for name in dir(builtins)
        if inspect.isclass(obj := getattr(builtins, name)) and issubclass(obj, BaseException)
    }
    strays = []
    for path in LIBRARY.rglob("*.py"):
        if "testing" in path.relative_to(LIBRARY).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = target.id if isinstance(target, ast.Name) else None
            if name in builtin_errors and (path.name, name) not in ALLOWED_BUILTIN_RAISES:
                strays.append(f"{path.relative_to(LIBRARY)}:{node.lineno} raises {name}")
    assert strays == []


def test_config_errors_are_value_errors_and_timeouts_timeout_errors() -> None:
    """Where callers might catch the builtin, the package's error is one too."""
    assert issubclass(_exceptions.JinaConfigError, ValueError)
    assert issubclass(_exceptions.ComposeFileError, ValueError)
    assert issubclass(_exceptions.ServiceTimeoutError, TimeoutError)


@pytest.mark.parametrize(
    "error", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ProxyError]
)
def test_unreachable_errors_are_ours_and_httpx(error: type[httpx.TransportError]) -> None:
    """Each httpx transport error gets one twin that is both a JinaUnreachableError and itself."""
    twin = _unreachable_type(error)
    assert twin is _unreachable_type(error)
    assert issubclass(twin, _exceptions.JinaUnreachableError)
    assert issubclass(twin, _exceptions.JinaExtError)
    assert issubclass(twin, error)
    assert issubclass(twin, httpx.TransportError)
    assert twin.__name__ == f"Jina{error.__name__}"
    raised = twin("boom", request=httpx.Request("POST", "http://x.test"))
    assert raised.request.url == "http://x.test"


def test_errors_scrub_their_own_text() -> None:
    """Any package error clears a remembered key from its message, however it was built."""
    key = "jina_ERRORSCRUB0123456789abcdef"
    remember_key(key)
    error = _exceptions.JinaConfigError(f"found {key} and {key.removeprefix('jina_')}")
    assert str(error) == f"found {mask_key(key)} and {mask_key(key.removeprefix('jina_'))}"
    report = ImportReport(total=0, stored=0, failed=[], retried=0)
    aborted = _exceptions.ImportAbortedError(
        f"stopped: {key}", report=report, reason=f"Invalid API key {key}", cause="auth"
    )
    assert key not in str(aborted)
    assert aborted.reason == f"Invalid API key {mask_key(key)}"

"""Shared fixtures: every test starts with no Jina key in the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest

from weaviate_jina_ext._keys import KEY_ENV_VARS

if TYPE_CHECKING:
    from collections.abc import Callable

    from weaviate_jina_ext.testing import WeaviateInstance


@pytest.fixture(autouse=True)
def _clean_jina_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the key variables so a developer's own key never changes a result."""
    for name in KEY_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, the loop weaviate-client's async API supports."""
    return "asyncio"


def server_gone(instance: WeaviateInstance) -> bool:
    """True when nothing of a server the rig started is left: no process, no container."""
    if instance.backend == "docker":
        assert instance.container is not None
        docker = shutil.which("docker")
        assert docker is not None
        found = subprocess.run(
            [docker, "inspect", instance.container], capture_output=True, check=False
        )
        return found.returncode != 0
    assert instance.pid is not None
    try:
        os.killpg(instance.pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(name="server_gone")
def _server_gone() -> Callable[[WeaviateInstance], bool]:
    """:func:`server_gone`, for tests that check the rig leaves nothing behind."""
    return server_gone

"""Shared fixtures: every test starts with no Jina key in the environment."""

from __future__ import annotations

import pytest

from weaviate_jina_ext._keys import KEY_ENV_VARS


@pytest.fixture(autouse=True)
def _clean_jina_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the key variables so a developer's own key never changes a result."""
    for name in KEY_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, the loop weaviate-client's async API supports."""
    return "asyncio"

"""The offline test rig: a local Jina-compatible server, Weaviate launchers, a pytest plugin."""

from __future__ import annotations

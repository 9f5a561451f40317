"""JSON for the rig's HTTP bodies: the package's codec (orjson when installed)."""

from __future__ import annotations

from weaviate_jina_ext._json import dumps, loads

__all__ = ["dumps", "loads"]

"""JSON for the rig's HTTP bodies: orjson when installed, else the standard library.

The local Jina-compatible server answers large float32 matrices; orjson serialises them
about twenty times faster than the ``json`` module (and numpy arrays natively), so it is used
when present. Both codecs give the same bytes for the same answer, and the same objects for
the same body, so nothing depends on which one is installed.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["dumps", "loads"]


def _json_default(obj: object) -> object:
    tolist = getattr(obj, "tolist", None)
    if tolist is not None:
        result: object = tolist()
        return result
    msg = f"cannot serialise {type(obj).__name__} to JSON"
    raise TypeError(msg)


try:
    import orjson
except ImportError:  # pragma: no cover - exercised only where orjson is absent

    def dumps(obj: object) -> bytes:
        """Serialise ``obj`` (numpy arrays included) to compact JSON bytes."""
        return json.dumps(obj, default=_json_default, separators=(",", ":")).encode()

    def loads(data: bytes) -> Any:  # noqa: ANN401 - JSON is dynamically typed
        """Parse JSON bytes."""
        return json.loads(data)

else:

    def dumps(obj: object) -> bytes:
        """Serialise ``obj`` (numpy arrays included) to compact JSON bytes."""
        return orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY)

    def loads(data: bytes) -> Any:  # noqa: ANN401 - JSON is dynamically typed
        """Parse JSON bytes."""
        return orjson.loads(data)

"""The text of failure reasons: keys masked and length capped, since reasons are shown to users.

Weaviate copies what Jina answered into its per-object errors, and a proxy or server may echo
the key there; every reason a report or an error carries passes through :func:`_scrub`.
"""

from __future__ import annotations

import re
from typing import Final

from weaviate_jina_ext._keys import mask_key

#: Longest reason kept (longer ones end with an ellipsis).
_MAX_REASON: Final = 2000
_KEY_LIKE = re.compile(r"\bjina_[A-Za-z0-9_\-]{8,}")
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")


def _scrub(text: str) -> str:
    """Mask anything shaped like a key and cap the length; reasons are shown to users."""
    text = _KEY_LIKE.sub(lambda m: mask_key(m.group(0)), text)
    text = _BEARER.sub(lambda m: m.group(1) + "***", text)
    return _short(text, _MAX_REASON)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

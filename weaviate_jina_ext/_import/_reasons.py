"""The text of failure reasons: keys masked and length capped, since reasons are shown to users.

Weaviate copies what Jina answered into its per-object errors, and a proxy or server may echo
the key there, with or without its ``jina_`` prefix; every reason a report or an error
carries passes through :func:`_scrub`, which clears the keys the package was given (the
collection's connection headers among them) and anything shaped like a key.
"""

from __future__ import annotations

from typing import Final

from weaviate_jina_ext._secrets import scrub_text

#: Longest reason kept (longer ones end with an ellipsis).
_MAX_REASON: Final = 2000


def _scrub(text: str) -> str:
    """Mask every key in ``text`` and cap its length; reasons are shown to users."""
    return _short(scrub_text(text), _MAX_REASON)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

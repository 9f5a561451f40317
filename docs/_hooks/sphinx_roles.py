"""Griffe extension: Sphinx markup in docstrings renders as Markdown in the API reference.

The package's docstrings are Google style, but some name other objects the Sphinx way
(``:func:`jina_headers```, ``:class:`~weaviate_jina_ext.testing.FakeJina```). mkdocstrings
would show the role itself (``:func:``) in front of the name; this extension keeps only the
name, as code, and shortens a ``~``-prefixed path to its last part, as Sphinx does. The
names stay code rather than links because many point at private helpers that the reference
does not document. A reST literal-block marker (``text::`` before an indented example)
becomes ``text:``; the indented example is already a Markdown code block.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

__all__ = ["SphinxRoles", "strip_roles"]

_LITERAL_AFTER_TEXT = re.compile(r"(?<=\S)::$", re.MULTILINE)
_LITERAL_ALONE = re.compile(r"^[ \t]*::[ \t]*\n", re.MULTILINE)
_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|data|attr|mod|exc|obj|const):`(~?)([^`]+)`")


def strip_roles(text: str) -> str:
    """``:role:`~a.b.c``` becomes ```c```, ``:role:`a.b``` ```a.b```, ``text::`` ``text:``."""

    def plain(match: re.Match[str]) -> str:
        short, target = match.groups()
        return f"`{target.rsplit('.', 1)[-1] if short else target}`"

    text = _LITERAL_ALONE.sub("", _LITERAL_AFTER_TEXT.sub(":", text))
    return _ROLE.sub(plain, text)


class SphinxRoles(griffe.Extension):
    """Rewrites each docstring once the package is loaded."""

    def on_object(self, *, obj: griffe.Object, **_: Any) -> None:  # noqa: ANN401 - griffe's hook keywords
        """Strip the roles of one object's docstring."""
        if obj.docstring is not None:
            obj.docstring.value = strip_roles(obj.docstring.value)

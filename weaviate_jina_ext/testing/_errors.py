"""Errors of the test rig's own services (the local Jina-compatible server, the proxy).

They join the package's hierarchy under :class:`weaviate_jina_ext.JinaExtError`, so one
``except JinaExtError`` catches everything this package raises, and also keep the built-in
base they had before (``RuntimeError``), so existing handlers keep working.
"""

from __future__ import annotations

from weaviate_jina_ext._exceptions import JinaExtError

__all__ = ["RigNotStartedError"]


class RigNotStartedError(JinaExtError, RuntimeError):
    """A rig service was asked for what exists only while it runs (its URL, its CA bundle).

    Start the service first (``start()`` or a ``with`` block).
    """

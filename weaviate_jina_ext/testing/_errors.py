"""Errors of the test rig's own services (the local Jina-compatible server, the proxy).

They join the package's hierarchy under :class:`weaviate_jina_ext.JinaExtError`, so one
``except JinaExtError`` catches everything this package raises, and also keep the built-in
base they had before (``RuntimeError``), so existing handlers keep working.
"""

from __future__ import annotations

from weaviate_jina_ext._exceptions import JinaExtError

__all__ = ["RigNotStartedError", "started_url"]


class RigNotStartedError(JinaExtError, RuntimeError):
    """A rig service was asked for what exists only while it runs (its URL, its CA bundle).

    Start the service first (``start()`` or a ``with`` block).
    """


def started_url(url: str | None, service: str) -> str:
    """``url`` of a running ``service``, or the error that says how to start it."""
    if url is None:
        msg = f"{service} is not running; call start() or use it as a context manager"
        raise RigNotStartedError(msg)
    return url

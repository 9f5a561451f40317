"""Run-time checks of numeric arguments, shared by the Jina client and the importer.

Parameters are typed, but untyped callers pass anything; these turn a bad value into a
``JinaConfigError`` that names the parameter and what it must be.
"""

from __future__ import annotations

from weaviate_jina_ext._exceptions import JinaConfigError

__all__ = ["positive_int", "positive_seconds"]


def positive_int(name: str, value: object) -> int:
    """Return ``value`` if it is an int of at least 1 (bools refused), else raise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{name}={value!r} must be a positive int (at least 1)"
        raise JinaConfigError(msg)
    return value


def positive_seconds(name: str, value: object) -> float:
    """Return ``value`` as float seconds if it is a positive number (bools refused), else raise."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        msg = f"{name}={value!r} must be a positive number of seconds"
        raise JinaConfigError(msg)
    return float(value)

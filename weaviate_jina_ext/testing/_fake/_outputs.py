"""Answering a parsed request: vectors from the embedder, cut, normalised, encoded, wrapped.

The embedder returns full-length vectors; here they are truncated to the requested
``dimensions`` and normalised (unless ``normalized`` is false), mixed for ``late_chunking``,
split per word for multi-vector outputs, encoded as ``float``, ``base64``, ``binary`` or
``ubinary``, and wrapped in the response body the real API sends. Rerank scores are the
cosine of query and document vectors mapped to [0, 1].

numpy is imported on first use, so importing this module stays cheap.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, Final

from weaviate_jina_ext.testing._fake._answers import ErrorAnswer
from weaviate_jina_ext.testing._fake._embedder import (
    hashing_embedder,
    hashing_prefix,
    norms,
    split_words,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    import numpy.typing as npt

    from weaviate_jina_ext.testing._fake._embedder import EmbedFn
    from weaviate_jina_ext.testing._fake._parsing import EmbedJob, RerankJob

    FloatMatrix = npt.NDArray[np.float32]

__all__ = ["embeddings_body", "rerank_body", "vectors"]

_RERANK_DIMS: Final = 256  # private embedding size used to score rerank pairs
_LATE_CHUNK_WEIGHT: Final = 0.25
_TOKEN_CONTEXT_WEIGHT: Final = 0.3


def _as_matrix(raw: object, rows: int, dims: int) -> FloatMatrix:
    import numpy as np  # noqa: PLC0415

    matrix = np.asarray(raw, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != rows or matrix.shape[1] < dims:
        msg = (
            f"embed_fn returned an array of shape {matrix.shape}; expected ({rows}, {dims}) - "
            "one vector of the requested length per input"
        )
        raise ErrorAnswer(500, msg)
    return matrix


def _finish(
    matrix: npt.NDArray[Any], out_dims: int, *, normalized: bool
) -> npt.NDArray[np.float32]:
    import numpy as np  # noqa: PLC0415

    cut = matrix[..., :out_dims].astype(np.float64)
    if normalized:
        cut /= norms(cut)
    return np.ascontiguousarray(cut, dtype=np.float32)


def _encode(vector: npt.NDArray[np.float32], kind: str) -> object:
    import numpy as np  # noqa: PLC0415

    if kind == "float":
        return vector
    if kind == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    bits = np.packbits(vector > 0)
    if kind == "ubinary":
        return bits
    return (bits.astype(np.int16) - 128).astype(np.int8)


def _encode_all(value: npt.NDArray[np.float32], job: EmbedJob) -> object:
    def one(kind: str) -> object:
        if value.ndim == 1 or kind == "float":
            return _encode(value, kind)
        return [_encode(row, kind) for row in value]

    if job.listed_types:
        return {kind: one(kind) for kind in job.types}
    return one(job.types[0])


def vectors(embed_fn: EmbedFn, job: EmbedJob) -> FloatMatrix:
    """One finished vector per input of ``job`` (cut, mixed for late chunking, normalised)."""
    import numpy as np  # noqa: PLC0415

    if embed_fn is hashing_embedder and job.normalized and not job.late_chunking:
        # The hot path: unit vectors at once, the full ones as they are, cut ones without
        # finishing the full length first.
        if job.out_dims == job.full_dims:
            return hashing_embedder(job.keys, job.model, job.full_dims, job.task)
        return hashing_prefix(job.keys, job.model, job.full_dims, job.out_dims, job.task)
    raw = embed_fn(job.keys, job.model, job.full_dims, job.task)
    matrix = _as_matrix(raw, len(job.keys), job.out_dims).astype(np.float64)
    if job.late_chunking:
        matrix += _LATE_CHUNK_WEIGHT * matrix.mean(axis=0)
    return _finish(matrix, job.out_dims, normalized=job.normalized)


def _token_vectors(embed_fn: EmbedFn, job: EmbedJob) -> list[FloatMatrix]:
    import numpy as np  # noqa: PLC0415

    per_text = [split_words(key)[: job.token_cap] for key in job.keys]
    flat = [w for ws in per_text for w in ws]
    raw = _as_matrix(
        embed_fn(flat, job.model, job.full_dims, job.task), len(flat), job.out_dims
    ).astype(np.float64)
    out: list[FloatMatrix] = []
    start = 0
    for ws in per_text:
        tokens = raw[start : start + len(ws)]
        start += len(ws)
        tokens = tokens + _TOKEN_CONTEXT_WEIGHT * tokens.mean(axis=0)
        out.append(_finish(tokens, job.out_dims, normalized=True))
    return out


def embeddings_body(embed_fn: EmbedFn, job: EmbedJob) -> dict[str, Any]:
    """The JSON answer of an embeddings or multi-vector request."""
    outputs: Sequence[npt.NDArray[np.float32]]
    outputs = _token_vectors(embed_fn, job) if job.per_token else list(vectors(embed_fn, job))
    field_name = "embeddings" if job.per_token else "embedding"
    name = job.object_name
    if job.types == ("float",) and not job.listed_types:  # the common case, without calls
        data = [{"object": name, "index": i, field_name: v} for i, v in enumerate(outputs)]
    else:
        data = [
            {"object": name, "index": i, field_name: _encode_all(v, job)}
            for i, v in enumerate(outputs)
        ]
    return {
        "model": job.model,
        "object": "list",
        "usage": {"total_tokens": job.tokens, "prompt_tokens": job.tokens},
        "data": data,
    }


def rerank_body(embed_fn: EmbedFn, job: RerankJob) -> dict[str, Any]:
    """The JSON answer of a rerank request: documents by descending score.

    Each ``document`` is returned as it was sent: a string, or the object with its fields.
    """
    import numpy as np  # noqa: PLC0415

    keys = [job.query.key, *(d.key for d in job.documents)]
    raw = _as_matrix(embed_fn(keys, job.model, _RERANK_DIMS, None), len(keys), 1)
    unit = _finish(raw.astype(np.float64), raw.shape[1], normalized=True)
    cosines = unit[1:].astype(np.float64) @ unit[0].astype(np.float64)
    scores = np.clip((1.0 + cosines) / 2.0, 0.0, 1.0)
    order = sorted(range(len(job.documents)), key=lambda i: (-scores[i], i))
    if job.top_n is not None:
        order = order[: job.top_n]
    results: list[dict[str, Any]] = []
    for i in order:
        result: dict[str, Any] = {"index": i, "relevance_score": float(scores[i])}
        if job.return_documents:
            result["document"] = job.documents[i].source
        results.append(result)
    # The live answer's shape (weaviate/weaviate#9709, 2025-11-17): usage has total_tokens only.
    return {
        "model": job.model,
        "object": "list",
        "usage": {"total_tokens": job.tokens},
        "results": results,
    }

"""Config builders: identical output to the client's own factories, and early, clear errors."""

from __future__ import annotations

from typing import Any

import pytest
from weaviate.classes.config import Configure, Multi2VecField

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure

BASE = "http://127.0.0.1:8765"


def _dump(config: Any) -> Any:
    return config._to_dict()


CASES: list[tuple[str, Any, Any]] = [
    (
        "vectors-basic",
        lambda: JinaConfigure.Vectors.text2vec_jinaai(),
        lambda: Configure.Vectors.text2vec_jinaai(
            model="jina-embeddings-v2-base-en", vectorize_collection_name=False
        ),
    ),
    (
        "vectors-full",
        lambda: JinaConfigure.Vectors.text2vec_jinaai(
            name="body", model="jina-embeddings-v3", dimensions=256, base_url=BASE,
            source_properties=["title", "body"], vectorize_collection_name=False,
            vector_index_config=Configure.VectorIndex.hnsw(ef=64),
            quantizer=Configure.VectorIndex.Quantizer.bq(),
        ),
        lambda: Configure.Vectors.text2vec_jinaai(
            name="body", model="jina-embeddings-v3", dimensions=256, base_url=BASE,
            source_properties=["title", "body"], vectorize_collection_name=False,
            vector_index_config=Configure.VectorIndex.hnsw(ef=64),
            quantizer=Configure.VectorIndex.Quantizer.bq(),
        ),
    ),
    (
        "vectors-multi2vec",
        lambda: JinaConfigure.Vectors.multi2vec_jinaai(
            image_fields=[Multi2VecField(name="img", weight=0.7)],
            text_fields=[Multi2VecField(name="caption", weight=0.3)],
            dimensions=512, base_url=BASE,
        ),
        lambda: Configure.Vectors.multi2vec_jinaai(
            image_fields=[Multi2VecField(name="img", weight=0.7)],
            text_fields=[Multi2VecField(name="caption", weight=0.3)],
            dimensions=512, base_url=BASE, model="jina-clip-v2",  # type: ignore[arg-type]
        ),
    ),
    (
        "multivectors-colbert",
        lambda: JinaConfigure.MultiVectors.text2vec_jinaai(name="colbert", dimensions=96),
        lambda: Configure.MultiVectors.text2vec_jinaai(
            name="colbert", dimensions=96, model="jina-colbert-v2", vectorize_collection_name=False
        ),
    ),
    (
        "multivectors-multi2multivec",
        lambda: JinaConfigure.MultiVectors.multi2vec_jinaai(name="mm", image_fields=["img"]),
        lambda: Configure.MultiVectors.multi2vec_jinaai(
            name="mm", image_fields=["img"], model="jina-embeddings-v4"
        ),
    ),
    (
        "vectorizer-text",
        lambda: JinaConfigure.Vectorizer.text2vec_jinaai(model="jina-embeddings-v4", dimensions=1024),
        lambda: Configure.Vectorizer.text2vec_jinaai(
            model="jina-embeddings-v4", dimensions=1024, vectorize_collection_name=False
        ),
    ),
    (
        "vectorizer-multi2vec",
        lambda: JinaConfigure.Vectorizer.multi2vec_jinaai(text_fields=["t"], model="jina-clip-v1"),
        lambda: Configure.Vectorizer.multi2vec_jinaai(text_fields=["t"], model="jina-clip-v1"),
    ),
    (
        "named-text",
        lambda: JinaConfigure.NamedVectors.text2vec_jinaai("title", source_properties=["title"]),
        lambda: Configure.NamedVectors.text2vec_jinaai(
            "title", source_properties=["title"], model="jina-embeddings-v2-base-en",
            vectorize_collection_name=False,
        ),
    ),
    (
        "named-multi2vec",
        lambda: JinaConfigure.NamedVectors.multi2vec_jinaai("mm", image_fields=["img"]),
        lambda: Configure.NamedVectors.multi2vec_jinaai(
            "mm", image_fields=["img"], model="jina-clip-v2"
        ),
    ),
    (
        "named-colbert",
        lambda: JinaConfigure.NamedVectors.text2colbert_jinaai("c", dimensions=64),
        lambda: Configure.NamedVectors.text2colbert_jinaai(
            "c", dimensions=64, model="jina-colbert-v2", vectorize_collection_name=False
        ),
    ),
    (
        "reranker",
        lambda: JinaConfigure.Reranker.jinaai(),
        lambda: Configure.Reranker.jinaai(model="jina-reranker-v2-base-multilingual"),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("ours", "theirs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_builder_equals_client(ours: Any, theirs: Any) -> None:
    """Each builder returns the same type and serialized config as the raw client call."""
    a, b = ours(), theirs()
    assert type(a) is type(b)
    assert _dump(a) == _dump(b)


def test_model_always_explicit() -> None:
    """Without model= the documented default is written into the config, never left to the server."""
    config = _dump(JinaConfigure.Vectors.text2vec_jinaai())
    assert config["vectorizer"]["text2vec-jinaai"]["model"] == "jina-embeddings-v2-base-en"


BAD: list[tuple[str, Any, type[Exception], list[str]]] = [
    ("fixed-model-dims", lambda: JinaConfigure.Vectors.text2vec_jinaai(dimensions=256),
     wje.InvalidDimensionsError, ["dimensions=256", "jina-embeddings-v2-base-en", "fixed output of 768"]),
    ("v3-too-big", lambda: JinaConfigure.Vectors.text2vec_jinaai(model="jina-embeddings-v3", dimensions=4096),
     wje.InvalidDimensionsError, ["dimensions=4096", "32-1024"]),
    ("reranker-in-vectorizer",
     lambda: JinaConfigure.Vectors.text2vec_jinaai(model="jina-reranker-v2-base-multilingual"),
     wje.ModelModuleMismatchError, ["reranker", "text2vec-jinaai"]),
    ("text-model-in-reranker", lambda: JinaConfigure.Reranker.jinaai(model="jina-embeddings-v3"),
     wje.ModelModuleMismatchError, ["reranker-jinaai"]),
    ("clip-in-text2vec", lambda: JinaConfigure.Vectorizer.text2vec_jinaai(model="jina-clip-v2"),
     wje.ModelModuleMismatchError, ["multi2vec-jinaai"]),
    ("colbert-dims", lambda: JinaConfigure.MultiVectors.text2vec_jinaai(dimensions=100),
     wje.InvalidDimensionsError, ["64, 96, 128"]),
    ("clip-v1-dims", lambda: JinaConfigure.Vectors.multi2vec_jinaai(model="jina-clip-v1", dimensions=512, image_fields=["i"]),
     wje.InvalidDimensionsError, ["768"]),
    ("no-fields", lambda: JinaConfigure.Vectors.multi2vec_jinaai(),
     wje.JinaConfigError, ["image_fields", "text_fields"]),
    ("bad-base-url", lambda: JinaConfigure.Vectors.text2vec_jinaai(base_url="api.jina.ai"),
     wje.JinaConfigError, ["base_url='api.jina.ai'", "https://api.jina.ai"]),
    ("base-url-with-path", lambda: JinaConfigure.NamedVectors.text2vec_jinaai("v", base_url="https://api.jina.ai/v1/embeddings"),
     wje.JinaConfigError, ["endpoint path", "https://api.jina.ai"]),
    ("empty-model", lambda: JinaConfigure.Vectors.text2vec_jinaai(model=""),
     wje.JinaConfigError, ["model must be"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "error", "fragments"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_config_rejected(build: Any, error: type[Exception], fragments: list[str]) -> None:
    """Bad combinations raise before anything is built, naming the value and what is allowed."""
    with pytest.raises(error) as info:
        build()
    for fragment in fragments:
        assert fragment in str(info.value)


def test_unknown_model_warns_at_caller() -> None:
    """An unknown model is passed through with a warning pointing at the caller's line."""
    with pytest.warns(wje.UnknownModelWarning) as record:
        config = JinaConfigure.Vectors.text2vec_jinaai(model="jina-embeddings-v9", dimensions=77)
    assert record[0].filename == __file__
    assert _dump(config)["vectorizer"]["text2vec-jinaai"]["model"] == "jina-embeddings-v9"


def test_config_errors_are_value_errors() -> None:
    """Config errors are ValueErrors too, so generic handlers catch them."""
    with pytest.raises(ValueError, match="dimensions"):
        JinaConfigure.Vectors.text2vec_jinaai(dimensions=1)

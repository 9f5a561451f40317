"""The model catalogue: complete, consistent, and the single judge of dimensions and tasks."""

from __future__ import annotations

import re
from typing import get_args

import pytest
from weaviate.collections.classes.config import RerankerJinaAIModel
from weaviate.collections.classes.config_vectorizers import JinaModel, JinaMultimodalModel

import weaviate_jina_ext as wje
from weaviate_jina_ext._catalogue import check_dimensions, check_model_for_module, check_task


def test_catalogue_covers_client_literals() -> None:
    """Every model name the client's type hints list for the Jina modules is in the catalogue."""
    names = {m.name for m in wje.list_models()}
    for literal in (JinaModel, JinaMultimodalModel, RerankerJinaAIModel):
        assert set(get_args(literal)) <= names


def test_defaults_are_inside_ranges() -> None:
    """Each embedding model's default dimensions is one of the values it accepts."""
    for model in wje.list_models():
        if model.default_dimensions is None:
            assert model.kind == "reranker"
        elif model.takes_dimensions:
            check_dimensions(model.name, model.default_dimensions)


def test_list_models_filters() -> None:
    """list_models filters by module and by kind."""
    text = wje.list_models(module="text2vec-jinaai")
    assert "jina-embeddings-v3" in {m.name for m in text}
    assert all("text2vec-jinaai" in m.modules for m in text)
    rerankers = wje.list_models(kind="reranker")
    assert rerankers
    assert all(m.kind == "reranker" for m in rerankers)


def test_get_model_unknown_lists_known() -> None:
    """get_model on an unknown name raises an error listing the known names."""
    with pytest.raises(wje.UnknownModelError, match="jina-embeddings-v3"):
        wje.get_model("jina-embeddings-v99")
    assert wje.find_model("jina-embeddings-v99") is None


@pytest.mark.parametrize(
    ("model", "dims", "allowed"),
    [
        ("jina-embeddings-v3", 31, "32-1024"),
        ("jina-embeddings-v3", 1025, "32-1024"),
        ("jina-embeddings-v4", 64, "128-2048"),
        ("jina-clip-v2", 32, "64-1024"),
        ("jina-colbert-v2", 100, "one of 64, 96, 128"),
        ("jina-embeddings-v2-base-en", 768, "fixed output of 768"),
        ("jina-clip-v1", 512, "one of 768"),
    ],
)
def test_bad_dimensions(model: str, dims: int, allowed: str) -> None:
    """Dimensions outside what the model produces name the model, the value and what is allowed."""
    with pytest.raises(wje.InvalidDimensionsError) as info:
        check_dimensions(model, dims)
    assert f"dimensions={dims}" in str(info.value)
    assert model in str(info.value)
    assert allowed in str(info.value)


@pytest.mark.parametrize(
    ("model", "dims"),
    [("jina-embeddings-v3", 32), ("jina-embeddings-v3", 1024), ("jina-embeddings-v4", 128),
     ("jina-colbert-v2", 96), ("jina-embeddings-v5-text-nano", 768), ("unknown-model", 7)],
)  # fmt: skip
def test_good_dimensions(model: str, dims: int) -> None:
    """Dimensions inside the range (and anything for unknown models) pass."""
    check_dimensions(model, dims)


def test_dimensions_must_be_int() -> None:
    """A non-int dimensions value is rejected with its type named."""
    with pytest.raises(wje.InvalidDimensionsError, match="float"):
        check_dimensions("jina-embeddings-v3", 256.0)  # type: ignore[arg-type]


def test_tasks() -> None:
    """Tasks are checked per model: v2 takes none, v3 and v4 take their own lists."""
    check_task("jina-embeddings-v3", "retrieval.passage")
    check_task("jina-embeddings-v4", "code.query")
    with pytest.raises(wje.InvalidTaskError, match="takes no task"):
        check_task("jina-embeddings-v2-base-en", "retrieval.query")
    with pytest.raises(wje.InvalidTaskError, match=r"allowed: retrieval\.query"):
        check_task("jina-embeddings-v3", "code.query")


def test_module_mismatch_lists_alternatives() -> None:
    """A reranker in a vectorizer is rejected, naming the models that module takes."""
    with pytest.raises(wje.ModelModuleMismatchError) as info:
        check_model_for_module("jina-reranker-v2-base-multilingual", "text2vec-jinaai")
    assert "jina-embeddings-v2-base-en" in str(info.value)


def test_unknown_model_warns() -> None:
    """An unknown model passes with a warning that validation was skipped."""
    with pytest.warns(wje.UnknownModelWarning, match="unvalidated"):
        assert check_model_for_module("jina-embeddings-v9", "text2vec-jinaai") is None


def test_weaviate_sends_task_only_for_v3_and_clip() -> None:
    """The catalogue knows Weaviate sends task/normalized only for v3 and CLIP models."""
    sends = {m.name for m in wje.list_models() if m.weaviate_sends_task}
    assert sends == {"jina-embeddings-v3", "jina-clip-v1", "jina-clip-v2"}


def test_model_info_is_frozen() -> None:
    """Catalogue entries cannot be changed by users."""
    info = wje.get_model("jina-embeddings-v3")
    with pytest.raises(AttributeError):
        info.max_tokens = 1  # type: ignore[misc]


def test_every_row_names_its_source_and_date() -> None:
    """Each row says where its facts come from and the date of that source."""
    for model in wje.list_models():
        assert model.source, model.name
        assert re.fullmatch(r"20\d\d(-\d\d){0,2}", model.source_date), model.name


@pytest.mark.parametrize(
    ("name", "kind", "dims", "dim_range", "max_tokens", "inputs"),
    [
        ("jina-embeddings-v5-omni-small", "multimodal-embedding", 1024, (32, 1024), 32768,
         {"text", "image", "pdf", "audio", "video"}),
        ("jina-embeddings-v5-omni-nano", "multimodal-embedding", 768, (32, 768), 8192,
         {"text", "image", "pdf", "audio", "video"}),
        ("jina-code-embeddings-0.5b", "text-embedding", 896, (64, 896), 32768, {"text"}),
        ("jina-code-embeddings-1.5b", "text-embedding", 1536, (128, 1536), 32768, {"text"}),
        ("jina-reranker-v3.5", "reranker", None, (None, None), 131072, {"text"}),
    ],
)  # fmt: skip
def test_2026_models_are_catalogued(
    name: str,
    kind: str,
    dims: int | None,
    dim_range: tuple[int | None, int | None],
    max_tokens: int,
    inputs: set[str],
) -> None:
    """The models Jina added in 2026, with the figures of jina.ai's model pages."""
    info = wje.get_model(name)
    assert (info.kind, info.default_dimensions, info.max_tokens) == (kind, dims, max_tokens)
    assert (info.min_dimensions, info.max_dimensions) == dim_range
    assert set(info.inputs) == inputs


def test_code_models_take_their_own_tasks() -> None:
    """Code models take nl2code/code2code/code2nl/code2completion/qa, each query and passage."""
    for name in ("jina-code-embeddings-0.5b", "jina-code-embeddings-1.5b"):
        info = wje.get_model(name)
        assert len(info.tasks) == 10
        check_task(name, "code2completion.passage")
        with pytest.raises(wje.InvalidTaskError, match=r"allowed: nl2code\.query"):
            check_task(name, "retrieval.query")


def test_late_chunking_per_model() -> None:
    """Late chunking: v3, v4, v5-text and clip-v2 (their schemas have it); no code or v2 model."""
    takes = {m.name for m in wje.list_models() if m.takes_late_chunking}
    assert takes == {
        "jina-embeddings-v3",
        "jina-embeddings-v4",
        "jina-embeddings-v5-text-small",
        "jina-embeddings-v5-text-nano",
        "jina-clip-v2",
    }


def test_v4_matryoshka_values_match_its_model_card() -> None:
    """v4 was trained at 128-2048 in doublings (Hugging Face card); the range spans them."""
    v4 = wje.get_model("jina-embeddings-v4")
    assert v4.matryoshka == (128, 256, 512, 1024, 2048)
    assert (v4.min_dimensions, v4.max_dimensions) == (v4.matryoshka[0], v4.matryoshka[-1])
    for model in wje.list_models():
        assert all(model.accepts_dimensions(d) for d in model.matryoshka), model.name


def test_body_fields_follow_each_model_schema() -> None:
    """The request fields the API takes differ per model (Jina API guide v14, 2026)."""
    v2 = wje.get_model("jina-embeddings-v2-base-en").body_fields("embeddings")
    v4 = wje.get_model("jina-embeddings-v4").body_fields("embeddings")
    code = wje.get_model("jina-code-embeddings-0.5b").body_fields("embeddings")
    assert {"task", "return_multivector"}.isdisjoint(v2)
    assert "truncate" in v2
    assert "normalized" not in v4
    assert {"task", "late_chunking", "return_multivector"} <= v4
    assert {"normalized", "late_chunking"}.isdisjoint(code)
    assert "encoding_format" in v2 & v4 & code
    reranker = wje.get_model("jina-reranker-v3.5").body_fields("rerank")
    assert reranker == {"model", "query", "documents", "top_n", "return_documents"}

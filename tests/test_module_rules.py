"""Per-module rules of Weaviate's Jina modules: what each refuses, what each sends."""

from __future__ import annotations

from typing import Any

import pytest

from weaviate_jina_ext import JinaConfigError
from weaviate_jina_ext._module_rules import (
    WeaviateSends,
    canonical_module,
    combine_vectors,
    dimensions_problems,
    field_names_and_weights,
    model_problems,
    module_config_problems,
    multi2multivec_field_problems,
    multi2vec_field_problems,
    text_property_problems,
    weaviate_sends,
)

T2V, T2MV, M2V, M2MV, RR = (
    "text2vec-jinaai",
    "text2multivec-jinaai",
    "multi2vec-jinaai",
    "multi2multivec-jinaai",
    "reranker-jinaai",
)


# --------------------------------------------------------------------------- what is sent

SENDS: list[tuple[str, str, str, bool, int | None, dict[str, Any]]] = [
    # (id, module, model, query, dimensions, body fields besides input and model)
    ("t2v-v3-object", T2V, "jina-embeddings-v3", False, None,
     {"embedding_type": "float", "normalized": False, "task": "retrieval.passage"}),
    ("t2v-v3-query", T2V, "jina-embeddings-v3", True, 256,
     {"embedding_type": "float", "normalized": False, "task": "retrieval.query", "dimensions": 256}),
    ("t2v-v4-query-no-task", T2V, "jina-embeddings-v4", True, None, {"embedding_type": "float"}),
    ("t2v-v5-object-no-task", T2V, "jina-embeddings-v5-text-small", False, 512,
     {"embedding_type": "float", "dimensions": 512}),
    ("colbert-always-dims", T2MV, "jina-colbert-v2", True, None,
     {"embedding_type": "float", "dimensions": 128}),
    ("clip-object-nothing", M2V, "jina-clip-v2", False, 512,
     {"embedding_type": "float", "dimensions": 512}),
    ("clip-query-normalized-true", M2V, "jina-clip-v2", True, 512,
     {"embedding_type": "float", "normalized": True, "task": "retrieval.query", "dimensions": 512}),
    ("clip-v1-query", M2V, "jina-clip-v1", True, None,
     {"embedding_type": "float", "normalized": True, "task": "retrieval.query"}),
    ("m2v-v4-query-no-task", M2V, "jina-embeddings-v4", True, None, {"embedding_type": "float"}),
    ("m2mv-object", M2MV, "jina-embeddings-v4", False, None,
     {"embedding_type": "float", "return_multivector": True}),
    ("m2mv-query", M2MV, "jina-embeddings-v4", True, None,
     {"embedding_type": "float", "return_multivector": True}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("module", "model", "query", "dims", "fields"),
    [c[1:] for c in SENDS],
    ids=[c[0] for c in SENDS],
)
def test_weaviate_sends(
    module: str, model: str, query: bool, dims: int | None, fields: dict[str, Any]
) -> None:
    """Each module's body fields match the Weaviate 1.39 source, per model and call kind."""
    assert weaviate_sends(module, model, query=query, dimensions=dims).body_fields() == fields


def test_multimodal_inputs_only_for_multi_object_vectors() -> None:
    """Object vectors of multi2* modules send {"text"}/{"image"} objects; queries send strings."""
    assert weaviate_sends(M2V, "jina-clip-v2", query=False).multimodal_input
    assert not weaviate_sends(M2V, "jina-clip-v2", query=True).multimodal_input
    assert not weaviate_sends(T2V, "jina-clip-v2", query=False).multimodal_input
    assert weaviate_sends(T2MV, "jina-colbert-v2", query=False).path == "/v1/multi-vector"


def test_sends_for_alias_and_refuses_reranker() -> None:
    """The ColBERT alias resolves; the reranker has no embedding request."""
    assert canonical_module("text2colbert-jinaai") == T2MV
    assert isinstance(
        weaviate_sends("text2colbert-jinaai", "jina-colbert-v2", query=False), WeaviateSends
    )
    with pytest.raises(JinaConfigError, match="no embedding request"):
        weaviate_sends(RR, "jina-reranker-v2-base-multilingual", query=True)


# --------------------------------------------------------------------------- models and dimensions


def test_model_problems_delegates_to_catalogue() -> None:
    """A known model of the wrong kind is a problem naming the module's models; unknown passes."""
    (problem,) = model_problems(T2V, "jina-reranker-v2-base-multilingual")
    assert "not by text2vec-jinaai" in problem
    assert "jina-embeddings-v3" in problem
    assert model_problems(T2V, "jina-embeddings-v3") == []
    assert model_problems(T2V, "jina-embeddings-v99-future") == []
    assert model_problems("text2colbert-jinaai", "jina-colbert-v2") == []


DIMS: list[tuple[str, str, str, object, str | None]] = [
    ("clip-v1-768-ok", M2V, "jina-clip-v1", 768, None),
    ("clip-v1-512-refused", M2V, "jina-clip-v1", 512, "exactly 768"),
    ("clip-v2-64-ok", M2V, "jina-clip-v2", 64, None),
    ("clip-v2-1024-ok", M2V, "jina-clip-v2", 1024, None),
    ("clip-v2-63-refused", M2V, "jina-clip-v2", 63, "64-1024"),
    ("clip-v2-1025-refused", M2V, "jina-clip-v2", 1025, "64-1024"),
    ("v3-too-big", T2V, "jina-embeddings-v3", 4096, "32-1024"),
    ("v2-fixed", T2V, "jina-embeddings-v2-base-en", 512, "leave dimensions unset"),
    ("colbert-choice", T2MV, "jina-colbert-v2", 100, "64, 96, 128"),
    ("m2mv-none-allowed", M2MV, "jina-embeddings-v4", 128, "leave dimensions unset"),
    ("negative", T2V, "jina-embeddings-v99", -3, "positive int"),
    ("bool-is-not-int", T2V, "jina-embeddings-v3", True, "must be an int"),
    ("unset", M2V, "jina-clip-v1", None, None),
]


@pytest.mark.parametrize(
    ("module", "model", "dims", "fragment"), [c[1:] for c in DIMS], ids=[c[0] for c in DIMS]
)
def test_dimensions_problems(module: str, model: str, dims: object, fragment: str | None) -> None:
    """Dimensions are refused where the module or the API would refuse them, with the fix."""
    problems = dimensions_problems(module, model, dims)
    if fragment is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert fragment in problems[0]


# --------------------------------------------------------------------------- fields


M2MV_FIELDS: list[tuple[str, Any, Any, Any, list[str]]] = [
    ("one-text", ["body"], None, None, []),
    ("one-image", None, ["img"], None, []),
    ("none", None, None, None, ["exactly one field"]),
    ("both", ["body"], ["img"], None, ["not both"]),
    ("two-texts", ["a", "b"], None, None, ["one property", "'a', 'b'"]),
    ("weights", ["body"], None, {"textFields": [1.0]}, ["no field weights"]),
    ("empty-list", [], None, None, ["names no property"]),
    ("empty-name", [""], None, None, ["non-empty property names"]),
]


@pytest.mark.parametrize(
    ("text", "image", "weights", "fragments"),
    [c[1:] for c in M2MV_FIELDS],
    ids=[c[0] for c in M2MV_FIELDS],
)
def test_multi2multivec_fields(text: Any, image: Any, weights: Any, fragments: list[str]) -> None:
    """multi2multivec-jinaai: exactly one of text/image fields, one property, no weights."""
    problems = " | ".join(multi2multivec_field_problems(text, image, weights))
    if not fragments:
        assert problems == ""
    for fragment in fragments:
        assert fragment in problems


M2V_FIELDS: list[tuple[str, Any, Any, Any, list[str]]] = [
    ("text-and-image", ["caption"], ["img"], None, []),
    ("weighted", ["a", "b"], ["img"], {"textFields": [0.2, 0.8], "imageFields": [1]}, []),
    ("none", None, None, None, ["none were given"]),
    ("partial-weights", ["a", "b"], None, {"textFields": [0.5]}, ["2 properties but 1 weights"]),
    ("unsorted-weighted", ["title", "caption"], None, {"textFields": [0.7, 0.3]},
     ["alphabetical", "['caption', 'title']"]),
    ("unsorted-equal-weights-ok", ["title", "caption"], None, {"textFields": [1, 1]}, []),
    ("weights-without-fields", ["a"], None, {"imageFields": [1.0]}, ["image_fields, which is not set"]),
    ("bad-weight", ["a"], None, {"textFields": ["x"]}, ["must be numbers"]),
    ("string-not-list", "caption", None, None, ["list of property names"]),
    ("one-kind-weighted", ["t"], ["img"], {"textFields": [1.0]}, ["weight every field"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "image", "weights", "fragments"),
    [c[1:] for c in M2V_FIELDS],
    ids=[c[0] for c in M2V_FIELDS],
)
def test_multi2vec_fields(text: Any, image: Any, weights: Any, fragments: list[str]) -> None:
    """multi2vec-jinaai: some field, weights one per field and in the order Weaviate applies."""
    problems = " | ".join(multi2vec_field_problems(text, image, weights))
    if not fragments:
        assert problems == ""
    for fragment in fragments:
        assert fragment in problems


def test_field_names_and_weights_like_the_client() -> None:
    """Names and weights are read as the client stores them (missing weights dropped)."""
    from weaviate.classes.config import Multi2VecField  # noqa: PLC0415

    texts, images, weights = field_names_and_weights(
        [Multi2VecField(name="a", weight=2), Multi2VecField(name="b")], ["img"]
    )
    assert (texts, images, weights) == (["a", "b"], ["img"], {"textFields": [2]})


def test_combine_vectors_is_weaviates_mean() -> None:
    """Plain mean without weights; with weights, the weighted sum divided by the count."""
    assert combine_vectors([[1.0, 2.0], [3.0, 6.0]]) == [2.0, 4.0]
    assert combine_vectors([[1.0, 0.0], [0.0, 1.0]], [0.75, 0.25]) == [0.375, 0.125]
    assert combine_vectors([]) == []
    # Unequal lengths (a lying server): each position over the vectors that reach it.
    assert combine_vectors([[1.0, 2.0, 9.0], [3.0, 4.0]]) == [2.0, 3.0, 9.0]


# --------------------------------------------------------------------------- text properties


def test_colbert_without_text_property() -> None:
    """ColBERT (and text2vec) need a text property that is not skipped (Weaviate #8668)."""
    props = {"n": "int", "title": "text", "tags": "text[]"}
    assert text_property_problems(T2MV, props) == []
    assert text_property_problems(T2MV, props, skipped={"title"}) == []
    (refused,) = text_property_problems(T2MV, props, skipped={"title", "tags"})
    assert "invalid properties" in refused
    assert "add a text property" in refused
    (same_vector,) = text_property_problems(
        "text2colbert-jinaai", {"n": "int"}, vectorize_collection_name=True
    )
    assert "collection name alone" in same_vector
    assert text_property_problems(M2V, {"n": "int"}) == []


def test_source_properties_count_other_types() -> None:
    """With source_properties, a named int property is something to embed; an absent one is not."""
    assert text_property_problems(T2V, {"n": "int"}, source_properties=["n"]) == []
    (problem,) = text_property_problems(T2V, {"n": "int"}, source_properties=["missing"])
    assert "source_properties=['missing']" in problem


# --------------------------------------------------------------------------- stored configs


def test_module_config_problems_on_stored_configs() -> None:
    """A stored config (server keys) is linted with every rule of its module."""
    assert (
        module_config_problems(M2MV, {"model": "jina-embeddings-v4", "textFields": ["body"]}) == []
    )
    broken = module_config_problems(
        M2MV,
        {"model": "jina-embeddings-v4", "textFields": ["a", "b"], "imageFields": ["i"],
         "weights": {"textFields": [1, 2]}},
    )  # fmt: skip
    assert len(broken) == 3
    clip = module_config_problems(
        M2V, {"model": "jina-clip-v1", "dimensions": 512, "imageFields": ["img"]}
    )
    assert len(clip) == 1
    assert "exactly 768" in clip[0]
    colbert = module_config_problems(
        "text2colbert-jinaai",
        {"model": "jina-colbert-v2", "dimensions": 128, "vectorizeClassName": False},
        {"n": "int"},
    )
    assert "invalid properties" in colbert[0]
    wrong_model = module_config_problems(RR, {"model": "jina-embeddings-v3"})
    assert "not by reranker-jinaai" in wrong_model[0]
    assert module_config_problems("text2vec-openai", {"model": "x"}) == []


def test_importer_reads_the_colbert_alias_as_a_jina_module() -> None:
    """The importer's view of a vector takes text2colbert-jinaai for the ColBERT module."""
    from weaviate_jina_ext._import._targets import _module_name, _target  # noqa: PLC0415

    module = _module_name("text2colbert-jinaai")
    assert module == T2MV
    target = _target(
        "colbert", module, {"model": "jina-colbert-v2", "dimensions": 96}, None, frozenset()
    )
    assert target.jina
    assert target.multi
    assert target.dimensions == 96

"""Builders refuse what Weaviate's Jina modules refuse, before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest
from weaviate.classes.config import Configure, Multi2VecField

import weaviate_jina_ext as wje
from weaviate_jina_ext import JinaConfigure
from weaviate_jina_ext._configure import DEFAULT_VECTORIZE_COLLECTION_NAME

BASE = "http://jina.example:8765"
MM = JinaConfigure.MultiVectors.multi2vec_jinaai


def _module_config(config: Any, module: str) -> dict[str, Any]:
    dumped: dict[str, Any] = config._to_dict()
    if "vectorizer" not in dumped:  # the older Configure.Vectorizer form is the module config
        return dumped
    return dict(dumped["vectorizer"][module])


# --------------------------------------------------------------------------- multi2multivec (item 7)

M2MV_BAD: list[tuple[str, Any, list[str]]] = [
    ("both-kinds", lambda: MM(name="mm", text_fields=["body"], image_fields=["img"]),
     ["not both", "text_fields=['body']", "image_fields=['img']"]),
    ("two-properties", lambda: MM(name="mm", text_fields=["title", "body"]),
     ["one property", "2", "one named vector per property"]),
    ("weights", lambda: MM(name="mm", image_fields=[Multi2VecField(name="img", weight=0.5)]),
     ["no field weights", "Multi2VecField"]),
    ("no-field", lambda: MM(name="mm"), ["exactly one field"]),
    ("empty-list", lambda: MM(name="mm", text_fields=[]), ["names no property"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "fragments"), [c[1:] for c in M2MV_BAD], ids=[c[0] for c in M2MV_BAD]
)
def test_multi2multivec_invalid_forms_refused(build: Any, fragments: list[str]) -> None:
    """Each form Weaviate answers with a 422 raises JinaConfigError naming the fix."""
    with pytest.raises(wje.JinaConfigError) as info:
        build()
    for fragment in fragments:
        assert fragment in str(info.value)


def test_multi2multivec_valid_forms_equal_client() -> None:
    """One property of one kind, unweighted, builds exactly what the client builds."""
    forms: list[dict[str, Any]] = [
        {"text_fields": ["body"]},
        {"image_fields": [Multi2VecField(name="img")]},
    ]
    for kwargs in forms:
        ours = MM(name="mm", base_url=BASE, **kwargs)
        theirs = Configure.MultiVectors.multi2vec_jinaai(
            name="mm",
            base_url=BASE,  # type: ignore[arg-type]
            model="jina-embeddings-v4",
            **kwargs,
        )
        assert ours._to_dict() == theirs._to_dict()


# --------------------------------------------------------------------------- multi2vec (CLIP)


def test_multi2vec_partial_weights_refused() -> None:
    """A weight on some fields only: the client drops the missing one, Weaviate would 422."""
    with pytest.raises(wje.JinaConfigError, match="2 properties but 1 weights"):
        JinaConfigure.Vectors.multi2vec_jinaai(
            text_fields=[Multi2VecField(name="a", weight=0.4), Multi2VecField(name="b")]
        )


def test_multi2vec_unsorted_weights_refused() -> None:
    """Weights on unsorted fields would be applied to the wrong fields by Weaviate."""
    with pytest.raises(wje.JinaConfigError, match=r"\['caption', 'title'\]"):
        JinaConfigure.NamedVectors.multi2vec_jinaai(
            "v",
            text_fields=[
                Multi2VecField(name="title", weight=0.8),
                Multi2VecField(name="caption", weight=0.2),
            ],
        )


def test_clip_v1_accepts_exactly_768() -> None:
    """jina-clip-v1 takes dimensions=768 (the module requires exactly that) and nothing else."""
    config = JinaConfigure.Vectors.multi2vec_jinaai(
        model="jina-clip-v1", dimensions=768, image_fields=["img"]
    )
    assert _module_config(config, "multi2vec-jinaai")["dimensions"] == 768
    with pytest.raises(wje.InvalidDimensionsError, match="exactly 768"):
        JinaConfigure.Vectorizer.multi2vec_jinaai(
            model="jina-clip-v1", dimensions=512, image_fields=["img"]
        )
    with pytest.raises(wje.InvalidDimensionsError, match="64-1024"):
        JinaConfigure.Vectors.multi2vec_jinaai(dimensions=32, image_fields=["img"])


# --------------------------------------------------------------------------- ColBERT base_url (item 8)


def test_colbert_base_url_written_in_both_forms() -> None:
    """base_url lands in the stored ColBERT config as baseURL; the rest equals the client's."""
    ours = JinaConfigure.MultiVectors.text2vec_jinaai(name="c", base_url=BASE + "/", dimensions=96)
    theirs = Configure.MultiVectors.text2vec_jinaai(
        name="c", dimensions=96, model="jina-colbert-v2", vectorize_collection_name=False
    )
    expected = theirs._to_dict()
    expected["vectorizer"]["text2colbert-jinaai"]["baseURL"] = BASE + "/"
    assert ours._to_dict() == expected
    assert type(ours) is type(theirs)
    named = JinaConfigure.NamedVectors.text2colbert_jinaai("c", base_url=BASE)
    assert _module_config(named, "text2colbert-jinaai")["baseURL"] == BASE
    without = JinaConfigure.MultiVectors.text2vec_jinaai(name="c")
    assert "baseURL" not in _module_config(without, "text2colbert-jinaai")


def test_colbert_base_url_checked() -> None:
    """A ColBERT base_url is judged by the same rule as the other builders'."""
    with pytest.raises(wje.JinaConfigError, match="endpoint path"):
        JinaConfigure.MultiVectors.text2vec_jinaai(base_url=BASE + "/v1/multi-vector")
    with pytest.raises(wje.JinaConfigError, match="not an http"):
        JinaConfigure.NamedVectors.text2colbert_jinaai("c", base_url="ftp://x")


# --------------------------------------------------------------------------- vectorize_collection_name (item 9)

TEXT_BUILDERS: list[tuple[str, Any, str]] = [
    ("vectors", lambda **k: JinaConfigure.Vectors.text2vec_jinaai(**k), "text2vec-jinaai"),
    ("multivectors", lambda **k: JinaConfigure.MultiVectors.text2vec_jinaai(**k), "text2colbert-jinaai"),
    ("vectorizer", lambda **k: JinaConfigure.Vectorizer.text2vec_jinaai(**k), "text2vec-jinaai"),
    ("named", lambda **k: JinaConfigure.NamedVectors.text2vec_jinaai("v", **k), "text2vec-jinaai"),
    ("named-colbert", lambda **k: JinaConfigure.NamedVectors.text2colbert_jinaai("v", **k),
     "text2colbert-jinaai"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "module"), [c[1:] for c in TEXT_BUILDERS], ids=[c[0] for c in TEXT_BUILDERS]
)
def test_vectorize_collection_name_default_written_false(build: Any, module: str) -> None:
    """Every text builder writes vectorizeClassName explicitly, False unless asked."""
    assert DEFAULT_VECTORIZE_COLLECTION_NAME is False
    assert _module_config(build(), module)["vectorizeClassName"] is False
    assert _module_config(build(vectorize_collection_name=True), module)["vectorizeClassName"]
    with pytest.raises(wje.JinaConfigError, match="vectorize_collection_name='yes'"):
        build(vectorize_collection_name="yes")


def test_colbert_base_url_only_for_colbert_configs() -> None:
    """The compat shim refuses to graft baseURL onto another module's config."""
    from weaviate_jina_ext._compat import colbert_with_base_url  # noqa: PLC0415

    with pytest.raises(wje.JinaConfigError, match="text2colbert-jinaai"):
        colbert_with_base_url(Configure.Vectors.text2vec_jinaai(), BASE)

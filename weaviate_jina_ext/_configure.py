"""Validated builders for the Jina modules' collection config.

``JinaConfigure`` mirrors the client's ``Configure`` namespaces (``Vectors``,
``MultiVectors``, ``Vectorizer``, ``NamedVectors``, ``Reranker``) with keyword-only
factories of the same names. Each one checks its arguments against the model catalogue,
then calls the client's own factory with the same values and returns exactly what the
client returns: nothing is serialised here.

Two rules differ from the raw client on purpose:

* the model is always written into the collection config. Left implicit, the server picks
  its own default, which moved from ``jina-embeddings-v2-base-en`` to
  ``jina-embeddings-v4`` in Weaviate 1.31.6: the same code would then silently build a
  different embedding space depending on the server version;
* dimensions, the model's fit for the module, the multi2vec fields and ``base_url`` are
  checked before anything reaches the server, with errors that name the allowed values. The
  per-module rules are those of Weaviate's module sources
  (:mod:`weaviate_jina_ext._module_rules`, which ``doctor`` lints existing collections
  with); argument rules are the ones the Jina client applies (:mod:`weaviate_jina_ext._rules`),
  so a value one accepts the other accepts too;
* ``vectorize_collection_name`` defaults to ``False`` (see
  :data:`DEFAULT_VECTORIZE_COLLECTION_NAME`).

Two things the client cannot express are added: ``base_url`` for the ColBERT module (the
server reads it; the client's factory has no parameter for it), through
:func:`weaviate_jina_ext._compat.colbert_with_base_url`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from weaviate.classes.config import Configure

from weaviate_jina_ext._catalogue import (
    MODULE_MULTI2MULTIVEC,
    MODULE_MULTI2VEC,
    MODULE_RERANKER,
    MODULE_TEXT2MULTIVEC,
    MODULE_TEXT2VEC,
    check_model_for_module,
)
from weaviate_jina_ext._compat import colbert_with_base_url
from weaviate_jina_ext._exceptions import InvalidDimensionsError, JinaConfigError
from weaviate_jina_ext._module_rules import (
    dimensions_problems,
    field_names_and_weights,
    multi2multivec_field_problems,
    multi2vec_field_problems,
)
from weaviate_jina_ext._rules import flag, valid_base_url, valid_model_name

if TYPE_CHECKING:
    from weaviate.classes.config import Multi2VecField, VectorConfigCreate
    from weaviate.collections.classes.config import RerankerProvider
    from weaviate.collections.classes.config_base import _QuantizerConfigCreate
    from weaviate.collections.classes.config_vector_index import (
        VectorIndexConfigCreate,
        _MultiVectorConfigCreate,
        _MultiVectorEncodingConfigCreate,
    )

    from weaviate_jina_ext._compat import NamedVectorConfigCreate, VectorizerConfigCreate

__all__ = [
    "DEFAULT_MULTI2MULTIVEC_MODEL",
    "DEFAULT_MULTI2VEC_MODEL",
    "DEFAULT_MULTIVECTOR_MODEL",
    "DEFAULT_RERANKER_MODEL",
    "DEFAULT_TEXT_MODEL",
    "DEFAULT_VECTORIZE_COLLECTION_NAME",
    "JinaConfigure",
]

#: Written explicitly into every text2vec-jinaai config built without ``model=``.
DEFAULT_TEXT_MODEL: Final = "jina-embeddings-v2-base-en"
DEFAULT_MULTI2VEC_MODEL: Final = "jina-clip-v2"
DEFAULT_MULTIVECTOR_MODEL: Final = "jina-colbert-v2"
DEFAULT_MULTI2MULTIVEC_MODEL: Final = "jina-embeddings-v4"
DEFAULT_RERANKER_MODEL: Final = "jina-reranker-v2-base-multilingual"

#: ``vectorize_collection_name`` when not given: the text modules then embed exactly the
#: property values. The server's own default has been ``False`` since Weaviate 1.31.6 (for
#: text2vec-jinaai); the client's factories send ``True``, which puts the collection name
#: (split at capitals, ``"BookReview"`` -> ``"Book Review"``) in front of every object's
#: text, so vectors computed outside Weaviate from the same text would not match, and a
#: renamed copy of a collection would embed differently. multi2vec-jinaai ignores it.
DEFAULT_VECTORIZE_COLLECTION_NAME: Final = False

# Stack depth from the catalogue check to the user's call: builder -> _validate -> check.
_WARN_DEPTH: Final = 3

Fields = list[str] | list["Multi2VecField"]


def _validate(
    module: str, model: object, dimensions: int | None = None, base_url: str | None = None
) -> None:
    # Parameters are typed, but untyped callers pass anything: check at run time too.
    # The model is looked up once; its entry (None when unknown) judges the dimensions.
    name = valid_model_name(model)
    info = check_model_for_module(name, module, stacklevel=_WARN_DEPTH)
    problems = dimensions_problems(module, name, dimensions, info=info)
    if problems:
        raise InvalidDimensionsError("; ".join(problems))
    if base_url is not None:
        valid_base_url(base_url)


def _check_fields(module: str, image_fields: Fields | None, text_fields: Fields | None) -> None:
    texts, images, weights = field_names_and_weights(text_fields, image_fields)
    rule = (
        multi2multivec_field_problems
        if module == MODULE_MULTI2MULTIVEC
        else multi2vec_field_problems
    )
    problems = rule(texts, images, weights)
    if problems:
        raise JinaConfigError("; ".join(problems))


class _Vectors:
    """Builders for ``Configure.Vectors`` (the current vector config API)."""

    @staticmethod
    def text2vec_jinaai(
        *,
        name: str | None = None,
        quantizer: _QuantizerConfigCreate | None = None,
        base_url: str | None = None,
        dimensions: int | None = None,
        model: str = DEFAULT_TEXT_MODEL,
        source_properties: list[str] | None = None,
        vector_index_config: VectorIndexConfigCreate | None = None,
        vectorize_collection_name: bool = DEFAULT_VECTORIZE_COLLECTION_NAME,
    ) -> VectorConfigCreate:
        """A single vector made by ``text2vec-jinaai``, with the model written explicitly.

        Args:
            name: The vector's name (``None`` for the default vector).
            quantizer: Vector index quantization, as for the client.
            base_url: API root the module calls (``https://api.jina.ai`` when unset); point
                it at a Jina-compatible server for offline runs.
            dimensions: Output length for Matryoshka models (v3, v4, v5); must be unset
                for fixed-size models such as the v2 family.
            model: The Jina model (default ``jina-embeddings-v2-base-en``).
            source_properties: Properties to vectorize (all text properties by default).
            vector_index_config: Index settings, as for the client.
            vectorize_collection_name: Whether the collection name is embedded in front of
                the property values (default ``False``, see
                :data:`DEFAULT_VECTORIZE_COLLECTION_NAME`).

        Raises:
            ModelModuleMismatchError: The model is not a text embedding model.
            InvalidDimensionsError: ``dimensions`` does not fit the model.
            JinaConfigError: ``base_url`` is not an http(s) API root (see
                :func:`~weaviate_jina_ext._rules.valid_base_url`).
        """
        _validate(MODULE_TEXT2VEC, model, dimensions, base_url)
        flag("vectorize_collection_name", vectorize_collection_name)
        return Configure.Vectors.text2vec_jinaai(
            name=name,
            quantizer=quantizer,
            base_url=base_url,
            dimensions=dimensions,
            model=model,
            source_properties=source_properties,
            vector_index_config=vector_index_config,
            vectorize_collection_name=vectorize_collection_name,
        )

    @staticmethod
    def multi2vec_jinaai(
        *,
        name: str | None = None,
        quantizer: _QuantizerConfigCreate | None = None,
        base_url: str | None = None,
        dimensions: int | None = None,
        image_fields: Fields | None = None,
        model: str = DEFAULT_MULTI2VEC_MODEL,
        text_fields: Fields | None = None,
        vector_index_config: VectorIndexConfigCreate | None = None,
    ) -> VectorConfigCreate:
        """A single vector made by ``multi2vec-jinaai`` (CLIP) from image and text fields.

        ``image_fields``/``text_fields`` take property names or ``Multi2VecField`` objects
        with weights. Validation as in :meth:`text2vec_jinaai`, plus at least one field.
        """
        _validate(MODULE_MULTI2VEC, model, dimensions, base_url)
        _check_fields(MODULE_MULTI2VEC, image_fields, text_fields)
        return Configure.Vectors.multi2vec_jinaai(
            name=name,
            quantizer=quantizer,
            base_url=base_url,  # type: ignore[arg-type]  # the client coerces str to AnyHttpUrl
            dimensions=dimensions,
            image_fields=image_fields,
            model=model,
            text_fields=text_fields,
            vector_index_config=vector_index_config,
        )


class _MultiVectors:
    """Builders for ``Configure.MultiVectors`` (one vector per token)."""

    @staticmethod
    def text2vec_jinaai(
        *,
        name: str | None = None,
        encoding: _MultiVectorEncodingConfigCreate | None = None,
        quantizer: _QuantizerConfigCreate | None = None,
        base_url: str | None = None,
        dimensions: int | None = None,
        model: str = DEFAULT_MULTIVECTOR_MODEL,
        source_properties: list[str] | None = None,
        multi_vector_config: _MultiVectorConfigCreate | None = None,
        vector_index_config: VectorIndexConfigCreate | None = None,
        vectorize_collection_name: bool = DEFAULT_VECTORIZE_COLLECTION_NAME,
    ) -> VectorConfigCreate:
        """A ColBERT-style multi-vector made by ``text2multivec-jinaai``.

        ``dimensions`` must be one of the model's choices (64, 96 or 128 for
        ``jina-colbert-v2``). ``base_url`` is written as the module's ``baseURL``, which the
        server reads (the client's factory has no parameter for it), so a Jina-compatible
        local server works without a proxy. The collection needs a text property to embed
        (Weaviate refuses it otherwise while ``vectorize_collection_name`` is false).
        """
        _validate(MODULE_TEXT2MULTIVEC, model, dimensions, base_url)
        flag("vectorize_collection_name", vectorize_collection_name)
        config = Configure.MultiVectors.text2vec_jinaai(
            name=name,
            encoding=encoding,
            quantizer=quantizer,
            dimensions=dimensions,
            model=model,
            source_properties=source_properties,
            multi_vector_config=multi_vector_config,
            vector_index_config=vector_index_config,
            vectorize_collection_name=vectorize_collection_name,
        )
        return colbert_with_base_url(config, base_url)

    @staticmethod
    def multi2vec_jinaai(
        *,
        name: str | None = None,
        encoding: _MultiVectorEncodingConfigCreate | None = None,
        quantizer: _QuantizerConfigCreate | None = None,
        base_url: str | None = None,
        image_fields: Fields | None = None,
        model: str = DEFAULT_MULTI2MULTIVEC_MODEL,
        text_fields: Fields | None = None,
        multi_vector_config: _MultiVectorConfigCreate | None = None,
        vector_index_config: VectorIndexConfigCreate | None = None,
    ) -> VectorConfigCreate:
        """A multi-vector (one vector per token) made by ``multi2multivec-jinaai`` (v4).

        The module embeds exactly one property: give ``text_fields=["<property>"]`` or
        ``image_fields=["<property>"]``, one name and no weights (Weaviate refuses anything
        else with a 422; make one named vector per property instead).

        Raises:
            JinaConfigError: Fields other than exactly one property of one kind, or weights.
        """
        _validate(MODULE_MULTI2MULTIVEC, model, None, base_url)
        _check_fields(MODULE_MULTI2MULTIVEC, image_fields, text_fields)
        return Configure.MultiVectors.multi2vec_jinaai(
            name=name,
            encoding=encoding,
            quantizer=quantizer,
            base_url=base_url,  # type: ignore[arg-type]  # the client coerces str to AnyHttpUrl
            image_fields=image_fields,
            model=model,
            text_fields=text_fields,
            multi_vector_config=multi_vector_config,
            vector_index_config=vector_index_config,
        )


class _Vectorizer:
    """Builders for the older ``Configure.Vectorizer`` form (one unnamed vector)."""

    @staticmethod
    def text2vec_jinaai(
        *,
        model: str = DEFAULT_TEXT_MODEL,
        vectorize_collection_name: bool = DEFAULT_VECTORIZE_COLLECTION_NAME,
        base_url: str | None = None,
        dimensions: int | None = None,
    ) -> VectorizerConfigCreate:
        """``Configure.Vectorizer.text2vec_jinaai`` with validation and an explicit model."""
        _validate(MODULE_TEXT2VEC, model, dimensions, base_url)
        flag("vectorize_collection_name", vectorize_collection_name)
        return Configure.Vectorizer.text2vec_jinaai(
            model=model,
            vectorize_collection_name=vectorize_collection_name,
            base_url=base_url,
            dimensions=dimensions,
        )

    @staticmethod
    def multi2vec_jinaai(
        *,
        model: str = DEFAULT_MULTI2VEC_MODEL,
        vectorize_collection_name: bool = DEFAULT_VECTORIZE_COLLECTION_NAME,
        base_url: str | None = None,
        dimensions: int | None = None,
        image_fields: Fields | None = None,
        text_fields: Fields | None = None,
    ) -> VectorizerConfigCreate:
        """``Configure.Vectorizer.multi2vec_jinaai`` with validation and an explicit model."""
        _validate(MODULE_MULTI2VEC, model, dimensions, base_url)
        _check_fields(MODULE_MULTI2VEC, image_fields, text_fields)
        return Configure.Vectorizer.multi2vec_jinaai(
            model=model,
            vectorize_collection_name=vectorize_collection_name,
            base_url=base_url,  # type: ignore[arg-type]  # the client coerces str to AnyHttpUrl
            dimensions=dimensions,
            image_fields=image_fields,
            text_fields=text_fields,
        )


class _NamedVectors:
    """Builders for the older ``Configure.NamedVectors`` form."""

    @staticmethod
    def text2vec_jinaai(
        name: str,
        *,
        base_url: str | None = None,
        dimensions: int | None = None,
        model: str = DEFAULT_TEXT_MODEL,
        source_properties: list[str] | None = None,
        vector_index_config: VectorIndexConfigCreate | None = None,
        vectorize_collection_name: bool = DEFAULT_VECTORIZE_COLLECTION_NAME,
    ) -> NamedVectorConfigCreate:
        """``Configure.NamedVectors.text2vec_jinaai`` with validation and an explicit model."""
        _validate(MODULE_TEXT2VEC, model, dimensions, base_url)
        flag("vectorize_collection_name", vectorize_collection_name)
        return Configure.NamedVectors.text2vec_jinaai(
            name=name,
            base_url=base_url,
            dimensions=dimensions,
            model=model,
            source_properties=source_properties,
            vector_index_config=vector_index_config,
            vectorize_collection_name=vectorize_collection_name,
        )

    @staticmethod
    def multi2vec_jinaai(
        name: str,
        *,
        base_url: str | None = None,
        model: str = DEFAULT_MULTI2VEC_MODEL,
        dimensions: int | None = None,
        image_fields: Fields | None = None,
        text_fields: Fields | None = None,
        vector_index_config: VectorIndexConfigCreate | None = None,
        vectorize_collection_name: bool = DEFAULT_VECTORIZE_COLLECTION_NAME,
    ) -> NamedVectorConfigCreate:
        """``Configure.NamedVectors.multi2vec_jinaai`` with validation and an explicit model."""
        _validate(MODULE_MULTI2VEC, model, dimensions, base_url)
        _check_fields(MODULE_MULTI2VEC, image_fields, text_fields)
        return Configure.NamedVectors.multi2vec_jinaai(
            name=name,
            base_url=base_url,  # type: ignore[arg-type]  # the client coerces str to AnyHttpUrl
            model=model,
            dimensions=dimensions,
            image_fields=image_fields,
            text_fields=text_fields,
            vector_index_config=vector_index_config,
            vectorize_collection_name=vectorize_collection_name,
        )

    @staticmethod
    def text2colbert_jinaai(
        name: str,
        *,
        base_url: str | None = None,
        dimensions: int | None = None,
        model: str = DEFAULT_MULTIVECTOR_MODEL,
        source_properties: list[str] | None = None,
        vector_index_config: VectorIndexConfigCreate | None = None,
        vectorize_collection_name: bool = DEFAULT_VECTORIZE_COLLECTION_NAME,
    ) -> NamedVectorConfigCreate:
        """``Configure.NamedVectors.text2colbert_jinaai`` with validation and an explicit model.

        Takes ``base_url`` too, as :meth:`_MultiVectors.text2vec_jinaai` does.
        """
        _validate(MODULE_TEXT2MULTIVEC, model, dimensions, base_url)
        flag("vectorize_collection_name", vectorize_collection_name)
        config = Configure.NamedVectors.text2colbert_jinaai(
            name=name,
            dimensions=dimensions,
            model=model,
            source_properties=source_properties,
            vector_index_config=vector_index_config,
            vectorize_collection_name=vectorize_collection_name,
        )
        return colbert_with_base_url(config, base_url)


class _Reranker:
    """Builder for ``Configure.Reranker.jinaai``."""

    @staticmethod
    def jinaai(model: str = DEFAULT_RERANKER_MODEL) -> RerankerProvider:
        """``Configure.Reranker.jinaai`` with validation and an explicit model.

        The ``reranker-jinaai`` module always calls ``https://api.jina.ai`` (it has no
        ``base_url``); the rig's transparent mode is how to test it offline.
        """
        _validate(MODULE_RERANKER, model)
        return Configure.Reranker.jinaai(model=model)


class JinaConfigure:
    """Validated twins of the client's ``Configure`` factories for the Jina modules.

    Use them where ``Configure`` would go::

        client.collections.create(
            "Article",
            vector_config=JinaConfigure.Vectors.text2vec_jinaai(model="jina-embeddings-v3"),
        )
    """

    Vectors = _Vectors
    MultiVectors = _MultiVectors
    Vectorizer = _Vectorizer
    NamedVectors = _NamedVectors
    Reranker = _Reranker

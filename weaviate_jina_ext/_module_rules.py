"""What Weaviate's Jina modules accept and send: one rule per module, on plain values.

Weaviate validates a collection's module config when the collection is created and answers
422 when a rule is broken; some mistakes it does not refuse but handles in a surprising way.
These functions know both, for each Jina module, so that:

* the config builders (:mod:`weaviate_jina_ext._configure`) refuse before anything is sent,
  raising :class:`~weaviate_jina_ext.JinaConfigError` with the problems joined;
* the ``doctor`` command lints collections that already exist with the same rules.

Every ``*_problems`` function takes plain values (names, numbers, the module config dict as
Weaviate stores it) and returns a list of messages, each naming the fix; an empty list means
fine. None of them raises for a bad value or sends anything.

:func:`weaviate_sends` says what each module puts in its Jina request besides the inputs
(``task``, ``normalized``, ``dimensions``, ``return_multivector``), for objects and for
queries: vectors computed outside Weaviate must be requested the same way to land in the
same space. The facts are those of the Weaviate 1.39 module sources.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, cast

from weaviate_jina_ext._catalogue import (
    MODULE_MULTI2MULTIVEC,
    MODULE_MULTI2VEC,
    MODULE_RERANKER,
    MODULE_TEXT2MULTIVEC,
    MODULE_TEXT2VEC,
    check_model_for_module,
    find_model,
)
from weaviate_jina_ext._exceptions import (
    InvalidDimensionsError,
    JinaConfigError,
    ModelModuleMismatchError,
)
from weaviate_jina_ext._rules import is_number, valid_dimensions
from weaviate_jina_ext._wire import EMBEDDINGS_PATH, MULTI_VECTOR_PATH

if TYPE_CHECKING:
    from weaviate_jina_ext._catalogue import JinaModelInfo

__all__ = [
    "JINA_MODULES",
    "MODULE_ALIASES",
    "WeaviateSends",
    "canonical_module",
    "combine_vectors",
    "dimensions_problems",
    "field_names_and_weights",
    "model_problems",
    "module_config_problems",
    "multi2multivec_field_problems",
    "multi2vec_field_problems",
    "sends_task",
    "text_property_problems",
    "weaviate_sends",
]

#: The Jina modules of Weaviate, by their current names.
JINA_MODULES: Final = (
    MODULE_TEXT2VEC,
    MODULE_TEXT2MULTIVEC,
    MODULE_MULTI2VEC,
    MODULE_MULTI2MULTIVEC,
    MODULE_RERANKER,
)
#: Older names Weaviate still accepts, mapped to the current one.
MODULE_ALIASES: Final[Mapping[str, str]] = {"text2colbert-jinaai": MODULE_TEXT2MULTIVEC}

#: Data types the text modules embed without ``source_properties`` (Weaviate's own list).
_TEXT_TYPES: Final = frozenset({"text", "string", "text[]", "string[]"})
#: Range of ``dimensions`` multi2vec-jinaai accepts for ``jina-clip-v2`` (its own check).
_CLIP_V2_RANGE: Final = (64, 1024)
#: The only ``dimensions`` multi2vec-jinaai accepts for ``jina-clip-v1``.
_CLIP_V1_DIMENSIONS: Final = 768


class _LookUp(enum.Enum):
    """Type of the "look the model up here" default of ``info`` parameters."""

    LOOK_UP = "LOOK_UP"


def canonical_module(module: str) -> str:
    """The current name of a Jina module (``text2colbert-jinaai`` -> ``text2multivec-jinaai``)."""
    return MODULE_ALIASES.get(module, module)


# --------------------------------------------------------------------------- what is sent


@dataclass(frozen=True, slots=True)
class WeaviateSends:
    """What one Jina module of Weaviate sends to the Jina API for one kind of call.

    Attributes:
        path: The endpoint, joined to the collection's ``base_url``.
        task: The ``task`` field, or ``None`` when the body has none.
        normalized: The ``normalized`` field, or ``None`` when the body has none.
        dimensions: The ``dimensions`` field, or ``None`` when the body has none.
        return_multivector: Whether the body asks for one vector per token (v4).
        multimodal_input: Whether inputs go as ``{"text": ...}`` / ``{"image": <base64>}``
            objects (object vectors of the multi2* modules) rather than plain strings.
    """

    path: str
    task: str | None
    normalized: bool | None
    dimensions: int | None
    return_multivector: bool
    multimodal_input: bool

    def body_fields(self) -> dict[str, object]:
        """The body fields besides ``input`` and ``model``, as Weaviate sends them."""
        body: dict[str, object] = {"embedding_type": "float"}
        if self.normalized is not None:
            body["normalized"] = self.normalized
        if self.task is not None:
            body["task"] = self.task
        if self.dimensions is not None:
            body["dimensions"] = self.dimensions
        if self.return_multivector:
            body["return_multivector"] = True
        return body


def sends_task(model: str) -> bool:
    """Whether Weaviate's shared Jina client puts ``task``/``normalized`` in a text request.

    It does only when the model name contains ``v3`` or ``clip``; for v4, v5, v2 and ColBERT
    models the module's task is dropped, and the API uses the model's default adapter.
    """
    return "v3" in model or "clip" in model


def weaviate_sends(
    module: str, model: str, *, query: bool, dimensions: int | None = None
) -> WeaviateSends:
    """What ``module`` sends for object vectors (``query=False``) or text queries.

    Per module (Weaviate 1.39):

    * ``text2vec-jinaai``: plain strings; ``task`` ``retrieval.passage`` for objects or
      ``retrieval.query`` for queries, with ``normalized: false``, only for v3/CLIP names;
      ``dimensions`` when configured.
    * ``text2multivec-jinaai`` (ColBERT, ``/v1/multi-vector``): plain strings, never a task
      for the ColBERT names; ``dimensions`` always (the server stores 128 when unset).
    * ``multi2vec-jinaai``: object vectors come from ``{"text"}``/``{"image"}`` inputs with
      neither ``task`` nor ``normalized``; text queries are plain strings with ``task``
      ``retrieval.query`` and ``normalized: true`` for v3/CLIP names. ``dimensions`` when set.
      Image queries (``near_image``) are sent like object vectors.
    * ``multi2multivec-jinaai``: like multi2vec plus ``return_multivector: true``, and no
      ``dimensions``.

    Args:
        module: The module name (aliases accepted).
        model: The model configured on the collection.
        query: Describe the text-query request instead of the object request.
        dimensions: The collection's ``dimensions`` setting (``None`` when unset).

    Raises:
        JinaConfigError: ``module`` is not a Jina embedding module.
    """
    module = canonical_module(module)
    task_sent = sends_task(model)
    task = "retrieval.query" if query else "retrieval.passage"
    if module == MODULE_TEXT2VEC:
        return WeaviateSends(
            EMBEDDINGS_PATH,
            task if task_sent else None,
            False if task_sent else None,
            dimensions,
            return_multivector=False,
            multimodal_input=False,
        )
    if module == MODULE_TEXT2MULTIVEC:
        return WeaviateSends(
            MULTI_VECTOR_PATH,
            task if task_sent else None,
            False if task_sent else None,
            dimensions if dimensions is not None else 128,
            return_multivector=False,
            multimodal_input=False,
        )
    if module in (MODULE_MULTI2VEC, MODULE_MULTI2MULTIVEC):
        multi = module == MODULE_MULTI2MULTIVEC
        text_query = query and task_sent
        return WeaviateSends(
            EMBEDDINGS_PATH,
            "retrieval.query" if text_query else None,
            True if text_query else None,
            None if multi else dimensions,
            return_multivector=multi,
            multimodal_input=not query,
        )
    msg = (
        f"module={module!r} has no embedding request; expected one of "
        f"{', '.join(m for m in JINA_MODULES if m != MODULE_RERANKER)}"
    )
    raise JinaConfigError(msg)


def combine_vectors(
    vectors: Sequence[Sequence[float]], weights: Sequence[float] = ()
) -> list[float]:
    """The vector multi2vec-jinaai stores for an object from its fields' vectors.

    Weaviate averages the vectors of the object's inputs (texts in property-name order, then
    images). With weights, normalised to sum to 1, each vector is scaled by its weight by
    position, and the sum is still divided by the number of vectors: the stored vector is
    the weighted mean divided by that count (its direction, and so cosine search, is the
    weighted mean's). Vectors of unequal length (a server that answers badly) are combined
    as Weaviate combines them: each position averaged over the vectors that reach it.

    Args:
        vectors: One vector per input, in Weaviate's order.
        weights: The normalised weights, one per vector (empty: a plain mean).
    """
    length = max((len(v) for v in vectors), default=0)
    sums = [0.0] * length
    counts = [0] * length
    for index, vector in enumerate(vectors):
        scale = weights[index] if weights else 1.0
        for i, value in enumerate(vector):
            sums[i] += value * scale
            counts[i] += 1
    return [total / count for total, count in zip(sums, counts, strict=True)]


# --------------------------------------------------------------------------- models


def model_problems(module: str, model: str) -> list[str]:
    """Problems with serving ``model`` from ``module`` (a known model of another kind).

    Models the catalogue does not know pass: Weaviate passes any name on, and only the Jina
    API can judge it. The judgement is the catalogue's (``check_model_for_module``).
    """
    module = canonical_module(module)
    if find_model(model) is None:
        return []
    try:
        check_model_for_module(model, module)
    except ModelModuleMismatchError as exc:
        return [str(exc)]
    return []


def dimensions_problems(
    module: str,
    model: str,
    dimensions: object,
    *,
    info: JinaModelInfo | _LookUp | None = _LookUp.LOOK_UP,
) -> list[str]:
    """Problems with ``dimensions`` for ``model`` in ``module``.

    Two sources of refusal: the multi2vec-jinaai module itself (``jina-clip-v1`` only 768,
    ``jina-clip-v2`` 64-1024, checked when the collection is created) and the Jina API (a
    length the model cannot produce, refused at the first vectorization). A
    multi2multivec-jinaai config takes no ``dimensions`` (v4 token vectors are 128 long).

    Args:
        module: The module name (aliases accepted).
        model: The model name.
        dimensions: The value to judge (``None``: the model's default, always fine).
        info: The model's catalogue entry when the caller has looked it up already
            (``None`` for an unknown model); by default it is looked up here.
    """
    module = canonical_module(module)
    if dimensions is None:
        return []
    if module == MODULE_MULTI2MULTIVEC:
        return [
            f"dimensions={dimensions!r} is not used by {module} (token vectors of "
            f"jina-embeddings-v4 are 128 long); leave dimensions unset"
        ]
    if module == MODULE_MULTI2VEC and model in ("jina-clip-v1", "jina-clip-v2"):
        # The module's own check is the final word for its two CLIP models.
        return _clip_dimensions_problems(module, model, dimensions)
    entry = find_model(model) if isinstance(info, _LookUp) else info
    try:
        valid_dimensions(dimensions, entry)
    except InvalidDimensionsError as exc:
        return [str(exc)]
    return []


def _clip_dimensions_problems(module: str, model: str, dimensions: object) -> list[str]:
    try:
        valid_dimensions(dimensions, None)  # an int of at least 1, whatever the model
    except InvalidDimensionsError as exc:
        return [str(exc)]
    if model == "jina-clip-v1" and dimensions != _CLIP_V1_DIMENSIONS:
        return [
            f"dimensions={dimensions!r} is refused by {module} for 'jina-clip-v1', which "
            f"needs exactly {_CLIP_V1_DIMENSIONS}; set dimensions={_CLIP_V1_DIMENSIONS} or "
            f"leave it unset"
        ]
    low, high = _CLIP_V2_RANGE
    if model == "jina-clip-v2" and not (is_number(dimensions) and low <= dimensions <= high):
        return [
            f"dimensions={dimensions!r} is refused by {module} for 'jina-clip-v2'; "
            f"allowed: {low}-{high}, or unset for 1024"
        ]
    return []


# --------------------------------------------------------------------------- fields


def _field_names_problems(kind: str, names: object) -> list[str]:
    param = f"{kind}_fields"
    if not isinstance(names, Sequence) or isinstance(names, str):
        return [f"{param} must be a list of property names, got {names!r}"]
    if not names:
        return [f"{param}=[] names no property; name at least one, or leave {param} unset"]
    if not all(isinstance(n, str) and n for n in names):
        return [f"{param}={list(names)!r} must hold non-empty property names (str)"]
    return []


def _weights_problems(kind: str, names: Sequence[str], weights: object) -> list[str]:
    param = f"{kind}_fields"
    if weights is None:
        return []
    if not isinstance(weights, Sequence) or not all(is_number(w) for w in weights):
        return [f"weights of {param} must be numbers, got {weights!r}"]
    if len(weights) != len(names):
        return [
            f"{param} has {len(names)} properties but {len(weights)} weights; give every "
            f"field a weight (Multi2VecField(name=..., weight=...)) or none of them"
        ]
    if list(names) != sorted(names) and len(set(weights)) > 1:
        return [
            f"{param}={list(names)!r} is weighted but not in alphabetical order; Weaviate "
            f"applies the weights in property-name order, so list the fields as "
            f"{sorted(names)!r} with their weights in that order"
        ]
    return []


def field_names_and_weights(
    text_fields: Sequence[object] | None, image_fields: Sequence[object] | None
) -> tuple[list[str] | None, list[str] | None, dict[str, list[float]]]:
    """Names and weights from builder-style fields, as the client stores them.

    Fields are property names or ``Multi2VecField(name=..., weight=...)`` objects. The
    weights of a list are those of its fields that have one (the client drops a missing
    weight), keyed ``textFields`` / ``imageFields`` like the stored config. Anything else is
    passed through for the ``*_field_problems`` rules to name.
    """
    weights: dict[str, list[float]] = {}

    def names(fields: Sequence[object] | None, key: str) -> list[str] | None:
        if fields is None:
            return None
        if isinstance(fields, str) or not isinstance(fields, list | tuple):
            return fields  # type: ignore[return-value]
        found: list[str] = []
        given: list[float] = []
        for field in fields:
            found.append(cast("str", getattr(field, "name", field)))
            weight = getattr(field, "weight", None)
            if weight is not None:
                given.append(weight)
        if given:
            weights[key] = given
        return found

    return names(text_fields, "textFields"), names(image_fields, "imageFields"), weights


def multi2vec_field_problems(
    text_fields: Sequence[str] | None,
    image_fields: Sequence[str] | None,
    weights: Mapping[str, Sequence[float]] | None = None,
) -> list[str]:
    """Problems with the fields of a ``multi2vec-jinaai`` (CLIP) vector.

    At least one field; each list non-empty with non-empty names; weights, if any, one per
    field of that list (Weaviate answers 422 otherwise, and the client drops the weights of
    fields given without one). Weights of unsorted fields are flagged too: Weaviate applies
    them in property-name order, not in the order written.

    Args:
        text_fields: Text property names (``textFields``), or ``None``.
        image_fields: Image (blob) property names (``imageFields``), or ``None``.
        weights: ``{"textFields": [...], "imageFields": [...]}`` as Weaviate stores them.
    """
    if text_fields is None and image_fields is None:
        return [
            "multi2vec-jinaai needs image_fields= and/or text_fields= (property names, or "
            "Multi2VecField(name=..., weight=...) to weight them); none were given"
        ]
    problems: list[str] = []
    weights = weights or {}
    for kind, names in (("text", text_fields), ("image", image_fields)):
        if names is None:
            if weights.get(f"{kind}Fields") is not None:
                problems.append(f"weights are given for {kind}_fields, which is not set")
            continue
        found = _field_names_problems(kind, names)
        problems += found or _weights_problems(kind, names, weights.get(f"{kind}Fields"))
    weighted = [k for k in ("text", "image") if weights.get(f"{k}Fields") is not None]
    if len(weighted) == 1 and text_fields is not None and image_fields is not None:
        other = "image" if weighted == ["text"] else "text"
        problems.append(
            f"{weighted[0]}_fields are weighted but {other}_fields are not; Weaviate applies "
            f"one list of weights to all fields and fails past its end: weight every field "
            f"of both lists, or none"
        )
    return problems


def multi2multivec_field_problems(
    text_fields: Sequence[str] | None,
    image_fields: Sequence[str] | None,
    weights: Mapping[str, Sequence[float]] | None = None,
) -> list[str]:
    """Problems with the fields of a ``multi2multivec-jinaai`` (v4 multi-vector) vector.

    Weaviate refuses (422) anything but exactly one property, named in exactly one of
    ``text_fields`` / ``image_fields``, without weights: a token-vector matrix cannot be
    averaged with another.

    Args:
        text_fields: Text property names (``textFields``), or ``None``.
        image_fields: Image (blob) property names (``imageFields``), or ``None``.
        weights: ``{"textFields": [...], "imageFields": [...]}`` as Weaviate stores them.
    """
    fix = "pass text_fields=['<property>'] or image_fields=['<property>'] (one name)"
    if text_fields is None and image_fields is None:
        return [f"multi2multivec-jinaai needs exactly one field; none was given; {fix}"]
    problems: list[str] = []
    if text_fields is not None and image_fields is not None:
        problems.append(
            f"multi2multivec-jinaai takes text_fields or image_fields, not both "
            f"(text_fields={list(text_fields)!r}, image_fields={list(image_fields)!r}); "
            f"use one vector per field: {fix} for each"
        )
    for kind, names in (("text", text_fields), ("image", image_fields)):
        if names is None:
            continue
        found = _field_names_problems(kind, names)
        if not found and len(names) > 1:
            found = [
                f"multi2multivec-jinaai takes one property, {kind}_fields has {len(names)} "
                f"({list(names)!r}); make one named vector per property"
            ]
        problems += found
    if weights and any(w is not None for w in weights.values()):
        problems.append(
            "multi2multivec-jinaai takes no field weights; give plain property names "
            "(str) instead of Multi2VecField(..., weight=...)"
        )
    return problems


# --------------------------------------------------------------------------- text properties


def text_property_problems(
    module: str,
    properties: Mapping[str, str],
    *,
    skipped: Collection[str] = (),
    source_properties: Sequence[str] | None = None,
    vectorize_collection_name: bool = False,
) -> list[str]:
    """Problems when a text module has no property to embed (Weaviate issue #8668).

    ``text2vec-jinaai`` and ``text2multivec-jinaai`` (ColBERT) embed the collection's text
    properties that are not skipped. With none, a server with auto-schema off
    (``AUTOSCHEMA_ENABLED=false``) refuses the collection with "invalid properties" (422)
    unless ``vectorize_collection_name`` is true; otherwise the collection is created and
    every object is embedded from the collection name alone: one vector for all objects.

    Args:
        module: ``text2vec-jinaai`` or ``text2multivec-jinaai`` (others pass).
        properties: Property name to data type (``"text"``, ``"text[]"``, ``"int"``, ...).
        skipped: Properties excluded from vectorization (``skip_vectorization``).
        source_properties: The vector's ``source_properties``, if set.
        vectorize_collection_name: The vector's ``vectorize_collection_name``.
    """
    module = canonical_module(module)
    if module not in (MODULE_TEXT2VEC, MODULE_TEXT2MULTIVEC):
        return []
    names = [n for n, t in properties.items() if n not in skipped]
    if source_properties:
        candidates = [n for n in names if n in source_properties]
    else:
        candidates = [n for n in names if properties[n].lower() in _TEXT_TYPES]
    if candidates:
        return []
    same = "every object is embedded from the collection name alone (one vector for all)"
    outcome = (
        same
        if vectorize_collection_name
        else f"Weaviate refuses the collection with 'invalid properties' (422) when "
        f"auto-schema is off, and otherwise {same}"
    )
    scope = f" among source_properties={list(source_properties)!r}" if source_properties else ""
    return [
        f"{module} has no text property to embed{scope}: {outcome}; add a text property "
        f"(DataType.TEXT) that is not skipped, or name one in source_properties"
    ]


# --------------------------------------------------------------------------- a stored config


def _names(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [str(v) for v in value]
    return [str(value)]


def module_config_problems(
    module: str,
    config: Mapping[str, object],
    properties: Mapping[str, str] | None = None,
    *,
    skipped: Collection[str] = (),
) -> list[str]:
    """Every rule above applied to one vector's module config as Weaviate stores it.

    For linting existing collections. ``config`` uses the server's keys (``model``,
    ``dimensions``, ``textFields``, ``imageFields``, ``weights``, ``vectorizeClassName``,
    ``properties`` for source properties); a missing ``model`` is not judged here (the
    server fills in its default at creation).

    Args:
        module: The vectorizer or reranker module name (aliases accepted).
        config: The module's config dict for this vector.
        properties: Property name to data type, to check text modules have something to
            embed (``None`` skips that check).
        skipped: Properties excluded from vectorization.
    """
    module = canonical_module(module)
    if module not in JINA_MODULES:
        return []
    problems: list[str] = []
    model = config.get("model")
    if isinstance(model, str) and model:
        problems += model_problems(module, model)
        if module != MODULE_RERANKER:
            problems += dimensions_problems(module, model, config.get("dimensions"))
    raw_weights = config.get("weights")
    weights = raw_weights if isinstance(raw_weights, Mapping) else None
    text_fields, image_fields = _names(config.get("textFields")), _names(config.get("imageFields"))
    if module == MODULE_MULTI2VEC:
        problems += multi2vec_field_problems(text_fields, image_fields, weights)
    elif module == MODULE_MULTI2MULTIVEC:
        problems += multi2multivec_field_problems(text_fields, image_fields, weights)
    elif properties is not None and module in (MODULE_TEXT2VEC, MODULE_TEXT2MULTIVEC):
        problems += text_property_problems(
            module,
            properties,
            skipped=skipped,
            source_properties=_names(config.get("properties")),
            vectorize_collection_name=config.get("vectorizeClassName") is True,
        )
    return problems

"""The collection's vectors as an import sees them: which are Jina's, their model and length.

Read from the collection's config before the first send. The import uses it to:

* refuse objects that would be stored without a vector: no vector given for a target vector
  that has no Jina vectorizer (:meth:`_Targets.uncovered`);
* find texts too long for the model before sending them (:meth:`_Targets.over_long`);
* check the vectors Weaviate stored, with ``verify=True`` (:meth:`_Target.problem`);
* tell the collection it started with from one deleted and re-created under the same name
  (Weaviate's auto-schema re-creates a deleted collection, without a vectorizer, on the
  next write): :attr:`_Targets.fingerprint`.

Plain values with no I/O; the runners fetch the config.

Text length: Weaviate itself does not check lengths, Jina does, with the model's own
tokenizer. Weaviate 1.39 only estimates tokens to pack requests (``usecases/modulecomponents/
batch``: tiktoken's ``cl100k_base`` count plus 3, times 1.3 for Jina), which says nothing
certain about Jina's count. Here the estimate is the number of whitespace-separated words:
every tokenizer of Jina's models (XLM-RoBERTa's SentencePiece, Qwen's byte-level BPE) gives
each word at least one token, so a text with more words than the model's limit is certainly
too long, and no text Jina would accept is ever refused. Texts this bound does not catch
are sent and, if Jina refuses them, isolated as before.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from weaviate_jina_ext._catalogue import (
    MODULE_MULTI2MULTIVEC,
    MODULE_MULTI2VEC,
    MODULE_TEXT2MULTIVEC,
    MODULE_TEXT2VEC,
    find_model,
)
from weaviate_jina_ext._module_rules import canonical_module

_JINA_MODULES: Final = frozenset(
    {MODULE_TEXT2VEC, MODULE_MULTI2VEC, MODULE_TEXT2MULTIVEC, MODULE_MULTI2MULTIVEC}
)
#: Modules that vectorize the concatenated text properties (the others: each text field).
_TEXT_MODULES: Final = frozenset({MODULE_TEXT2VEC, MODULE_TEXT2MULTIVEC})
_MULTI_VECTOR_MODULES: Final = frozenset({MODULE_TEXT2MULTIVEC, MODULE_MULTI2MULTIVEC})
#: The name Weaviate gives the single vector of a collection without named vectors.
_DEFAULT: Final = "default"
_NO_VECTORIZER: Final = "none"


@dataclass(frozen=True, slots=True)
class _Target:
    """One target vector of the collection.

    Attributes:
        name: The vector's name (``"default"`` for a collection's single vector).
        module: The vectorizer module, ``"none"`` when there is none.
        model: The Jina model named in the config, if any.
        dimensions: The length each vector (each token vector, for multi-vectors) must
            have, when the config or the catalogue says.
        multi: Whether Weaviate stores a multi-vector (a list of token vectors).
        sources: The properties vectorized (``None``: every text property).
        skipped: Properties the config marks as not vectorized.
        max_tokens: The model's input limit, when the catalogue knows the model.
    """

    name: str
    module: str
    model: str | None = None
    dimensions: int | None = None
    multi: bool = False
    sources: tuple[str, ...] | None = None
    skipped: frozenset[str] = frozenset()
    max_tokens: int | None = None

    @property
    def jina(self) -> bool:
        return self.module in _JINA_MODULES

    def words(self, properties: Mapping[str, Any]) -> int:
        """A lower bound of the tokens Jina will count in what Weaviate sends for ``properties``.

        For text modules, the words of every vectorized text property (Weaviate joins them
        into one input); for multimodal ones, the words of the longest text field (each is
        a separate input).
        """
        counts = [
            _words(value)
            for name, value in properties.items()
            if name not in self.skipped and (self.sources is None or name in self.sources)
        ]
        if self.module in _TEXT_MODULES:
            return sum(counts)
        return max(counts, default=0)

    def problem(self, value: object) -> str | None:
        """What is wrong with the vector Weaviate stored for this target, or ``None``.

        Weaviate stores whatever Jina answers: no vector, zeros, or another length (the
        first such vector even fixes the index's length, and correct ones fail after it).
        """
        if value is None or (isinstance(value, Sequence) and len(value) == 0):
            return f"it has no vector {self.name!r}"
        rows: Sequence[Any] = value if self.multi else [value]  # type: ignore[assignment]
        for row in rows:
            if not isinstance(row, Sequence) or not row:
                return f"its vector {self.name!r} is empty"
            if self.dimensions is not None and len(row) != self.dimensions:
                unit = "token vectors of " if self.multi else ""
                return (
                    f"its vector {self.name!r} has {unit}{len(row)} dimensions, not the "
                    f"{self.dimensions} that {self.model or self.module} is configured for"
                )
            if not all(map(math.isfinite, row)):
                return f"its vector {self.name!r} holds values that are not finite numbers"
            if not any(row):
                return f"its vector {self.name!r} is all zeros, which matches nothing"
        return None


@dataclass(frozen=True, slots=True)
class _Targets:
    """Every target vector of the collection, and the fingerprint of its vectorizers."""

    targets: tuple[_Target, ...]
    fingerprint: tuple[tuple[str, str, str], ...]

    @classmethod
    def read(cls, config: Any) -> _Targets:  # noqa: ANN401 - the client's CollectionConfig
        """Read a ``CollectionConfig`` (``collection.config.get()``)."""
        skipped = _skipped_by_module(getattr(config, "properties", None) or [])
        raw: list[tuple[str, str, Mapping[str, Any], Sequence[str] | None]] = []
        named = getattr(config, "vector_config", None)
        if named:
            for name, vector in named.items():
                vectorizer = vector.vectorizer
                raw.append(
                    (
                        name,
                        _module_name(vectorizer.vectorizer),
                        vectorizer.model or {},
                        vectorizer.source_properties,
                    )
                )
        else:
            legacy = getattr(config, "vectorizer_config", None)
            if legacy is not None:
                raw.append((_DEFAULT, _module_name(legacy.vectorizer), legacy.model or {}, None))
            else:
                module = getattr(config, "vectorizer", None)
                raw.append((_DEFAULT, _module_name(module), {}, None))
        targets = tuple(
            _target(name, module, model, sources, skipped.get(module, frozenset()))
            for name, module, model, sources in raw
        )
        fingerprint = tuple(
            sorted((name, module, repr(sorted(model.items()))) for name, module, model, _ in raw)
        )
        return cls(targets, fingerprint)

    @property
    def jina(self) -> tuple[_Target, ...]:
        return tuple(t for t in self.targets if t.jina)

    def uncovered(self, vector: object) -> list[_Target]:
        """Targets without a Jina vectorizer for which ``vector`` (an object's) gives nothing."""
        out: list[_Target] = []
        for target in self.targets:
            if target.jina:
                continue
            if isinstance(vector, Mapping):
                if target.name in vector:
                    continue
            elif vector is not None and (target.name == _DEFAULT or len(self.targets) == 1):
                continue
            out.append(target)
        return out

    def over_long(self, properties: Mapping[str, Any]) -> tuple[_Target, int] | None:
        """The first Jina target whose input is certainly over its model's limit, and its words."""
        for target in self.targets:
            if target.jina and target.max_tokens is not None:
                words = target.words(properties)
                if words > target.max_tokens:
                    return target, words
        return None


def _target(
    name: str,
    module: str,
    model: Mapping[str, Any],
    sources: Sequence[str] | None,
    skipped: frozenset[str],
) -> _Target:
    if module not in _JINA_MODULES:
        return _Target(name, module)
    model_name = model.get("model")
    info = find_model(model_name) if isinstance(model_name, str) else None
    dims = model.get("dimensions")
    if not isinstance(dims, int) or isinstance(dims, bool):
        dims = info.default_dimensions if info is not None else None
    if module not in _TEXT_MODULES:
        fields = model.get("textFields")
        sources = list(fields) if isinstance(fields, list) else []
    return _Target(
        name=name,
        module=module,
        model=model_name if isinstance(model_name, str) else None,
        dimensions=dims,
        multi=module in _MULTI_VECTOR_MODULES,
        sources=None if sources is None else tuple(sources),
        skipped=skipped,
        max_tokens=info.max_tokens if info is not None else None,
    )


def _module_name(vectorizer: object) -> str:
    # The current name: servers report the ColBERT module as text2colbert-jinaai too.
    if vectorizer is None:
        return _NO_VECTORIZER
    value = getattr(vectorizer, "value", vectorizer)
    return canonical_module(str(value))


def _skipped_by_module(properties: Sequence[Any]) -> dict[str, frozenset[str]]:
    """Per module, the properties whose config says ``skip`` (not vectorized)."""
    out: dict[str, set[str]] = {}
    for prop in properties:
        configs = getattr(prop, "vectorizer_configs", None) or {}
        legacy_module = getattr(prop, "vectorizer", None)
        legacy = getattr(prop, "vectorizer_config", None)
        if legacy_module and legacy is not None:
            configs = {**configs, legacy_module: legacy}
        for module, config in configs.items():
            if getattr(config, "skip", False):
                out.setdefault(_module_name(module), set()).add(prop.name)
    return {module: frozenset(names) for module, names in out.items()}


def _words(value: object) -> int:
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, list | tuple):
        return sum(len(v.split()) for v in value if isinstance(v, str))
    return 0

"""The Jina model catalogue: what each model produces and which Weaviate modules serve it.

One table (``_MODELS``) drives every validation in the package: the config builders, the
Jina client and the local Jina-compatible server all ask it the same questions, so a model
is judged the same way before a collection is created, before a request is sent and when a
request arrives. The table says what a model accepts; the rules that turn an argument into
an accepted value or an error live in :mod:`weaviate_jina_ext._rules`, and take the entry
looked up here (callers look a model up once per call).

Unknown model names are allowed (Jina ships new models often); callers get a
``UnknownModelWarning`` saying validation was skipped.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from weaviate_jina_ext._exceptions import ModelModuleMismatchError, UnknownModelError
from weaviate_jina_ext._rules import valid_dimensions, valid_task

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = [
    "MODULE_MULTI2MULTIVEC",
    "MODULE_MULTI2VEC",
    "MODULE_RERANKER",
    "MODULE_TEXT2MULTIVEC",
    "MODULE_TEXT2VEC",
    "JinaModelInfo",
    "ModelKind",
    "UnknownModelWarning",
    "check_dimensions",
    "check_model_for_module",
    "check_task",
    "find_model",
    "get_model",
    "list_models",
]

MODULE_TEXT2VEC = "text2vec-jinaai"
MODULE_MULTI2VEC = "multi2vec-jinaai"
MODULE_TEXT2MULTIVEC = "text2multivec-jinaai"
MODULE_MULTI2MULTIVEC = "multi2multivec-jinaai"
MODULE_RERANKER = "reranker-jinaai"

ModelKind = Literal["text-embedding", "multimodal-embedding", "multi-vector", "reranker"]


class UnknownModelWarning(UserWarning):
    """A model name the catalogue does not know: it was passed on without validation."""


@dataclass(frozen=True, slots=True)
class JinaModelInfo:
    """What one Jina model produces and accepts.

    Attributes:
        name: The model id sent to the API.
        kind: Text embedding, multimodal embedding, multi-vector (ColBERT-style) or reranker.
        default_dimensions: Output length when ``dimensions`` is not sent (per token for
            multi-vector models); ``None`` for rerankers.
        min_dimensions: Smallest ``dimensions`` accepted (Matryoshka truncation), or
            ``None`` when the output length is fixed.
        max_dimensions: Largest ``dimensions`` accepted, or ``None`` when fixed.
        dimension_choices: The only ``dimensions`` values accepted when the model takes a
            short list rather than a range (ColBERT v2), else empty.
        max_tokens: Longest input in tokens.
        max_inputs: Most inputs in one API request.
        tasks: ``task`` values the model accepts; empty when it takes none.
        modules: Weaviate modules that can serve the model.
        weaviate_sends_task: Whether Weaviate's module sends ``task``/``normalized`` for
            this model (it does only when the name contains ``v3`` or ``clip``).
    """

    name: str
    kind: ModelKind
    default_dimensions: int | None
    min_dimensions: int | None
    max_dimensions: int | None
    dimension_choices: tuple[int, ...]
    max_tokens: int
    max_inputs: int
    tasks: tuple[str, ...]
    modules: frozenset[str]

    @property
    def weaviate_sends_task(self) -> bool:
        """Whether Weaviate's Jina modules send ``task`` and ``normalized`` for this model."""
        if self.kind == "reranker":
            return False
        return "v3" in self.name or "clip" in self.name

    @property
    def takes_dimensions(self) -> bool:
        """Whether ``dimensions`` may be set at all."""
        return self.min_dimensions is not None or bool(self.dimension_choices)

    def allowed_dimensions_text(self) -> str:
        """Describe the accepted ``dimensions`` for an error message."""
        if self.dimension_choices:
            return "one of " + ", ".join(str(d) for d in self.dimension_choices)
        if self.min_dimensions is not None:
            return f"{self.min_dimensions}-{self.max_dimensions}"
        return f"none (fixed output of {self.default_dimensions}; leave dimensions unset)"

    def accepts_dimensions(self, dimensions: int) -> bool:
        """Whether the model produces vectors of ``dimensions`` numbers when asked to."""
        if self.dimension_choices:
            return dimensions in self.dimension_choices
        return (
            self.min_dimensions is not None
            and self.max_dimensions is not None
            and self.min_dimensions <= dimensions <= self.max_dimensions
        )

    def output_dimensions(self, dimensions: int | None = None) -> int | None:
        """The vector length produced for a request with ``dimensions`` (validated)."""
        if dimensions is None:
            return self.default_dimensions
        return valid_dimensions(dimensions, self)


_V3_TASKS = (
    "retrieval.query",
    "retrieval.passage",
    "text-matching",
    "classification",
    "separation",
)
_V4_TASKS = ("retrieval.query", "retrieval.passage", "text-matching", "code.query", "code.passage")
_V5_TASKS = (
    "retrieval.query",
    "retrieval.passage",
    "text-matching",
    "classification",
    "clustering",
)


def _text(
    name: str,
    dims: int,
    max_tokens: int = 8192,
    *,
    mrl: tuple[int, int] | None = None,
    tasks: tuple[str, ...] = (),
    max_inputs: int = 2048,
    modules: frozenset[str] = frozenset({MODULE_TEXT2VEC}),
) -> JinaModelInfo:
    return JinaModelInfo(
        name=name, kind="text-embedding", default_dimensions=dims,
        min_dimensions=mrl[0] if mrl else None, max_dimensions=mrl[1] if mrl else None,
        dimension_choices=(), max_tokens=max_tokens, max_inputs=max_inputs, tasks=tasks,
        modules=modules,
    )  # fmt: skip


def _reranker(name: str, max_tokens: int) -> JinaModelInfo:
    return JinaModelInfo(
        name=name, kind="reranker", default_dimensions=None, min_dimensions=None,
        max_dimensions=None, dimension_choices=(), max_tokens=max_tokens, max_inputs=2048,
        tasks=(), modules=frozenset({MODULE_RERANKER}),
    )  # fmt: skip


_ENTRIES: tuple[JinaModelInfo, ...] = (
    _text("jina-embeddings-v2-base-en", 768),
    _text("jina-embeddings-v2-small-en", 512),
    _text("jina-embeddings-v2-base-de", 768),
    _text("jina-embeddings-v2-base-es", 768),
    _text("jina-embeddings-v2-base-zh", 768),
    _text("jina-embeddings-v2-base-code", 768),
    _text("jina-embeddings-v3", 1024, mrl=(32, 1024), tasks=_V3_TASKS),
    _text(
        "jina-embeddings-v4", 2048, 32768, mrl=(128, 2048), tasks=_V4_TASKS, max_inputs=512,
        modules=frozenset({MODULE_TEXT2VEC, MODULE_MULTI2VEC, MODULE_MULTI2MULTIVEC}),
    ),
    _text("jina-embeddings-v5-text-small", 1024, 32768, mrl=(32, 1024), tasks=_V5_TASKS),
    _text("jina-embeddings-v5-text-nano", 768, 8192, mrl=(32, 768), tasks=_V5_TASKS),
    JinaModelInfo(
        name="jina-clip-v1", kind="multimodal-embedding", default_dimensions=768,
        min_dimensions=None, max_dimensions=None, dimension_choices=(), max_tokens=8192,
        max_inputs=2048, tasks=_V3_TASKS, modules=frozenset({MODULE_MULTI2VEC}),
    ),
    JinaModelInfo(
        name="jina-clip-v2", kind="multimodal-embedding", default_dimensions=1024,
        min_dimensions=64, max_dimensions=1024, dimension_choices=(), max_tokens=8192,
        max_inputs=2048, tasks=_V3_TASKS, modules=frozenset({MODULE_MULTI2VEC}),
    ),
    JinaModelInfo(
        name="jina-colbert-v2", kind="multi-vector", default_dimensions=128,
        min_dimensions=None, max_dimensions=None, dimension_choices=(64, 96, 128),
        max_tokens=8192, max_inputs=2048, tasks=(),
        modules=frozenset({MODULE_TEXT2MULTIVEC, MODULE_RERANKER}),
    ),
    JinaModelInfo(
        name="jina-colbert-v1-en", kind="multi-vector", default_dimensions=128,
        min_dimensions=None, max_dimensions=None, dimension_choices=(), max_tokens=8192,
        max_inputs=2048, tasks=(), modules=frozenset({MODULE_TEXT2MULTIVEC, MODULE_RERANKER}),
    ),
    _reranker("jina-reranker-v3", 131072),
    _reranker("jina-reranker-m0", 10240),
    _reranker("jina-reranker-v2-base-multilingual", 1024),
    _reranker("jina-reranker-v1-base-en", 8192),
    _reranker("jina-reranker-v1-tiny-en", 8192),
    _reranker("jina-reranker-v1-turbo-en", 8192),
)  # fmt: skip

_MODELS: Mapping[str, JinaModelInfo] = MappingProxyType({m.name: m for m in _ENTRIES})


def list_models(
    *, module: str | None = None, kind: ModelKind | None = None
) -> tuple[JinaModelInfo, ...]:
    """List the catalogue, optionally only the models a module serves or of one kind.

    Args:
        module: A Weaviate module name such as ``"text2vec-jinaai"``.
        kind: ``"text-embedding"``, ``"multimodal-embedding"``, ``"multi-vector"`` or
            ``"reranker"``.

    Returns:
        The matching models, in catalogue order.
    """
    return tuple(
        m
        for m in _ENTRIES
        if (module is None or module in m.modules) and (kind is None or m.kind == kind)
    )


def find_model(name: str) -> JinaModelInfo | None:
    """Return the catalogue entry for ``name``, or ``None`` when the model is unknown.

    For code that accepts models the catalogue does not know yet (the builders, the clients,
    the local server); :func:`get_model` is the look-up that raises instead.
    """
    return _MODELS.get(name)


def get_model(name: str) -> JinaModelInfo:
    """Return the catalogue entry for ``name``, raising when the model is unknown.

    :func:`find_model` is the look-up that returns ``None`` instead.

    Raises:
        UnknownModelError: The name is not in the catalogue; the message lists known ones.
    """
    info = _MODELS.get(name)
    if info is None:
        known = ", ".join(_MODELS)
        msg = f"model={name!r} is not in the Jina model catalogue; known models: {known}"
        raise UnknownModelError(msg)
    return info


def _iter_names(module: str) -> Iterator[str]:
    return (m.name for m in _ENTRIES if module in m.modules)


def check_model_for_module(model: str, module: str, *, stacklevel: int = 2) -> JinaModelInfo | None:
    """Validate that ``model`` can be served by the Weaviate ``module``.

    Unknown names pass with an ``UnknownModelWarning``; the function then returns ``None``.

    Raises:
        ModelModuleMismatchError: The model is known but the module cannot serve it.
    """
    info = _MODELS.get(model)
    if info is None:
        msg = (
            f"model={model!r} is not in weaviate-jina-ext's catalogue; it is passed to "
            f"{module} unvalidated (dimensions and task were not checked)"
        )
        warnings.warn(msg, UnknownModelWarning, stacklevel=stacklevel + 1)
        return None
    if module not in info.modules:
        allowed = ", ".join(_iter_names(module))
        msg = (
            f"model={model!r} is a {info.kind} model served by {', '.join(sorted(info.modules))}, "
            f"not by {module}; models for {module}: {allowed}"
        )
        raise ModelModuleMismatchError(msg)
    return info


def check_dimensions(model: str, dimensions: int | None) -> None:
    """Validate ``dimensions`` for the model named ``model`` (see :func:`~weaviate_jina_ext._rules.valid_dimensions`).

    Any value must be a positive int; for a known model it must also be a length the model
    produces. Callers that hold the catalogue entry call ``valid_dimensions`` with it.

    Raises:
        InvalidDimensionsError: The model cannot produce vectors of that length.
    """
    valid_dimensions(dimensions, _MODELS.get(model))


def check_task(model: str, task: str | None) -> None:
    """Validate ``task`` for the model named ``model`` (unknown models are not checked).

    Callers that hold the catalogue entry call :func:`~weaviate_jina_ext._rules.valid_task`.

    Raises:
        InvalidTaskError: The model does not accept that task, or takes no task at all.
    """
    valid_task(task, _MODELS.get(model))

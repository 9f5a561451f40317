"""The Jina model catalogue: what each model produces and which Weaviate modules serve it.

One table (``_MODELS``) drives every validation in the package: the config builders, the
Jina client and the local Jina-compatible server all ask it the same questions, so a model
is judged the same way before a collection is created, before a request is sent and when a
request arrives. The table says what a model accepts; the rules that turn an argument into
an accepted value or an error live in :mod:`weaviate_jina_ext._rules`, and take the entry
looked up here (callers look a model up once per call).

Each row names its sources and their date (``source``, ``source_date``): Jina's per-model
request schemas (its API guide for LLMs, 2026), its published request schemas (2025-04),
model pages, and the API's answers seen live in public issue threads. Where sources
disagree, the newest wins and the row says so.

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
    "Endpoint",
    "InputKind",
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


#: A request's endpoint, as the catalogue names it (``/v1/embeddings``, ``/v1/multi-vector``,
#: ``/v1/rerank``).
Endpoint = Literal["embeddings", "multi-vector", "rerank"]

#: What an input can be, by the kinds of input objects the API takes.
InputKind = Literal["text", "image", "pdf", "audio", "video"]

_TEXT: frozenset[InputKind] = frozenset({"text"})
_TEXT_IMAGE: frozenset[InputKind] = frozenset({"text", "image"})

# Body fields every embedding model takes on /v1/embeddings. ``encoding_type`` is an alias of
# ``embedding_type`` in Jina's request schema. ``encoding_format`` (OpenAI's name, sent by the
# OpenAI client on every call) is accepted: the API refused it on jina-embeddings-v3 in
# 2025-03 and 2025-09 (1Panel-dev/MaxKB#2639, QuantumNous/new-api#1941), but in 2026 Jina's
# own integrations (alibaba/zvec#156, 2026-02-22) and others (volcengine/OpenViking, 2026-03)
# embed v5 and code models through the OpenAI client; the newest evidence wins.
# ``dimensions`` is listed for every model so that the dimensions rule, not the field check,
# judges it (a model with a fixed output refuses any value there).
_EMBEDDING_FIELDS = frozenset(
    {"model", "input", "embedding_type", "encoding_type", "encoding_format", "dimensions",
     "truncate"}
)  # fmt: skip
# /v1/multi-vector (jinaai-api-schemas 0.0.89 ``multi_embeddings``): no task, no truncate.
_MULTI_VECTOR_FIELDS = frozenset(
    {"model", "input", "input_type", "embedding_type", "encoding_type", "dimensions"}
)
# /v1/rerank (Jina's API guide v14, 2026: the same fields for every reranker).
_RERANK_FIELDS = frozenset({"model", "query", "documents", "top_n", "return_documents"})


@dataclass(frozen=True, slots=True)
class JinaModelInfo:
    """What one Jina model produces and accepts, with where each fact comes from.

    Attributes:
        name: The model id sent to the API.
        kind: Text embedding, multimodal embedding, multi-vector (ColBERT-style) or reranker.
        default_dimensions: Output length when ``dimensions`` is not sent (per token for
            multi-vector models); ``None`` for rerankers.
        min_dimensions: Smallest ``dimensions`` accepted (Matryoshka truncation), or
            ``None`` when the model takes no range.
        max_dimensions: Largest ``dimensions`` accepted, or ``None`` when it takes no range.
        dimension_choices: The only ``dimensions`` values accepted when the model takes a
            short list rather than a range (ColBERT v2; ``jina-clip-v1`` takes exactly its
            own 768), else empty.
        max_tokens: Longest input in tokens.
        max_inputs: Most inputs (or rerank documents) in one API request.
        tasks: ``task`` values the model accepts; empty when it takes none (the API then
            refuses the field).
        modules: Weaviate modules that can serve the model.
        inputs: What an input may be: ``"text"``, and for multimodal models ``"image"``,
            ``"pdf"``, ``"audio"``, ``"video"`` objects.
        takes_normalized: Whether the request schema has ``normalized`` (v4 and the code
            models have none: the API refuses the field).
        takes_late_chunking: Whether the request schema has ``late_chunking``.
        takes_multivector: Whether the model answers ``return_multivector`` (v4 only).
        matryoshka: The truncation sizes the model was trained for, as its source lists them
            (the API truncates to any size in the accepted range); empty when none.
        source: Where the row's facts come from.
        source_date: Date of the newest source the row follows (``YYYY-MM-DD``, or ``YYYY``
            when the source carries only a year).
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
    inputs: frozenset[InputKind] = _TEXT
    takes_normalized: bool = False
    takes_late_chunking: bool = False
    takes_multivector: bool = False
    matryoshka: tuple[int, ...] = ()
    source: str = ""
    source_date: str = ""

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

    @property
    def takes_task(self) -> bool:
        """Whether the model accepts a ``task`` field at all."""
        return bool(self.tasks)

    def takes_input(self, kind: InputKind) -> bool:
        """Whether an input of ``kind`` (``"image"``, ``"pdf"``, ...) may be sent to the model."""
        return kind in self.inputs

    def body_fields(self, endpoint: Endpoint) -> frozenset[str]:
        """The request body fields the API accepts for this model on ``endpoint``.

        The API validates each model's request against its own schema and refuses any other
        field (422 ``extra_forbidden``); the set follows the per-model schemas of Jina's API
        guide (2026) and, for v2 models, the refusals seen live (infiniflow/ragflow#11614).
        """
        if endpoint == "rerank":
            return _RERANK_FIELDS
        if endpoint == "multi-vector":
            return _MULTI_VECTOR_FIELDS
        optional = {
            "task": self.takes_task,
            "normalized": self.takes_normalized,
            "late_chunking": self.takes_late_chunking,
            "return_multivector": self.takes_multivector,
        }
        return _EMBEDDING_FIELDS | {name for name, taken in optional.items() if taken}

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
_CODE_TASKS = tuple(
    f"{task}.{side}"
    for task in ("nl2code", "code2code", "code2nl", "code2completion", "qa")
    for side in ("query", "passage")
)

# Sources, named once; a row's ``source`` joins those it follows. Dates are the sources' own.
_GUIDE = "Jina API guide for LLMs v14 (jina-ai/meta-prompt, 2026): per-model request schemas"
_GUIDE_DATE = "2026"
_SCHEMAS = "jinaai-api-schemas 0.0.89 (PyPI, 2025-04)"
_V2_LIVE = (
    "infiniflow/ragflow#11614 (2025-11-30): the API refuses task and return_multivector for "
    "v2 models and accepts truncate"
)
_V2_NORMALIZED = "Weaviate sent normalized to its default v2 model until 1.31.6 (2025-07)"
_V4_CAP = "langgenius/dify-official-plugins#1997 (2025-11-04): at most 512 inputs for v4"
_MATRYOSHKA_V5 = (32, 64, 128, 256, 512, 768, 1024)


def _text(
    name: str,
    dims: int,
    max_tokens: int = 8192,
    *,
    mrl: tuple[int, int] | None = None,
    tasks: tuple[str, ...] = (),
    max_inputs: int = 2048,  # refly-ai/refly#831 (2025-05-04): 2048 inputs per request
    modules: frozenset[str] = frozenset({MODULE_TEXT2VEC}),
    kind: ModelKind = "text-embedding",
    inputs: frozenset[InputKind] = _TEXT,
    normalized: bool = False,
    late_chunking: bool = False,
    matryoshka: tuple[int, ...] = (),
    source: str,
    source_date: str,
) -> JinaModelInfo:
    return JinaModelInfo(
        name=name, kind=kind, default_dimensions=dims,
        min_dimensions=mrl[0] if mrl else None, max_dimensions=mrl[1] if mrl else None,
        dimension_choices=(), max_tokens=max_tokens, max_inputs=max_inputs, tasks=tasks,
        modules=modules, inputs=inputs, takes_normalized=normalized,
        takes_late_chunking=late_chunking, matryoshka=matryoshka, source=source,
        source_date=source_date,
    )  # fmt: skip


def _v2(name: str, dims: int, source: str = _SCHEMAS) -> JinaModelInfo:
    return _text(
        name, dims, normalized=True, source=f"{source}; {_V2_LIVE}; {_V2_NORMALIZED}",
        source_date="2025-11-30",
    )  # fmt: skip


def _reranker(
    name: str, max_tokens: int, *, inputs: frozenset[InputKind] = _TEXT, source: str = _GUIDE
) -> JinaModelInfo:
    return JinaModelInfo(
        name=name, kind="reranker", default_dimensions=None, min_dimensions=None,
        max_dimensions=None, dimension_choices=(), max_tokens=max_tokens, max_inputs=2048,
        tasks=(), modules=frozenset({MODULE_RERANKER}), inputs=inputs, source=source,
        source_date=_GUIDE_DATE if source == _GUIDE else "2025-04",
    )  # fmt: skip


_OMNI_SOURCE = (
    "jina.ai model pages and arXiv 2605.08384 (released 2026-05-07): text, image, audio, "
    "video and PDF inputs, v5 tasks; no request schema published: fields assumed as "
    "v5-text's, without late_chunking"
)
_CODE_SOURCE = (
    f"{_GUIDE} (no normalized, no late_chunking); model pages / Hugging Face cards "
    "(output size, Matryoshka range, 32K context)"
)

_ENTRIES: tuple[JinaModelInfo, ...] = (
    _v2("jina-embeddings-v2-base-en", 768),
    _v2("jina-embeddings-v2-small-en", 512, "widely used model id (not in the 2025-04 schemas)"),
    _v2("jina-embeddings-v2-base-de", 768),
    _v2("jina-embeddings-v2-base-es", 768),
    _v2("jina-embeddings-v2-base-zh", 768),
    _v2("jina-embeddings-v2-base-code", 768),
    _text(
        "jina-embeddings-v3", 1024, mrl=(32, 1024), tasks=_V3_TASKS, normalized=True,
        late_chunking=True, matryoshka=_MATRYOSHKA_V5,
        source=f"{_GUIDE}; v3 release post (2024-09-18)", source_date=_GUIDE_DATE,
    ),
    JinaModelInfo(
        name="jina-embeddings-v4", kind="text-embedding", default_dimensions=2048,
        min_dimensions=128, max_dimensions=2048, dimension_choices=(), max_tokens=32768,
        max_inputs=512, tasks=_V4_TASKS,
        modules=frozenset({MODULE_TEXT2VEC, MODULE_MULTI2VEC, MODULE_MULTI2MULTIVEC}),
        inputs=frozenset({"text", "image", "pdf"}), takes_normalized=False,
        takes_late_chunking=True, takes_multivector=True,
        matryoshka=(128, 256, 512, 1024, 2048),
        source=(
            f"{_GUIDE} (no normalized); Hugging Face card jinaai/jina-embeddings-v4 "
            f"(Matryoshka 128, 256, 512, 1024, 2048); {_V4_CAP}"
        ),
        source_date=_GUIDE_DATE,
    ),
    _text(
        "jina-embeddings-v5-text-small", 1024, 32768, mrl=(32, 1024), tasks=_V5_TASKS,
        normalized=True, late_chunking=True, matryoshka=_MATRYOSHKA_V5,
        source=f"{_GUIDE}; model page (released 2026-02-18)", source_date=_GUIDE_DATE,
    ),
    _text(
        "jina-embeddings-v5-text-nano", 768, 8192, mrl=(32, 768), tasks=_V5_TASKS,
        normalized=True, late_chunking=True, matryoshka=_MATRYOSHKA_V5[:-1],
        source=(
            f"{_GUIDE} (8192 tokens; the release post says 32K); model page (released "
            "2026-02-18)"
        ),
        source_date=_GUIDE_DATE,
    ),
    _text(
        "jina-embeddings-v5-omni-small", 1024, 32768, mrl=(32, 1024), tasks=_V5_TASKS,
        kind="multimodal-embedding", inputs=frozenset({"text", "image", "pdf", "audio", "video"}),
        modules=frozenset({MODULE_TEXT2VEC, MODULE_MULTI2VEC}), normalized=True,
        matryoshka=_MATRYOSHKA_V5, source=_OMNI_SOURCE, source_date="2026-05-07",
    ),
    _text(
        "jina-embeddings-v5-omni-nano", 768, 8192, mrl=(32, 768), tasks=_V5_TASKS,
        kind="multimodal-embedding", inputs=frozenset({"text", "image", "pdf", "audio", "video"}),
        modules=frozenset({MODULE_TEXT2VEC, MODULE_MULTI2VEC}), normalized=True,
        matryoshka=_MATRYOSHKA_V5[:-1], source=_OMNI_SOURCE, source_date="2026-05-07",
    ),
    _text(
        "jina-code-embeddings-0.5b", 896, 32768, mrl=(64, 896), tasks=_CODE_TASKS,
        source=_CODE_SOURCE, source_date=_GUIDE_DATE,
    ),
    _text(
        "jina-code-embeddings-1.5b", 1536, 32768, mrl=(128, 1536), tasks=_CODE_TASKS,
        source=_CODE_SOURCE, source_date=_GUIDE_DATE,
    ),
    JinaModelInfo(
        name="jina-clip-v1", kind="multimodal-embedding", default_dimensions=768,
        min_dimensions=None, max_dimensions=None, dimension_choices=(768,), max_tokens=8192,
        max_inputs=2048, tasks=_V3_TASKS, modules=frozenset({MODULE_MULTI2VEC}),
        inputs=_TEXT_IMAGE, takes_normalized=True,
        source=(
            f"{_SCHEMAS}; Weaviate multi2vec-jinaai (1.39) requires dimensions == 768 and "
            "sends normalized with CLIP queries"
        ),
        source_date="2026-08-20",
    ),
    JinaModelInfo(
        name="jina-clip-v2", kind="multimodal-embedding", default_dimensions=1024,
        min_dimensions=64, max_dimensions=1024, dimension_choices=(), max_tokens=8192,
        max_inputs=2048, tasks=_V3_TASKS, modules=frozenset({MODULE_MULTI2VEC}),
        inputs=_TEXT_IMAGE, takes_normalized=True, takes_late_chunking=True,
        matryoshka=(64, 128, 256, 512, 768, 1024),
        source=f"{_GUIDE} (one schema with jina-embeddings-v3); clip-v2 release post",
        source_date=_GUIDE_DATE,
    ),
    JinaModelInfo(
        name="jina-colbert-v2", kind="multi-vector", default_dimensions=128,
        min_dimensions=None, max_dimensions=None, dimension_choices=(64, 96, 128),
        max_tokens=8192, max_inputs=2048, tasks=(),
        modules=frozenset({MODULE_TEXT2MULTIVEC, MODULE_RERANKER}),
        source=f"{_SCHEMAS} (multi-vector: dimensions 64, 96 or 128); {_GUIDE} (reranker)",
        source_date=_GUIDE_DATE,
    ),
    JinaModelInfo(
        name="jina-colbert-v1-en", kind="multi-vector", default_dimensions=128,
        min_dimensions=None, max_dimensions=None, dimension_choices=(), max_tokens=8192,
        max_inputs=2048, tasks=(), modules=frozenset({MODULE_TEXT2MULTIVEC, MODULE_RERANKER}),
        source=_SCHEMAS, source_date="2025-04",
    ),
    _reranker("jina-reranker-v3.5", 131072),
    _reranker("jina-reranker-v3", 131072),
    _reranker("jina-reranker-m0", 10240, inputs=_TEXT_IMAGE),
    _reranker("jina-reranker-v2-base-multilingual", 1024),
    _reranker("jina-reranker-v1-base-en", 8192, source=_SCHEMAS),
    _reranker("jina-reranker-v1-tiny-en", 8192, source=_SCHEMAS),
    _reranker("jina-reranker-v1-turbo-en", 8192, source=_SCHEMAS),
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

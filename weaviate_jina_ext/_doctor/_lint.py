"""Lint rules for the Jina settings of one collection, as the server stores them.

Pure functions over the JSON of ``GET /v1/schema`` (one class dict at a time) and the
facts learnt about the server (:class:`ServerFacts`): no I/O, so every rule is unit-tested
on literal config dicts and, in ``tests/test_doctor_integration.py``, on collections a real
Weaviate accepted.

What a model accepts comes from the catalogue and the argument rules
(:mod:`weaviate_jina_ext._catalogue`, :mod:`weaviate_jina_ext._rules`); a rule here only
decides which of those checks applies to a stored setting and how to word the fix.
"""

from __future__ import annotations

import ipaddress
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from weaviate_jina_ext._catalogue import (
    MODULE_MULTI2MULTIVEC,
    MODULE_MULTI2VEC,
    MODULE_RERANKER,
    MODULE_TEXT2MULTIVEC,
    MODULE_TEXT2VEC,
    UnknownModelWarning,
    check_model_for_module,
    find_model,
)
from weaviate_jina_ext._doctor._report import DoctorFinding, Severity
from weaviate_jina_ext._exceptions import JinaConfigError, ModelModuleMismatchError
from weaviate_jina_ext._rules import valid_base_url, valid_dimensions

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = [
    "JINA_VECTORIZERS",
    "LEGACY_MODULE_NAMES",
    "JinaVector",
    "ServerFacts",
    "base_url_refusal",
    "jina_vectors",
    "lint_collection",
]

#: The Jina modules that make vectors.
JINA_VECTORIZERS: Final = (
    MODULE_TEXT2VEC,
    MODULE_MULTI2VEC,
    MODULE_TEXT2MULTIVEC,
    MODULE_MULTI2MULTIVEC,
)
#: Older names a server may store or list for a module.
LEGACY_MODULE_NAMES: Final = {"text2colbert-jinaai": MODULE_TEXT2MULTIVEC}

_TEXT_TYPES: Final = frozenset({"text", "text[]", "string", "string[]"})
_IMAGE_TYPES: Final = frozenset({"blob"})
_BLOCKED_HOSTS: Final = ("localhost",)
_BLOCKED_SUFFIXES: Final = (".local", ".internal", ".localdomain")
_ISSUE_8668: Final = "https://github.com/weaviate/weaviate/issues/8668"


@dataclass(frozen=True, slots=True)
class ServerFacts:
    """What the lint needs to know about the server.

    Attributes:
        version: ``(major, minor, patch)``, or ``None`` when unknown.
        modules: Names of the enabled modules (all of them, not only Jina's).
        validates_base_url: Whether loopback/private ``base_url`` values are refused.
    """

    version: tuple[int, int, int] | None
    modules: frozenset[str]
    validates_base_url: bool | None


@dataclass(frozen=True, slots=True)
class JinaVector:
    """One vector of a collection made by a Jina module.

    Attributes:
        collection: The collection name.
        vector: The named vector, or ``None`` for the collection's single (legacy) vector.
        module: The module, with a legacy name mapped to the current one.
        stored_module: The module name as stored.
        settings: The module's stored settings (``model``, ``baseURL``, ``dimensions``...).
    """

    collection: str
    vector: str | None
    module: str
    stored_module: str
    settings: Mapping[str, Any]

    @property
    def subject(self) -> str:
        """How findings name it."""
        where = f"collection {self.collection!r}"
        return where if self.vector is None else f"{where}, vector {self.vector!r}"


def _current(module: str) -> str:
    return LEGACY_MODULE_NAMES.get(module, module)


def jina_vectors(cls: Mapping[str, Any]) -> Iterator[JinaVector]:
    """The vectors of one stored class that a Jina module makes (legacy and named)."""
    name = str(cls.get("class", "?"))
    module_config = cls.get("moduleConfig") or {}
    legacy = cls.get("vectorizer")
    if isinstance(legacy, str) and _current(legacy) in JINA_VECTORIZERS:
        yield JinaVector(name, None, _current(legacy), legacy, module_config.get(legacy) or {})
    for vector, config in (cls.get("vectorConfig") or {}).items():
        vectorizer = (config or {}).get("vectorizer") or {}
        for module, settings in vectorizer.items():
            if _current(module) in JINA_VECTORIZERS:
                yield JinaVector(name, vector, _current(module), module, settings or {})


def base_url_refusal(base_url: str) -> str | None:
    """Why a server with ``MODULES_VALIDATE_BASE_URL`` on refuses ``base_url``, or ``None``.

    The server's rule (Weaviate 1.39): https only, and no loopback, private, link-local or
    unspecified IP, no ``localhost`` and no ``*.local``/``*.internal``/``*.localdomain``
    host. The server also resolves other names and refuses internal answers; that part
    depends on its DNS and is not judged here.
    """
    parts = urlsplit(base_url)
    if parts.scheme != "https":
        return "it is not https"
    host = (parts.hostname or "").lower()
    if not host:
        return "it has no host"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if host in _BLOCKED_HOSTS or host.endswith(_BLOCKED_SUFFIXES):
            return f"{host} is an internal name"
        return None
    if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified:
        return f"{host} is an internal address"
    return None


def _properties(cls: Mapping[str, Any]) -> dict[str, str]:
    props = {}
    for prop in cls.get("properties") or []:
        types = prop.get("dataType") or ["?"]
        props[str(prop.get("name"))] = str(types[0])
    return props


def _lint_module_enabled(vec: JinaVector, facts: ServerFacts) -> Iterator[DoctorFinding]:
    enabled = {_current(m) for m in facts.modules}
    if vec.module not in enabled:
        yield DoctorFinding(
            "module-not-enabled",
            Severity.ERROR,
            vec.subject,
            f"uses {vec.stored_module}, which this server does not have enabled: every "
            "import and near_text query on it fails",
            f"start Weaviate with {vec.module} in ENABLE_MODULES (1.33+: and "
            "API_BASED_MODULES_DISABLED unset), or use a server line that has the module",
        )


def _lint_model(vec: JinaVector) -> Iterator[DoctorFinding]:
    model = vec.settings.get("model")
    if not model:
        yield DoctorFinding(
            "implicit-model",
            Severity.WARNING,
            vec.subject,
            f"no model is stored, so {vec.module} uses the server's default, which depends on "
            "the server version (text2vec-jinaai: jina-embeddings-v2-base-en before Weaviate "
            "1.31.6, jina-embeddings-v4 since): the same collection embeds into another space "
            "after an upgrade",
            "recreate the collection with the model written explicitly "
            "(JinaConfigure builders always write it) and re-import",
        )
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnknownModelWarning)
        try:
            check_model_for_module(str(model), vec.module)
        except ModelModuleMismatchError as exc:
            yield DoctorFinding(
                "model-module-mismatch",
                Severity.ERROR,
                vec.subject,
                f"{vec.module} is configured with {exc}",
                f"recreate the collection with a model {vec.module} serves "
                f"(weaviate_jina_ext.list_models(module={vec.module!r}))",
            )
    if caught:
        yield DoctorFinding(
            "unknown-model",
            Severity.WARNING,
            vec.subject,
            f"model {model!r} is not in weaviate-jina-ext's catalogue, so its dimensions "
            "and module fit were not checked (a typo makes every import fail)",
            "check the name against Jina's model list; if it is new, upgrade weaviate-jina-ext",
        )


def _lint_dimensions(vec: JinaVector) -> Iterator[DoctorFinding]:
    dims = vec.settings.get("dimensions")
    model = vec.settings.get("model")
    if dims is None or vec.module == MODULE_MULTI2MULTIVEC or not isinstance(model, str):
        return
    info = find_model(model)
    if info is None or vec.module not in info.modules:
        return  # reported as unknown or mismatched already
    try:
        valid_dimensions(dims, info)
    except JinaConfigError as exc:
        yield DoctorFinding(
            "dimensions-invalid",
            Severity.ERROR,
            vec.subject,
            f"stored {exc}; the server sends it on every request and the Jina API refuses it "
            "(or the vectors get a length the index does not expect)",
            f"recreate the collection with dimensions {info.allowed_dimensions_text()} and "
            "re-import (a collection's module config cannot be changed in place)",
        )


def _vectorized(vec: JinaVector, props: Mapping[str, str]) -> list[str]:
    named = vec.settings.get("properties")
    if isinstance(named, list) and named:
        return [str(p) for p in named]
    return [p for p, t in props.items() if t in _TEXT_TYPES]


def _lint_text_properties(vec: JinaVector, props: Mapping[str, str]) -> Iterator[DoctorFinding]:
    if vec.module not in {MODULE_TEXT2VEC, MODULE_TEXT2MULTIVEC}:
        return
    named = _vectorized(vec, props)
    missing = [p for p in named if p not in props]
    if missing:
        yield DoctorFinding(
            "missing-property",
            Severity.ERROR,
            vec.subject,
            f"source properties {missing} do not exist in the collection",
            "recreate the collection with source_properties naming existing text properties",
        )
    if len(missing) < len(named) or not named:
        yield from _no_text(vec, props, named)


def _no_text(
    vec: JinaVector, props: Mapping[str, str], named: list[str]
) -> Iterator[DoctorFinding]:
    if not any(props.get(p) in _TEXT_TYPES for p in named):
        colbert = vec.module == MODULE_TEXT2MULTIVEC
        yield DoctorFinding(
            "no-text-property",
            Severity.ERROR,
            vec.subject,
            f"{vec.module} has no text property to embed (properties: "
            f"{dict(props) or 'none'}); objects get vectors of nothing but the collection "
            "name, or fail" + (f" (Weaviate issue #8668: {_ISSUE_8668})" if colbert else ""),
            "add a TEXT property and name it in source_properties, then re-import",
        )


def _field_names(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _lint_multimodal_fields(vec: JinaVector, props: Mapping[str, str]) -> Iterator[DoctorFinding]:
    if vec.module not in {MODULE_MULTI2VEC, MODULE_MULTI2MULTIVEC}:
        return
    text = _field_names(vec.settings.get("textFields"))
    image = _field_names(vec.settings.get("imageFields"))
    for fields, allowed, kind in ((text, _TEXT_TYPES, "text"), (image, _IMAGE_TYPES, "image")):
        for field in fields:
            data_type = props.get(field)
            if data_type is None:
                problem = "does not exist"
            elif data_type not in allowed:
                problem = f"is {data_type}, not {'text' if kind == 'text' else 'blob'}"
            else:
                continue
            yield DoctorFinding(
                "multimodal-field-type",
                Severity.ERROR,
                vec.subject,
                f"{kind} field {field!r} {problem}; the module gets nothing to embed from it",
                f"recreate the collection with {kind}_fields naming "
                f"{'TEXT' if kind == 'text' else 'BLOB'} properties",
            )
    if vec.module != MODULE_MULTI2MULTIVEC:
        return
    problems = []
    if bool(text) == bool(image):
        problems.append("exactly one of text_fields and image_fields must be set")
    if len(text) + len(image) > 1:
        problems.append("exactly one property may be named")
    if vec.settings.get("weights"):
        problems.append("weights are not allowed")
    if problems:
        yield DoctorFinding(
            "multi2multivec-fields",
            Severity.ERROR,
            vec.subject,
            f"multi2multivec-jinaai field rules broken: {'; '.join(problems)} (text_fields="
            f"{text}, image_fields={image})",
            "recreate the collection with a single text_fields or image_fields property and no weights",
        )


def _lint_base_url(vec: JinaVector, facts: ServerFacts) -> Iterator[DoctorFinding]:
    base_url = vec.settings.get("baseURL")
    if not isinstance(base_url, str) or not base_url:
        return
    try:
        valid_base_url(base_url)
    except JinaConfigError as exc:
        yield DoctorFinding(
            "base-url-invalid",
            Severity.ERROR,
            vec.subject,
            f"stored {exc}",
            "recreate the collection with base_url set to the API root",
        )
    reason = base_url_refusal(base_url)
    if facts.validates_base_url and reason:
        yield DoctorFinding(
            "base-url-refused",
            Severity.ERROR,
            vec.subject,
            f"base_url {base_url!r} is refused by this server (MODULES_VALIDATE_BASE_URL is "
            f"on and {reason}): every request the module makes fails",
            "serve the Jina-compatible API over https on a public name (or route the real "
            "address through a proxy with HTTPS_PROXY), or unset MODULES_VALIDATE_BASE_URL",
        )


def _lint_collection_name(vec: JinaVector) -> Iterator[DoctorFinding]:
    if vec.module == MODULE_TEXT2VEC and vec.settings.get("vectorizeClassName") is True:
        yield DoctorFinding(
            "vectorize-collection-name",
            Severity.INFO,
            vec.subject,
            f"the collection name {vec.collection!r} is embedded with every object's text "
            "(vectorizeClassName: true), so vectors made outside Weaviate from the text alone "
            "do not match the stored ones",
            "recreate with vectorize_collection_name=False if you compare or bring your own vectors",
        )


def _lint_reranker(cls: Mapping[str, Any], facts: ServerFacts) -> Iterator[DoctorFinding]:
    settings = (cls.get("moduleConfig") or {}).get(MODULE_RERANKER)
    if settings is None:
        return
    subject = f"collection {cls.get('class', '?')!r}, reranker"
    if MODULE_RERANKER not in facts.modules:
        yield DoctorFinding(
            "module-not-enabled",
            Severity.ERROR,
            subject,
            f"uses {MODULE_RERANKER}, which this server does not have enabled: reranked "
            "queries fail",
            f"start Weaviate with {MODULE_RERANKER} in ENABLE_MODULES",
        )
    model = (settings or {}).get("model")
    if not model:
        return
    info = find_model(str(model))
    if info is None:
        yield DoctorFinding(
            "unknown-model",
            Severity.WARNING,
            subject,
            f"reranker model {model!r} is not in weaviate-jina-ext's catalogue",
            "check the name against Jina's reranker list; if it is new, upgrade weaviate-jina-ext",
        )
    elif MODULE_RERANKER not in info.modules:
        yield DoctorFinding(
            "reranker-model",
            Severity.ERROR,
            subject,
            f"reranker-jinaai is configured with {model!r}, a {info.kind} model: every "
            "reranked query fails",
            "recreate the collection's reranker with a reranker model such as "
            "'jina-reranker-v2-base-multilingual'",
        )


def lint_collection(cls: Mapping[str, Any], facts: ServerFacts) -> list[DoctorFinding]:
    """All findings about one stored class's Jina settings."""
    props = _properties(cls)
    findings: list[DoctorFinding] = []
    for vec in jina_vectors(cls):
        findings += _lint_module_enabled(vec, facts)
        findings += _lint_model(vec)
        findings += _lint_dimensions(vec)
        findings += _lint_text_properties(vec, props)
        findings += _lint_multimodal_fields(vec, props)
        findings += _lint_base_url(vec, facts)
        findings += _lint_collection_name(vec)
    findings += _lint_reranker(cls, facts)
    return findings

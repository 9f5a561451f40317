"""Lint rules for the Jina settings of one collection, as the server stores them.

Pure functions over the JSON of ``GET /v1/schema`` (one class dict at a time) and the
facts learnt about the server (:class:`ServerFacts`): no I/O, so every rule is unit-tested
on literal config dicts and, in ``tests/test_doctor_integration.py``, on collections a real
Weaviate accepted.

What a module accepts is decided once, in :mod:`weaviate_jina_ext._module_rules` (the same
rules the config builders enforce), and what the server version does in
:mod:`weaviate_jina_ext._server_lines`; a rule here picks the check that applies to a stored
setting, gives the finding its code and severity, and words the fix. The checks of stored
state that no builder needs (a named property missing or of the wrong type, a ``baseURL``
the server refuses) are written here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from weaviate_jina_ext._catalogue import (
    MODULE_MULTI2MULTIVEC,
    MODULE_MULTI2VEC,
    MODULE_RERANKER,
    MODULE_TEXT2MULTIVEC,
    MODULE_TEXT2VEC,
    find_model,
)
from weaviate_jina_ext._doctor._report import DoctorFinding, Severity
from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._module_rules import (
    canonical_module,
    dimensions_problems,
    model_problems,
    multi2multivec_field_problems,
    multi2vec_field_problems,
    text_property_problems,
)
from weaviate_jina_ext._rules import valid_base_url
from weaviate_jina_ext._wire import DEFAULT_BASE_URL

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from weaviate_jina_ext._server_lines import ServerLine

__all__ = [
    "JINA_VECTORIZERS",
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
_TEXT_TYPES: Final = frozenset({"text", "text[]", "string", "string[]"})
_IMAGE_TYPES: Final = frozenset({"blob"})
_BLOCKED_HOSTS: Final = ("localhost",)
#: The networks Go's ``net.IP`` calls loopback, private, link-local (unicast and multicast)
#: or unspecified: the server's list, which is narrower than Python's ``is_private``
#: (documentation ranges such as 203.0.113.0/24 pass the server's check).
_INTERNAL_NETWORKS: Final = tuple(
    ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
        "224.0.0.0/24", "0.0.0.0/32", "::1/128", "fc00::/7", "fe80::/10", "ff02::/16", "::/128",
    )
)  # fmt: skip
_BLOCKED_SUFFIXES: Final = (".local", ".internal", ".localdomain")
_ISSUE_8668: Final = "https://github.com/weaviate/weaviate/issues/8668"


@dataclass(frozen=True, slots=True)
class ServerFacts:
    """What the lint needs to know about the server.

    Attributes:
        line: How this server version treats the Jina modules (``None``: version unknown
            or older than the facts cover).
        modules: Names of the enabled modules (all of them, not only Jina's).
        validates_base_url: Whether loopback/private ``base_url`` values are refused.
    """

    line: ServerLine | None
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


def _mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one: a schema is read, never trusted."""
    return value if isinstance(value, dict) else {}


def jina_vectors(cls: Mapping[str, Any]) -> Iterator[JinaVector]:
    """The vectors of one stored class that a Jina module makes (legacy and named)."""
    name = str(cls.get("class", "?"))
    module_config = _mapping(cls.get("moduleConfig"))
    legacy = cls.get("vectorizer")
    if isinstance(legacy, str) and canonical_module(legacy) in JINA_VECTORIZERS:
        settings = _mapping(module_config.get(legacy))
        yield JinaVector(name, None, canonical_module(legacy), legacy, settings)
    for vector, config in _mapping(cls.get("vectorConfig")).items():
        for module, settings in _mapping(_mapping(config).get("vectorizer")).items():
            if canonical_module(module) in JINA_VECTORIZERS:
                yield JinaVector(
                    name, str(vector), canonical_module(module), module, _mapping(settings)
                )


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
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip.version == net.version and ip in net for net in _INTERNAL_NETWORKS):
        return f"{host} is an internal address"
    return None


def _properties(cls: Mapping[str, Any]) -> dict[str, str]:
    props = {}
    listed = cls.get("properties")
    for prop in listed if isinstance(listed, list) else []:
        types = _mapping(prop).get("dataType")
        first = types[0] if isinstance(types, list) and types else "?"
        props[str(_mapping(prop).get("name"))] = str(first)
    return props


def _lint_module_enabled(vec: JinaVector, facts: ServerFacts) -> Iterator[DoctorFinding]:
    enabled = {canonical_module(m) for m in facts.modules}
    if vec.module not in enabled:
        absent = facts.line is not None and not facts.line.has_module(vec.module)
        why = (
            f"which Weaviate {facts.line.version} does not have"
            if absent and facts.line is not None
            else "which this server does not have enabled"
        )
        yield DoctorFinding(
            "module-not-enabled",
            Severity.ERROR,
            vec.subject,
            f"uses {vec.stored_module}, {why}: every import and near_text query on it fails",
            f"start Weaviate with {vec.module} in ENABLE_MODULES (1.33+: and "
            "API_BASED_MODULES_DISABLED unset), or use a server line that has the module",
        )


def _lint_model(vec: JinaVector, facts: ServerFacts) -> Iterator[DoctorFinding]:
    model = vec.settings.get("model")
    text2vec = vec.module == MODULE_TEXT2VEC
    line = facts.line
    if not model:
        here = (
            f" (here, Weaviate {line.version}: {line.default_text_model})"
            if text2vec and line is not None
            else ""
        )
        yield DoctorFinding(
            "implicit-model",
            Severity.WARNING,
            vec.subject,
            f"no model is stored, so {vec.module} uses the server's default, which depends on "
            "the server version (text2vec-jinaai: jina-embeddings-v2-base-en before Weaviate "
            f"1.31.6, jina-embeddings-v4 since){here}: the same collection embeds into "
            "another space after an upgrade",
            "recreate the collection with the model written explicitly "
            "(JinaConfigure builders always write it) and re-import",
        )
        return
    model = str(model)
    for problem in model_problems(vec.module, model):
        yield DoctorFinding(
            "model-module-mismatch",
            Severity.ERROR,
            vec.subject,
            problem,
            f"recreate the collection with a model {vec.module} serves "
            f"(weaviate_jina_ext.list_models(module={vec.module!r})) and re-import",
        )
    if find_model(model) is None:
        yield DoctorFinding(
            "unknown-model",
            Severity.WARNING,
            vec.subject,
            f"model {model!r} is not in weaviate-jina-ext's catalogue, so its dimensions "
            "and module fit were not checked (a typo makes every import fail)",
            "check the name against Jina's model list; if it is new, upgrade weaviate-jina-ext",
        )
    elif text2vec and line is not None and model == line.default_text_model:
        other = (
            "jina-embeddings-v2-base-en" if model == "jina-embeddings-v4" else "jina-embeddings-v4"
        )
        yield DoctorFinding(
            "default-model",
            Severity.INFO,
            vec.subject,
            f"the stored model {model!r} is the default of Weaviate {line.version}; code that "
            f"creates this collection without model= gets {other} on servers on the other side "
            "of 1.31.6 (the server writes its default in at creation)",
            "pass model= explicitly where the collection is created (the JinaConfigure "
            "builders always do)",
        )


def _lint_dimensions(vec: JinaVector, facts: ServerFacts) -> Iterator[DoctorFinding]:
    dims = vec.settings.get("dimensions")
    model = vec.settings.get("model")
    if dims is None or not isinstance(model, str) or model_problems(vec.module, model):
        return  # nothing stored, or a mismatch already reported
    line = facts.line
    if vec.module == MODULE_TEXT2VEC and line is not None and not line.sends_text_dimensions(model):
        return  # stored but never sent by this server version
    info = find_model(model)
    allowed = info.allowed_dimensions_text() if info is not None else "the model's own range"
    for problem in dimensions_problems(vec.module, model, dims, info=info):
        yield DoctorFinding(
            "dimensions-invalid",
            Severity.ERROR,
            vec.subject,
            f"{problem} (stored; the server sends it on every request, and the Jina API "
            "refuses it or returns vectors of another length)",
            f"recreate the collection with dimensions {allowed} (or unset) and re-import "
            "(changed in place, old and new vectors would not match)",
        )


def _lint_text_properties(vec: JinaVector, props: Mapping[str, str]) -> Iterator[DoctorFinding]:
    if vec.module not in {MODULE_TEXT2VEC, MODULE_TEXT2MULTIVEC}:
        return
    named = vec.settings.get("properties")
    source = [str(p) for p in named] if isinstance(named, list) and named else None
    missing = [p for p in source or [] if p not in props]
    if missing:
        yield DoctorFinding(
            "missing-property",
            Severity.ERROR,
            vec.subject,
            f"source properties {missing} do not exist in the collection",
            "recreate the collection with source_properties naming existing text properties",
        )
        if len(missing) == len(source or []):
            return  # nothing left to judge
    textual = {n: t for n, t in props.items() if source is None or t.lower() in _TEXT_TYPES}
    if text_property_problems(vec.module, textual, source_properties=source):
        colbert = vec.module == MODULE_TEXT2MULTIVEC
        yield DoctorFinding(
            "no-text-property",
            Severity.ERROR,
            vec.subject,
            f"{vec.module} has no text property to embed (properties: {dict(props) or 'none'}"
            f"{f', source properties: {source}' if source else ''}): every object is embedded "
            "from the collection name alone, or from nothing"
            + (f" (Weaviate issue #8668: {_ISSUE_8668})" if colbert else ""),
            "recreate the collection with a TEXT property (not skipped) among its source "
            "properties, then re-import",
        )


def _field_names(value: object) -> list[str] | None:
    return [str(v) for v in value] if isinstance(value, list) else None


def _lint_multimodal_fields(vec: JinaVector, props: Mapping[str, str]) -> Iterator[DoctorFinding]:
    if vec.module not in {MODULE_MULTI2VEC, MODULE_MULTI2MULTIVEC}:
        return
    text = _field_names(vec.settings.get("textFields"))
    image = _field_names(vec.settings.get("imageFields"))
    for fields, allowed, kind in ((text, _TEXT_TYPES, "text"), (image, _IMAGE_TYPES, "image")):
        for field in fields or []:
            data_type = props.get(field)
            if data_type is None:
                problem = "does not exist"
            elif data_type.lower() not in allowed:
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
    raw = vec.settings.get("weights")
    weights = raw if isinstance(raw, dict) else None
    if vec.module == MODULE_MULTI2MULTIVEC:
        code = "multi2multivec-fields"
        problems = multi2multivec_field_problems(text, image, weights)
        fix = "recreate the collection with one text_fields or image_fields property, no weights"
    else:
        code = "multi2vec-fields"
        problems = multi2vec_field_problems(text, image, weights)
        fix = "recreate the collection with the fields (and weights) fixed, and re-import"
    for problem in problems:
        yield DoctorFinding(code, Severity.ERROR, vec.subject, problem, fix)


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
    settings = _mapping(cls.get("moduleConfig")).get(MODULE_RERANKER)
    if not isinstance(settings, dict):
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
    elsewhere = sorted(
        {
            str(v.settings["baseURL"]).rstrip("/")
            for v in jina_vectors(cls)
            if v.settings.get("baseURL")
            and str(v.settings["baseURL"]).rstrip("/") != DEFAULT_BASE_URL
        }
    )
    if elsewhere:
        yield DoctorFinding(
            "reranker-fixed-host",
            Severity.WARNING,
            subject,
            f"reranker-jinaai always calls {DEFAULT_BASE_URL} (Weaviate has no base_url for "
            f"it), while this collection's vectors use {', '.join(elsewhere)}: reranking goes "
            "to another API than vectorization (offline, it fails)",
            f"route {DEFAULT_BASE_URL} itself where you need it (HTTPS_PROXY on the server; the "
            "test rig's transparent routing), or rerank client-side with JinaClient.rerank",
        )
    model = settings.get("model")
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
    for problem in model_problems(MODULE_RERANKER, str(model)):
        yield DoctorFinding(
            "reranker-model",
            Severity.ERROR,
            subject,
            f"{problem}: every reranked query fails",
            "recreate the collection's reranker with a reranker model such as "
            "'jina-reranker-v2-base-multilingual'",
        )


def lint_collection(cls: Mapping[str, Any], facts: ServerFacts) -> list[DoctorFinding]:
    """All findings about one stored class's Jina settings."""
    props = _properties(cls)
    findings: list[DoctorFinding] = []
    for vec in jina_vectors(cls):
        findings += _lint_module_enabled(vec, facts)
        findings += _lint_model(vec, facts)
        findings += _lint_dimensions(vec, facts)
        findings += _lint_text_properties(vec, props)
        findings += _lint_multimodal_fields(vec, props)
        findings += _lint_base_url(vec, facts)
        findings += _lint_collection_name(vec)
    findings += _lint_reranker(cls, facts)
    return findings

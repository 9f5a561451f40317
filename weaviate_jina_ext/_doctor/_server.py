"""Server-level checks: version, Jina modules, and whether local ``base_url`` is refused.

Whether ``MODULES_VALIDATE_BASE_URL`` is on cannot be read from ``/v1/meta``; it is told
from outside by a create that is refused either way, so nothing is ever stored. In
Weaviate 1.39, ``multi2vec-jinaai`` checks a class's settings and joins *all* problems into
one 422: a class with ``jina-clip-v1`` and ``dimensions: 1`` (the server requires exactly
768) and a loopback ``http`` ``baseURL`` is refused for the dimensions whatever the flag,
and the refusal also names ``baseURL`` only when the flag is on. Without
``multi2vec-jinaai``, a ``text2vec-jinaai`` class with a loopback ``baseURL`` is created
(flag off: it is deleted again at once) or refused (flag on).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, Final

from weaviate_jina_ext._catalogue import MODULE_MULTI2VEC, MODULE_TEXT2VEC
from weaviate_jina_ext._doctor._report import DoctorFinding, Severity
from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._module_rules import JINA_MODULES, MODULE_ALIASES, canonical_module
from weaviate_jina_ext._server_lines import MIN_SERVER_VERSION, ServerLine, server_line

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from weaviate_jina_ext._doctor._rest import WeaviateRest

__all__ = [
    "LOOPBACK_BASE_URL",
    "base_url_finding",
    "base_url_validation",
    "jina_modules",
    "module_findings",
    "server_line_of",
    "throwaway_name",
]

#: The local ``base_url`` the probe asks about: where a local Jina-compatible server listens.
LOOPBACK_BASE_URL: Final = "http://127.0.0.1:9"


def throwaway_name(purpose: str) -> str:
    """A class name no user collection has: ``WjeDoctor<Purpose><random hex>``."""
    return f"WjeDoctor{purpose}{secrets.token_hex(6).upper()}"


def server_line_of(version: object) -> tuple[ServerLine | None, list[DoctorFinding]]:
    """The facts of the server's version line, or ``None`` and a finding saying why not."""
    try:
        return server_line(str(version)), []
    except JinaConfigError:
        finding = DoctorFinding(
            "server-version-unknown",
            Severity.WARNING,
            "server",
            f"Weaviate version {version!r} is not one weaviate-jina-ext knows the Jina "
            f"modules of (oldest: {MIN_SERVER_VERSION}); version-dependent checks were skipped",
            f"upgrade Weaviate to {MIN_SERVER_VERSION} or newer",
        )
        return None, [finding]


def jina_modules(meta: Mapping[str, Any]) -> tuple[str, ...]:
    """The Jina modules ``/v1/meta`` lists, sorted."""
    modules = meta.get("modules") or {}
    return tuple(sorted(m for m in modules if canonical_module(m) in JINA_MODULES))


def module_findings(meta: Mapping[str, Any], modules: Iterable[str]) -> list[DoctorFinding]:
    """The server's version and which Jina modules it lacks."""
    enabled = {MODULE_ALIASES.get(m, m) for m in modules}
    findings = [
        DoctorFinding(
            "server-version",
            Severity.INFO,
            "server",
            f"Weaviate {meta.get('version', '?')}; Jina modules enabled: "
            f"{', '.join(sorted(enabled)) or 'none'}",
        )
    ]
    missing = [m for m in JINA_MODULES if m not in enabled]
    if len(missing) == len(JINA_MODULES):
        findings.append(
            DoctorFinding(
                "no-jina-modules",
                Severity.WARNING,
                "server",
                "no Jina module is enabled: collections cannot use Jina embeddings here",
                "start Weaviate with ENABLE_MODULES=text2vec-jinaai (plus multi2vec-, "
                "text2multivec-, multi2multivec- and reranker-jinaai as needed); on 1.33+ "
                "also make sure API_BASED_MODULES_DISABLED is not true",
            )
        )
    elif missing:
        findings.append(
            DoctorFinding(
                "jina-module-missing",
                Severity.INFO,
                "server",
                f"not enabled: {', '.join(missing)} (collections using them would fail)",
                f"add them to ENABLE_MODULES if you need them ({', '.join(missing)})",
            )
        )
    return findings


def _clip_probe_class(name: str) -> dict[str, Any]:
    return {
        "class": name,
        "properties": [{"name": "image", "dataType": ["blob"]}],
        "vectorizer": MODULE_MULTI2VEC,
        "moduleConfig": {
            MODULE_MULTI2VEC: {
                "model": "jina-clip-v1",
                "dimensions": 1,
                "baseURL": LOOPBACK_BASE_URL,
                "imageFields": ["image"],
            }
        },
    }


def _text_probe_class(name: str) -> dict[str, Any]:
    return {
        "class": name,
        "properties": [{"name": "text", "dataType": ["text"]}],
        "vectorizer": MODULE_TEXT2VEC,
        "moduleConfig": {MODULE_TEXT2VEC: {"baseURL": LOOPBACK_BASE_URL}},
    }


def _ask_clip(rest: WeaviateRest) -> tuple[bool | None, str]:
    name = throwaway_name("BaseUrl")
    answer = rest.call("POST", "/v1/schema", _clip_probe_class(name))
    if answer.status < 300:  # a server without the dimensions check stored it
        rest.call("DELETE", f"/v1/schema/{name}")
        return False, "a multi2vec-jinaai create with a loopback baseURL was accepted (deleted)"
    text = answer.error_text()
    if "baseURL" in text:
        return True, f"a multi2vec-jinaai dry-run create was refused: {rest.scrub(text)}"
    if "768" in text:
        return False, "a multi2vec-jinaai dry-run create was refused for its dimensions only"
    return None, f"unexpected answer {answer.status}: {rest.scrub(text)}"


def _ask_text(rest: WeaviateRest) -> tuple[bool | None, str]:
    name = throwaway_name("BaseUrl")
    answer = rest.call("POST", "/v1/schema", _text_probe_class(name))
    if answer.status < 300:
        rest.call("DELETE", f"/v1/schema/{name}")
        return False, "a text2vec-jinaai create with a loopback baseURL was accepted (deleted)"
    text = answer.error_text()
    if "baseURL" in text:
        return True, f"a text2vec-jinaai create was refused: {rest.scrub(text)}"
    return None, f"unexpected answer {answer.status}: {rest.scrub(text)}"


def base_url_validation(
    rest: WeaviateRest, modules: Iterable[str], line: ServerLine | None
) -> tuple[bool | None, str]:
    """Whether the server refuses a loopback ``base_url``, and how that was told.

    Returns:
        ``(True | False | None, method)``: ``None`` when no Jina vectorizer is enabled or
        the answer was not one of the expected ones.
    """
    if line is not None and not line.has_validate_base_url:
        return False, f"Weaviate {line.version} predates MODULES_VALIDATE_BASE_URL (1.37)"
    enabled = set(modules)
    if MODULE_MULTI2VEC in enabled:
        return _ask_clip(rest)
    if MODULE_TEXT2VEC in enabled:
        return _ask_text(rest)
    return None, "no Jina vectorizer module is enabled"


def base_url_finding(refused: bool | None, method: str) -> DoctorFinding:
    """The finding that reports the ``MODULES_VALIDATE_BASE_URL`` verdict."""
    if refused:
        return DoctorFinding(
            "base-url-validation-on",
            Severity.WARNING,
            "server",
            "this server refuses loopback, private and plain-http base_url values "
            f"(MODULES_VALIDATE_BASE_URL is on; {method}): a local Jina-compatible server "
            "cannot be reached through base_url",
            "serve the local API over https on a public name, or route api.jina.ai through a "
            "proxy (HTTPS_PROXY on the server), or unset MODULES_VALIDATE_BASE_URL",
        )
    if refused is None:
        return DoctorFinding(
            "base-url-validation-unknown",
            Severity.INFO,
            "server",
            f"could not tell whether a local base_url would be refused ({method})",
        )
    return DoctorFinding(
        "base-url-validation-off",
        Severity.INFO,
        "server",
        f"a local base_url such as {LOOPBACK_BASE_URL} is accepted ({method})",
    )

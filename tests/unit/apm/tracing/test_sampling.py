from __future__ import annotations

import random

import pytest

from edgewatch.apm.tracing import TraceContext, Why, check_rate, decide, rate_from_text, sampled_by_rate

PARENT_SPAN = "00f067aa0ba902b7"


@pytest.mark.parametrize(
    ("parent", "rate", "why"),
    [
        (TraceContext("a" * 32, PARENT_SPAN, 1), 0.0, Why.PARENT_SAMPLED),  # the caller's flag wins over the rate
        (TraceContext("a" * 32, PARENT_SPAN, 0), 1.0, Why.PARENT_NOT_SAMPLED),
        (None, 1.0, Why.ROOT_SAMPLED),
        (None, 0.0, Why.ROOT_NOT_SAMPLED),
    ],
)
def test_decisions(parent: TraceContext | None, rate: float, why: Why) -> None:
    decision = decide(parent, rate, "b" * 32)
    assert decision.why is why
    assert decision.trace_id == ("a" * 32 if parent else "b" * 32)
    assert decision.flags == (1 if decision.sampled else 0)


def test_root_rate_keeps_about_its_share_and_is_deterministic_per_trace_id() -> None:
    rng = random.Random(7)
    ids = [f"{rng.getrandbits(128):032x}" for _ in range(20_000)]
    kept = sum(sampled_by_rate(t, 0.1) for t in ids)
    assert 1_800 < kept < 2_200
    assert [sampled_by_rate(t, 0.1) for t in ids[:100]] == [sampled_by_rate(t, 0.1) for t in ids[:100]]
    # A trace kept at a rate is kept at every higher rate.
    assert all(sampled_by_rate(t, 0.5) for t in ids if sampled_by_rate(t, 0.1))


@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan")])
def test_rates_outside_zero_to_one_are_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        check_rate(rate)


@pytest.mark.parametrize(("text", "rate"), [(None, 0.25), ("", 0.25), (" 1 ", 1.0), ("0", 0.0), ("0.01", 0.01)])
def test_rates_from_vars(text: str | None, rate: float) -> None:
    assert rate_from_text(text, 0.25) == rate


@pytest.mark.parametrize("text", ["yes", "2", "-1", "nan"])
def test_bad_rate_vars_are_errors(text: str) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        rate_from_text(text, 0.25)

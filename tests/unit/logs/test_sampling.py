from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.logs.entry import LogEntry
from edgewatch.logs.sampling import Sampler, trace_draw, unit_interval

DEFAULT = {"error": 1.0, "warn": 1.0, "info": 0.1, "debug": 0.01}


def entry(
    level: str = "info", trace_id: str | None = None, request_id: str | None = None, message: str = "m"
) -> LogEntry:
    return LogEntry(1_795_737_600_000, level, message, "api", trace_id, None, request_id, None, {})


def test_rate_one_keeps_and_zero_drops() -> None:
    sampler = Sampler({"error": 1.0, "debug": 0.0})
    assert sampler.decide(entry("error")).keep
    assert not sampler.decide(entry("debug")).keep
    assert sampler.decide(entry("fatal")).keep  # a missing level is kept


@given(st.text(min_size=1, max_size=40))
def test_decision_is_a_function_of_the_trace(trace: str) -> None:
    sampler = Sampler(DEFAULT)
    first = sampler.decide(entry(trace_id=trace, message="a"))
    second = sampler.decide(entry(trace_id=trace, message="b"))
    assert first == second


@pytest.mark.parametrize(
    ("trace_id", "reason"),
    [
        ("5b8efff798038103d269b633813fc60c", "trace_bits"),  # W3C/OTel id: its own random bits
        ("not-a-hex-trace", "trace_hash"),
        (None, "entry_hash"),
    ],
)
def test_reasons(trace_id: str | None, reason: str) -> None:
    rate_half = Sampler({"info": 0.5})
    assert rate_half.decide(entry(trace_id=trace_id)).reason == reason
    assert rate_half.decide(entry(request_id="r-1")).reason == "request_hash"


def test_trace_bits_are_the_low_56_bits() -> None:
    assert trace_draw("0" * 32) == 0.0
    assert trace_draw("f" * 18 + "0" * 14) == 0.0
    assert trace_draw("0" * 18 + "8" + "0" * 13) == 0.5
    assert trace_draw("abc") is None
    assert trace_draw("z" * 32) is None


@pytest.mark.parametrize("kind", ["hex", "sequential"])
def test_kept_fraction_is_within_five_sigma(kind: str) -> None:
    rng = random.Random(11)
    n, rate = 20_000, 0.1
    ids = [f"{rng.getrandbits(128):032x}" for _ in range(n)] if kind == "hex" else [f"req-{i}" for i in range(n)]
    sampler = Sampler({"info": rate})
    kept, dropped = sampler.apply([entry(trace_id=t) for t in ids])
    sigma = math.sqrt(n * rate * (1 - rate))
    assert abs(len(kept) - n * rate) < 5 * sigma
    assert dropped == {("api", "info"): n - len(kept)}
    assert all(e.weight == pytest.approx(1 / rate) for e in kept)


def test_a_kept_trace_keeps_its_more_severe_lines() -> None:
    sampler = Sampler(DEFAULT | {"warn": 0.5})
    for i in range(2000):
        trace = f"trace-{i}"
        if sampler.decide(entry("info", trace)).keep:
            assert sampler.decide(entry("warn", trace)).keep
            assert sampler.decide(entry("error", trace)).keep


def test_apply_matches_decide() -> None:
    sampler = Sampler(DEFAULT)
    entries = [entry(lv, f"t{i}") for i in range(500) for lv in ("debug", "info", "warn")]
    kept, _ = sampler.apply(entries)
    assert [id(e) for e in kept] == [id(e) for e in entries if sampler.decide(e).keep]


def test_unit_interval_is_stable() -> None:
    # A fixed value: the draw must never change between releases, or sampling decisions would.
    assert unit_interval("t:abc") == 0.38285723504337826
    assert 0.0 <= unit_interval("x") < 1.0


@pytest.mark.parametrize("rates", [{"info": 1.5}, {"info": -0.1}, {"loud": 0.5}])
def test_invalid_rates(rates: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Sampler(rates)

from __future__ import annotations

import pytest

from edgewatch.apm.traces.sampling import Verdict, decide, id_fraction, ready
from edgewatch.config import TraceSamplingConfig

from .spans import span

CONFIG = TraceSamplingConfig.model_validate({"share": 0.25, "slowRootMs": 1000, "decisionWait": "30s", "maxWait": "5m"})


@pytest.mark.parametrize(
    ("first", "root", "now", "expected"),
    [
        (0, None, 10_000, False),  # no root yet, within the max wait
        (0, None, 300_000, True),  # the max wait ran out without a root
        (0, 5_000, 20_000, False),  # the root arrived 15 s ago: children may still come
        (0, 5_000, 35_000, True),  # the decision wait passed after the root
    ],
)
def test_ready(first: int, root: int | None, now: int, expected: bool) -> None:
    assert ready(first, root, now, CONFIG) is expected


def test_errors_and_slow_roots_are_kept_with_weight_one() -> None:
    assert decide("f" * 32, [span("1"), span("2", "1", status="error")], CONFIG).verdict is Verdict.KEEP_ERROR
    slow = decide("f" * 32, [span("1", ms=1500)], CONFIG)
    assert slow.verdict is Verdict.KEEP_SLOW and slow.weight == 1.0
    # A slow child under a fast root does not make the trace slow.
    assert decide("f" * 32, [span("1", ms=10), span("2", "1", ms=5000)], CONFIG).verdict is Verdict.DROP


def test_the_share_is_chosen_by_trace_id_with_the_inverse_weight() -> None:
    kept = decide("0" * 18 + "10000000000000", [span("1")], CONFIG)  # fraction 1/16 < 0.25
    assert kept.verdict is Verdict.KEEP_SHARE and kept.weight == 4.0
    assert decide("0" * 18 + "f0000000000000", [span("1")], CONFIG).verdict is Verdict.DROP


def test_the_share_kept_is_close_to_the_configured_share() -> None:
    import random

    rng = random.Random(7)
    ids = [f"{rng.getrandbits(128):032x}" for _ in range(20_000)]
    kept = sum(1 for t in ids if id_fraction(t) < 0.25)
    assert abs(kept / len(ids) - 0.25) < 0.01

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from edgewatch.logs.bloom import BloomFilter


@given(st.sets(st.text(max_size=40), max_size=300))
def test_never_a_false_negative(items: set[str]) -> None:
    bloom = BloomFilter.build(items)
    assert all(item in bloom for item in items)


def test_false_positive_rate_is_near_the_target() -> None:
    rng = random.Random(7)
    members = {f"req-{rng.getrandbits(64):x}" for _ in range(5000)}
    bloom = BloomFilter.build(members, fp_rate=0.01)
    probes = [f"other-{i}" for i in range(20000)]
    false_positives = sum(p in bloom for p in probes)
    # 1% target: allow up to 2% (the sampling error of 20,000 probes is about 0.07%).
    assert false_positives / len(probes) < 0.02


def test_round_trip_encoding() -> None:
    bloom = BloomFilter.build(["a", "b", "request_id=42"])
    back = BloomFilter.decode(bloom.encode())
    assert back.m == bloom.m and back.k == bloom.k and back.bits == bloom.bits
    assert "request_id=42" in back


def test_decode_rejects_a_size_mismatch() -> None:
    import pytest

    m, k, data = BloomFilter.build(["x"]).encode().split(":", 2)
    with pytest.raises(ValueError):
        BloomFilter.decode(f"{int(m) + 8}:{k}:{data}")


def test_empty_filter_contains_nothing() -> None:
    bloom = BloomFilter.build([])
    assert "anything" not in bloom
    assert bloom.might_contain_all([])

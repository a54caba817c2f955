from __future__ import annotations

import pytest

from edgewatch.apm.distinct import DistinctCount, K


def test_exact_below_k() -> None:
    count = DistinctCount()
    for i in range(K - 1):
        count.add(f"user-{i}")
        count.add(f"user-{i}")  # repeats do not count
    assert count.exact and count.estimate() == K - 1


@pytest.mark.parametrize("n", [1_000, 20_000])
def test_estimate_above_k_within_error(n: int) -> None:
    count = DistinctCount()
    for i in range(n):
        count.add(f"user-{i}")
    assert not count.exact
    assert len(count.hashes) == K  # bounded memory
    assert abs(count.estimate() - n) / n < 0.4  # 3 standard errors at K = 64


def test_merge_is_the_union() -> None:
    a, b, both = DistinctCount(), DistinctCount(), DistinctCount()
    for i in range(3_000):
        (a if i % 2 else b).add(str(i))
        both.add(str(i))
    a.merge(b)
    assert a.hashes == both.hashes

"""The stack's one quantile definition: nearest rank.

The q-quantile of n values is the value at 1-based rank ceil(q * n) of the sorted values, for q in
(0, 1]; for q = 0 it is the minimum (rank 1). It is always one of the values, never an interpolation.
Metric windows (through their sketch), uptime latency series, Web Vitals p75, the infra rollups'
histogram p95 and alert rules all use it.

Why nearest rank: ``pNN > T`` holds exactly when more than (100 - NN)% of the values exceed T. So
``p95_response_time > 2000`` fires when more than 5% of the window's requests were slower than
2,000 ms, also in a window with few requests: of 4 requests, one slow one is 25% > 5%, and the p95
(rank ceil(3.8) = 4) is that slow request. Interpolating rules such as rank q * (n - 1) answer a
value between the two largest instead (219 ms for 120, 180, 220 and 900 ms) and the rule stays
silent. Proof: with v the value at rank r = ceil(q * n), v > T iff fewer than r values are <= T, iff
fewer than q * n values are <= T (a count is whole), iff more than (1 - q) * n values are > T.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

__all__ = ["nearest_rank", "rank"]


def rank(q: float, n: float) -> int:
    """The 1-based nearest rank ceil(q * n) among n values (n > 0), at least 1; q within [0, 1].

    q is taken as the decimal it is written as: 0.07 of 100 values is rank 7, although the float
    0.07 * 100 is 7.000000000000001. n may be a total weight (a sketch's count).
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must be within [0, 1]")
    product = q * n
    if abs(product - round(product)) > 1e-9 * max(1.0, product):  # clear of a whole number: float is exact enough
        return max(1, math.ceil(product))
    numerator, denominator = _decimal_ratio(q)
    top, bottom = n.as_integer_ratio()
    return max(1, -(-numerator * top // (denominator * bottom)))  # ceil in integers


@lru_cache(maxsize=256)
def _decimal_ratio(q: float) -> tuple[int, int]:
    """q as the shortest decimal that reads back as it (its repr), as numerator and denominator."""
    from fractions import Fraction  # only here: Worker start-up does not pay for fractions and decimal

    ratio = Fraction(repr(q))
    return ratio.numerator, ratio.denominator


def nearest_rank(sorted_values: Sequence[float], q: float) -> float | None:
    """The value at rank ceil(q * n) of ``sorted_values`` (ascending); None for no values."""
    if not sorted_values:
        if not 0.0 <= q <= 1.0:
            raise ValueError("q must be within [0, 1]")
        return None
    return sorted_values[min(rank(q, len(sorted_values)), len(sorted_values)) - 1]

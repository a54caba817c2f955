"""A mergeable quantile sketch with bounded relative error (the DDSketch construction).

A value x > 0 falls in bucket k = ceil(log(x) / log(gamma)) with gamma = (1 + a) / (1 - a); the
bucket's representative 2 * gamma**k / (gamma + 1) is within relative error a of every value in
it, so every quantile answered is within a of the true value at that rank (a = 1% by default).
Windows merge by adding bucket counts, exactly, so 5-minute windows roll up into hours and days
without keeping raw points. Memory is bounded: past ``max_buckets`` the lowest buckets collapse
into one (the low quantiles lose accuracy first; latency users care about the high ones).

Zero and negative values are kept too (a zero count and a mirrored negative store), so gauges
that cross zero are summarised correctly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ACCURACY = 0.01
DEFAULT_MAX_BUCKETS = 2048
_MIN_POSITIVE = 1e-9  # values below are counted as zero
_INF = math.inf
_log = math.log
_ceil = math.ceil


@dataclass
class _Store:
    """Sparse bucket counts with collapsing of the lowest buckets beyond a bound."""

    counts: dict[int, float] = field(default_factory=dict)
    max_buckets: int = DEFAULT_MAX_BUCKETS

    def add(self, key: int, weight: float = 1.0) -> None:
        counts = self.counts
        counts[key] = counts.get(key, 0.0) + weight
        if len(counts) > self.max_buckets:
            self._collapse()

    def merge(self, other: _Store) -> None:
        counts = self.counts
        if not counts:
            counts.update(other.counts)
        else:
            get = counts.get
            for key, weight in other.counts.items():
                counts[key] = get(key, 0.0) + weight
        if len(counts) > self.max_buckets:
            self._collapse()

    def _collapse(self) -> None:
        keys = sorted(self.counts)
        excess = len(keys) - self.max_buckets
        target = keys[excess]
        moved = sum(self.counts.pop(k) for k in keys[:excess])
        self.counts[target] += moved


class QuantileSketch:
    __slots__ = ("_inv_log_gamma", "_neg", "_pos", "accuracy", "count", "gamma", "max", "min", "sum", "zero")

    def __init__(self, accuracy: float = DEFAULT_ACCURACY, max_buckets: int = DEFAULT_MAX_BUCKETS) -> None:
        if not 0.0 < accuracy < 1.0:
            raise ValueError("accuracy must be within (0, 1)")
        self.accuracy = accuracy
        self.gamma = (1 + accuracy) / (1 - accuracy)
        self._inv_log_gamma = 1.0 / math.log(self.gamma)
        self._pos = _Store(max_buckets=max_buckets)
        self._neg = _Store(max_buckets=max_buckets)
        self.zero = 0.0
        self.count = 0.0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf

    # -- writing ---------------------------------------------------------------------------
    def add(self, value: float, weight: float = 1.0) -> None:
        if _MIN_POSITIVE < value < _INF and weight == 1.0:  # the hot case: a positive latency
            key = _ceil(_log(value) * self._inv_log_gamma)
            store = self._pos
            counts = store.counts
            counts[key] = counts.get(key, 0.0) + 1.0
            if len(counts) > store.max_buckets:
                store._collapse()
        else:
            if not -_INF < value < _INF or weight <= 0:  # also refuses NaN
                raise ValueError("value must be finite and weight positive")
            if value > _MIN_POSITIVE:
                self._pos.add(_ceil(_log(value) * self._inv_log_gamma), weight)
            elif value < -_MIN_POSITIVE:
                self._neg.add(_ceil(_log(-value) * self._inv_log_gamma), weight)
            else:
                self.zero += weight
        self.count += weight
        self.sum += value * weight
        # Comparisons, not min()/max(): this is the per-value hot path.
        if value < self.min:  # noqa: PLR1730
            self.min = value
        if value > self.max:  # noqa: PLR1730
            self.max = value

    def add_many(self, values: list[float]) -> None:
        """Unit-weight values in one call: the hot loop of a window's inserts."""
        others = [v for v in values if not (_MIN_POSITIVE < v < math.inf)]
        for value in others:  # zero, negative (and invalid, which raises before any change)
            self.add(value)
        inv = self._inv_log_gamma
        log = math.log
        ceil = math.ceil
        counts = self._pos.counts
        get = counts.get
        fast = values if not others else [v for v in values if _MIN_POSITIVE < v < math.inf]
        for value in fast:
            key = ceil(log(value) * inv)
            counts[key] = get(key, 0.0) + 1.0
        if fast:
            self.count += len(fast)
            self.sum += math.fsum(fast)
            low, high = min(fast), max(fast)
            self.min = min(self.min, low)
            self.max = max(self.max, high)
        if len(counts) > self._pos.max_buckets:
            self._pos._collapse()

    def merge(self, other: QuantileSketch) -> None:
        if other.gamma != self.gamma:
            raise ValueError("cannot merge sketches of different accuracy")
        self._pos.merge(other._pos)
        self._neg.merge(other._neg)
        self.zero += other.zero
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)

    # -- reading ---------------------------------------------------------------------------
    def _value(self, key: int) -> float:
        return 2.0 * self.gamma**key / (self.gamma + 1.0)

    def quantile(self, q: float) -> float | None:
        """The value at rank q * (count - 1), within the relative accuracy; None when empty."""
        if not 0.0 <= q <= 1.0:
            raise ValueError("q must be within [0, 1]")
        if self.count == 0:
            return None
        if q == 0.0:
            return self.min
        if q == 1.0:
            return self.max
        rank = q * (self.count - 1)
        seen = 0.0
        for key in sorted(self._neg.counts, reverse=True):
            seen += self._neg.counts[key]
            if seen > rank:
                return max(self.min, -self._value(key))
        seen += self.zero
        if seen > rank:
            return 0.0
        for key in sorted(self._pos.counts):
            seen += self._pos.counts[key]
            if seen > rank:
                return min(self.max, max(self.min, self._value(key)))
        return self.max

    @property
    def avg(self) -> float | None:
        return None if self.count == 0 else self.sum / self.count

    @property
    def buckets(self) -> int:
        return len(self._pos.counts) + len(self._neg.counts)

    # -- wire format -----------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.accuracy,
            "n": self.count,
            "s": self.sum,
            "lo": self.min if self.count else None,
            "hi": self.max if self.count else None,
            "z": self.zero,
            "p": _encode_store(self._pos.counts),
            "m": _encode_store(self._neg.counts),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], max_buckets: int = DEFAULT_MAX_BUCKETS) -> QuantileSketch:
        sketch = cls(float(data["a"]), max_buckets)
        sketch.count = float(data["n"])
        sketch.sum = float(data["s"])
        sketch.min = math.inf if data["lo"] is None else float(data["lo"])
        sketch.max = -math.inf if data["hi"] is None else float(data["hi"])
        sketch.zero = float(data["z"])
        sketch._pos.counts = _decode_store(data["p"])
        sketch._neg.counts = _decode_store(data["m"])
        return sketch


def _encode_store(counts: dict[int, float]) -> list[Any]:
    """[first_key, [count, count, ...]] over the dense key range (compact for clustered buckets)."""
    if not counts:
        return []
    low, high = min(counts), max(counts)
    return [low, [_compact(counts.get(k, 0.0)) for k in range(low, high + 1)]]


def _compact(x: float) -> float | int:
    return int(x) if x == int(x) else x


def _decode_store(data: list[Any]) -> dict[int, float]:
    if not data:
        return {}
    low, values = int(data[0]), data[1]
    return {low + i: float(v) for i, v in enumerate(values) if v}

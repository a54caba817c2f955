"""A mergeable quantile sketch with bounded relative error (the DDSketch construction).

A value x > 0 falls in bucket k = ceil(log(x) / log(gamma)) with gamma = (1 + a) / (1 - a); the
bucket's representative 2 * gamma**k / (gamma + 1) is within relative error a of every value in
it, so every quantile answered is within a of the true value at its rank (a = 1% by default).
Windows merge by adding bucket counts, exactly, so 5-minute windows roll up into hours and days
without keeping raw points. Memory is bounded: past a span of ``max_buckets`` keys the lowest collapse
into one (the low quantiles lose accuracy first; latency users care about the high ones).

Zero and negative values are kept too (a zero count and a mirrored negative store), so gauges
that cross zero are summarised correctly.

Quantiles follow the stack's one definition (``edgewatch.quantiles``), nearest rank: the q-quantile
is the value at 1-based rank ceil(q * n), the minimum for q = 0, and the answer is within the relative
accuracy of that value. Not ddsketch's rank q * (n - 1): with nearest rank ``pNN > T`` holds exactly
when more than (100 - NN)% of the window's values exceed T, so ``p95_response_time > 2000`` fires
when more than 5% of the requests were slower than 2,000 ms, also in a window with few requests (of
4 requests one slow one is 25% > 5%; rank q * (n - 1) would answer 219 ms for 120, 180, 220 and
900 ms, and the rule would stay silent).
"""

from __future__ import annotations

import math
from operator import add as _add
from typing import Any

from ..quantiles import rank as _rank

DEFAULT_ACCURACY = 0.01
DEFAULT_MAX_BUCKETS = 2048
_MIN_POSITIVE = 1e-9  # values below are counted as zero
_INF = math.inf
_log = math.log
_ceil = math.ceil


class _Store:
    """Dense bucket counts for keys [offset, offset + len(bins)); past ``max_buckets`` keys of span
    the lowest collapse into one. Dense lists make a merge one C-level ``map(add, ...)`` over the
    overlapping range instead of a Python loop per bucket."""

    __slots__ = ("bins", "max_buckets", "offset")

    def __init__(self, max_buckets: int = DEFAULT_MAX_BUCKETS) -> None:
        self.bins: list[float] = []
        self.offset = 0
        self.max_buckets = max_buckets

    def add(self, key: int, weight: float = 1.0) -> None:
        index = key - self.offset
        if not 0 <= index < len(self.bins):
            self._extend(key, key)
            self._collapse()
            index = max(key - self.offset, 0)  # a key below a collapsed range counts in its lowest bucket
        self.bins[index] += weight

    def _extend(self, low: int, high: int) -> None:
        """Make room for keys low..high (no collapsing)."""
        bins = self.bins
        if not bins:
            self.offset = low
            self.bins = [0.0] * (high - low + 1)
            return
        if low < self.offset:
            self.bins = bins = [0.0] * (self.offset - low) + bins
            self.offset = low
        top = self.offset + len(bins) - 1
        if high > top:
            bins.extend([0.0] * (high - top))

    def _collapse(self) -> None:
        excess = len(self.bins) - self.max_buckets
        if excess > 0:
            moved = math.fsum(self.bins[: excess + 1])
            del self.bins[:excess]
            self.bins[0] = moved
            self.offset += excess

    def merge(self, other: _Store) -> None:
        theirs = other.bins
        if not theirs:
            return
        if not self.bins:
            self.bins = list(theirs)
            self.offset = other.offset
        else:
            self._extend(other.offset, other.offset + len(theirs) - 1)
            start = other.offset - self.offset
            end = start + len(theirs)
            self.bins[start:end] = map(_add, self.bins[start:end], theirs)
        self._collapse()

    def items(self) -> list[tuple[int, float]]:
        """(key, count) of the non-empty buckets, lowest key first."""
        offset = self.offset
        return [(offset + i, c) for i, c in enumerate(self.bins) if c]

    def to_counts(self) -> dict[int, float]:
        return dict(self.items())

    @classmethod
    def from_counts(cls, counts: dict[int, float], max_buckets: int) -> _Store:
        store = cls(max_buckets)
        if counts:
            store._extend(min(counts), max(counts))
            for key, weight in counts.items():
                store.bins[key - store.offset] += weight
            store._collapse()
        return store


class QuantileSketch:
    __slots__ = ("_inv_log_gamma", "_neg", "_pos", "accuracy", "count", "gamma", "max", "min", "sum", "zero")

    def __init__(self, accuracy: float = DEFAULT_ACCURACY, max_buckets: int = DEFAULT_MAX_BUCKETS) -> None:
        if not 0.0 < accuracy < 1.0:
            raise ValueError("accuracy must be within (0, 1)")
        self.accuracy = accuracy
        self.gamma = (1 + accuracy) / (1 - accuracy)
        self._inv_log_gamma = 1.0 / math.log(self.gamma)
        self._pos = _Store(max_buckets)
        self._neg = _Store(max_buckets)
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
            index = key - store.offset
            if 0 <= index < len(store.bins):
                store.bins[index] += 1.0
            else:
                store.add(key)
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
        store = self._pos
        fast = values if not others else [v for v in values if _MIN_POSITIVE < v < math.inf]
        keys = [ceil(log(value) * inv) for value in fast]
        if keys:
            store._extend(min(keys), max(keys))
            bins, offset = store.bins, store.offset
            for key in keys:
                bins[key - offset] += 1.0
            store._collapse()
        if fast:
            self.count += len(fast)
            self.sum += math.fsum(fast)
            low, high = min(fast), max(fast)
            self.min = min(self.min, low)
            self.max = max(self.max, high)

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
        """The value at nearest rank ceil(q * count), within the relative accuracy; None when empty."""
        if not 0.0 <= q <= 1.0:
            raise ValueError("q must be within [0, 1]")
        if self.count == 0:
            return None
        if q == 0.0:
            return self.min
        if q == 1.0:
            return self.max
        rank = _rank(q, self.count)
        seen = 0.0
        for key, weight in reversed(self._neg.items()):
            seen += weight
            if seen >= rank:
                return max(self.min, -self._value(key))
        seen += self.zero
        if seen >= rank:
            return 0.0
        for key, weight in self._pos.items():
            seen += weight
            if seen >= rank:
                return min(self.max, max(self.min, self._value(key)))
        return self.max

    def weighted_values(self) -> list[tuple[float, float]]:
        """Each bucket's representative value and weight (the zero bucket as 0.0), low to high:
        what another sketch needs to re-add this one's observations."""
        out = [(-self._value(key), weight) for key, weight in reversed(self._neg.items())]
        if self.zero:
            out.append((0.0, self.zero))
        out += [(min(self.max, max(self.min, self._value(key))), weight) for key, weight in self._pos.items()]
        return out

    @property
    def avg(self) -> float | None:
        return None if self.count == 0 else self.sum / self.count

    @property
    def buckets(self) -> int:
        return len(self._pos.items()) + len(self._neg.items())

    # -- wire format -----------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.accuracy,
            "n": self.count,
            "s": self.sum,
            "lo": self.min if self.count else None,
            "hi": self.max if self.count else None,
            "z": self.zero,
            "p": _encode_store(self._pos.to_counts()),
            "m": _encode_store(self._neg.to_counts()),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], max_buckets: int = DEFAULT_MAX_BUCKETS) -> QuantileSketch:
        sketch = cls(float(data["a"]), max_buckets)
        sketch.count = float(data["n"])
        sketch.sum = float(data["s"])
        sketch.min = math.inf if data["lo"] is None else float(data["lo"])
        sketch.max = -math.inf if data["hi"] is None else float(data["hi"])
        sketch.zero = float(data["z"])
        sketch._pos = _Store.from_counts(_decode_store(data["p"]), max_buckets)
        sketch._neg = _Store.from_counts(_decode_store(data["m"]), max_buckets)
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

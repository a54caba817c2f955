"""Anomaly detection: rate spikes against a learned baseline, and credential-stuffing shapes.

**Spikes.** For each subject (an identifier such as ``ip:203.0.113.7``, or a route label such as
``route:/api/auth/*``) and signal (all requests, 401/403 answers, 429 answers) requests are
counted in fixed buckets (1 minute by default). Completed buckets feed an exponentially weighted
mean and variance (Finch, "Incremental calculation of weighted mean and variance", 2009); the
first buckets are averaged plainly (the weight is max(alpha, 1/n)) so the warm-up is not biased
towards the first bucket, and empty buckets count as zeros. The current bucket is flagged, once,
as soon as its count exceeds ``mean + k * sigma`` and reaches ``min_count``, after
``warmup_buckets`` buckets. Sigma is at least sqrt(mean), the spread of a Poisson process of that
mean, so a perfectly steady series does not alarm on one extra request. A flagged bucket enters
the baseline clipped to its threshold, so an attack does not teach the baseline that attacks are
normal.

Route subjects should be labels of bounded cardinality (a rule's endpoint or a router template),
not raw paths with ids in them.

**Credential stuffing.** On auth routes, one IP trying ``accounts_per_ip`` distinct accounts
within ``window_ms``, or one account failing from ``ips_per_account`` distinct IPs within it. Each
set keeps only its most recently seen members, at most the threshold, as 8-byte BLAKE2b digests:
that answers "were there at least n distinct members in the window" exactly (if there were, the n
most recent are all in it) in bounded memory, and stores no login names. A shape is reported once
per window per subject.

``AnomalyDetector`` holds the series and sets of one Durable Object shard, at most
``max_keys`` of each (least recently seen evicted first), and serialises to JSON.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

V = TypeVar("V")

MAX_GAP_FOLDS = 1_000  # a longer silence has decayed any baseline to ~0 anyway


class AnomalyKind(StrEnum):
    RATE_SPIKE = "rate_spike"
    AUTH_FAILURE_SPIKE = "auth_failure_spike"  # 401 and 403 answers
    RATE_LIMITED_SPIKE = "rate_limited_spike"  # 429 answers
    CREDENTIAL_STUFFING_ONE_IP_MANY_ACCOUNTS = "credential_stuffing_one_ip_many_accounts"
    CREDENTIAL_STUFFING_MANY_IPS_ONE_ACCOUNT = "credential_stuffing_many_ips_one_account"


@dataclass(frozen=True)
class Anomaly:
    kind: AnomalyKind
    subject: str  # "ip:…", "user:…", "route:…" or "account:…"
    observed: float  # the bucket's count, or the distinct members seen in the window
    baseline: float  # the learned mean per bucket; 0 for the stuffing shapes
    threshold: float  # what ``observed`` had to reach
    at_ms: int

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind.value}


@dataclass(frozen=True)
class BaselineConfig:
    bucket_ms: int = 60_000
    alpha: float = 0.1  # weight of the newest bucket, about a 10-bucket memory
    k: float = 4.0
    min_count: int = 20
    warmup_buckets: int = 10

    def __post_init__(self) -> None:
        if self.bucket_ms <= 0 or not 0 < self.alpha <= 1 or self.k <= 0 or self.min_count < 1:
            raise ValueError("baseline: need bucket_ms > 0, 0 < alpha <= 1, k > 0, min_count >= 1")


@dataclass(frozen=True)
class Series:
    """One subject's counts for one signal: the current bucket and the baseline of the earlier ones."""

    bucket_start_ms: int
    count: int = 0
    mean: float = 0.0
    var: float = 0.0
    buckets: int = 0  # completed buckets in the baseline
    alerted: bool = False  # the current bucket was already reported

    def statistical_threshold(self, config: BaselineConfig) -> float:
        sigma = max(math.sqrt(max(self.var, 0.0)), math.sqrt(max(self.mean, 0.0)))
        return self.mean + config.k * sigma


def _fold(series: Series, value: float, config: BaselineConfig) -> Series:
    weight = max(config.alpha, 1.0 / (series.buckets + 1))
    diff = value - series.mean
    increment = weight * diff
    var = (1 - weight) * (series.var + diff * increment)
    return Series(series.bucket_start_ms, 0, series.mean + increment, var, series.buckets + 1, False)


def _advance(series: Series, bucket_start: int, config: BaselineConfig) -> Series:
    if bucket_start <= series.bucket_start_ms:
        return series
    value = float(series.count)
    if series.alerted:
        value = min(value, series.statistical_threshold(config))
    folded = _fold(series, value, config)
    gap = (bucket_start - series.bucket_start_ms) // config.bucket_ms - 1
    for _ in range(min(gap, MAX_GAP_FOLDS)):
        folded = _fold(folded, 0.0, config)
    return Series(bucket_start, 0, folded.mean, folded.var, folded.buckets, False)


@dataclass(frozen=True)
class Spike:
    observed: float
    baseline: float
    threshold: float


def observe(series: Series | None, now_ms: int, config: BaselineConfig, amount: int = 1) -> tuple[Series, Spike | None]:
    """Count ``amount`` events at ``now_ms``; report a spike the first time the bucket crosses its threshold.

    An event older than the current bucket (a clock that stepped back) counts in the current one.
    """
    bucket_start = now_ms - now_ms % config.bucket_ms
    current = Series(bucket_start) if series is None else _advance(series, bucket_start, config)
    count = current.count + amount
    statistical = current.statistical_threshold(config)
    crossed = (
        not current.alerted
        and current.buckets >= config.warmup_buckets
        and count > statistical
        and count >= config.min_count
    )
    new = Series(current.bucket_start_ms, count, current.mean, current.var, current.buckets, current.alerted or crossed)
    if not crossed:
        return new, None
    return new, Spike(float(count), current.mean, max(statistical, float(config.min_count)))


# --- distinct members in a sliding window ---------------------------------------------------


def member_digest(member: str) -> str:
    return hashlib.blake2b(member.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


@dataclass(frozen=True)
class DistinctSet:
    """The most recently seen distinct members, oldest first, each with when it was last seen."""

    members: tuple[tuple[str, int], ...] = ()
    quiet_until_ms: int = 0  # no new report before this

    def count(self, now_ms: int, window_ms: int) -> int:
        return sum(1 for _, seen in self.members if seen > now_ms - window_ms)


def observe_member(
    members: DistinctSet | None, member: str, now_ms: int, window_ms: int, cap: int
) -> tuple[DistinctSet, bool]:
    """Add ``member``; return the set and whether it now holds ``cap`` distinct members in the window
    (once per window: a report silences the set for ``window_ms``)."""
    current = members if members is not None else DistinctSet()
    digest = member_digest(member)
    kept = [(m, seen) for m, seen in current.members if m != digest and seen > now_ms - window_ms]
    kept.append((digest, now_ms))
    updated = DistinctSet(tuple(kept[-cap:]), current.quiet_until_ms)
    if len(updated.members) >= cap and now_ms >= current.quiet_until_ms:
        return DistinctSet(updated.members, now_ms + window_ms), True
    return updated, False


# --- the detector ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnomalyConfig:
    baseline: BaselineConfig = field(default_factory=BaselineConfig)
    stuffing_window_ms: int = 10 * 60_000
    accounts_per_ip: int = 10
    ips_per_account: int = 5
    max_keys: int = 10_000  # per table: series, per-IP sets, per-account sets

    def __post_init__(self) -> None:
        if self.stuffing_window_ms <= 0 or self.accounts_per_ip < 2 or self.ips_per_account < 2 or self.max_keys < 1:
            raise ValueError("anomaly: need a positive window, thresholds >= 2 and max_keys >= 1")


class Signal(StrEnum):
    REQUESTS = "requests"
    AUTH_FAILURES = "auth_failures"
    RATE_LIMITED = "rate_limited"


_KIND = {
    Signal.REQUESTS: AnomalyKind.RATE_SPIKE,
    Signal.AUTH_FAILURES: AnomalyKind.AUTH_FAILURE_SPIKE,
    Signal.RATE_LIMITED: AnomalyKind.RATE_LIMITED_SPIKE,
}


def signals_of(status: int | None) -> tuple[Signal, ...]:
    if status in (401, 403):
        return (Signal.REQUESTS, Signal.AUTH_FAILURES)
    if status == 429:
        return (Signal.REQUESTS, Signal.RATE_LIMITED)
    return (Signal.REQUESTS,)


def _touch(table: dict[str, V], key: str, value: V, cap: int) -> None:
    table.pop(key, None)
    table[key] = value  # the most recently seen last
    while len(table) > cap:
        del table[next(iter(table))]


class AnomalyDetector:
    """Spikes and stuffing shapes over the requests one shard sees. Not thread-safe; a Durable
    Object runs one request at a time."""

    def __init__(self, config: AnomalyConfig | None = None) -> None:
        self.config = config or AnomalyConfig()
        self.series: dict[str, Series] = {}  # "<signal>|<subject>"
        self.accounts_by_ip: dict[str, DistinctSet] = {}
        self.ips_by_account: dict[str, DistinctSet] = {}

    def observe(
        self,
        now_ms: int,
        *,
        identifier: str,
        route: str | None = None,
        status: int | None = None,
        ip: str | None = None,
        account: str | None = None,
        auth_route: bool = False,
        stuffing: str = "both",
    ) -> list[Anomaly]:
        """Record one answered request; return what became anomalous with it.

        ``route`` is a bounded label (reported as ``route:<label>``); ``account`` the login being
        tried on an auth route (reported as ``account:<account>``, so pass an id or a keyed hash
        rather than an e-mail address if events must not hold one). ``stuffing`` picks which shape
        this shard tracks: "ip" (the IP's shard: one IP, many accounts), "account" (the account's
        shard: many IPs, one account) or "both" (a single detector).
        """
        config, found = self.config, []
        subjects = [identifier] + ([f"route:{route}"] if route else [])
        for signal in signals_of(status):
            for subject in subjects:
                key = f"{signal}|{subject}"
                series, spike = observe(self.series.get(key), now_ms, config.baseline)
                _touch(self.series, key, series, config.max_keys)
                if spike is not None:
                    kind = _KIND[signal]
                    found.append(Anomaly(kind, subject, spike.observed, spike.baseline, spike.threshold, now_ms))
        if auth_route and ip and account:
            window = config.stuffing_window_ms
            accounts, hit = (
                observe_member(self.accounts_by_ip.get(ip), account, now_ms, window, config.accounts_per_ip)
                if stuffing in ("both", "ip")
                else (None, False)
            )
            if accounts is not None:
                _touch(self.accounts_by_ip, ip, accounts, config.max_keys)
            if hit and accounts is not None:
                kind = AnomalyKind.CREDENTIAL_STUFFING_ONE_IP_MANY_ACCOUNTS
                found.append(Anomaly(kind, f"ip:{ip}", len(accounts.members), 0.0, config.accounts_per_ip, now_ms))
            if status in (401, 403) and stuffing in ("both", "account"):
                ips, hit = observe_member(self.ips_by_account.get(account), ip, now_ms, window, config.ips_per_account)
                _touch(self.ips_by_account, account, ips, config.max_keys)
                if hit:
                    kind = AnomalyKind.CREDENTIAL_STUFFING_MANY_IPS_ONE_ACCOUNT
                    subject = f"account:{account}"
                    found.append(Anomaly(kind, subject, len(ips.members), 0.0, config.ips_per_account, now_ms))
        return found

    def to_json(self) -> dict[str, Any]:
        def sets(table: Mapping[str, DistinctSet]) -> dict[str, Any]:
            return {
                k: {"members": [list(m) for m in v.members], "quiet_until_ms": v.quiet_until_ms}
                for k, v in table.items()
            }

        return {
            "v": 1,
            "series": {key: asdict(s) for key, s in self.series.items()},
            "accounts_by_ip": sets(self.accounts_by_ip),
            "ips_by_account": sets(self.ips_by_account),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], config: AnomalyConfig | None = None) -> AnomalyDetector:
        """Raise ValueError on anything but what ``to_json`` wrote."""
        detector = cls(config)
        try:
            if data["v"] != 1:
                raise ValueError(f"unknown version {data['v']!r}")
            for key, raw in data["series"].items():
                detector.series[str(key)] = Series(
                    int(raw["bucket_start_ms"]),
                    int(raw["count"]),
                    float(raw["mean"]),
                    float(raw["var"]),
                    int(raw["buckets"]),
                    bool(raw["alerted"]),
                )
            tables = (("accounts_by_ip", detector.accounts_by_ip), ("ips_by_account", detector.ips_by_account))
            for name, table in tables:
                for key, raw in data[name].items():
                    members = tuple((str(m), int(seen)) for m, seen in raw["members"])
                    table[str(key)] = DistinctSet(members, int(raw["quiet_until_ms"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"anomaly state: invalid ({exc})") from None
        return detector

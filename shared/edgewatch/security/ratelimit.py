"""Rate limiting exact at window edges: a sliding log per (rule, identifier), one log per limit.

The guarantee, checked by the property tests against a brute-force reference: for every limit
``{requests: N, windowMs: W}`` of a rule, the requests allowed for one identifier never number
more than N in any window ``(t - W, t]``. A request is allowed iff every limit allows it; an
allowed request is recorded in every limit's log, a refused one in none (refusals do not count,
so a client that backs off recovers on schedule). With the log uncompacted (at most ``max_runs``
distinct milliseconds in a window, always true for the shipped auth rule) the decisions are
exactly those of an ideal sliding-log limiter: the request is refused iff N requests were allowed
in the last W ms. A 5/15 min limit allows 5 rapid requests and refuses the 6th until 15 minutes
after the first. (So the shipped auth rule's 20/h never binds alone: four sliding 15-minute
windows of 5 cover any hour.) The guarantee assumes a clock that does not step back; a request
timed before the newest recorded one is recorded at that newer time, which errs on the strict side.

Why not GCRA: GCRA (emission interval T = W/N, burst tolerance W - T) keeps one integer per
limit, but it admits a burst of N and then one request every T, so a window of length W can hold
up to 2N - 1 (N = 2, W = 10 s: allowed at 0 s, 0 s and 5 s, three in ``(-5 s, 5 s]``). With no burst
tolerance it is exact but refuses the guide's 5 rapid logins. A fixed window admits 2N across a
boundary. Exactness with bursts needs to know when each of the last N requests happened.

Memory per key: a log is a list of runs ``[t_ms, count]`` (requests allowed in the same
millisecond share a run), at most ``min(N, max_runs)`` runs per limit. Past ``max_runs`` the two
runs closest in time are merged into the later one: those requests are remembered as later than
they were, so they expire later. The limiter then becomes stricter (by at most that gap), never
looser: the "at most N in any window W" guarantee still holds. For the shipped rules that is at
most 25 runs for an auth key and 128 for an API key (about 20 bytes each in JSON).

State is a JSON-serialisable ``LimitState`` with ``expires_at_ms``: from then on every log is
empty and the key behaves exactly like a fresh one, so storage may delete it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from edgewatch.config import RateLimit, SecurityRule

DEFAULT_MAX_RUNS = 64
STATE_VERSION = 1

Run = tuple[int, int]  # (t_ms, requests allowed at t_ms)


class Reason(StrEnum):
    ALLOWED = "allowed"
    LIMITED = "limited"
    NO_RULE = "no_rule"
    ALLOW_LISTED = "allow_listed"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: Reason
    rule_id: str | None = None
    limit: int | None = None  # the binding limit's requests
    window_ms: int | None = None  # the binding limit's window
    remaining: int | None = None  # min over limits after this request; 0 when refused
    reset_ms: int | None = None  # epoch ms: when refused, when the next request is allowed;
    # when allowed, when the binding limit's full quota is back
    retry_after_ms: int = 0
    policies: tuple[tuple[int, int], ...] = ()  # every (requests, window_ms) of the rule

    @classmethod
    def no_rule(cls) -> Decision:
        return cls(True, Reason.NO_RULE)

    @classmethod
    def allow_listed(cls, rule_id: str | None = None) -> Decision:
        return cls(True, Reason.ALLOW_LISTED, rule_id)

    @classmethod
    def blocked(cls, now_ms: int, until_ms: int | None) -> Decision:
        """Refused by the block-list; ``until_ms`` None for a block without expiry."""
        retry = 0 if until_ms is None else max(until_ms - now_ms, 1)
        return cls(False, Reason.BLOCKED, reset_ms=until_ms, retry_after_ms=retry)


def limit_key(limit: RateLimit) -> str:
    return f"{limit.requests}/{limit.window_ms}"


@dataclass(frozen=True)
class LimitState:
    """The logs of one (rule, identifier), by ``limit_key``. Runs are sorted by time."""

    logs: Mapping[str, tuple[Run, ...]] = field(default_factory=dict)
    expires_at_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "logs": {key: [list(run) for run in runs] for key, runs in self.logs.items()},
            "expires_at_ms": self.expires_at_ms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LimitState:
        """Raise ValueError on anything but what ``to_json`` wrote."""
        if not isinstance(data, Mapping) or data.get("v") != STATE_VERSION:
            raise ValueError(f"rate-limit state: expected an object with v={STATE_VERSION}")
        raw_logs, expires = data.get("logs"), data.get("expires_at_ms")
        if not isinstance(raw_logs, Mapping) or not isinstance(expires, int) or isinstance(expires, bool):
            raise ValueError("rate-limit state: expected 'logs' (an object) and 'expires_at_ms' (an integer)")
        logs: dict[str, tuple[Run, ...]] = {}
        for key, runs in raw_logs.items():
            if not isinstance(runs, list) or not all(
                isinstance(r, list) and len(r) == 2 and _is_int(r[0]) and _is_int(r[1]) and r[1] > 0 for r in runs
            ):
                raise ValueError(f"rate-limit state: logs.{key}: expected a list of [t_ms, count] pairs")
            logs[str(key)] = tuple((r[0], r[1]) for r in runs)
        return cls(logs, expires)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def state_key(rule_id: str, identifier: str) -> str:
    """The storage key of one (rule, identifier) state."""
    return f"rl:{rule_id}:{identifier}"


@dataclass(frozen=True)
class _Verdict:
    limit: RateLimit
    runs: tuple[Run, ...]  # pruned to the window
    used: int
    retry_at_ms: int | None  # None when this limit allows the request


def _judge(limit: RateLimit, runs: tuple[Run, ...], now_ms: int) -> _Verdict:
    # A request at t_ms counts while now is in [t_ms, t_ms + W): it is in (now - W, now].
    # Runs after now (a clock that stepped back) keep counting, which errs on the strict side.
    start = now_ms - limit.window_ms
    live = tuple(run for run in runs if run[0] > start)
    used = sum(count for _, count in live)
    if used < limit.requests:
        return _Verdict(limit, live, used, None)
    must_expire, expired = used - limit.requests + 1, 0
    for t_ms, count in live:
        expired += count
        if expired >= must_expire:
            return _Verdict(limit, live, used, t_ms + limit.window_ms)
    raise AssertionError("unreachable: the live runs hold `used` requests")


def _record(runs: tuple[Run, ...], now_ms: int, max_runs: int) -> tuple[Run, ...]:
    if runs and runs[-1][0] >= now_ms:
        return (*runs[:-1], (runs[-1][0], runs[-1][1] + 1))
    merged = [*runs, (now_ms, 1)]
    while len(merged) > max_runs:
        _, index = min((merged[i + 1][0] - merged[i][0], i) for i in range(len(merged) - 1))
        merged[index : index + 2] = [(merged[index + 1][0], merged[index][1] + merged[index + 1][1])]
    return tuple(merged)


def check(
    rule: SecurityRule,
    state: LimitState | None,
    now_ms: int,
    *,
    max_runs: int = DEFAULT_MAX_RUNS,
) -> tuple[Decision, LimitState]:
    """Decide one request of one identifier under ``rule``; return the decision and the new state.

    The returned state drops what has expired; when the request is refused it records nothing.
    Logs of limits no longer in the rule are dropped, and a new limit starts empty.
    """
    if max_runs < 1:
        raise ValueError(f"max_runs: expected at least 1, got {max_runs}")
    logs = state.logs if state is not None else {}
    verdicts = [_judge(limit, logs.get(limit_key(limit), ()), now_ms) for limit in rule.limits]
    policies = tuple((limit.requests, limit.window_ms) for limit in rule.limits)
    refusals = [v for v in verdicts if v.retry_at_ms is not None]

    if refusals:
        binding = max(refusals, key=lambda v: v.retry_at_ms or 0)
        retry_at = binding.retry_at_ms or now_ms
        new_logs = {limit_key(v.limit): v.runs for v in verdicts if v.runs}
        decision = Decision(
            allowed=False,
            reason=Reason.LIMITED,
            rule_id=rule.id,
            limit=binding.limit.requests,
            window_ms=binding.limit.window_ms,
            remaining=0,
            reset_ms=retry_at,
            retry_after_ms=retry_at - now_ms,
            policies=policies,
        )
        return decision, LimitState(new_logs, _expiry(verdicts, new_logs))

    new_logs = {limit_key(v.limit): _record(v.runs, now_ms, max_runs) for v in verdicts}

    def full_reset(v: _Verdict) -> int:
        return new_logs[limit_key(v.limit)][-1][0] + v.limit.window_ms

    # The binding limit is the one with the fewest requests left (draft-ietf-httpapi-ratelimit-headers:
    # "the time window with the lower remaining"); on a tie, the one that takes longer to come back.
    binding = min(verdicts, key=lambda v: (v.limit.requests - v.used - 1, -full_reset(v)))
    decision = Decision(
        allowed=True,
        reason=Reason.ALLOWED,
        rule_id=rule.id,
        limit=binding.limit.requests,
        window_ms=binding.limit.window_ms,
        remaining=binding.limit.requests - binding.used - 1,
        reset_ms=full_reset(binding),
        retry_after_ms=0,
        policies=policies,
    )
    return decision, LimitState(new_logs, _expiry(verdicts, new_logs))


def _expiry(verdicts: Sequence[_Verdict], logs: Mapping[str, tuple[Run, ...]]) -> int:
    """When every log is empty again: the newest run of each limit plus that limit's window."""
    ends = [logs[limit_key(v.limit)][-1][0] + v.limit.window_ms for v in verdicts if logs.get(limit_key(v.limit))]
    return max(ends, default=0)


def is_expired(state: LimitState, now_ms: int) -> bool:
    """True once the state is equivalent to no state at all and may be deleted."""
    return now_ms >= state.expires_at_ms


# --- response headers ------------------------------------------------------------------------


def _ceil_s(ms: int) -> int:
    return max(0, math.ceil(ms / 1000))


def rate_limit_headers(decision: Decision, now_ms: int) -> dict[str, str]:
    """The response headers that tell a client its limits.

    - ``Retry-After`` (delay-seconds, rounded up) on a refusal with a known end.
    - ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (epoch seconds,
      rounded up), the de-facto headers the user's guide documents.
    - ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset`` (delta seconds, equal to
      Retry-After when refused) and ``RateLimit-Policy`` (``5;w=900, 20;w=3600``), as in
      draft-ietf-httpapi-ratelimit-headers-06; the values describe the binding limit, the one with
      the lowest remaining.

    Requests that no rule governs, or that are allow-listed, get no headers.
    """
    headers: dict[str, str] = {}
    if decision.retry_after_ms > 0:
        headers["Retry-After"] = str(max(1, _ceil_s(decision.retry_after_ms)))
    if decision.limit is None or decision.window_ms is None or decision.reset_ms is None:
        return headers
    remaining = 0 if not decision.allowed else max(0, decision.remaining or 0)
    headers["X-RateLimit-Limit"] = str(decision.limit)
    headers["X-RateLimit-Remaining"] = str(remaining)
    headers["X-RateLimit-Reset"] = str(_ceil_s(decision.reset_ms))
    headers["RateLimit-Limit"] = str(decision.limit)
    headers["RateLimit-Remaining"] = str(remaining)
    reset_delta = _ceil_s(decision.reset_ms - now_ms)
    headers["RateLimit-Reset"] = headers.get("Retry-After", str(reset_delta))
    if decision.policies:
        headers["RateLimit-Policy"] = ", ".join(f"{n};w={_ceil_s(w)}" for n, w in decision.policies)
    return headers

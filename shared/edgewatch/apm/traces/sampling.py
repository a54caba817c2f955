"""The tail decision made per trace: keep every trace with an error or a slow root, and a share of
the rest chosen by trace id (so every shard and every retry agrees), each kept trace carrying the
weight that keeps rates estimable (1 / share for a trace kept by share, 1 for the others).

A trace is decided once its root span has been buffered for ``decision_wait`` (children usually
end before their root, and arrive in the same or a near batch), or when ``max_wait`` passed since
its first span arrived without a root (a root lost or never sent).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ...config import TraceSamplingConfig
from .span import Span

_ID_RANDOM_HEX = 14  # W3C: the rightmost 7 bytes of a trace id are random
_ID_SPACE = float(16**_ID_RANDOM_HEX)


class Verdict(StrEnum):
    WAIT = "wait"
    KEEP_ERROR = "keep_error"
    KEEP_SLOW = "keep_slow"
    KEEP_SHARE = "keep_share"
    DROP = "drop"

    @property
    def kept(self) -> bool:
        return self in (Verdict.KEEP_ERROR, Verdict.KEEP_SLOW, Verdict.KEEP_SHARE)


@dataclass(frozen=True)
class TraceDecision:
    verdict: Verdict
    weight: float = 1.0


WAIT = TraceDecision(Verdict.WAIT)


def id_fraction(trace_id: str) -> float:
    """Where the trace id falls in [0, 1): its random part as a fraction."""
    return int(trace_id[-_ID_RANDOM_HEX:], 16) / _ID_SPACE


def ready(first_arrival_ms: int, root_arrival_ms: int | None, now_ms: int, config: TraceSamplingConfig) -> bool:
    if now_ms - first_arrival_ms >= config.max_wait_ms:
        return True
    return root_arrival_ms is not None and now_ms - root_arrival_ms >= config.decision_wait_ms


def decide(trace_id: str, spans: list[Span], config: TraceSamplingConfig) -> TraceDecision:
    """The verdict on a trace that is ready (see ``ready``)."""
    if config.keep_errors and any(span.is_error for span in spans):
        return TraceDecision(Verdict.KEEP_ERROR)
    roots = [span for span in spans if span.is_root]
    longest = max((span.duration_us for span in roots or spans), default=0)
    if longest >= config.slow_root_ms * 1000:
        return TraceDecision(Verdict.KEEP_SLOW)
    if config.share > 0 and id_fraction(trace_id) < config.share:
        return TraceDecision(Verdict.KEEP_SHARE, 1.0 / config.share)
    return TraceDecision(Verdict.DROP)

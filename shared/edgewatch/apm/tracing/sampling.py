"""The head decision: whether a request's spans are recorded at all.

A request that carries a valid ``traceparent`` follows its caller's sampled flag (so a trace is
whole or absent, never half). A new root is sampled by its trace id: the low 56 bits, read as a
fraction of 2**56, below the configured rate (the OpenTelemetry ratio sampler's rule, so every
service that sees the same id with the same rate decides alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .context import SAMPLED, TraceContext

_LOW_56 = (1 << 56) - 1


class Why(Enum):
    PARENT_SAMPLED = "parent_sampled"
    PARENT_NOT_SAMPLED = "parent_not_sampled"
    ROOT_SAMPLED = "root_sampled"
    ROOT_NOT_SAMPLED = "root_not_sampled"


@dataclass(frozen=True, slots=True)
class HeadDecision:
    why: Why
    trace_id: str
    parent: TraceContext | None  # the caller's context, when it sent a valid one

    @property
    def sampled(self) -> bool:
        return self.why in (Why.PARENT_SAMPLED, Why.ROOT_SAMPLED)

    @property
    def flags(self) -> int:
        return SAMPLED if self.sampled else 0

    @property
    def tracestate(self) -> str:
        return "" if self.parent is None else self.parent.tracestate


def check_rate(rate: float) -> float:
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"a sample rate is between 0 and 1, not {rate!r}")
    return rate


def sampled_by_rate(trace_id: str, rate: float) -> bool:
    if rate >= 1.0:
        return True
    if rate <= 0.0:
        return False
    return (int(trace_id, 16) & _LOW_56) < int(rate * (1 << 56))


def decide(parent: TraceContext | None, rate: float, new_trace_id: str) -> HeadDecision:
    """``new_trace_id`` is used only for a root (no valid parent)."""
    if parent is not None:
        why = Why.PARENT_SAMPLED if parent.sampled else Why.PARENT_NOT_SAMPLED
        return HeadDecision(why, parent.trace_id, parent)
    why = Why.ROOT_SAMPLED if sampled_by_rate(new_trace_id, check_rate(rate)) else Why.ROOT_NOT_SAMPLED
    return HeadDecision(why, new_trace_id, None)


def rate_from_text(text: str | None, default: float) -> float:
    """A sample rate from a var: blank is ``default``; anything not a number in 0-1 is an error."""
    if text is None or not str(text).strip():
        return default
    try:
        rate = float(str(text).strip())
    except ValueError:
        raise ValueError(f"a sample rate is a number between 0 and 1, not {text!r}") from None
    return check_rate(rate)

"""Per-level sampling, deterministic per trace.

Each entry draws a value u in [0, 1) from its trace id (a W3C/OpenTelemetry 32-hex trace id gives
its own low 56 random bits, as OpenTelemetry's ratio sampler uses them; any other id is hashed),
else a hash of its request id, else of its service, timestamp and message, and is kept iff u < the
rate of its level. u depends on the trace
alone, so whenever a trace's info line is kept at 0.1, its warn and error lines, sampled at rates
of 0.1 or more, are kept too: a kept trace is never missing its more severe lines.

The hash (for ids that are not W3C trace ids) is BLAKE2b with an 8-byte digest from hashlib:
built into CPython and Pyodide alike (not OpenSSL's), stable across processes, machines and
versions (``hash()`` is salted per process), and uniform even over sequential ids such as
"req-1", "req-2" (CRC-32 is linear and gives no such promise). It costs well under a microsecond
per id, and each distinct id of a batch is hashed once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from edgewatch.config import LogLevel

from .entry import LEVELS, LogEntry

_SCALE = 1.0 / 2**64


@dataclass(frozen=True)
class SamplingDecision:
    keep: bool
    rate: float
    reason: str  # "rate_1", "rate_0", "trace_bits", "trace_hash", "request_hash" or "entry_hash"


def unit_interval(key: str) -> float:
    """A uniform value in [0, 1), a pure function of ``key``."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") * _SCALE


_LOW_56 = 2**56 - 1
_SCALE_56 = 1.0 / 2**56


def trace_draw(trace_id: str) -> float | None:
    """u from a W3C/OpenTelemetry trace id's own random bits, or None when it is not one.

    W3C Trace Context asks for the right-most 7 bytes of a trace id to be random, and
    OpenTelemetry's TraceIdRatioBased sampler decides on the id's low bits the same way: reading
    them directly costs a fraction of a hash and agrees in spirit with upstream head sampling.
    Ids of other shapes fall back to the BLAKE2b draw.
    """
    if len(trace_id) != 32:
        return None
    try:
        value = int(trace_id, 16)
    except ValueError:
        return None
    return (value & _LOW_56) * _SCALE_56


def _sampling_key(entry: LogEntry) -> tuple[str, str]:
    if entry.trace_id:
        return "t:" + entry.trace_id, "trace_hash"
    if entry.request_id:
        return "r:" + entry.request_id, "request_hash"
    return f"e:{entry.service}\x00{entry.ts}\x00{entry.message}", "entry_hash"


class Sampler:
    def __init__(self, rates: Mapping[str, float] | Mapping[LogLevel, float]) -> None:
        unknown = sorted(set(rates) - set(LEVELS))
        if unknown:
            raise ValueError(f"sampling rates for unknown levels: {', '.join(unknown)}")
        for level, rate in rates.items():
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"sampling rate for {level!r} must be within [0, 1], got {rate!r}")
        given: dict[str, float] = {str(level): float(rate) for level, rate in rates.items()}
        self.rates: dict[str, float] = {level: given.get(level, 1.0) for level in LEVELS}

    def decide(self, entry: LogEntry) -> SamplingDecision:
        rate = self.rates.get(entry.level, 1.0)
        if rate >= 1.0:
            return SamplingDecision(True, 1.0, "rate_1")
        if rate <= 0.0:
            return SamplingDecision(False, 0.0, "rate_0")
        trace = entry.trace_id
        u = trace_draw(trace) if trace else None
        if u is not None:
            return SamplingDecision(u < rate, rate, "trace_bits")
        key, reason = _sampling_key(entry)
        return SamplingDecision(unit_interval(key) < rate, rate, reason)

    def apply(self, entries: list[LogEntry]) -> tuple[list[LogEntry], dict[tuple[str, str], int]]:
        """The kept entries, each weighted 1/rate, and how many were dropped per (service, level).

        The same decision as ``decide`` entry by entry, without building a decision object each.
        """
        kept: list[LogEntry] = []
        dropped: dict[tuple[str, str], int] = {}
        draws: dict[str, float] = {}  # sampling key -> u, so a trace's lines hash once
        rates = self.rates
        for entry in entries:
            rate = rates.get(entry.level, 1.0)
            if rate >= 1.0:
                entry.weight = 1.0
                kept.append(entry)
                continue
            if rate > 0.0:
                trace = entry.trace_id
                u = trace_draw(trace) if trace else None
                if u is None:
                    key = _sampling_key(entry)[0]
                    u = draws.get(key)
                    if u is None:
                        u = draws[key] = unit_interval(key)
                if u < rate:
                    entry.weight = 1.0 / rate
                    kept.append(entry)
                    continue
            cell = (entry.service, entry.level)
            dropped[cell] = dropped.get(cell, 0) + 1
        return kept, dropped

"""Cloudflare's list prices for what the stack uses, and the dollars of a bill of operations.

The defaults are the Workers Paid plan's usage prices beyond what the plan includes, as listed on
developers.cloudflare.com on 2026-12-02 (Workers, Durable Objects with SQLite storage, R2 Standard
storage, KV). The included allowances are left out on purpose: they are shared by everything on
an account, so a cost per event is stated as if they were used up. Each price can be overridden.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

PRICES_AS_OF = "2026-12-02"
MILLION = 1_000_000
GB = 1_000_000_000


@dataclass(frozen=True)
class PriceTable:
    worker_requests_per_m: float = 0.30
    worker_cpu_ms_per_m: float = 0.02
    do_requests_per_m: float = 0.15
    do_gb_seconds_per_m: float = 12.50
    do_rows_read_per_m: float = 0.001
    do_rows_written_per_m: float = 1.00
    do_stored_gb_month: float = 0.20
    r2_class_a_per_m: float = 4.50
    r2_class_b_per_m: float = 0.36
    r2_stored_gb_month: float = 0.015
    kv_reads_per_m: float = 0.50
    kv_writes_per_m: float = 5.00  # writes, deletes and lists
    kv_stored_gb_month: float = 0.50

    @classmethod
    def with_overrides(cls, overrides: dict[str, float]) -> PriceTable:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown price(s): {', '.join(unknown)}")
        return cls(**{**cls().__dict__, **{k: float(v) for k, v in overrides.items()}})


@dataclass(frozen=True)
class Operations:
    """A bill of billable operations; stored amounts as GB-months."""

    worker_requests: float = 0
    worker_cpu_ms: float = 0
    do_requests: float = 0
    do_gb_seconds: float = 0
    do_rows_read: float = 0
    do_rows_written: float = 0
    do_stored_gb_months: float = 0
    r2_class_a: float = 0
    r2_class_b: float = 0
    r2_stored_gb_months: float = 0
    kv_reads: float = 0
    kv_writes: float = 0
    kv_stored_gb_months: float = 0


def dollars(ops: Operations, prices: PriceTable) -> dict[str, float]:
    """Each line of the bill in dollars, and ``total``."""
    per_m = MILLION
    lines = {
        "worker_requests": ops.worker_requests / per_m * prices.worker_requests_per_m,
        "worker_cpu": ops.worker_cpu_ms / per_m * prices.worker_cpu_ms_per_m,
        "do_requests": ops.do_requests / per_m * prices.do_requests_per_m,
        "do_duration": ops.do_gb_seconds / per_m * prices.do_gb_seconds_per_m,
        "do_rows_read": ops.do_rows_read / per_m * prices.do_rows_read_per_m,
        "do_rows_written": ops.do_rows_written / per_m * prices.do_rows_written_per_m,
        "do_storage": ops.do_stored_gb_months * prices.do_stored_gb_month,
        "r2_class_a": ops.r2_class_a / per_m * prices.r2_class_a_per_m,
        "r2_class_b": ops.r2_class_b / per_m * prices.r2_class_b_per_m,
        "r2_storage": ops.r2_stored_gb_months * prices.r2_stored_gb_month,
        "kv_reads": ops.kv_reads / per_m * prices.kv_reads_per_m,
        "kv_writes": ops.kv_writes / per_m * prices.kv_writes_per_m,
        "kv_storage": ops.kv_stored_gb_months * prices.kv_stored_gb_month,
    }
    return {**lines, "total": sum(lines.values())}

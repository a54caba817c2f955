"""The TraceStore shards: a stub for one, and how many there are."""

from __future__ import annotations

from typing import Any

from edgewatch_cf.bindings import named_stub
from edgewatch_cf.settings import stack_config


def trace_shard(env: Any, shard: int) -> Any:
    return named_stub(env.TRACE_STORE, f"traces-shard-{shard}")


def trace_shard_count(env: Any) -> int:
    return stack_config(env).monitoring.apm.buffer.shards

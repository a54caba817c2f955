"""The LogBuffer shards: a stub for one, and how many there are."""

from __future__ import annotations

from typing import Any

from edgewatch_cf.bindings import named_stub
from edgewatch_cf.settings import stack_config


def log_shard(env: Any, shard: int) -> Any:
    return named_stub(env.LOG_BUFFER, f"logs-shard-{shard}")


def log_shard_count(env: Any) -> int:
    return stack_config(env).monitoring.logging.buffer.shards

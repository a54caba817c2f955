"""The security Worker's Durable Objects as it reaches them: the RateLimiter shards (``rl-<n>``)
and the one BlockLedger; unreachable shards are counted and shown in health."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from edgewatch.codec import decode
from edgewatch.config import ConfigError
from edgewatch.security.settings import SecuritySettings
from edgewatch_cf.app import Routes
from edgewatch_cf.bindings import KVPort, named_stub
from security_settings import settings_for

T = TypeVar("T")
FAILURES_KEY = "security:limiter_failures"
routes = Routes()
_failures = {"count": 0}


def limiter_shard(env: Any, shard: int) -> Any:
    return named_stub(env.RATE_LIMITER, f"rl-{shard}")


def block_ledger(env: Any) -> Any:
    return named_stub(env.BLOCK_LEDGER, "blocklist")


async def ask_every_shard(env: Any, kind: type[T], call: Callable[[Any], Awaitable[Any]]) -> list[T]:
    """``call(stub)`` on every RateLimiter shard at once; each answer decoded as ``kind``."""
    shards = range(settings_for(env).shards)
    answers = await asyncio.gather(*(call(limiter_shard(env, s)) for s in shards))
    return [decode(kind, str(answer)) for answer in answers]


async def count_failure(env: Any) -> None:
    _failures["count"] += 1
    kv = KVPort(env.KV)
    try:
        current = await kv.get(FAILURES_KEY)
        await kv.put(FAILURES_KEY, str(int(current or 0) + 1))
    except Exception:
        pass  # the isolate's own count still shows in health


@routes.health_section("limiter")
async def limiter_health(env: Any) -> dict[str, Any]:
    stored = await KVPort(env.KV).get(FAILURES_KEY)
    try:
        settings: SecuritySettings | None = settings_for(env)
    except ConfigError:
        settings = None  # named by the security_config check
    return {
        "shards": None if settings is None else settings.shards,
        "fail_mode": None if settings is None else settings.fail_mode.value,
        "unreachable_total": int(stored or 0),
        "unreachable_this_isolate": _failures["count"],
    }

"""Fault injection for end-to-end tests: `fault:<name>` in KV holds how many times to fail.

Only honoured when ENVIRONMENT is "test"; in every other environment it costs nothing and does
nothing. Tests set it through `PUT /<concern>/_test/faults/<name>?count=N`.
"""

from __future__ import annotations

from typing import Any

from .bindings import KVPort


def enabled(env: Any) -> bool:
    return str(getattr(env, "ENVIRONMENT", "production")) == "test"


async def take_fault(env: Any, name: str) -> bool:
    if not enabled(env):
        return False
    kv = KVPort(env.KV)
    raw = await kv.get(f"fault:{name}")
    remaining = int(raw) if raw and raw.isdigit() else 0
    if remaining <= 0:
        return False
    await kv.put(f"fault:{name}", str(remaining - 1))
    return True


async def set_fault(env: Any, name: str, count: int) -> None:
    await KVPort(env.KV).put(f"fault:{name}", str(max(0, count)))

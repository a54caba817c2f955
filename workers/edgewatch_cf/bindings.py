"""The core's storage ports over real bindings (KV, R2), and round-trip probes of each binding."""

from __future__ import annotations

import builtins
import time
import uuid
from typing import Any

from edgewatch.health import CheckResult, describe_error
from edgewatch.ports import KeyPage


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _to_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return bytes(value.to_bytes())


class KVPort:
    def __init__(self, namespace: Any) -> None:
        self._kv = namespace

    async def get(self, key: str) -> str | None:
        value = await self._kv.get(key)
        return None if value is None else str(value)

    async def put(self, key: str, value: str, *, ttl_s: int | None = None) -> None:
        if ttl_s:
            await self._kv.put(key, value, {"expirationTtl": max(60, int(ttl_s))})
        else:
            await self._kv.put(key, value)

    async def delete(self, key: str) -> None:
        await self._kv.delete(key)

    async def list(self, prefix: str, *, cursor: str | None = None, limit: int = 1000) -> KeyPage:
        options: dict[str, Any] = {"prefix": prefix, "limit": limit}
        if cursor:
            options["cursor"] = cursor
        result = await self._kv.list(options)
        keys = [str(_field(item, "name")) for item in _field(result, "keys") or []]
        done = bool(_field(result, "list_complete"))
        return KeyPage(keys, None if done else str(_field(result, "cursor")))


class R2Port:
    def __init__(self, bucket: Any) -> None:
        self._bucket = bucket

    async def put(self, key: str, data: bytes, *, metadata: dict[str, str] | None = None) -> None:
        if metadata:
            await self._bucket.put(key, data, {"customMetadata": metadata})
        else:
            await self._bucket.put(key, data)

    async def get(self, key: str) -> bytes | None:
        obj = await self._bucket.get(key)
        if obj is None:
            return None
        return _to_bytes(await obj.arrayBuffer())

    async def delete(self, key: str) -> None:
        await self._bucket.delete(key)

    async def list(self, prefix: str, *, cursor: str | None = None, limit: int = 1000) -> KeyPage:
        options: dict[str, Any] = {"prefix": prefix, "limit": limit}
        if cursor:
            options["cursor"] = cursor
        result = await self._bucket.list(options)
        keys = [str(_field(item, "key")) for item in _field(result, "objects") or []]
        truncated = bool(_field(result, "truncated"))
        return KeyPage(keys, str(_field(result, "cursor")) if truncated else None)

    async def all_keys(self, prefix: str) -> builtins.list[str]:
        """Every key under ``prefix``, following the list cursor page by page."""
        keys: builtins.list[str] = []
        cursor = None
        while True:
            page = await self.list(prefix, cursor=cursor)
            keys.extend(page.keys)
            if page.cursor is None:
                return keys
            cursor = page.cursor


def named_stub(namespace: Any, name: str) -> Any:
    """The stub of the Durable Object with this name in a namespace binding."""
    return namespace.get(namespace.idFromName(name))


async def storage_round_trip(ctx: Any, token: str) -> str:
    """A Durable Object's side of the health probe: write a value to its storage and read it back."""
    await ctx.storage.put("probe", str(token))
    return str(await ctx.storage.get("probe"))


def _elapsed_ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


async def probe_kv(name: str, namespace: Any) -> CheckResult:
    """Write, read back and delete a unique key."""
    start = time.perf_counter()
    key = f"health:probe:{uuid.uuid4().hex}"
    token = uuid.uuid4().hex
    try:
        port = KVPort(namespace)
        await port.put(key, token, ttl_s=60)
        back = await port.get(key)
        await port.delete(key)
        if back != token:
            return CheckResult(name, "kv", False, _elapsed_ms(start), "read back a different value")
        return CheckResult(name, "kv", True, _elapsed_ms(start))
    except Exception as exc:
        return CheckResult(name, "kv", False, _elapsed_ms(start), describe_error(exc))


async def probe_r2(name: str, bucket: Any) -> CheckResult:
    start = time.perf_counter()
    key = f"health/probe/{uuid.uuid4().hex}"
    token = uuid.uuid4().bytes
    try:
        port = R2Port(bucket)
        await port.put(key, token)
        back = await port.get(key)
        await port.delete(key)
        if back != token:
            return CheckResult(name, "r2", False, _elapsed_ms(start), "read back different bytes")
        return CheckResult(name, "r2", True, _elapsed_ms(start))
    except Exception as exc:
        return CheckResult(name, "r2", False, _elapsed_ms(start), describe_error(exc))


async def probe_durable_object(name: str, namespace: Any, object_name: str) -> CheckResult:
    """Call the object's `probe` RPC method, which writes and reads its own storage."""
    start = time.perf_counter()
    try:
        stub = named_stub(namespace, object_name)
        token = uuid.uuid4().hex
        back = await stub.probe(token)
        if str(back) != token:
            return CheckResult(name, "durable_object", False, _elapsed_ms(start), "storage echoed a different value")
        return CheckResult(name, "durable_object", True, _elapsed_ms(start))
    except Exception as exc:
        return CheckResult(name, "durable_object", False, _elapsed_ms(start), describe_error(exc))


async def probe_service(name: str, fetcher: Any, expect: str) -> CheckResult:
    """Call the peer Worker's `ping` RPC method and check it names itself."""
    start = time.perf_counter()
    try:
        answer = await fetcher.ping()
        worker = _field(answer, "name")
        if worker != expect:
            return CheckResult(name, "service", False, _elapsed_ms(start), f"answered as {worker!r}")
        return CheckResult(name, "service", True, _elapsed_ms(start))
    except Exception as exc:
        return CheckResult(name, "service", False, _elapsed_ms(start), describe_error(exc))

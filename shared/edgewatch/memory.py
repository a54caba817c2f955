"""In-memory implementations of the ports, for unit tests and CPython tools."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .ports import Clock, KeyPage


@dataclass
class FixedClock:
    ms: int

    def now_ms(self) -> int:
        return self.ms

    def advance(self, ms: int) -> None:
        self.ms += ms


class SystemClock:
    def now_ms(self) -> int:
        return int(time.time() * 1000)


def _page(keys: list[str], cursor: str | None, limit: int) -> KeyPage:
    start = int(cursor) if cursor else 0
    chunk = keys[start : start + limit]
    nxt = start + limit
    return KeyPage(chunk, str(nxt) if nxt < len(keys) else None)


@dataclass
class MemoryKV:
    clock: Clock = field(default_factory=SystemClock)
    data: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    def _live(self, key: str) -> str | None:
        item = self.data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= self.clock.now_ms():
            del self.data[key]
            return None
        return value

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def put(self, key: str, value: str, *, ttl_s: int | None = None) -> None:
        expires = self.clock.now_ms() + ttl_s * 1000 if ttl_s else None
        self.data[key] = (value, expires)

    async def delete(self, key: str) -> None:
        self.data.pop(key, None)

    async def list(self, prefix: str, *, cursor: str | None = None, limit: int = 1000) -> KeyPage:
        keys = sorted(k for k in list(self.data) if k.startswith(prefix) and self._live(k) is not None)
        return _page(keys, cursor, limit)


@dataclass
class MemoryBlobs:
    data: dict[str, tuple[bytes, dict[str, str]]] = field(default_factory=dict)

    async def put(self, key: str, data: bytes, *, metadata: dict[str, str] | None = None) -> None:
        self.data[key] = (bytes(data), dict(metadata or {}))

    async def get(self, key: str) -> bytes | None:
        item = self.data.get(key)
        return item[0] if item else None

    async def delete(self, key: str) -> None:
        self.data.pop(key, None)

    async def list(self, prefix: str, *, cursor: str | None = None, limit: int = 1000) -> KeyPage:
        return _page(sorted(k for k in self.data if k.startswith(prefix)), cursor, limit)

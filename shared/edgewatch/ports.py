"""The narrow storage and I/O protocols the core talks through.

Workers wrap the real bindings (KV, R2, Durable Objects, fetch) in these; unit tests use the
in-memory fakes from ``edgewatch.memory``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class KeyPage:
    keys: list[str]
    cursor: str | None


class KeyValueStore(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str, *, ttl_s: int | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def list(self, prefix: str, *, cursor: str | None = None, limit: int = 1000) -> KeyPage: ...


class BlobStore(Protocol):
    async def put(self, key: str, data: bytes, *, metadata: dict[str, str] | None = None) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, key: str) -> None: ...

    async def list(self, prefix: str, *, cursor: str | None = None, limit: int = 1000) -> KeyPage: ...


class Clock(Protocol):
    def now_ms(self) -> int: ...

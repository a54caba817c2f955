"""BlockLedger: the one Durable Object that owns the IP block-list, so concurrent manual and
automatic blocks never overwrite each other. After every change it publishes the list to KV
(``security:blocklist``), which every check reads (KV is read at the edge; the object is not on
the hot path)."""

from __future__ import annotations

import json

from edgewatch.security.blocklist import BlockList, BlockSource, active_entries, add_block, purge_expired, remove_block
from edgewatch_cf.bindings import KVPort
from edgewatch_cf.sqlite_object import SqliteObject

KV_KEY = "security:blocklist"


class BlockLedger(SqliteObject):
    MIGRATIONS = ("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",)

    def _load(self) -> BlockList:
        row = self.first("SELECT value FROM state WHERE key = 'blocklist'")
        return BlockList.from_json(json.loads(row.value)) if row else BlockList()

    async def _save(self, state: BlockList, now_ms: int) -> None:
        state = purge_expired(state, now_ms)
        text = json.dumps(state.to_json(), separators=(",", ":"))
        self.sql.exec("INSERT OR REPLACE INTO state (key, value) VALUES ('blocklist', ?)", text)
        await KVPort(self.env.KV).put(KV_KEY, text)

    async def add(self, target: str, reason: str, ttl_ms: int | None, source: str, now_ms: int) -> str:
        """Returns {"outcome", "entry"}; raises nothing for a bad target: {"error": ...}."""
        try:
            change = add_block(
                self._load(), target, reason=reason, ttl_ms=ttl_ms, now_ms=now_ms, source=BlockSource(source)
            )
        except ValueError as exc:
            return json.dumps({"error": str(exc)})
        await self._save(change.state, now_ms)
        entry = None if change.entry is None else change.entry.to_json()
        return json.dumps({"outcome": change.outcome.value, "entry": entry})

    async def remove(self, target: str, now_ms: int) -> str:
        try:
            state, removed = remove_block(self._load(), target)
        except ValueError as exc:
            return json.dumps({"error": str(exc)})
        if removed is not None:
            await self._save(state, now_ms)
        return json.dumps({"removed": None if removed is None else removed.to_json()})

    async def entries(self, now_ms: int) -> str:
        return json.dumps([e.to_json() for e in active_entries(self._load(), now_ms)])

"""BlockLedger: the one Durable Object that owns the IP block-list, so concurrent manual and
automatic blocks never overwrite each other. After every change it publishes the list to KV
(``security:blocklist``), which every check reads (KV is read at the edge; the object is not on
the hot path)."""

from __future__ import annotations

import json

from edgewatch.codec import decode, encode
from edgewatch.security.blocklist import BlockList, active_entries, add_block, purge_expired, remove_block
from edgewatch.security.messages import AddBlock, BlockAdded, BlockRemoved
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

    async def add(self, request: str) -> str:
        """An encoded AddBlock; answers an encoded BlockAdded (a bad target is an ``error``, not an exception)."""
        r = decode(AddBlock, str(request))
        try:
            state = self._load()
            change = add_block(state, r.target, reason=r.reason, ttl_ms=r.ttl_ms, now_ms=r.now_ms, source=r.source)
        except ValueError as exc:
            return encode(BlockAdded(error=str(exc)))
        await self._save(change.state, r.now_ms)
        return encode(BlockAdded(change.outcome, change.entry))

    async def remove(self, target: str, now_ms: int) -> str:
        """Answers an encoded BlockRemoved."""
        try:
            state, removed = remove_block(self._load(), target)
        except ValueError as exc:
            return encode(BlockRemoved(error=str(exc)))
        if removed is not None:
            await self._save(state, now_ms)
        return encode(BlockRemoved(removed))

    async def entries(self, now_ms: int) -> str:
        """The entries in force, an encoded list of BlockEntry."""
        return encode(active_entries(self._load(), now_ms))

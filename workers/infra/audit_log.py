"""AuditLog: one Durable Object holding the stack's audit log as a hash chain (edgewatch.access.audit).

Every Worker appends what it decided about a request (``append``, from ``ctx.waitUntil`` after the
answer). The chain's head (last seq and hash) lives in the object's SQLite with the entries, and an
append is one synchronous block, so concurrent appends from many Workers serialise into one chain.
Daily, entries older than a day are archived to R2 (gzip NDJSON per day) and removed here; the
object remembers the archived point so the chain continues across it; archives older than the
retention are deleted. ``verify`` recomputes the chain over the archives it still has and the live
entries and names the first entry that does not hold.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from typing import Any

from edgewatch.access import GENESIS, AuditEntry, AuditRecord, chain, verify_chain
from edgewatch.codec import decode, encode
from edgewatch_cf.bindings import R2Port
from edgewatch_cf.clock import now_ms
from edgewatch_cf.sqlite_object import SqliteObject

PREFIX = "audit/"
COLUMNS = "seq, at_ms, who, role, via, method, path, target, status, ip, user_agent, prev_hash, hash"
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, who TEXT NOT NULL,"
    " role TEXT NOT NULL, via TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, target TEXT NOT NULL,"
    " status INTEGER NOT NULL, ip TEXT NOT NULL, user_agent TEXT NOT NULL, prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entries_time ON entries(at_ms)",
    "CREATE TABLE IF NOT EXISTS head (id INTEGER PRIMARY KEY CHECK (id = 0), seq INTEGER NOT NULL,"
    " hash TEXT NOT NULL, archived_seq INTEGER NOT NULL, archived_hash TEXT NOT NULL)",
)
INSERT = (
    f"INSERT INTO entries ({COLUMNS}) SELECT json_extract(value, '$.seq'), json_extract(value, '$.at_ms'),"
    " json_extract(value, '$.who'), json_extract(value, '$.role'), json_extract(value, '$.via'),"
    " json_extract(value, '$.method'), json_extract(value, '$.path'), json_extract(value, '$.target'),"
    " json_extract(value, '$.status'), json_extract(value, '$.ip'), json_extract(value, '$.user_agent'),"
    " json_extract(value, '$.prev_hash'), json_extract(value, '$.hash') FROM json_each(?)"
)
DAY_MS = 86_400_000


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        int(row["seq"]), int(row["at_ms"]), str(row["who"]), str(row["role"]), str(row["via"]), str(row["method"]),
        str(row["path"]), str(row["target"]), int(row["status"]), str(row["ip"]), str(row["user_agent"]),
        str(row["prev_hash"]), str(row["hash"]),
    )  # fmt: skip


def archive_key(day_ms: int, first: int, last: int) -> str:
    t = datetime.fromtimestamp(day_ms / 1000, tz=UTC)
    return f"{PREFIX}{t:%Y/%m/%d}/{first:012d}-{last:012d}.ndjson.gz"


class AuditLog(SqliteObject):
    MIGRATIONS = SCHEMA

    def _head(self) -> Any:
        row = self.first("SELECT seq, hash, archived_seq, archived_hash FROM head WHERE id = 0")
        if row is None:
            self.sql.exec(
                "INSERT INTO head (id, seq, hash, archived_seq, archived_hash) VALUES (0, 0, ?, 0, ?)", GENESIS, GENESIS
            )
            row = self.one("SELECT seq, hash, archived_seq, archived_hash FROM head WHERE id = 0")
        return row

    async def append(self, records_json: str) -> int:
        records = decode(list[AuditRecord], records_json)
        if not records:
            return 0
        head = self._head()
        entries = chain(records, first_seq=int(head["seq"]) + 1, prev_hash=str(head["hash"]), at_ms=now_ms())
        self.sql.exec(INSERT, json.dumps([e.to_json() for e in entries]))
        self.sql.exec("UPDATE head SET seq = ?, hash = ? WHERE id = 0", entries[-1].seq, entries[-1].hash)
        return len(entries)

    async def page(self, query_json: str) -> str:
        q = json.loads(query_json)
        where: list[str] = ["at_ms >= ?", "at_ms < ?"]
        params: list[Any] = [int(q["from"]), int(q["to"])]
        for name in ("who", "method", "role"):
            if q.get(name):
                where.append(f"{name} = ?")
                params.append(str(q[name]))
        if q.get("path"):
            where.append("path LIKE ? ESCAPE '\\'")
            params.append(str(q["path"]).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if q.get("status"):
            where.append("status = ?")
            params.append(int(q["status"]))
        if q.get("before_seq"):
            where.append("seq < ?")
            params.append(int(q["before_seq"]))
        rows = self.rows(
            f"SELECT {COLUMNS} FROM entries WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
            *params,
            int(q["limit"]),
        )
        return encode([_entry(r) for r in rows])

    async def verify(self) -> str:
        head = self._head()
        bucket = R2Port(self.env.R2_BUCKET)
        archived: list[AuditEntry] = []
        for key in sorted(await bucket.all_keys(PREFIX)):
            data = await bucket.get(key)
            if data is not None:
                lines = gzip.decompress(data).decode("utf-8").splitlines()
                archived.extend(AuditEntry.from_json(json.loads(line)) for line in lines if line)
        live = [_entry(r) for r in self.rows(f"SELECT {COLUMNS} FROM entries ORDER BY seq")]
        # After retention deleted the oldest archives, the chain is checked from the oldest entry kept.
        start = archived[0] if archived else (live[0] if live and int(head["archived_seq"]) == 0 else None)
        if start is not None and start.seq > 1:
            prev_hash, prev_seq = start.prev_hash, start.seq - 1
        elif start is None:
            prev_hash, prev_seq = str(head["archived_hash"]), int(head["archived_seq"])
        else:
            prev_hash, prev_seq = GENESIS, 0
        report = verify_chain(archived + live, prev_hash=prev_hash, prev_seq=prev_seq)
        body = report.to_json()
        body.update({"archived_entries": len(archived), "live_entries": len(live), "head_seq": int(head["seq"])})
        if report.ok and report.last_hash != str(head["hash"]) and (archived or live):
            body.update({"ok": False, "problem": "the newest entry is not the chain's recorded head"})
        return json.dumps(body)

    async def archive(self, as_of_ms: int, keep_ms: int) -> str:
        """Entries older than a day to R2 (one object per day), then archives past the retention deleted."""
        head = self._head()
        cutoff = int(as_of_ms) - DAY_MS
        rows = [_entry(r) for r in self.rows(f"SELECT {COLUMNS} FROM entries WHERE at_ms < ? ORDER BY seq", cutoff)]
        bucket = R2Port(self.env.R2_BUCKET)
        written = 0
        days: dict[int, list[AuditEntry]] = {}
        for entry in rows:
            days.setdefault(entry.at_ms - entry.at_ms % DAY_MS, []).append(entry)
        archived_seq, archived_hash = int(head["archived_seq"]), str(head["archived_hash"])
        for day, entries in sorted(days.items()):
            body = "\n".join(json.dumps(e.to_json(), separators=(",", ":")) for e in entries) + "\n"
            data = gzip.compress(body.encode("utf-8"), mtime=0)
            await bucket.put(archive_key(day, entries[0].seq, entries[-1].seq), data)
            archived_seq, archived_hash = entries[-1].seq, entries[-1].hash
            # Written: the rows go, the archived point moves, in one block.
            self.sql.exec("DELETE FROM entries WHERE seq <= ?", archived_seq)
            self.sql.exec(
                "UPDATE head SET archived_seq = ?, archived_hash = ? WHERE id = 0", archived_seq, archived_hash
            )
            written += len(entries)
        deleted = []
        for key in await bucket.all_keys(PREFIX):
            parts = key.split("/")
            try:
                day = int(datetime(int(parts[1]), int(parts[2]), int(parts[3]), tzinfo=UTC).timestamp() * 1000)
            except (IndexError, ValueError):
                continue
            if day + DAY_MS <= int(as_of_ms) - keep_ms:
                deleted.append(key)
        if deleted:
            await self.env.R2_BUCKET.delete(deleted)
        return json.dumps({"archived": written, "objects_deleted": len(deleted), "archived_seq": archived_seq})

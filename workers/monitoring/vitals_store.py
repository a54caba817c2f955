"""VitalsStore: a Durable Object per shard of routes keeping each Web Vitals report by metric id.

The web-vitals library reports CLS and INP several times under one id as the value grows; the
row for an id is replaced only by a newer report, so every page view counts once, at its final
value. Percentiles are computed exactly from the kept values (edgewatch.vitals.summarize).
"""

from __future__ import annotations

from edgewatch.codec import decode, encode
from edgewatch.vitals import SAMPLE_COLUMNS, VitalRow, VitalValue, sample_row
from edgewatch_cf.sqlite_object import SqliteObject

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS vitals (id TEXT NOT NULL, name TEXT NOT NULL, route TEXT NOT NULL,"
    " device TEXT NOT NULL, value REAL NOT NULL, rating TEXT NOT NULL, ts INTEGER NOT NULL,"
    " navigation_type TEXT, user_id TEXT, attribution TEXT, PRIMARY KEY (id, name))",
    "CREATE INDEX IF NOT EXISTS vitals_name_ts ON vitals(name, ts)",
    "ALTER TABLE vitals ADD COLUMN trace_id TEXT",
)
# A JSON array of VitalRow objects.
UPSERT = (
    "INSERT INTO vitals (id, name, route, device, value, rating, ts, navigation_type, user_id, attribution, trace_id)"
    " SELECT json_extract(value, '$.id'), json_extract(value, '$.name'), json_extract(value, '$.route'),"
    " json_extract(value, '$.device'), json_extract(value, '$.value'), json_extract(value, '$.rating'),"
    " json_extract(value, '$.ts'), json_extract(value, '$.navigation_type'), json_extract(value, '$.user_id'),"
    " json_extract(value, '$.attribution'), json_extract(value, '$.trace_id') FROM json_each(?) WHERE true"
    " ON CONFLICT(id, name) DO UPDATE SET value = excluded.value, rating = excluded.rating, ts = excluded.ts,"
    " route = excluded.route, device = excluded.device, attribution = excluded.attribution,"
    " trace_id = coalesce(excluded.trace_id, vitals.trace_id)"
    " WHERE excluded.ts >= vitals.ts"
)


class VitalsStore(SqliteObject):
    MIGRATIONS = SCHEMA

    async def put(self, rows_json: str) -> int:
        """rows_json: the codec's list of VitalRow."""
        rows = decode(list[VitalRow], rows_json)
        self.sql.exec(UPSERT, encode(rows))
        return len(rows)

    async def values(self, name: str, start_ms: int, end_ms: int, route: str | None, device: str | None) -> str:
        where, params = ["name = ?", "ts >= ?", "ts < ?"], [name, start_ms, end_ms]
        if route:
            where.append("route = ?")
            params.append(route)
        if device:
            where.append("device = ?")
            params.append(device)
        rows = self.rows(f"SELECT route, device, value, rating FROM vitals WHERE {' AND '.join(where)}", *params)
        return encode([VitalValue(r["route"], r["device"], r["value"], r["rating"]) for r in rows])

    async def worst(self, name: str, start_ms: int, end_ms: int, route: str | None, limit: int) -> str:
        """The largest values of one vital (the slowest LCPs, ...), with their traces."""
        where, params = ["name = ?", "ts >= ?", "ts < ?"], [name, start_ms, end_ms]
        if route:
            where.append("route = ?")
            params.append(route)
        rows = self.rows(
            f"SELECT {SAMPLE_COLUMNS} FROM vitals WHERE {' AND '.join(where)} ORDER BY value DESC LIMIT ?",
            *params,
            int(limit),
        )
        return encode([sample_row(r) for r in rows])

    async def forget_before(self, cutoff_ms: int) -> int:
        before = self.count("vitals")
        self.sql.exec("DELETE FROM vitals WHERE ts < ?", cutoff_ms)
        return before - self.count("vitals")

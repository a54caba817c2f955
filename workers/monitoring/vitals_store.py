"""VitalsStore: a Durable Object per shard of routes keeping each Web Vitals report by metric id.

The web-vitals library reports CLS and INP several times under one id as the value grows; the
row for an id is replaced only by a newer report, so every page view counts once, at its final
value. Percentiles are computed exactly from the kept values.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from workers import DurableObject

from edgewatch.vitals import distribution, p75
from edgewatch_cf.bindings import storage_round_trip

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS vitals (id TEXT NOT NULL, name TEXT NOT NULL, route TEXT NOT NULL,"
    " device TEXT NOT NULL, value REAL NOT NULL, rating TEXT NOT NULL, ts INTEGER NOT NULL,"
    " navigation_type TEXT, user_id TEXT, attribution TEXT, PRIMARY KEY (id, name))",
    "CREATE INDEX IF NOT EXISTS vitals_name_ts ON vitals(name, ts)",
)
UPSERT = (
    "INSERT INTO vitals (id, name, route, device, value, rating, ts, navigation_type, user_id, attribution)"
    " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),"
    " json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),"
    " json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]'),"
    " json_extract(value, '$[9]') FROM json_each(?) WHERE true"
    " ON CONFLICT(id, name) DO UPDATE SET value = excluded.value, rating = excluded.rating, ts = excluded.ts,"
    " route = excluded.route, device = excluded.device, attribution = excluded.attribution"
    " WHERE excluded.ts >= vitals.ts"
)


class VitalsStore(DurableObject):
    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        self.sql = ctx.storage.sql
        for statement in SCHEMA:
            self.sql.exec(statement)

    async def probe(self, token: str) -> str:
        return await storage_round_trip(self.ctx, token)

    async def put(self, rows_json: str) -> int:
        """rows: [id, name, route, device, value, rating, ts, navigation_type, user_id, attribution_json]."""
        rows = json.loads(rows_json)
        self.sql.exec(UPSERT, json.dumps(rows))
        return len(rows)

    async def values(self, name: str, start_ms: int, end_ms: int, route: str | None, device: str | None) -> str:
        where, params = ["name = ?", "ts >= ?", "ts < ?"], [name, start_ms, end_ms]
        if route:
            where.append("route = ?")
            params.append(route)
        if device:
            where.append("device = ?")
            params.append(device)
        rows = list(
            self.sql.exec(
                f"SELECT route, device, value, rating FROM vitals WHERE {' AND '.join(where)}", *params
            ).toArray()
        )
        return json.dumps([[r["route"], r["device"], r["value"], r["rating"]] for r in rows])

    async def forget_before(self, cutoff_ms: int) -> int:
        before = int(self.sql.exec("SELECT count(*) AS n FROM vitals").one()["n"])
        self.sql.exec("DELETE FROM vitals WHERE ts < ?", cutoff_ms)
        return before - int(self.sql.exec("SELECT count(*) AS n FROM vitals").one()["n"])


def summarize(rows: list[list[Any]]) -> list[dict[str, Any]]:
    """Per (route, device) and overall per device: count, exact p75, rating distribution."""
    groups: dict[tuple[str, str], list[list[Any]]] = defaultdict(list)
    for route, device, value, rating in rows:
        groups[(route, device)].append([value, rating])
        groups[("*", device)].append([value, rating])
        groups[("*", "*")].append([value, rating])
    out = []
    for (route, device), items in sorted(groups.items()):
        out.append(
            {
                "route": route,
                "device": device,
                "count": len(items),
                "p75": p75([v for v, _ in items]),
                "distribution": distribution([r for _, r in items]),
            }
        )
    return out

"""The one SQLite Durable Object base: schema migrations, the storage probe and row helpers.

A subclass lists ``MIGRATIONS``, statements applied once each, in order, and never edited once
shipped (append a new one instead). The number applied is kept in the object's ``_migrations``
table, so a new statement reaches objects that already hold data. Statements written before this
base existed are idempotent (``IF NOT EXISTS``), so objects that predate it replay them safely.

Statements run through ``run``, ``rows``, ``one`` and ``first`` add the runtime's ``rowsRead`` and
``rowsWritten`` of their cursor to ``usage``, the object's billable SQL work since it was loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from workers import DurableObject

from edgewatch.cost import SqlUsage

from .bindings import storage_round_trip


class SqliteObject(DurableObject):  # type: ignore[misc]
    MIGRATIONS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        self.sql = ctx.storage.sql
        self.usage = SqlUsage()
        self._migrate()

    def _migrate(self) -> None:
        self.sql.exec("CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY CHECK (id = 0), applied INTEGER)")
        rows = self.rows("SELECT applied FROM _migrations WHERE id = 0")
        applied = int(rows[0].applied) if rows else 0
        for statement in self.MIGRATIONS[applied:]:
            self.sql.exec(statement)
        if applied != len(self.MIGRATIONS):
            self.sql.exec("INSERT OR REPLACE INTO _migrations (id, applied) VALUES (0, ?)", len(self.MIGRATIONS))

    async def probe(self, token: str) -> str:
        return await storage_round_trip(self.ctx, token)

    # -- rows: each row is the runtime's object, read as row.column or row["column"] ----------
    def _counted(self, cursor: Any) -> None:
        self.usage.add(int(cursor.rowsRead), int(cursor.rowsWritten))

    def run(self, query: str, *params: Any) -> None:
        """A statement whose rows, if any, are not wanted (a write)."""
        cursor = self.sql.exec(query, *params)
        cursor.toArray()
        self._counted(cursor)

    def rows(self, query: str, *params: Any) -> list[Any]:
        cursor = self.sql.exec(query, *params)
        found = list(cursor.toArray())
        self._counted(cursor)
        return found

    def iterate(self, query: str, *params: Any) -> Iterator[Any]:
        """Rows one at a time, for a reader that may stop early; counted when it stops."""
        cursor = self.sql.exec(query, *params)
        try:
            yield from cursor
        finally:
            self._counted(cursor)

    def one(self, query: str, *params: Any) -> Any:
        cursor = self.sql.exec(query, *params)
        row = cursor.one()
        self._counted(cursor)
        return row

    def first(self, query: str, *params: Any) -> Any | None:
        found = self.rows(query, *params)
        return found[0] if found else None

    def count(self, table: str) -> int:
        return int(self.one(f"SELECT count(*) AS n FROM {table}").n)

"""Billable SQLite work of one Durable Object: statements run, rows read and rows written.

Cloudflare bills a SQLite-backed Durable Object by the rows its statements read and write, as the
runtime reports them on each cursor (``rowsRead``, ``rowsWritten``); an index a write touches is a
row of its own. The object adds each cursor's counts here and keeps the totals with its state.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SqlUsage:
    statements: int = 0
    rows_read: int = 0
    rows_written: int = 0

    def add(self, rows_read: int, rows_written: int) -> None:
        self.statements += 1
        self.rows_read += rows_read
        self.rows_written += rows_written

    def plus(self, other: SqlUsage) -> SqlUsage:
        return SqlUsage(
            self.statements + other.statements,
            self.rows_read + other.rows_read,
            self.rows_written + other.rows_written,
        )

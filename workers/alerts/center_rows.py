"""The AlertCenter's state in its SQLite rows (``alert_rows``, ``group_rows``, and the ``state``
documents of the small parts; see ``edgewatch.alerts.staterows``), kept decoded between calls.

``take()`` hands out the state: the one held since the last successful write, else read from the
rows. ``write(state)`` stores what changed since then; ``keep(state)`` holds the state for the next
call once everything of the call is stored (or, for a read, unchanged). A call that fails between
``take`` and ``keep`` leaves nothing held, so the next one reads the rows again: the object never
works on a state that storage does not have.
"""

from __future__ import annotations

from typing import Any

from edgewatch.alerts.center import CenterState
from edgewatch.alerts.staterows import RowWriter, state_from_rows

TABLES = (
    "CREATE TABLE IF NOT EXISTS alert_rows (fingerprint TEXT PRIMARY KEY, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS group_rows (slot TEXT PRIMARY KEY, body TEXT NOT NULL)",
)


class CenterRows:
    def __init__(self, owner: Any) -> None:
        self.owner = owner  # the SqliteObject: .sql and .rows
        self._held: tuple[CenterState, RowWriter] | None = None
        self._taken: tuple[CenterState, RowWriter] | None = None

    def _read(self) -> tuple[CenterState, RowWriter]:
        docs = {str(r.key): str(r.value) for r in self.owner.rows("SELECT key, value FROM state")}
        alerts = (str(r.body) for r in self.owner.rows("SELECT body FROM alert_rows"))
        groups = (str(r.body) for r in self.owner.rows("SELECT body FROM group_rows"))
        return state_from_rows(docs, alerts, groups)

    def take(self) -> CenterState:
        held, self._held = self._held, None
        self._taken = held if held is not None else self._read()
        return self._taken[0]

    def write(self, state: CenterState) -> None:
        taken = self._taken
        if taken is None or taken[0] is not state:  # not the state handed out: rewrite it all
            alert_keys = [str(r.fingerprint) for r in self.owner.rows("SELECT fingerprint FROM alert_rows")]
            group_keys = [str(r.slot) for r in self.owner.rows("SELECT slot FROM group_rows")]
            doc_keys = [str(r.key) for r in self.owner.rows("SELECT key FROM state")]
            taken = (state, RowWriter.unknown(alert_keys, group_keys, doc_keys))
        changes, written = taken[1].changes(state)
        sql = self.owner.sql
        for fp, text in changes.alerts.items():
            sql.exec("INSERT OR REPLACE INTO alert_rows (fingerprint, body) VALUES (?, ?)", fp, text)
        for fp in changes.alerts_gone:
            sql.exec("DELETE FROM alert_rows WHERE fingerprint = ?", fp)
        for slot, text in changes.groups.items():
            sql.exec("INSERT OR REPLACE INTO group_rows (slot, body) VALUES (?, ?)", slot, text)
        for slot in changes.groups_gone:
            sql.exec("DELETE FROM group_rows WHERE slot = ?", slot)
        for name, text in changes.docs.items():
            sql.exec("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", name, text)
        for name in changes.docs_gone:
            sql.exec("DELETE FROM state WHERE key = ?", name)
        self._taken = (state, written)

    def keep(self, state: CenterState) -> None:
        if self._taken is not None and self._taken[0] is state:
            self._held = self._taken

"""IssueStore: one SQLite Durable Object per Sentry project (``issues-<project>``) holding its issues
(by grouping hash), the last events of each, the first-seen time of each release (to order
releases that are not semver), and the ingest counters. Spike protection runs here too: the
bucket state lives in the object's memory, so every isolate of the Worker shares one bucket per
project and category; after an eviction the buckets start full again, as after an idle spell."""

from __future__ import annotations

from typing import Any

from apm_settings import spike_limits
from edgewatch.apm import (
    EventPage,
    EventSearch,
    Grouping,
    IngestAnswer,
    IngestRequest,
    Issue,
    IssueChange,
    IssueChanged,
    IssueError,
    IssuePage,
    IssueSearch,
    IssueStatus,
    IssueUpdate,
    PeriodIssue,
    Seen,
    SpikeDecision,
    SpikeGuard,
    StoredEvent,
    StoreStats,
    apply_update,
    event_cursor,
    issue_id_for,
    limits_for,
    new_issue,
    page_issues,
    record_event,
)
from edgewatch.codec import decode, encode
from edgewatch_cf.sqlite_object import SqliteObject

EVENTS_PER_ISSUE = 100
OPEN = ("unresolved", "regressed")


class IssueStore(SqliteObject):
    MIGRATIONS = (
        "CREATE TABLE IF NOT EXISTS issues (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE,"
        " status TEXT NOT NULL, last_seen_ms INTEGER NOT NULL, data TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS events (event_id TEXT PRIMARY KEY, issue_id TEXT NOT NULL,"
        " received_ms INTEGER NOT NULL, data TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS events_by_issue ON events (issue_id, received_ms)",
        "CREATE TABLE IF NOT EXISTS releases (release TEXT PRIMARY KEY, first_seen_ms INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    )

    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        self.guard: SpikeGuard | None = None

    # -- helpers ------------------------------------------------------------------------------
    def _count(self, counts: dict[str, int]) -> None:
        for name, value in counts.items():
            if value:
                self.sql.exec(
                    "INSERT INTO counters (name, value) VALUES (?, ?)"
                    " ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                    name[:200],
                    int(value),
                )

    def _guard(self, project: str) -> SpikeGuard:
        if self.guard is None:
            self.guard = SpikeGuard(limits_for(spike_limits(self.env), project))
        return self.guard

    def _first_seen(self, release: str | None, now: int) -> dict[str, int]:
        if release is not None:
            self.sql.exec("INSERT OR IGNORE INTO releases (release, first_seen_ms) VALUES (?, ?)", release, now)
        return {r.release: int(r.first_seen_ms) for r in self.rows("SELECT release, first_seen_ms FROM releases")}

    def _issue(self, issue_id: str) -> Issue | None:
        row = self.first("SELECT data FROM issues WHERE id = ?", issue_id)
        return None if row is None else decode(Issue, str(row.data))

    def _save(self, issue: Issue) -> None:
        self.sql.exec(
            "INSERT OR REPLACE INTO issues (id, fingerprint, status, last_seen_ms, data) VALUES (?, ?, ?, ?, ?)",
            issue.id,
            issue.fingerprint,
            str(issue.status),
            issue.last_seen_ms,
            encode(issue),
        )

    def _keep_event(self, issue_id: str, event: StoredEvent) -> None:
        self.sql.exec(
            "INSERT OR REPLACE INTO events (event_id, issue_id, received_ms, data) VALUES (?, ?, ?, ?)",
            event.event_id,
            issue_id,
            event.received_ms,
            encode(event),
        )
        self.sql.exec(
            "DELETE FROM events WHERE issue_id = ? AND event_id NOT IN (SELECT event_id FROM events"
            " WHERE issue_id = ? ORDER BY received_ms DESC, event_id DESC LIMIT ?)",
            issue_id,
            issue_id,
            EVENTS_PER_ISSUE,
        )

    def _record(self, event: StoredEvent, grouping: Grouping, decision: SpikeDecision, now: int) -> IngestAnswer:
        found = self.first("SELECT issue_id FROM events WHERE event_id = ?", event.event_id)
        if found is not None:
            return IngestAnswer(decision, str(found.issue_id), None, "event id already stored", duplicate=True)
        first_seen = self._first_seen(event.release, now)
        row = self.first("SELECT data FROM issues WHERE fingerprint = ?", grouping.hash)
        if row is None:
            issue_id = issue_id_for(event.project, grouping.hash)
            if self.first("SELECT id FROM issues WHERE id = ?", issue_id) is not None:
                issue_id = issue_id_for(event.project, grouping.hash, taken=True)
            issue, recorded = new_issue(issue_id, event, grouping)
        else:
            issue = decode(Issue, str(row.data))
            recorded = record_event(issue, event, first_seen)
        self._save(issue)
        self._keep_event(issue.id, event)
        self._count({f"seen:{recorded.seen}": 1})
        regressed = issue if recorded.seen is Seen.REGRESSED else None
        return IngestAnswer(decision, issue.id, recorded.seen, recorded.reason, regressed=regressed)

    # -- RPC ----------------------------------------------------------------------------------
    async def ingest(self, payload: str) -> str:
        """An encoded IngestRequest; answers an encoded IngestAnswer (the spike decision, and the issue)."""
        r = decode(IngestRequest, str(payload))
        decision = self._guard(r.project).admit(r.project, r.categories, r.now_ms)
        counts = {f"accepted:{c}": n for c, n in decision.admitted.items()}
        counts.update({f"refused:rate_limited:{c}": r.categories.get(c, 0) for c in decision.refused})
        counts.update({f"discarded:{k}": n for k, n in r.discarded.items()})
        counts.update({f"skipped:{k}": n for k, n in r.skipped.items()})
        self._count(counts)
        if r.event is None or r.grouping is None or "error" not in decision.admitted:
            return encode(IngestAnswer(decision))
        return encode(self._record(r.event, r.grouping, decision, r.now_ms))

    async def count_refusal(self, reason: str) -> None:
        self._count({f"refused:{str(reason)[:80]}": 1})

    async def count_forward(self, outcome: str) -> None:
        """The upstream forwarding's outcomes (``forward:ok``, ``forward:failed``, ...)."""
        self._count({f"forward:{str(outcome)[:80]}": 1})

    async def list_issues(self, payload: str) -> str:
        """An encoded IssueSearch; answers an encoded IssuePage."""
        r = decode(IssueSearch, str(payload))
        status = r.query.status
        if status is None:
            rows = self.rows("SELECT data FROM issues")
        elif status is IssueStatus.UNRESOLVED:
            rows = self.rows("SELECT data FROM issues WHERE status IN (?, ?)", *OPEN)
        else:
            rows = self.rows("SELECT data FROM issues WHERE status = ?", str(status))
        page, cursor = page_issues((decode(Issue, str(row.data)) for row in rows), r.query, r.cursor)
        return encode(IssuePage(tuple(page), cursor))

    async def period_issues(self, start_ms: int, end_ms: int) -> str:
        """The issues seen in [start_ms, end_ms), each with its kept events received in it: an
        encoded list of PeriodIssue, for reports."""
        counts = {
            str(r.issue_id): (int(r.n), int(r.kept))
            for r in self.rows(
                "SELECT issue_id, sum(received_ms >= ? AND received_ms < ?) AS n, count(*) AS kept FROM events"
                " GROUP BY issue_id",
                int(start_ms),
                int(end_ms),
            )
        }
        rows = self.rows("SELECT data FROM issues WHERE last_seen_ms >= ?", int(start_ms))
        out = []
        for row in rows:
            issue = decode(Issue, str(row.data))
            if issue.first_seen_ms < int(end_ms):
                n, kept = counts.get(issue.id, (0, 0))
                out.append(PeriodIssue(issue, n, kept >= EVENTS_PER_ISSUE))
        return encode(out)

    async def get_issue(self, issue_id: str) -> str:
        return encode(self._issue(str(issue_id)))

    async def update_issue(self, payload: str) -> str:
        """An encoded IssueChange; answers an encoded IssueChanged."""
        r = decode(IssueChange, str(payload))
        issue = self._issue(r.issue_id)
        if issue is None:
            return encode(IssueChanged())
        update = IssueUpdate(r.status, r.in_release, r.in_next_release, r.ignored_until_ms)
        try:
            apply_update(issue, update, r.now_ms, self._first_seen(None, r.now_ms))
        except IssueError as exc:
            return encode(IssueChanged(error=str(exc)))
        self._save(issue)
        return encode(IssueChanged(issue))

    async def list_events(self, payload: str) -> str:
        """An encoded EventSearch; answers an encoded EventPage, newest first."""
        r = decode(EventSearch, str(payload))
        if self.first("SELECT id FROM issues WHERE id = ?", r.issue_id) is None:
            return encode(EventPage((), found=False))
        after = event_cursor(r.cursor)
        where = "issue_id = ?" if after is None else "issue_id = ? AND (received_ms, event_id) < (?, ?)"
        params = (r.issue_id,) if after is None else (r.issue_id, *after)
        rows = self.rows(
            f"SELECT received_ms, data FROM events WHERE {where} ORDER BY received_ms DESC, event_id DESC LIMIT ?",
            *params,
            r.limit + 1,
        )
        events = tuple(decode(StoredEvent, str(row.data)) for row in rows[: r.limit])
        more = len(rows) > r.limit
        cursor = f"{events[-1].received_ms}:{events[-1].event_id}" if more and events else None
        return encode(EventPage(events, True, cursor))

    async def stats(self, project: str) -> str:
        counters = {str(r.name): int(r.value) for r in self.rows("SELECT name, value FROM counters")}
        return encode(StoreStats(str(project), self.count("issues"), self.count("events"), counters))

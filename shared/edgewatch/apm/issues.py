"""Issues: the events of one group, their counts and facets, their status, and regressions.

Status is unresolved, resolved, ignored, or regressed (a resolved issue seen again; it counts as
unresolved in queries, as Sentry's "regressed" is a kind of unresolved). The regression rule:

- resolved (plainly): an event whose own time is after the resolution regresses the issue; one
  stamped before it (a late arrival) does not.
- resolved in release R: an event from a release newer than R regresses it (``compare_releases``);
  one from R, an older release, no release or a release that cannot be ordered against R does not.
- resolved in the next release: as "in release R" with R the newest release the issue had been
  seen in when it was resolved (without one, as a plain resolution).
- ignored: events are counted and change nothing, until ``ignored_until_ms`` passes, when the next
  event makes it unresolved again.

Recording an event returns a ``Recorded`` saying what happened and why; REGRESSED is the alert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .distinct import DistinctCount
from .events import StoredEvent
from .grouping import Grouping, describe
from .releases import compare_releases

MAX_RELEASES = 50
MAX_ENVIRONMENTS = 20
MAX_TAG_KEYS = 20
MAX_TAG_VALUES = 20
OTHER = "(other)"  # the facet bucket for values past MAX_TAG_VALUES


class IssueStatus(StrEnum):
    UNRESOLVED = "unresolved"
    RESOLVED = "resolved"
    IGNORED = "ignored"
    REGRESSED = "regressed"


class ResolveMode(StrEnum):
    PLAIN = "plain"
    IN_RELEASE = "in_release"
    IN_NEXT_RELEASE = "in_next_release"


class Seen(StrEnum):
    NEW = "new"
    COUNTED = "counted"  # an open issue seen again
    REGRESSED = "regressed"
    STILL_RESOLVED = "still_resolved"
    STILL_IGNORED = "still_ignored"
    UNIGNORED = "unignored"


class IssueError(ValueError):
    """An update that cannot apply (422); the message says why."""


@dataclass
class Issue:
    id: str
    project: str
    fingerprint: str  # the grouping hash
    grouped_by: str
    title: str
    culprit: str
    level: str
    first_seen_ms: int
    last_seen_ms: int
    count: int = 0
    users: DistinctCount = field(default_factory=DistinctCount)
    releases: list[str] = field(default_factory=list)  # in the order first seen
    environments: list[str] = field(default_factory=list)
    tags: dict[str, dict[str, int]] = field(default_factory=dict)
    status: IssueStatus = IssueStatus.UNRESOLVED
    resolve_mode: ResolveMode | None = None
    resolved_in: str | None = None  # the release R of the rule above
    resolved_ms: int | None = None
    ignored_until_ms: int | None = None
    regressed_ms: int | None = None
    times_regressed: int = 0
    last_event_id: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in (IssueStatus.UNRESOLVED, IssueStatus.REGRESSED)

    @property
    def user_count(self) -> int:
        return self.users.estimate()


@dataclass(frozen=True)
class Recorded:
    seen: Seen
    reason: str


def _remember(values: list[str], value: str | None, limit: int) -> None:
    if value is not None and value not in values:
        values.append(value)
        if len(values) > limit:
            del values[0]  # the oldest goes: recent releases matter for regressions


def _count_tags(facets: dict[str, dict[str, int]], tags: Mapping[str, str]) -> None:
    for key, value in tags.items():
        values = facets.get(key)
        if values is None:
            if len(facets) >= MAX_TAG_KEYS:
                continue
            values = facets[key] = {}
        bucket = value if value in values or len(values) < MAX_TAG_VALUES else OTHER
        values[bucket] = values.get(bucket, 0) + 1


def _facets(event: StoredEvent) -> dict[str, str]:
    tags = dict(event.tags)
    for key, value in (("level", event.level), ("release", event.release), ("environment", event.environment)):
        if value is not None:
            tags.setdefault(key, value)
    return tags


def _count(issue: Issue, event: StoredEvent) -> None:
    issue.count += 1
    issue.last_seen_ms = max(issue.last_seen_ms, event.timestamp_ms)
    issue.first_seen_ms = min(issue.first_seen_ms, event.timestamp_ms)
    issue.last_event_id = event.event_id
    issue.level = event.level
    if event.user_id is not None:
        issue.users.add(event.user_id)
    _remember(issue.releases, event.release, MAX_RELEASES)
    _remember(issue.environments, event.environment, MAX_ENVIRONMENTS)
    _count_tags(issue.tags, _facets(event))


def new_issue(issue_id: str, event: StoredEvent, grouping: Grouping) -> tuple[Issue, Recorded]:
    title, culprit = describe(event)
    issue = Issue(
        id=issue_id,
        project=event.project,
        fingerprint=grouping.hash,
        grouped_by=str(grouping.grouped_by),
        title=title,
        culprit=culprit,
        level=event.level,
        first_seen_ms=event.timestamp_ms,
        last_seen_ms=event.timestamp_ms,
    )
    _count(issue, event)
    return issue, Recorded(Seen.NEW, f"first event of group {grouping.hash[:12]} ({grouping.grouped_by})")


def _regression(issue: Issue, event: StoredEvent, first_seen: Mapping[str, int] | None) -> str | None:
    """Why the event regresses the resolved issue, or None if it does not."""
    if issue.resolve_mode in (None, ResolveMode.PLAIN) or issue.resolved_in is None:
        resolved = issue.resolved_ms or 0
        return (
            f"seen at {event.timestamp_ms}, after the resolution at {resolved}"
            if event.timestamp_ms > resolved
            else None
        )
    if event.release is None:
        return None
    if compare_releases(event.release, issue.resolved_in, first_seen) == 1:
        return f"seen in {event.release}, newer than {issue.resolved_in} (resolved {issue.resolve_mode})"
    return None


def record_event(issue: Issue, event: StoredEvent, first_seen: Mapping[str, int] | None = None) -> Recorded:
    """Count the event and apply the status rules; ``first_seen`` orders non-semver releases."""
    status = issue.status
    _count(issue, event)
    if status is IssueStatus.IGNORED:
        until = issue.ignored_until_ms
        if until is not None and event.timestamp_ms >= until:
            issue.status, issue.ignored_until_ms = IssueStatus.UNRESOLVED, None
            return Recorded(Seen.UNIGNORED, f"ignored until {until}, seen at {event.timestamp_ms}")
        return Recorded(Seen.STILL_IGNORED, "ignored")
    if status is IssueStatus.RESOLVED:
        why = _regression(issue, event, first_seen)
        if why is None:
            return Recorded(Seen.STILL_RESOLVED, f"resolved ({issue.resolve_mode}); event from {event.release}")
        issue.status = IssueStatus.REGRESSED
        issue.regressed_ms = event.timestamp_ms
        issue.times_regressed += 1
        return Recorded(Seen.REGRESSED, why)
    return Recorded(Seen.COUNTED, str(status))


def _newest_release(issue: Issue, first_seen: Mapping[str, int] | None) -> str | None:
    newest: str | None = None
    for release in issue.releases:
        if newest is None or compare_releases(release, newest, first_seen) == 1:
            newest = release
    return newest


def resolve(
    issue: Issue,
    now_ms: int,
    mode: ResolveMode = ResolveMode.PLAIN,
    release: str | None = None,
    first_seen: Mapping[str, int] | None = None,
) -> None:
    if mode is ResolveMode.IN_RELEASE and not release:
        raise IssueError("resolving in a release needs the release")
    pinned = release if mode is ResolveMode.IN_RELEASE else None
    if mode is ResolveMode.IN_NEXT_RELEASE:
        pinned = _newest_release(issue, first_seen)
    issue.status = IssueStatus.RESOLVED
    issue.resolve_mode = mode if pinned is not None else ResolveMode.PLAIN
    issue.resolved_in = pinned
    issue.resolved_ms = now_ms
    issue.ignored_until_ms = None


def ignore(issue: Issue, until_ms: int | None = None) -> None:
    issue.status = IssueStatus.IGNORED
    issue.ignored_until_ms = until_ms
    issue.resolve_mode = issue.resolved_in = issue.resolved_ms = None


def reopen(issue: Issue) -> None:
    issue.status = IssueStatus.UNRESOLVED
    issue.resolve_mode = issue.resolved_in = issue.resolved_ms = issue.ignored_until_ms = None


# --- queries -------------------------------------------------------------------------------------


class IssueSort(StrEnum):
    LAST_SEEN = "last_seen"
    FIRST_SEEN = "first_seen"
    COUNT = "count"
    USERS = "users"


SORT_KEYS: dict[IssueSort, Callable[[Issue], int]] = {
    IssueSort.LAST_SEEN: lambda i: i.last_seen_ms,
    IssueSort.FIRST_SEEN: lambda i: i.first_seen_ms,
    IssueSort.COUNT: lambda i: i.count,
    IssueSort.USERS: lambda i: i.user_count,
}


@dataclass(frozen=True)
class IssueQuery:
    project: str | None = None
    status: IssueStatus | None = None  # UNRESOLVED matches regressed issues too
    release: str | None = None  # seen in this release
    text: str | None = None  # every word in the title or culprit, case-insensitive
    sort: IssueSort = IssueSort.LAST_SEEN
    limit: int = 100


def matches(issue: Issue, query: IssueQuery) -> bool:
    if query.project is not None and issue.project != query.project:
        return False
    if query.status is IssueStatus.UNRESOLVED and not issue.is_open:
        return False
    if query.status is not None and query.status is not IssueStatus.UNRESOLVED and issue.status is not query.status:
        return False
    if query.release is not None and query.release not in issue.releases:
        return False
    if query.text:
        haystack = f"{issue.title}\n{issue.culprit}".casefold()
        return all(word in haystack for word in query.text.casefold().split())
    return True


def search_issues(issues: Iterable[Issue], query: IssueQuery) -> list[Issue]:
    """Matching issues, newest (or most) first; ties by id so pages are stable."""
    key = SORT_KEYS[query.sort]
    found = [i for i in issues if matches(i, query)]
    found.sort(key=lambda i: (-key(i), i.id))
    return found[: max(query.limit, 0)]

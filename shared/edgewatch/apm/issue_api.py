"""The issues API's decisions: issue ids, query parameters, pages, status updates and the JSON views.

An issue id is ``{project}-{first 12 hex digits of the grouping hash}`` (``1-8fe1fcbed14e``): the
project names the IssueStore that holds it (one per project), and 48 bits of the hash make a
collision within one project unlikely (the store lengthens the suffix if one ever occurs).
Pages are keyset pages over (sort key, id): the cursor is the last issue's ``key:id``, so a page
does not shift when new issues arrive between two requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..codec import to_plain
from ..wire.params import int_param
from .dsn import valid_project_id
from .events import StoredEvent
from .issues import (
    SORT_KEYS,
    Issue,
    IssueError,
    IssueQuery,
    IssueSort,
    IssueStatus,
    ResolveMode,
    ignore,
    matches,
    reopen,
    resolve,
)

ID_HEX = 12
MAX_LIMIT = 100
_ID = re.compile(r"([0-9]{1,19})-([0-9a-f]{12,32})")
_CURSOR = re.compile(r"(-?[0-9]{1,20}):([0-9]{1,19}-[0-9a-f]{12,32})")
UPDATE_STATUSES = ("resolved", "unresolved", "ignored")


def issue_id_for(project: str, fingerprint: str, taken: bool = False) -> str:
    """The id of a new issue; ``taken`` (the short id belongs to another group) lengthens it."""
    return f"{project}-{fingerprint[: 20 if taken else ID_HEX]}"


def project_of(issue_id: str) -> str:
    """The project of an issue id; ValueError (404) for a text that is not an issue id."""
    found = _ID.fullmatch(issue_id)
    if found is None or not valid_project_id(found.group(1)):
        raise ValueError(f"{issue_id[:60]!r} is not an issue id (project-hash, e.g. 1-8fe1fcbed14e)")
    return found.group(1)


def _enum(kind: Any, params: Mapping[str, str], name: str) -> Any:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"{name} must be one of {', '.join(m.value for m in kind)}") from None


def issue_query(params: Mapping[str, str], project: str) -> tuple[IssueQuery, str | None]:
    """``status``, ``release``, ``query``, ``sort``, ``limit`` and ``cursor``; ValueError names the bad one."""
    sort = _enum(IssueSort, params, "sort") or IssueSort.LAST_SEEN
    cursor = params.get("cursor") or None
    if cursor is not None and _CURSOR.fullmatch(cursor) is None:
        raise ValueError("cursor is not one this API gave out")
    release = params.get("release") or None
    query = IssueQuery(
        project=project,
        status=_enum(IssueStatus, params, "status"),
        release=release[:200] if release else None,
        text=(params.get("query") or "")[:200] or None,
        sort=sort,
        limit=int_param(params, "limit", 25, 1, MAX_LIMIT),
    )
    return query, cursor


def page_issues(issues: Iterable[Issue], query: IssueQuery, cursor: str | None) -> tuple[list[Issue], str | None]:
    """One page, in the query's order (largest first, ties by id), after ``cursor``; and the next cursor."""
    key = SORT_KEYS[query.sort]
    found = sorted((i for i in issues if matches(i, query)), key=lambda i: (-key(i), i.id))
    if cursor is not None:
        at = _CURSOR.fullmatch(cursor)
        if at is not None:
            after = (-int(at.group(1)), at.group(2))
            found = [i for i in found if (-key(i), i.id) > after]
    page = found[: query.limit]
    more = len(found) > query.limit
    return page, f"{key(page[-1])}:{page[-1].id}" if more and page else None


_EVENT_CURSOR = re.compile(r"([0-9]{1,15}):([0-9a-f]{32})")


def event_cursor(text: str | None) -> tuple[int, str] | None:
    """The (received_ms, event_id) after which the next page of an issue's events starts (newest first)."""
    found = _EVENT_CURSOR.fullmatch(text or "")
    return None if found is None else (int(found.group(1)), found.group(2))


@dataclass(frozen=True)
class IssueUpdate:
    status: str
    in_release: str | None = None
    in_next_release: bool = False
    ignored_until_ms: int | None = None


def _optional_text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError(f"{name} must be a release name (1-200 characters)")
    return value.strip()


def parse_issue_update(data: Mapping[str, Any]) -> IssueUpdate:
    """``{"status": "resolved"|"unresolved"|"ignored", "inRelease"?, "inNextRelease"?, "ignoredUntilMs"?}``."""
    status = data.get("status")
    if status not in UPDATE_STATUSES:
        raise ValueError(f"status must be one of {', '.join(UPDATE_STATUSES)}")
    in_release = _optional_text(data, "inRelease")
    in_next = data.get("inNextRelease", False)
    if not isinstance(in_next, bool):
        raise ValueError("inNextRelease must be true or false")
    until = data.get("ignoredUntilMs")
    if until is not None and (type(until) is not int or until <= 0):
        raise ValueError("ignoredUntilMs must be a positive integer (epoch milliseconds)")
    if status != "resolved" and (in_release or in_next):
        raise ValueError("inRelease and inNextRelease apply only to status resolved")
    if in_release and in_next:
        raise ValueError("give inRelease or inNextRelease, not both")
    if status != "ignored" and until is not None:
        raise ValueError("ignoredUntilMs applies only to status ignored")
    return IssueUpdate(str(status), in_release, in_next, until)


def apply_update(issue: Issue, update: IssueUpdate, now_ms: int, first_seen: Mapping[str, int]) -> None:
    """Change the issue's status; IssueError (422) if the change cannot apply."""
    if update.status == "unresolved":
        reopen(issue)
    elif update.status == "ignored":
        ignore(issue, update.ignored_until_ms)
    elif update.in_release:
        resolve(issue, now_ms, ResolveMode.IN_RELEASE, update.in_release, first_seen)
    elif update.in_next_release:
        resolve(issue, now_ms, ResolveMode.IN_NEXT_RELEASE, first_seen=first_seen)
    elif update.status == "resolved":
        resolve(issue, now_ms)
    else:  # pragma: no cover - parse_issue_update admits only the three statuses
        raise IssueError(f"unknown status {update.status!r}")


def issue_view(issue: Issue) -> dict[str, Any]:
    return {
        "id": issue.id,
        "project": issue.project,
        "title": issue.title,
        "culprit": issue.culprit,
        "level": issue.level,
        "status": str(issue.status),
        "count": issue.count,
        "user_count": issue.user_count,
        "first_seen_ms": issue.first_seen_ms,
        "last_seen_ms": issue.last_seen_ms,
        "releases": list(issue.releases),
        "environments": list(issue.environments),
        "tags": {key: dict(values) for key, values in issue.tags.items()},
        "grouped_by": issue.grouped_by,
        "fingerprint": issue.fingerprint,
        "resolution": None
        if issue.resolve_mode is None
        else {"mode": str(issue.resolve_mode), "release": issue.resolved_in, "at_ms": issue.resolved_ms},
        "ignored_until_ms": issue.ignored_until_ms,
        "regressed_ms": issue.regressed_ms,
        "times_regressed": issue.times_regressed,
        "last_event_id": issue.last_event_id,
    }


def event_view(event: StoredEvent) -> dict[str, Any]:
    body: dict[str, Any] = to_plain(event)
    return body

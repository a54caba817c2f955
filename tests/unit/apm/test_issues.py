from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from edgewatch.apm.events import StoredEvent, normalize_event
from edgewatch.apm.grouping import group_event
from edgewatch.apm.issues import (
    MAX_TAG_VALUES,
    OTHER,
    Issue,
    IssueError,
    IssueQuery,
    IssueSort,
    IssueStatus,
    ResolveMode,
    Seen,
    ignore,
    new_issue,
    record_event,
    reopen,
    resolve,
    search_issues,
)
from edgewatch.codec import decode, encode

from .goldens import captured

M = 60_000


def event(at: int = 0, release: str | None = "shop@1.4.0", **kw: Any) -> StoredEvent:
    payload = {"exception": {"values": [{"type": "ValueError", "value": "no card"}]}, "level": "error"}
    base = normalize_event(payload, project="42", received_ms=at, event_id="a" * 32)
    return replace(base, timestamp_ms=at, release=release, **kw)


def issue_at(at: int = 0, **kw: Any) -> Issue:
    e = event(at, **kw)
    return new_issue("1", e, group_event(e))[0]


def test_a_new_issue_from_a_real_event() -> None:
    e = captured("gzip")[0].event()
    issue, recorded = new_issue("17", e, group_event(e))
    assert recorded.seen is Seen.NEW
    assert (issue.title, issue.culprit, issue.level) == (
        "ValueError: order 1001 has no card",
        "shop.handlers in charge",
        "error",
    )
    assert (issue.count, issue.user_count, issue.releases, issue.environments) == (
        1,
        1,
        ["shop@1.4.0+build.7"],
        ["production"],
    )
    assert issue.tags["service"] == {"checkout": 1}
    assert issue.tags["release"] == {"shop@1.4.0+build.7": 1}
    assert issue.grouped_by == "stacktrace" and issue.status is IssueStatus.UNRESOLVED


def test_counts_and_bounds() -> None:
    issue = issue_at(5 * M, user_id="u1")
    for n in range(30):
        record_event(issue, event(n * M, user_id=f"u{n % 4}", tags={"browser": f"b{n}"}))
    assert issue.count == 31
    assert (issue.first_seen_ms, issue.last_seen_ms) == (0, 29 * M)
    assert issue.user_count == 4
    browsers = issue.tags["browser"]
    assert len(browsers) == MAX_TAG_VALUES + 1 and browsers[OTHER] == 30 - MAX_TAG_VALUES


# The regression rule, case by case: (how it was resolved, the later event, what happens).
REGRESSION_CASES = [
    # plain: any event stamped after the resolution regresses
    ((ResolveMode.PLAIN, None), event(20 * M, "shop@1.4.0"), Seen.REGRESSED),
    # ...a late event stamped before it does not
    ((ResolveMode.PLAIN, None), event(5 * M, "shop@1.4.0"), Seen.STILL_RESOLVED),
    # in release R: newer than R regresses
    ((ResolveMode.IN_RELEASE, "shop@1.4.0"), event(20 * M, "shop@1.5.0"), Seen.REGRESSED),
    ((ResolveMode.IN_RELEASE, "shop@1.4.0"), event(20 * M, "shop@1.4.0+build.8"), Seen.REGRESSED),
    # ...R itself, older, none, or unordered does not
    ((ResolveMode.IN_RELEASE, "shop@1.4.0"), event(20 * M, "shop@1.4.0"), Seen.STILL_RESOLVED),
    ((ResolveMode.IN_RELEASE, "shop@1.4.0"), event(20 * M, "shop@1.3.9"), Seen.STILL_RESOLVED),
    ((ResolveMode.IN_RELEASE, "shop@1.4.0"), event(20 * M, None), Seen.STILL_RESOLVED),
    ((ResolveMode.IN_RELEASE, "shop@1.4.0"), event(20 * M, "web@9.0.0"), Seen.STILL_RESOLVED),
    ((ResolveMode.IN_RELEASE, "shop@1.4.0"), event(20 * M, "1.5.0-rc.1"), Seen.REGRESSED),
    # in the next release: R is the newest release seen (1.4.0 here), then the same rule
    ((ResolveMode.IN_NEXT_RELEASE, None), event(20 * M, "shop@1.4.0"), Seen.STILL_RESOLVED),
    ((ResolveMode.IN_NEXT_RELEASE, None), event(20 * M, "shop@1.4.1"), Seen.REGRESSED),
]


@pytest.mark.parametrize(("how", "later", "seen"), REGRESSION_CASES)
def test_regression_rule(how: tuple[ResolveMode, str | None], later: StoredEvent, seen: Seen) -> None:
    issue = issue_at(0, release="shop@1.3.0")
    record_event(issue, event(1 * M, "shop@1.4.0"))
    resolve(issue, 10 * M, *how)
    recorded = record_event(issue, later)
    assert recorded.seen is seen, recorded.reason
    assert issue.status is (IssueStatus.REGRESSED if seen is Seen.REGRESSED else IssueStatus.RESOLVED)
    assert issue.count == 3  # counted either way
    if seen is Seen.REGRESSED:
        assert (issue.regressed_ms, issue.times_regressed) == (later.timestamp_ms, 1)
        assert recorded.reason


def test_a_regressed_issue_stays_open_and_counts() -> None:
    issue = issue_at(0)
    resolve(issue, M)
    assert record_event(issue, event(2 * M)).seen is Seen.REGRESSED
    assert record_event(issue, event(3 * M)).seen is Seen.COUNTED
    assert issue.is_open and issue.times_regressed == 1


def test_next_release_without_releases_is_a_plain_resolution() -> None:
    issue = issue_at(0, release=None)
    resolve(issue, M, ResolveMode.IN_NEXT_RELEASE)
    assert (issue.resolve_mode, issue.resolved_in) == (ResolveMode.PLAIN, None)
    with pytest.raises(IssueError):
        resolve(issue, M, ResolveMode.IN_RELEASE)


def test_commit_shas_regress_by_first_seen_order() -> None:
    issue = issue_at(0, release="a1b2c3d")
    resolve(issue, M, ResolveMode.IN_RELEASE, "a1b2c3d")
    seen = {"a1b2c3d": 0, "e4f5a6b": 2 * M}
    assert record_event(issue, event(3 * M, "e4f5a6b"), seen).seen is Seen.REGRESSED


def test_ignore_until_and_reopen() -> None:
    issue = issue_at(0)
    ignore(issue, until_ms=10 * M)
    assert record_event(issue, event(5 * M)).seen is Seen.STILL_IGNORED
    assert record_event(issue, event(11 * M)).seen is Seen.UNIGNORED
    assert issue.status is IssueStatus.UNRESOLVED
    ignore(issue)
    assert record_event(issue, event(10**9)).seen is Seen.STILL_IGNORED  # forever
    reopen(issue)
    assert record_event(issue, event(10**9)).seen is Seen.COUNTED


def _issues() -> list[Issue]:
    a = issue_at(1 * M, release="shop@1.0.0")
    a.id, a.title, a.count = "a", "ValueError: no card", 5
    b = issue_at(2 * M, release="shop@2.0.0")
    b.id, b.title, b.culprit, b.count = "b", "KeyError: 'cart'", "shop.cart in load", 9
    c = issue_at(3 * M, release="shop@2.0.0")
    c.id, c.project, c.count = "c", "7", 1
    d = issue_at(4 * M)
    d.id = "d"
    resolve(d, 5 * M)
    e = issue_at(0)
    e.id = "e"
    resolve(e, M)
    record_event(e, event(6 * M))  # regressed
    for n in range(3):
        b.users.add(f"u{n}")
    return [a, b, c, d, e]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        (IssueQuery(), ["e", "d", "c", "b", "a"]),  # last seen first
        (IssueQuery(project="42"), ["e", "d", "b", "a"]),
        (IssueQuery(status=IssueStatus.UNRESOLVED), ["e", "c", "b", "a"]),  # regressed is unresolved
        (IssueQuery(status=IssueStatus.REGRESSED), ["e"]),
        (IssueQuery(status=IssueStatus.RESOLVED), ["d"]),
        (IssueQuery(release="shop@2.0.0"), ["c", "b"]),
        (IssueQuery(text="keyerror CART"), ["b"]),  # every word, case-insensitive, title or culprit
        (IssueQuery(text="load"), ["b"]),
        (IssueQuery(sort=IssueSort.COUNT), ["b", "a", "e", "c", "d"]),
        (IssueQuery(sort=IssueSort.USERS, limit=1), ["b"]),
        (IssueQuery(sort=IssueSort.FIRST_SEEN, limit=2), ["d", "c"]),
    ],
)
def test_queries(query: IssueQuery, ids: list[str]) -> None:
    assert [i.id for i in search_issues(_issues(), query)] == ids


def test_an_issue_round_trips_through_the_codec() -> None:
    issue = _issues()[4]
    assert decode(Issue, encode(issue)) == issue

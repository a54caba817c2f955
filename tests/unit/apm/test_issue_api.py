from __future__ import annotations

import pytest

from edgewatch.apm import (
    IssueStatus,
    IssueUpdate,
    apply_update,
    event_cursor,
    group_event,
    issue_id_for,
    issue_query,
    issue_view,
    new_issue,
    normalize_event,
    page_issues,
    parse_issue_update,
    project_of,
    record_event,
)
from edgewatch.apm.issues import Issue, IssueSort, Seen
from edgewatch.errors import Unprocessable


def _issue(n: int, count: int = 1, release: str = "1.0.0") -> Issue:
    event = normalize_event(
        {"message": f"boom {'abcdefghijkl'[n]}", "release": release}, project="1", received_ms=1000 + n
    )
    grouping = group_event(event)
    issue, _ = new_issue(issue_id_for("1", grouping.hash), event, grouping)
    issue.count = count
    return issue


def test_issue_ids_name_their_project() -> None:
    assert issue_id_for("7", "8fe1fcbed14e54f7a9cdeb405af6337d") == "7-8fe1fcbed14e"
    assert issue_id_for("7", "8fe1fcbed14e54f7a9cdeb405af6337d", taken=True) == "7-8fe1fcbed14e54f7a9cd"
    assert project_of("7-8fe1fcbed14e") == "7"
    for bad in ("nonsense", "0-8fe1fcbed14e", "7-8FE1", "7-8fe1fcbed14e/x"):
        with pytest.raises(ValueError):
            project_of(bad)


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"sort": "loudest"}, "sort must be one of"),
        ({"status": "fixed"}, "status must be one of"),
        ({"cursor": "abc"}, "cursor"),
    ],
)
def test_bad_query_parameters_name_the_parameter(params: dict[str, str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        issue_query(params, "1")


def test_limit_out_of_range_is_422() -> None:
    with pytest.raises(Unprocessable):
        issue_query({"limit": "1000"}, "1")


def test_keyset_pages_cover_every_issue_once() -> None:
    issues = [_issue(n, count=n % 3) for n in range(10)]
    query, cursor = issue_query({"sort": "count", "limit": "3"}, "1")
    assert query.sort is IssueSort.COUNT
    seen: list[str] = []
    while True:
        page, cursor = page_issues(issues, query, cursor)
        seen += [i.id for i in page]
        if cursor is None:
            break
    assert sorted(seen) == sorted(i.id for i in issues) and len(seen) == len(set(seen))
    counts = [next(i.count for i in issues if i.id == s) for s in seen]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"status": "fixed"}, "status must be one of"),
        ({"status": "unresolved", "inRelease": "1.0"}, "apply only to status resolved"),
        ({"status": "resolved", "inRelease": "1.0", "inNextRelease": True}, "not both"),
        ({"status": "resolved", "inNextRelease": "yes"}, "true or false"),
        ({"status": "resolved", "ignoredUntilMs": 5}, "only to status ignored"),
        ({"status": "resolved", "inRelease": ""}, "release name"),
    ],
)
def test_bad_updates_are_refused(body: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_issue_update(body)


def test_resolve_in_release_then_a_newer_release_regresses() -> None:
    issue = _issue(1)
    apply_update(issue, parse_issue_update({"status": "resolved", "inRelease": "1.0.0"}), 5000, {})
    assert issue.status is IssueStatus.RESOLVED
    newer = normalize_event({"message": "boom b", "release": "1.1.0"}, project="1", received_ms=6000)
    assert record_event(issue, newer).seen is Seen.REGRESSED
    view = issue_view(issue)
    assert view["status"] == "regressed" and view["times_regressed"] == 1 and view["id"].startswith("1-")
    apply_update(issue, IssueUpdate("ignored", ignored_until_ms=9000), 7000, {})
    assert issue_view(issue)["status"] == "ignored" and issue.ignored_until_ms == 9000
    apply_update(issue, IssueUpdate("unresolved"), 8000, {})
    assert issue_view(issue)["status"] == "unresolved"


def test_event_cursors_are_received_time_and_event_id() -> None:
    assert event_cursor("1796180176905:9ec79c33ec9942ab8353589fcb2e04dc") == (
        1796180176905,
        "9ec79c33ec9942ab8353589fcb2e04dc",
    )
    for bad in (None, "", "123", "abc:9ec79c33ec9942ab8353589fcb2e04dc", "1:short"):
        assert event_cursor(bad) is None

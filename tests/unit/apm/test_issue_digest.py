from __future__ import annotations

from edgewatch.apm import PeriodIssue, issues_digest
from edgewatch.apm.issues import Issue

START, END = 1_000, 2_000


def issue(ident: str, first: int, last: int, count: int = 1, regressed: int | None = None) -> Issue:
    return Issue(ident, "1", ident, "exception", f"Error {ident}", "app.py", "error", first, last, count,
                 regressed_ms=regressed)  # fmt: skip


def test_issues_seen_in_the_period_ranked_by_their_events_in_it() -> None:
    items = [
        PeriodIssue(issue("1-a", 100, 1_500, count=500), events=3),  # old, busy before, quiet now
        PeriodIssue(issue("1-b", 1_200, 1_900, count=40), events=40),  # new in the period
        PeriodIssue(issue("1-c", 100, 1_800, count=120, regressed=1_700), events=100, capped=True),
        PeriodIssue(issue("1-d", 100, 900, count=9), events=0),  # last seen before the period
        PeriodIssue(issue("1-e", 2_100, 2_200), events=0),  # first seen after it
        PeriodIssue(issue("1-f", 100, 1_100, count=1, regressed=500), events=1),  # regressed before the period
    ]
    digest = issues_digest(items, START, END)
    assert (digest["seen"], digest["new"], digest["regressed"], digest["events"]) == (4, 1, 1, 144)
    assert [i["id"] for i in digest["top"]] == ["1-c", "1-b", "1-a", "1-f"]
    assert digest["top"][0]["events_capped"] is True
    assert [i["id"] for i in digest["regressions"]] == ["1-c"]
    assert digest["top"][1]["title"] == "Error 1-b" and digest["top"][1]["status"] == "unresolved"


def test_ties_break_by_total_count_then_id() -> None:
    items = [PeriodIssue(issue(f"1-{x}", 1_000, 1_500, count=c), events=2) for x, c in (("b", 5), ("a", 5), ("c", 9))]
    assert [i["id"] for i in issues_digest(items, START, END, top=2)["top"]] == ["1-c", "1-a"]

"""The issues API: ``GET /apm/issues``, ``GET /apm/issues/{id}``, ``GET /apm/issues/{id}/events``,
``PUT /apm/issues/{id}`` (status; an operator token) and ``GET /apm/ingest/stats`` (the ingest
counters of a project). Reads need a reader token."""

from __future__ import annotations

from typing import Any

import apm_settings as settings
from edgewatch.access import Role
from edgewatch.apm import (
    EventPage,
    EventSearch,
    Issue,
    IssueChange,
    IssueChanged,
    IssuePage,
    IssueSearch,
    StoreStats,
    event_view,
    issue_query,
    issue_view,
    parse_issue_update,
    project_of,
)
from edgewatch.codec import decode, encode, to_plain
from edgewatch.errors import BadRequest, NotFound, Unprocessable, error_line
from edgewatch.wire.params import int_param
from edgewatch_cf.app import Incoming, Reply, Routes
from edgewatch_cf.clock import TEST_CLOCK_HEADER, request_now_ms
from edgewatch_cf.json_body import json_object, parsed

routes = Routes()


def _project(req: Incoming) -> str:
    """``?project=``; without it, the one project the keys name (if they name exactly one)."""
    project = req.query.get("project")
    if not project:
        projects = set(settings.project_keys(req.env).values())
        if len(projects) != 1:
            raise BadRequest("project is required (?project=<id>)")
        project = projects.pop()
    if not project.isdigit() or project.startswith("0") or len(project) > 19:
        raise BadRequest("project must be a positive integer")
    return project


def _issue_project(issue_id: str) -> str:
    try:
        return project_of(issue_id)
    except ValueError as exc:
        raise NotFound(error_line(exc)) from None


async def _store(req: Incoming, project: str, method: str, *args: Any) -> str:
    return str(await getattr(settings.issue_store(req.env, project), method)(*args))


@routes.route("GET", "/apm/issues", access=Role.VIEWER)
async def list_issues(req: Incoming) -> Reply:
    project = _project(req)
    try:
        query, cursor = issue_query(req.query, project)
    except ValueError as exc:
        raise BadRequest(error_line(exc)) from None
    page = decode(IssuePage, await _store(req, project, "list_issues", encode(IssueSearch(query, cursor))))
    return Reply({"issues": [issue_view(i) for i in page.issues], "next_cursor": page.next_cursor})


@routes.route("GET", "/apm/issues/{id}", access=Role.VIEWER)
async def get_issue(req: Incoming) -> Reply:
    issue_id = req.params["id"]
    issue = decode(Issue | None, await _store(req, _issue_project(issue_id), "get_issue", issue_id))
    if issue is None:
        raise NotFound(f"no issue {issue_id[:60]!r}")
    return Reply(issue_view(issue))


@routes.route("GET", "/apm/issues/{id}/events", access=Role.VIEWER)
async def list_events(req: Incoming) -> Reply:
    issue_id = req.params["id"]
    search = EventSearch(issue_id, int_param(req.query, "limit", 50, 1, 100), req.query.get("cursor") or None)
    page = decode(EventPage, await _store(req, _issue_project(issue_id), "list_events", encode(search)))
    if not page.found:
        raise NotFound(f"no issue {issue_id[:60]!r}")
    return Reply({"events": [event_view(e) for e in page.events], "next_cursor": page.next_cursor})


@routes.route("PUT", "/apm/issues/{id}", access=Role.OPERATOR)
async def update_issue(req: Incoming) -> Reply:
    issue_id = req.params["id"]
    project = _issue_project(issue_id)
    update = parsed(parse_issue_update, await json_object(req, 8192))
    now = request_now_ms(req.env, req.header(TEST_CLOCK_HEADER))
    change = IssueChange(
        issue_id, update.status, update.in_release, update.in_next_release, update.ignored_until_ms, now
    )
    answer = decode(IssueChanged, await _store(req, project, "update_issue", encode(change)))
    if answer.error is not None:
        raise Unprocessable(answer.error)
    if answer.issue is None:
        raise NotFound(f"no issue {issue_id[:60]!r}")
    return Reply(issue_view(answer.issue))


@routes.route("GET", "/apm/ingest/stats", access=Role.VIEWER)
async def ingest_stats(req: Incoming) -> Reply:
    project = _project(req)
    stats = decode(StoreStats, await _store(req, project, "stats", project))
    body: dict[str, Any] = to_plain(stats)
    return Reply(body)

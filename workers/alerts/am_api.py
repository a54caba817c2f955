"""Alertmanager's API v2 under /alerts/api/v2/, for Prometheus and amtool unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

from alert_api import _now
from alert_body import json_body, read
from alert_setup import center, setup_of
from edgewatch import __version__
from edgewatch.access import Role
from edgewatch.alerts.amapi import (
    VersionInfo,
    parse_postable_alerts,
    parse_postable_silence,
    silence_created,
    status,
)
from edgewatch.alerts.amquery import (
    filter_alerts,
    filter_groups,
    filter_silences,
    parse_alert_query,
    parse_silence_query,
)
from edgewatch.alerts.messages import ChangeOutcome, IncomingAlerts, SilenceAnswer, SilenceRequest
from edgewatch.codec import decode, encode
from edgewatch.errors import NotFound, Unprocessable
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.auth import ingest_scope_for
from edgewatch_cf.clock import now_ms
from edgewatch_cf.settings import stack_config

V2 = "/alerts/api/v2"
MAX_ALERTS_BODY = 5_000_000
STARTED_MS = now_ms()
routes = Routes()
T = TypeVar("T")


@routes.route("POST", f"{V2}/alerts", access=Open("an ingest token"))
async def post_alerts(req: Incoming) -> Reply:
    ingest_scope_for(req.env, req.header("authorization"))
    now = _now(req)
    posted = read(
        parse_postable_alerts, await json_body(req, MAX_ALERTS_BODY), now, setup_of(req.env).resolve_timeout_ms
    )
    if posted.alerts:
        await center(req.env).receive(encode(IncomingAlerts(posted.alerts, now)))
    if posted.problems:
        problems = [p.to_json() for p in posted.problems[:20]]
        first = posted.problems[0]
        raise Unprocessable(str(first), details={"field": first.field, "index": first.index, "problems": problems})
    return Reply(None, 200)


async def _v2(req: Incoming, name: str) -> Reply:
    return Reply(json.loads(str(await center(req.env).view(name, _now(req)))))


def _query(req: Incoming, parser: Callable[[list[tuple[str, str]]], T]) -> T:
    """The reader's query, parsed from every pair (``filter`` repeats), after the token check."""
    return read(parser, parse_qsl(urlsplit(str(req.request.url)).query, keep_blank_values=True))


@routes.route("GET", f"{V2}/alerts", access=Role.VIEWER)
async def get_alerts(req: Incoming) -> Reply:
    query = _query(req, parse_alert_query)
    return Reply(filter_alerts((await _v2(req, "v2_alerts")).body, query))


@routes.route("GET", f"{V2}/alerts/groups", access=Role.VIEWER)
async def get_groups(req: Incoming) -> Reply:
    query = _query(req, parse_alert_query)
    return Reply(filter_groups((await _v2(req, "v2_groups")).body, query))


@routes.route("GET", f"{V2}/silences", access=Role.VIEWER)
async def get_silences(req: Incoming) -> Reply:
    matchers = _query(req, parse_silence_query)
    return Reply(filter_silences((await _v2(req, "v2_silences")).body, matchers))


@routes.route("GET", f"{V2}/silence/{{id}}", access=Role.VIEWER)
async def get_silence(req: Incoming) -> Reply:
    reply = await _v2(req, "v2_silences")
    found = [s for s in reply.body if s["id"] == req.params["id"]]
    if not found:
        raise NotFound(f"silence {req.params['id'][:100]} not found", details={"field": "id"})
    return Reply(found[0])


def _answer(answer: SilenceAnswer) -> None:
    if answer.outcome is ChangeOutcome.NOT_FOUND:
        raise NotFound(answer.error, details={"field": "id"})
    if answer.outcome is ChangeOutcome.INVALID:
        raise Unprocessable(answer.error, details={"field": "silence"})


@routes.route("POST", f"{V2}/silences", access=Role.OPERATOR)
async def post_silence(req: Incoming) -> Reply:
    silence = read(parse_postable_silence, await json_body(req, 64_000))
    answer = decode(SilenceAnswer, str(await center(req.env).put_silence(encode(SilenceRequest(silence, _now(req))))))
    _answer(answer)
    return Reply(silence_created(answer.silence_id))


@routes.route("DELETE", f"{V2}/silence/{{id}}", access=Role.OPERATOR)
async def delete_silence(req: Incoming) -> Reply:
    _answer(decode(SilenceAnswer, str(await center(req.env).expire_silence(req.params["id"], _now(req)))))
    return Reply(None, 200)


@routes.route("GET", f"{V2}/status", access=Role.VIEWER)
async def get_status(req: Incoming) -> Reply:
    alerting = stack_config(req.env).monitoring.alerting
    original = json.dumps(alerting.model_dump(by_alias=True, exclude_none=True), indent=2)
    return Reply(status(original, STARTED_MS, VersionInfo(__version__)))

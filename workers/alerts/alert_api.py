"""The alerts API: direct triggers, the reads of alerts, groups, rules, silences and the
notification history, acknowledgements and receiver tests."""

from __future__ import annotations

import json

from alert_body import json_body, read
from alert_setup import center, outbox, setup_of
from edgewatch.access import Role
from edgewatch.alerts.delivery import test_notification
from edgewatch.alerts.messages import AckAnswer, AckRequest, ChangeOutcome, Enqueue, IncomingAlerts, Received
from edgewatch.alerts.trigger import parse_trigger
from edgewatch.codec import decode, encode
from edgewatch.errors import NotFound, Unprocessable
from edgewatch.wire.params import int_param
from edgewatch.wire.timestamps import parse_time
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.auth import ingest_scope_for
from edgewatch_cf.clock import TEST_CLOCK_HEADER, request_now_ms

routes = Routes()


def _now(req: Incoming) -> int:
    return request_now_ms(req.env, req.header(TEST_CLOCK_HEADER))


@routes.route("POST", "/alerts/trigger", access=Open("an ingest token"))
async def trigger(req: Incoming) -> Reply:
    ingest_scope_for(req.env, req.header("authorization"))
    now = _now(req)
    alert = read(parse_trigger, await json_body(req, 64_000), now)
    answer = decode(Received, str(await center(req.env).receive(encode(IncomingAlerts((alert,), now)))))
    return Reply({"fingerprint": answer.fingerprints[0], "status": "resolved" if alert.ends_at_ms else "firing"}, 202)


async def _view(req: Incoming, name: str) -> Reply:
    return Reply(json.loads(str(await center(req.env).view(name, _now(req)))))


@routes.route("GET", "/alerts", access=Role.VIEWER)
async def list_alerts(req: Incoming) -> Reply:
    return await _view(req, "alerts")


@routes.route("GET", "/alerts/groups", access=Role.VIEWER)
async def list_groups(req: Incoming) -> Reply:
    return await _view(req, "groups")


@routes.route("GET", "/alerts/rules", access=Role.VIEWER)
async def list_rules(req: Incoming) -> Reply:
    return await _view(req, "rules")


@routes.route("GET", "/alerts/silences", access=Role.VIEWER)
async def list_silences(req: Incoming) -> Reply:
    reply = await _view(req, "v2_silences")
    return Reply({"silences": reply.body})


@routes.route("GET", "/alerts/notifications", access=Role.VIEWER)
async def notifications(req: Incoming) -> Reply:
    limit = int_param(req.query, "limit", 200, 1, 1000)
    box = outbox(req.env)
    attempts = json.loads(str(await box.attempts(limit)))
    dead = json.loads(str(await box.items("dead", 100)))
    pending = json.loads(str(await box.items("pending", 100)))
    decisions = json.loads(str(await center(req.env).view("decisions", _now(req))))
    return Reply({"attempts": attempts, "pending": pending, "dead_letter": dead, "decisions": decisions[:limit]})


@routes.route("POST", "/alerts/groups/{key}/ack", access=Role.OPERATOR)
async def acknowledge(req: Incoming) -> Reply:
    now = _now(req)
    body = await json_body(req, 16_000) if req.header("content-length") not in (None, "0") else {}
    if not isinstance(body, dict):
        raise Unprocessable("the body must be a JSON object", details={"field": "body"})
    by, comment, expires = body.get("by", "operator"), body.get("comment", ""), body.get("expiresAt")
    for field, value in (("by", by), ("comment", comment)):
        if not isinstance(value, str):
            raise Unprocessable(f"{field} must be a string", details={"field": field})
    expires_ms = None if expires is None else parse_time(str(expires), "expiresAt")
    request = AckRequest(req.params["key"], by, now, expires_ms, comment)
    answer = decode(AckAnswer, str(await center(req.env).acknowledge(encode(request))))
    if answer.outcome is ChangeOutcome.NOT_FOUND:
        raise NotFound(answer.error, details={"field": "key"})
    if answer.outcome is ChangeOutcome.INVALID:
        raise Unprocessable(answer.error, details={"field": "by"})
    assert answer.ack is not None
    return Reply({"acknowledged": answer.ack.to_json(), "notified": answer.notified})


@routes.route("POST", "/alerts/receivers/{name}/test", access=Role.OPERATOR)
async def test_receiver(req: Incoming) -> Reply:
    setup = setup_of(req.env)
    receiver = setup.receiver(req.params["name"])
    if receiver is None:
        raise NotFound(f"no receiver {req.params['name'][:100]!r}; known: {', '.join(sorted(setup.receivers))}")
    notification = test_notification(receiver, _now(req), setup.external_url)
    await outbox(req.env).enqueue(encode(Enqueue((notification,), _now(req))))
    return Reply({"receiver": receiver.name, "queued": True, "group_key": notification.group_key}, 202)

"""Uptime endpoints of pitchey-monitoring: the monitor write API, heartbeats, maintenance, history,
the public status page, the ``uptime`` health section and the */1 job that probes every due check.

Every handler reads the request, asks edgewatch.uptime what it means, and calls the CheckRunner
Durable Object (payloads through edgewatch.codec)."""

from __future__ import annotations

import time
from typing import Any

from edgewatch.access import Role
from edgewatch.codec import decode, encode, to_plain
from edgewatch.errors import NotFound
from edgewatch.uptime import (
    ChangeView,
    DueChecks,
    HeartbeatSpec,
    IncidentView,
    MonitorDetail,
    MonitorKind,
    MonitorPut,
    MonitorView,
    PingOutcome,
    RunResults,
    StateChange,
    WriteOutcome,
    check_spec_from_json,
    config_monitors,
    health_summary,
    heartbeat_from_json,
    incidents_range,
    latency_series,
    maintenance_from_json,
    outcome_status,
    series_range,
    with_path_id,
)
from edgewatch.wire.params import flag_param, int_param
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.bindings import named_stub
from edgewatch_cf.clock import TEST_CLOCK_HEADER, now_ms, request_now_ms
from edgewatch_cf.json_body import json_object, parsed
from edgewatch_cf.settings import stack_config
from prober import probe_all

MAX_SPEC_BODY = 16_384
routes = Routes()


def _now(req: Incoming) -> int:
    return request_now_ms(req.env, req.header(TEST_CLOCK_HEADER))


_config_cache: dict[str, Any] = {}


def config_definitions(env: Any) -> tuple[list[str], str]:
    """(config checks that wait for a base URL, the config's monitors encoded for
    CheckRunner.sync_config), worked out once per configuration and base URL."""
    checks = stack_config(env).monitoring.health_checks
    raw_base = getattr(env, "MONITORED_BASE_URL", None)
    base = None if raw_base is None else str(raw_base)
    if _config_cache.get("checks") is not checks or _config_cache.get("base") != base:
        monitors, waiting = config_monitors(checks, base)
        _config_cache.update(checks=checks, base=base, waiting=waiting, payload=encode(monitors))
    return _config_cache["waiting"], _config_cache["payload"]


async def synced(env: Any, at_ms: int) -> Any:
    """The runner, with the config's monitors synced in (a no-op when the config is unchanged)."""
    stub = named_stub(env.CHECK_RUNNER, "uptime")
    await stub.sync_config(config_definitions(env)[1], at_ms)
    return stub


def _answer(outcome_text: str, what: str, ident: str, body: Any = None) -> Reply:
    status = outcome_status(decode(WriteOutcome, outcome_text), what, ident)
    return Reply(None if status == 204 else body, status)


# -- the monitor write API ---------------------------------------------------------------------
_WHAT = {MonitorKind.HTTP: "check", MonitorKind.HEARTBEAT: "heartbeat"}


def _parse_monitor(req: Incoming, kind: MonitorKind, data: dict[str, Any]) -> Any:
    if kind is MonitorKind.HEARTBEAT:
        return parsed(heartbeat_from_json, data)
    defaults = stack_config(req.env).monitoring.health_checks
    return parsed(lambda d: check_spec_from_json(d, defaults), data)


def _shown(spec: Any) -> dict[str, Any]:
    if isinstance(spec, HeartbeatSpec):
        return {**spec.to_json(), "ping_url": f"/monitoring/heartbeat/{spec.id}"}
    shown: dict[str, Any] = spec.to_json(redact=True)
    return shown


async def _put_monitor(req: Incoming, kind: MonitorKind, data: dict[str, Any], replace: bool) -> Reply:
    spec = _parse_monitor(req, kind, data)
    stub = await synced(req.env, _now(req))
    put = MonitorPut(kind, spec.id, spec.to_json(), replace, _now(req))
    return _answer(str(await stub.put_monitor(encode(put))), _WHAT[kind], spec.id, _shown(spec))


async def _delete_monitor(req: Incoming, kind: MonitorKind) -> Reply:
    stub = await synced(req.env, _now(req))
    outcome = str(await stub.delete_monitor(req.params["id"], kind.value))
    return _answer(outcome, _WHAT[kind], req.params["id"])


@routes.route("POST", "/monitoring/checks", access=Role.ADMIN)
async def create_check(req: Incoming) -> Reply:
    return await _put_monitor(req, MonitorKind.HTTP, await json_object(req, MAX_SPEC_BODY), replace=False)


@routes.route("PUT", "/monitoring/checks/{id}", access=Role.ADMIN)
async def replace_check(req: Incoming) -> Reply:
    data = with_path_id(await json_object(req, MAX_SPEC_BODY), req.params["id"])
    return await _put_monitor(req, MonitorKind.HTTP, data, replace=True)


@routes.route("DELETE", "/monitoring/checks/{id}", access=Role.ADMIN)
async def delete_check(req: Incoming) -> Reply:
    return await _delete_monitor(req, MonitorKind.HTTP)


@routes.route("POST", "/monitoring/heartbeats", access=Role.ADMIN)
async def create_heartbeat(req: Incoming) -> Reply:
    return await _put_monitor(req, MonitorKind.HEARTBEAT, await json_object(req, MAX_SPEC_BODY), replace=False)


@routes.route("PUT", "/monitoring/heartbeats/{id}", access=Role.ADMIN)
async def replace_heartbeat(req: Incoming) -> Reply:
    data = with_path_id(await json_object(req, MAX_SPEC_BODY), req.params["id"])
    return await _put_monitor(req, MonitorKind.HEARTBEAT, data, replace=True)


@routes.route("DELETE", "/monitoring/heartbeats/{id}", access=Role.ADMIN)
async def delete_heartbeat(req: Incoming) -> Reply:
    return await _delete_monitor(req, MonitorKind.HEARTBEAT)


@routes.route("POST", "/monitoring/heartbeat/{id}", access=Open("a heartbeat id"))
@routes.route("GET", "/monitoring/heartbeat/{id}", access=Open("a heartbeat id"))
async def ping(req: Incoming) -> Reply:
    now = _now(req)
    stub = await synced(req.env, now)
    if decode(PingOutcome, str(await stub.ping(req.params["id"], now))) is PingOutcome.MISSING:
        raise NotFound(f"no heartbeat monitor {req.params['id']!r}")
    return Reply({"ok": True, "received_ms": now})


# -- maintenance ------------------------------------------------------------------------------
@routes.route("GET", "/monitoring/maintenance", access=Role.VIEWER)
async def list_maintenance(req: Incoming) -> Reply:
    stub = await synced(req.env, _now(req))
    return Reply({"maintenance": decode(list[dict[str, Any]], str(await stub.list_maintenance()))})


@routes.route("POST", "/monitoring/maintenance", access=Role.OPERATOR)
async def create_maintenance(req: Incoming) -> Reply:
    window = parsed(maintenance_from_json, await json_object(req, MAX_SPEC_BODY))
    stub = await synced(req.env, _now(req))
    outcome = str(await stub.put_maintenance(encode(window)))
    return _answer(outcome, "maintenance window", window.id, window.to_json())


@routes.route("DELETE", "/monitoring/maintenance/{id}", access=Role.OPERATOR)
async def delete_maintenance(req: Incoming) -> Reply:
    stub = await synced(req.env, _now(req))
    return _answer(str(await stub.delete_maintenance(req.params["id"])), "maintenance window", req.params["id"])


# -- reads ------------------------------------------------------------------------------------
@routes.route("GET", "/monitoring/checks", access=Role.VIEWER)
async def list_checks(req: Incoming) -> Reply:
    now = _now(req)
    waiting, _ = config_definitions(req.env)
    stub = await synced(req.env, now)
    monitors = decode(list[MonitorView], str(await stub.list_monitors(now)))
    return Reply({"monitors": to_plain(monitors), "waiting_for_base_url": waiting})


@routes.route("GET", "/monitoring/checks/{id}", access=Role.VIEWER)
async def get_check(req: Incoming) -> Reply:
    now = _now(req)
    stub = await synced(req.env, now)
    recent = int_param(req.query, "recent", 50, 1, 1000)
    # the codec decodes X | None; mypy types decode(kind) as a class only
    found = decode(MonitorDetail | None, str(await stub.detail(req.params["id"], now, recent)))
    if found is None:
        raise NotFound(f"no monitor {req.params['id']!r}")
    return Reply(to_plain(found))


@routes.route("GET", "/monitoring/checks/{id}/series", access=Role.VIEWER)
async def check_series(req: Incoming) -> Reply:
    now = _now(req)
    span = series_range(req.query, now)
    stub = await synced(req.env, now)
    text = str(await stub.latencies(req.params["id"], span.start_ms, span.end_ms, span.hourly))
    samples = decode(list[tuple[int, float]], text)
    series = latency_series(samples, span.start_ms, span.end_ms, span.step_ms)
    return Reply(
        {
            "id": req.params["id"],
            "from": span.start_ms,
            "to": span.end_ms,
            "step": span.step_ms,
            "resolution": span.resolution,
            "points": series,
        }
    )


@routes.route("GET", "/monitoring/incidents", access=Role.VIEWER)
async def list_incidents(req: Incoming) -> Reply:
    now = _now(req)
    start, end = incidents_range(req.query, now)
    open_only = flag_param(req.query, "open")
    limit = int_param(req.query, "limit", 100, 1, 1000)
    stub = await synced(req.env, now)
    found = await stub.incidents(req.query.get("check") or None, open_only, start, end, limit)
    return Reply({"incidents": to_plain(decode(list[IncidentView], str(found)))})


@routes.route("GET", "/monitoring/changes", access=Role.VIEWER)
async def list_changes(req: Incoming) -> Reply:
    """State changes in order, for alerting: poll with after=<last seq seen>."""
    after = int_param(req.query, "after", 0, 0, 2**31 - 1)
    limit = int_param(req.query, "limit", 100, 1, 1000)
    stub = await synced(req.env, _now(req))
    changes = decode(list[ChangeView], str(await stub.changes(after, limit)))
    return Reply({"changes": to_plain(changes), "next_after": changes[-1].seq if changes else after})


@routes.route("GET", "/monitoring/status", access=Open("the public status page"))
async def public_status(req: Incoming) -> Reply:
    """The public status page: no token, no URLs, no probe details; any origin may read it (the
    status page on Pages, or one of the user's own), without credentials."""
    now = _now(req)
    stub = await synced(req.env, now)
    page = decode(dict[str, Any], str(await stub.status(now)))
    return Reply(page, 200, {"cache-control": "public, max-age=30", "access-control-allow-origin": "*"})


# -- health and the */1 run -------------------------------------------------------------------
@routes.health_section("uptime")
async def summary(env: Any) -> dict[str, Any]:
    now = now_ms()
    stub = await synced(env, now)
    monitors = decode(list[MonitorView], str(await stub.list_monitors(now)))
    return health_summary(monitors, config_definitions(env)[0])


@routes.job("run_checks")
async def run_checks(env: Any, scheduled_ms: int) -> dict[str, Any]:
    started = time.time()
    stub = await synced(env, scheduled_ms)
    config = stack_config(env).monitoring.health_checks
    due = decode(DueChecks, str(await stub.due(scheduled_ms, config.max_per_run)))
    probes = await probe_all(due.checks, config.concurrency)
    changes = decode(list[StateChange], str(await stub.record(encode(RunResults(scheduled_ms, probes)))))
    return {
        "probed": len(probes),
        "deferred": due.deferred,
        "failed": sum(1 for p in probes if not p.ok),
        "changes": to_plain(changes),
        "took_ms": round((time.time() - started) * 1000, 1),
    }

"""Uptime endpoints of pitchey-monitoring: the monitor write API, heartbeats, maintenance, history,
the public status page, and the */1 job that probes every due check."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from edgewatch.checks import check_spec_from_json
from edgewatch.errors import BadRequest, Conflict, NotFound, Unprocessable, error_line
from edgewatch.monitors import config_checks, heartbeat_from_json, maintenance_from_json
from edgewatch.uptime import DAY_MS, HOUR_MS, latency_series
from edgewatch.wire.body import check_content_type
from edgewatch.wire.params import flag_param, int_param
from edgewatch.wire.timestamps import parse_time
from edgewatch_cf.app import Incoming, Reply, WorkerApp
from edgewatch_cf.auth import require_admin, require_reader
from edgewatch_cf.bindings import named_stub
from edgewatch_cf.clock import TEST_CLOCK_HEADER, request_now_ms
from edgewatch_cf.settings import stack_config
from prober import probe_all

MAX_SPEC_BODY = 16_384
Builder = Callable[[Incoming, dict[str, Any]], Any]
MAX_SERIES_POINTS = 2_000


def runner(env: Any) -> Any:
    return named_stub(env.CHECK_RUNNER, "uptime")


def _now(req: Incoming) -> int:
    return request_now_ms(req.env, req.header(TEST_CLOCK_HEADER))


_config_cache: dict[str, Any] = {}


def config_monitors(env: Any) -> tuple[list[str], str]:
    """(config checks that wait for a base URL, the config's monitors as the JSON that
    CheckRunner.sync_config takes), worked out once per configuration and base URL."""
    checks = stack_config(env).monitoring.health_checks
    raw_base = getattr(env, "MONITORED_BASE_URL", None)
    base = None if raw_base is None else str(raw_base)
    if _config_cache.get("checks") is not checks or _config_cache.get("base") != base:
        specs, waiting = config_checks(checks, base)
        payload = {
            "checks": [s.to_json() for s in specs],
            "heartbeats": [heartbeat_from_json(h).to_json() for h in checks.heartbeats],
            "maintenance": list(checks.maintenance),
        }
        _config_cache.update(checks=checks, base=base, waiting=waiting, payload=json.dumps(payload, sort_keys=True))
    return _config_cache["waiting"], _config_cache["payload"]


async def synced(env: Any, now_ms: int) -> Any:
    """The runner, with the config's monitors synced in (a no-op when the config is unchanged)."""
    stub = runner(env)
    await stub.sync_config(config_monitors(env)[1], now_ms)
    return stub


async def _json_object(req: Incoming) -> dict[str, Any]:
    check_content_type(req.header("content-type"), ("application/json",))
    raw = await req.body(MAX_SPEC_BODY)
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Unprocessable(f"body must be a JSON object, got {type(data).__name__}")
    return data


def _validated(build: Any, data: dict[str, Any]) -> Any:
    try:
        return build(data)
    except ValueError as exc:
        raise Unprocessable(error_line(exc)) from None


_OUTCOME_STATUS = {"created": 201, "replaced": 200, "deleted": 204}


def _answer(outcome: str, what: str, ident: str, body: Any = None) -> Reply:
    if outcome == "config_owned":
        raise Conflict(f"{what} {ident!r} is defined in the config file; change it there")
    if outcome == "conflict":
        raise Conflict(f"{what} {ident!r} already exists; use PUT to replace it")
    if outcome == "missing":
        raise NotFound(f"no {what} {ident!r}")
    status = _OUTCOME_STATUS[outcome]
    return Reply(None if status == 204 else body, status)


def _with_path_id(data: dict[str, Any], ident: str) -> dict[str, Any]:
    if "id" in data and data["id"] != ident:
        raise Unprocessable(f"id: {data['id']!r} in the body differs from {ident!r} in the path")
    return {**data, "id": ident}


def register(app: WorkerApp) -> None:  # noqa: PLR0915  (one place lists every uptime route)
    def monitor_routes(kind: str, collection: str, what: str, build: Builder, shown: Callable[[Any], Any]) -> None:
        """POST /monitoring/<collection>, PUT and DELETE /monitoring/<collection>/<id>."""

        async def put(req: Incoming, data: dict[str, Any], replace: bool) -> Reply:
            spec = _validated(lambda d: build(req, d), data)
            stub = await synced(req.env, _now(req))
            outcome = str(await stub.put_monitor(kind, json.dumps(spec.to_json()), replace, _now(req)))
            return _answer(outcome, what, spec.id, shown(spec))

        async def create(req: Incoming) -> Reply:
            require_admin(req.env, req.header("authorization"))
            return await put(req, await _json_object(req), replace=False)

        async def replace(req: Incoming) -> Reply:
            require_admin(req.env, req.header("authorization"))
            return await put(req, _with_path_id(await _json_object(req), req.params["id"]), replace=True)

        async def delete(req: Incoming) -> Reply:
            require_admin(req.env, req.header("authorization"))
            stub = await synced(req.env, _now(req))
            return _answer(str(await stub.delete_monitor(req.params["id"], kind)), what, req.params["id"])

        app.route("POST", f"/monitoring/{collection}")(create)
        app.route("PUT", f"/monitoring/{collection}/{{id}}")(replace)
        app.route("DELETE", f"/monitoring/{collection}/{{id}}")(delete)

    monitor_routes(
        "http",
        "checks",
        "check",
        lambda req, d: check_spec_from_json(d, stack_config(req.env).monitoring.health_checks),
        lambda spec: spec.to_json(redact=True),
    )
    monitor_routes(
        "heartbeat",
        "heartbeats",
        "heartbeat",
        lambda req, d: heartbeat_from_json(d),
        lambda spec: {**spec.to_json(), "ping_url": f"/monitoring/heartbeat/{spec.id}"},
    )

    @app.route("GET", "/monitoring/checks")
    async def list_checks(req: Incoming) -> Reply:
        require_reader(req.env, req.header("authorization"))
        now = _now(req)
        waiting, _ = config_monitors(req.env)
        stub = await synced(req.env, now)
        return Reply({"monitors": json.loads(str(await stub.list_monitors(now))), "waiting_for_base_url": waiting})

    @app.route("GET", "/monitoring/checks/{id}")
    async def get_check(req: Incoming) -> Reply:
        require_reader(req.env, req.header("authorization"))
        now = _now(req)
        stub = await synced(req.env, now)
        found = json.loads(str(await stub.detail(req.params["id"], now, int_param(req.query, "recent", 50, 1, 1000))))
        if found is None:
            raise NotFound(f"no monitor {req.params['id']!r}")
        return Reply(found)

    @app.route("GET", "/monitoring/checks/{id}/series")
    async def check_series(req: Incoming) -> Reply:
        require_reader(req.env, req.header("authorization"))
        now = _now(req)
        end = parse_time(req.query["to"], "to") if req.query.get("to") else now
        start = parse_time(req.query["from"], "from") if req.query.get("from") else end - DAY_MS
        if end <= start:
            raise Unprocessable("'to' must be after 'from'")
        hourly = start < now - 2 * DAY_MS
        step = int_param(req.query, "step", HOUR_MS if hourly else 300_000, 60_000, 90 * DAY_MS)
        if hourly and step % HOUR_MS:
            raise Unprocessable("step: ranges older than 48 h are kept per hour; use a multiple of 3600000 ms")
        if (end - start) // step > MAX_SERIES_POINTS:
            raise Unprocessable(f"from/to/step ask for more than {MAX_SERIES_POINTS} points; use a larger step")
        stub = await synced(req.env, now)
        rows = json.loads(str(await stub.latencies(req.params["id"], start, end, hourly)))
        series = latency_series(((int(t), float(v)) for t, v in rows), start, end, step)
        return Reply(
            {
                "id": req.params["id"],
                "from": start,
                "to": end,
                "step": step,
                "resolution": "hour" if hourly else "probe",
                "points": series,
            }
        )

    async def ping(req: Incoming) -> Reply:
        now = _now(req)
        stub = await synced(req.env, now)
        if str(await stub.ping(req.params["id"], now)) == "missing":
            raise NotFound(f"no heartbeat monitor {req.params['id']!r}")
        return Reply({"ok": True, "received_ms": now})

    app.route("POST", "/monitoring/heartbeat/{id}")(ping)
    app.route("GET", "/monitoring/heartbeat/{id}")(ping)

    @app.route("GET", "/monitoring/maintenance")
    async def list_maintenance(req: Incoming) -> Reply:
        require_reader(req.env, req.header("authorization"))
        stub = await synced(req.env, _now(req))
        return Reply({"maintenance": json.loads(str(await stub.list_maintenance()))})

    @app.route("POST", "/monitoring/maintenance")
    async def create_maintenance(req: Incoming) -> Reply:
        require_admin(req.env, req.header("authorization"))
        window = _validated(maintenance_from_json, await _json_object(req))
        stub = await synced(req.env, _now(req))
        outcome = str(await stub.put_maintenance(json.dumps(window.to_json())))
        return _answer(outcome, "maintenance window", window.id, window.to_json())

    @app.route("DELETE", "/monitoring/maintenance/{id}")
    async def delete_maintenance(req: Incoming) -> Reply:
        require_admin(req.env, req.header("authorization"))
        stub = await synced(req.env, _now(req))
        return _answer(str(await stub.delete_maintenance(req.params["id"])), "maintenance window", req.params["id"])

    @app.route("GET", "/monitoring/incidents")
    async def list_incidents(req: Incoming) -> Reply:
        require_reader(req.env, req.header("authorization"))
        now = _now(req)
        end = parse_time(req.query["to"], "to") if req.query.get("to") else now + 1
        start = parse_time(req.query["from"], "from") if req.query.get("from") else end - 91 * DAY_MS
        open_only = flag_param(req.query, "open")
        stub = await synced(req.env, now)
        found = await stub.incidents(
            req.query.get("check") or None, open_only, start, end, int_param(req.query, "limit", 100, 1, 1000)
        )
        return Reply({"incidents": json.loads(str(found))})

    @app.route("GET", "/monitoring/changes")
    async def list_changes(req: Incoming) -> Reply:
        """State changes in order, for alerting: poll with after=<last seq seen>."""
        require_reader(req.env, req.header("authorization"))
        after = int_param(req.query, "after", 0, 0, 2**31 - 1)
        limit = int_param(req.query, "limit", 100, 1, 1000)
        stub = await synced(req.env, _now(req))
        rows = json.loads(str(await stub.changes(after, limit)))
        return Reply({"changes": rows, "next_after": rows[-1]["seq"] if rows else after})

    @app.route("GET", "/monitoring/status")
    async def public_status(req: Incoming) -> Reply:
        """The public status page: no token, no URLs, no probe details."""
        now = _now(req)
        stub = await synced(req.env, now)
        return Reply(json.loads(str(await stub.status(now))), 200, {"cache-control": "public, max-age=30"})

    async def summary(env: Any) -> dict[str, Any]:
        now = int(time.time() * 1000)
        stub = await synced(env, now)
        monitors = json.loads(str(await stub.list_monitors(now)))
        counts: dict[str, int] = {}
        for m in monitors:
            counts[m["state"]] = counts.get(m["state"], 0) + 1
        return {
            "counts": counts,
            "monitors": [
                {
                    "id": m["id"],
                    "kind": m["kind"],
                    "state": m["state"],
                    "since_ms": m["since_ms"],
                    "uptime_24h": m["uptime"]["24h"]["ratio"],
                    "last_latency_ms": (m["last_result"] or {}).get("latency_ms"),
                }
                for m in monitors
            ],
            "waiting_for_base_url": config_monitors(env)[0],
        }

    app.health_sections["uptime"] = summary

    @app.job("run_checks")
    async def run_checks(env: Any, scheduled_ms: int) -> dict[str, Any]:
        started = time.time()
        stub = await synced(env, scheduled_ms)
        config = stack_config(env).monitoring.health_checks
        due = json.loads(str(await stub.due(scheduled_ms, config.max_per_run)))
        specs = [check_spec_from_json(s) for s in due["checks"]]
        rows = await probe_all(specs, config.concurrency)
        changes = json.loads(str(await stub.record(scheduled_ms, json.dumps(rows))))
        return {
            "probed": len(rows),
            "deferred": due["deferred"],
            "failed": sum(1 for r in rows if not r[1]),
            "changes": changes,
            "took_ms": round((time.time() - started) * 1000, 1),
        }

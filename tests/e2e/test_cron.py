"""Triggering each schedule runs its registered jobs, observable in storage; reruns are idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from edgewatch.schedule import DAILY, EVERY_5_MINUTES, EVERY_15_MINUTES, EVERY_MINUTE, HOURLY, JOBS, SCHEDULES
from scripts.stack import Stack
from tests.e2e.conftest import READ_TOKEN

READ_H = {"authorization": f"Bearer {READ_TOKEN}"}


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def last_run(stack: Stack, cron: str) -> dict[str, Any]:
    status, body = stack.request("GET", "/monitoring/cron", headers=READ_H)
    assert status == 200
    entry = next(s for s in body["schedules"] if s["cron"] == cron)
    assert entry["jobs"] == [job.qualified for job in JOBS[cron]]
    run: dict[str, Any] = entry["last_run"]
    return run


def trigger_ok(stack: Stack, cron: str, at: int) -> dict[str, Any]:
    outcome = stack.trigger_cron(cron, at)
    assert outcome["outcome"] == "ok", outcome
    run = last_run(stack, cron)
    assert run is not None
    assert run["scheduled_ms"] == at
    assert run["ok"] is True, run
    assert [j["job"] for j in run["jobs"]] == [job.qualified for job in JOBS[cron]]
    assert all(j["status"] == "ok" for j in run["jobs"]), run
    return run


def test_monitoring_lists_exactly_the_five_schedules(stack: Stack) -> None:
    status, body = stack.request("GET", "/monitoring/cron", headers=READ_H)
    assert status == 200
    assert [s["cron"] for s in body["schedules"]] == list(SCHEDULES)


def test_every_schedule_runs_its_jobs_and_they_land_in_storage(stack: Stack) -> None:
    # A day in the past, so these windows cannot mix with samples taken by other tests.
    minute = ms("2026-03-04T10:14:00")
    run = trigger_ok(stack, EVERY_MINUTE, minute)
    assert run["jobs"][0]["result"]["key"] == "infra:samples:workers:2026030410:14"
    assert run["jobs"][0]["result"]["down"] == []

    run = trigger_ok(stack, EVERY_5_MINUTES, ms("2026-03-04T10:10:00"))
    assert run["jobs"][0]["result"]["key"] == "infra:samples:storage:2026030410:10"
    assert run["jobs"][0]["result"]["failed"] == []

    run = trigger_ok(stack, EVERY_15_MINUTES, ms("2026-03-04T10:15:00"))
    assert run["jobs"][0]["result"] == {"key": "infra:rollup:15m:2026-03-04T10:00:00Z", "sources": 10}
    status, body = stack.request("GET", "/infra/rollups?period=15m&limit=500", headers=READ_H)
    assert status == 200
    window = next(r for r in body["rollups"] if r["start"] == "2026-03-04T10:00:00Z")
    assert window["end"] == "2026-03-04T10:15:00Z"
    assert set(window["targets"]) == {
        "MONITORING",
        "LOGS",
        "APM",
        "INFRA",
        "ALERTS",
        "SECURITY",
        "KV",
        "R2_BUCKET",
        "RATE_LIMITER",
        "LOG_BUFFER",
    }
    assert all(t["count"] == 1 and t["failures"] == 0 and t["availability"] == 1.0 for t in window["targets"].values())

    run = trigger_ok(stack, HOURLY, ms("2026-03-04T11:00:00"))
    assert run["jobs"][0]["result"] == {"key": "infra:rollup:1h:2026-03-04T10:00:00Z", "sources": 10}

    run = trigger_ok(stack, DAILY, ms("2026-03-05T00:00:00"))
    assert run["jobs"][0]["result"] == {"key": "infra:rollup:1d:2026-03-04T00:00:00Z", "sources": 1}
    status, body = stack.request("GET", "/infra/rollups?period=1d&limit=500", headers=READ_H)
    assert status == 200
    day = next(r for r in body["rollups"] if r["start"] == "2026-03-04T00:00:00Z")
    assert day["targets"]["KV"]["count"] == 1
    assert day["targets"]["LOGS"]["availability"] == 1.0


def test_status_shows_the_newest_samples(stack: Stack) -> None:
    newest = ms("2030-01-01T00:03:00")
    trigger_ok(stack, EVERY_MINUTE, newest)
    trigger_ok(stack, EVERY_MINUTE, ms("2026-01-01T00:03:00"))  # an older, late delivery does not replace it
    status, body = stack.request("GET", "/infra/status", headers=READ_H)
    assert status == 200
    assert body["workers"]["at_ms"] == newest
    assert {s["target"] for s in body["workers"]["samples"]} == {
        "MONITORING",
        "LOGS",
        "APM",
        "INFRA",
        "ALERTS",
        "SECURITY",
    }
    assert all(s["ok"] for s in body["workers"]["samples"])


def test_a_repeated_delivery_is_idempotent(stack: Stack) -> None:
    minute = ms("2026-05-06T07:01:00")
    for _ in range(3):
        trigger_ok(stack, EVERY_MINUTE, minute)
    run = trigger_ok(stack, EVERY_15_MINUTES, ms("2026-05-06T07:15:00"))
    # Three deliveries of one minute are one sample set: six Workers, once each.
    assert run["jobs"][0]["result"]["sources"] == 6
    for _ in range(2):
        trigger_ok(stack, EVERY_15_MINUTES, ms("2026-05-06T07:15:00"))
    status, body = stack.request("GET", "/infra/rollups?period=15m&limit=500", headers=READ_H)
    assert status == 200
    windows = [r for r in body["rollups"] if r["start"] == "2026-05-06T07:00:00Z"]
    assert len(windows) == 1
    assert windows[0]["sources"] == 6


def test_a_late_delivery_covers_its_own_slot(stack: Stack) -> None:
    # Delivered 40 s late: still the 08:15 slot, window 08:00-08:15.
    run = trigger_ok(stack, EVERY_15_MINUTES, ms("2026-05-06T08:15:40"))
    assert run["jobs"][0]["result"]["key"] == "infra:rollup:15m:2026-05-06T08:00:00Z"


@pytest.mark.parametrize("cron", ["*/7 * * * *", "0 12 * * *"])
def test_an_unknown_schedule_fails_visibly(stack: Stack, cron: str) -> None:
    outcome = stack.trigger_cron(cron, ms("2026-05-06T09:00:00"))
    assert outcome["outcome"] != "ok"


def test_rollups_reject_bad_query(stack: Stack) -> None:
    status, body = stack.request("GET", "/infra/rollups?period=7m", headers=READ_H)
    assert status == 422
    assert body["error"]["code"] == "invalid_fields"
    status, body = stack.request("GET", "/infra/rollups?period=1h&limit=abc", headers=READ_H)
    assert status == 422

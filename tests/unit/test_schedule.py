from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from edgewatch import schedule
from edgewatch.schedule import (
    DAILY,
    EVERY_5_MINUTES,
    EVERY_15_MINUTES,
    EVERY_MINUTE,
    HOURLY,
    JOBS,
    SCHEDULES,
    DispatchReport,
    JobOutcome,
    JobRef,
    JobStatus,
    UnknownJob,
    UnknownSchedule,
    cron_slug,
    dispatch,
    normalize_cron,
    plan,
    validate_registry,
    window_end,
)
from edgewatch.services import BY_CONCERN


def _ms(text: str) -> int:
    """Epoch milliseconds of an ISO time, exactly (no float rounding)."""
    return (datetime.fromisoformat(text) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


T = _ms("2026-11-06T14:37:42.123+00:00")


def test_five_schedules() -> None:
    assert SCHEDULES == ("*/1 * * * *", "*/5 * * * *", "*/15 * * * *", "0 * * * *", "0 0 * * *")
    assert set(JOBS) == set(SCHEDULES)


@pytest.mark.parametrize(
    ("cron", "jobs"),
    [
        (
            EVERY_MINUTE,
            ["infra.probe_workers", "monitoring.run_checks", "alerts.evaluate_rules", "alerts.watch_sources"],
        ),
        (EVERY_5_MINUTES, ["infra.probe_storage", "apm.flush"]),
        (EVERY_15_MINUTES, ["infra.rollup_15m"]),
        (HOURLY, ["infra.rollup_1h", "logs.flush"]),
        (
            DAILY,
            [
                "infra.rollup_1d",
                "logs.retention",
                "monitoring.metrics_rollup",
                "monitoring.vitals_retention",
                "apm.trace_retention",
                "infra.audit_archive",
                "monitoring.weekly_report",
            ],
        ),
    ],
)
def test_plan(cron: str, jobs: list[str]) -> None:
    assert [job.qualified for job in plan(cron)] == jobs


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("*/1 * * * *", EVERY_MINUTE),
        ("* * * * *", EVERY_MINUTE),  # the other spelling of every minute
        ("  *  *   * * *  ", EVERY_MINUTE),  # runs of spaces collapse first
        ("*/5  * * * *", EVERY_5_MINUTES),
        ("\t*/15 * * * *\n", EVERY_15_MINUTES),  # any whitespace
        ("0 *  * * *", HOURLY),
        ("0 0 * * *", DAILY),
    ],
)
def test_normalize_cron(cron: str, expected: str) -> None:
    assert normalize_cron(cron) == expected


@pytest.mark.parametrize(
    "cron",
    [
        "",
        "*/2 * * * *",  # a valid cron, but not one of ours
        "*/5 * * *",  # four fields
        "0 0 * * * *",  # six fields
        "0 12 * * *",
        "*/1 * * * 1",
        "@hourly",  # macros are not mapped
    ],
)
def test_unknown_schedule(cron: str) -> None:
    with pytest.raises(UnknownSchedule, match="unknown schedule"):
        normalize_cron(cron)
    with pytest.raises(UnknownSchedule):
        plan(cron)
    with pytest.raises(UnknownSchedule):
        window_end(cron, T)
    with pytest.raises(UnknownSchedule):
        asyncio.run(dispatch(cron, T, _ok_runner, _FakeTimer()))


@pytest.mark.parametrize(
    ("cron", "scheduled_ms", "expected"),
    [
        (EVERY_MINUTE, T, _ms("2026-11-06T14:37:00+00:00")),
        (EVERY_MINUTE, _ms("2026-11-06T14:37:00+00:00"), _ms("2026-11-06T14:37:00+00:00")),  # aligned: unchanged
        (EVERY_5_MINUTES, T, _ms("2026-11-06T14:35:00+00:00")),
        (EVERY_15_MINUTES, T, _ms("2026-11-06T14:30:00+00:00")),
        (HOURLY, T, _ms("2026-11-06T14:00:00+00:00")),
        # a late delivery keeps its slot; one millisecond early is the previous slot
        (HOURLY, _ms("2026-11-06T15:00:00.250+00:00"), _ms("2026-11-06T15:00:00+00:00")),
        (HOURLY, _ms("2026-11-06T14:59:59.999+00:00"), _ms("2026-11-06T14:00:00+00:00")),
        (DAILY, T, _ms("2026-11-06T00:00:00+00:00")),  # UTC midnight
        ("* * * * *", T, _ms("2026-11-06T14:37:00+00:00")),
    ],
)
def test_window_end(cron: str, scheduled_ms: int, expected: int) -> None:
    assert window_end(cron, scheduled_ms) == expected


@pytest.mark.parametrize(
    ("cron", "slug"),
    [
        (EVERY_MINUTE, "every-1m"),
        ("* * * * *", "every-1m"),
        (EVERY_5_MINUTES, "every-5m"),
        (EVERY_15_MINUTES, "every-15m"),
        (HOURLY, "hourly"),
        (DAILY, "daily"),
    ],
)
def test_cron_slug(cron: str, slug: str) -> None:
    assert cron_slug(cron) == slug


def test_validate_registry_passes_on_shipped_registry() -> None:
    validate_registry()
    assert all(job.concern in BY_CONCERN for jobs in JOBS.values() for job in jobs)


@pytest.mark.parametrize(
    ("jobs", "message"),
    [
        ({"*/2 * * * *": ()}, "unknown schedule '*/2 * * * *'"),
        ({EVERY_MINUTE: (JobRef("billing", "charge", ""),)}, "job billing.charge names an unknown Worker"),
    ],
)
def test_validate_registry_rejects(monkeypatch: pytest.MonkeyPatch, jobs: Any, message: str) -> None:
    monkeypatch.setattr(schedule, "JOBS", jobs)
    with pytest.raises(ValueError, match=message.replace("*", r"\*")):
        validate_registry()


# -- dispatch --------------------------------------------------------------------------------


class _FakeTimer:
    """Milliseconds that move only when a job says how long it took."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _ok_runner(job: JobRef) -> object:
    return None


A = JobRef("infra", "a", "first")
B = JobRef("infra", "b", "fails")
C = JobRef("logs", "c", "third")
D = JobRef("apm", "d", "not deployed")


def test_dispatch_isolates_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schedule, "JOBS", {**JOBS, EVERY_5_MINUTES: (A, B, C, D)})
    timer = _FakeTimer()
    durations = {"infra.a": 5.0, "infra.b": 7.5, "logs.c": 11.0, "apm.d": 0.25}
    ran: list[str] = []

    async def runner(job: JobRef) -> object:
        await asyncio.sleep(0)  # yield, so the jobs interleave
        timer.now += durations[job.qualified]
        ran.append(job.qualified)
        if job is B:
            raise RuntimeError("KV put failed\nTraceback (most recent call last): ...")
        if job is D:
            raise UnknownJob("no service binding APM for apm.d")
        return {"written": job.name}

    report = asyncio.run(dispatch("*/5  * * * *", T, runner, timer))

    assert sorted(ran) == sorted(durations)  # every job ran although one raised
    assert report.cron == EVERY_5_MINUTES  # reported under its normalized form
    assert report.scheduled_ms == T
    assert report.ok is False
    by_job = {o.job: o for o in report.outcomes}
    assert [o.job for o in report.outcomes] == ["infra.a", "infra.b", "logs.c", "apm.d"]  # registry order
    assert by_job["infra.a"].status is JobStatus.OK
    assert by_job["infra.a"].result == {"written": "a"}
    assert by_job["infra.b"].status is JobStatus.FAILED
    assert by_job["infra.b"].detail == "RuntimeError: KV put failed"  # first line only
    assert by_job["infra.b"].result is None
    assert by_job["logs.c"].status is JobStatus.OK
    assert by_job["apm.d"].status is JobStatus.UNKNOWN_JOB
    assert by_job["apm.d"].detail == "no service binding APM for apm.d"


def test_dispatch_durations_come_from_the_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schedule, "JOBS", {**JOBS, HOURLY: (A, B, C)})
    timer = _FakeTimer()
    durations = {"infra.a": 12.5, "infra.b": 3.0, "logs.c": 40.0}

    async def runner(job: JobRef) -> object:
        # No suspension: each job runs start to end before the next one starts.
        timer.now += durations[job.qualified]
        if job is B:
            raise ValueError("boom")
        return None

    report = asyncio.run(dispatch(HOURLY, T, runner, timer))
    assert {o.job: o.duration_ms for o in report.outcomes} == durations


def test_dispatch_all_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schedule, "JOBS", {**JOBS, DAILY: (A, C)})
    report = asyncio.run(dispatch(DAILY, T, _ok_runner, _FakeTimer()))
    assert report.ok is True
    assert [(o.job, o.status, o.duration_ms) for o in report.outcomes] == [
        ("infra.a", JobStatus.OK, 0.0),
        ("logs.c", JobStatus.OK, 0.0),
    ]


def test_dispatch_shipped_registry_runs_the_planned_job() -> None:
    seen: list[JobRef] = []

    async def runner(job: JobRef) -> object:
        seen.append(job)
        return "done"

    report = asyncio.run(dispatch("* * * * *", T, runner, _FakeTimer()))
    assert seen == list(plan(EVERY_MINUTE))
    assert report.to_json() == {
        "cron": EVERY_MINUTE,
        "scheduled_ms": T,
        "ok": True,
        "jobs": [
            {"job": "infra.probe_workers", "status": "ok", "duration_ms": 0.0, "result": "done"},
            {"job": "monitoring.run_checks", "status": "ok", "duration_ms": 0.0, "result": "done"},
            {"job": "alerts.evaluate_rules", "status": "ok", "duration_ms": 0.0, "result": "done"},
            {"job": "alerts.watch_sources", "status": "ok", "duration_ms": 0.0, "result": "done"},
        ],
    }


def test_failure_detail_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schedule, "JOBS", {**JOBS, EVERY_MINUTE: (A,)})

    async def runner(job: JobRef) -> object:
        raise RuntimeError("x" * 1000)

    report = asyncio.run(dispatch(EVERY_MINUTE, T, runner, _FakeTimer()))
    assert report.outcomes[0].detail == ("RuntimeError: " + "x" * 1000)[:300]


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        # rounded to microseconds; empty detail and None result are left out
        (JobOutcome("infra.a", JobStatus.OK, 1.23456), {"job": "infra.a", "status": "ok", "duration_ms": 1.235}),
        (
            JobOutcome("infra.b", JobStatus.FAILED, 2.0, "ValueError: boom"),
            {"job": "infra.b", "status": "failed", "duration_ms": 2.0, "detail": "ValueError: boom"},
        ),
        (
            JobOutcome("infra.c", JobStatus.UNKNOWN_JOB, 0.0, "missing"),
            {"job": "infra.c", "status": "unknown_job", "duration_ms": 0.0, "detail": "missing"},
        ),
        (
            JobOutcome("infra.d", JobStatus.OK, 0.0, result={"n": 0}),
            {"job": "infra.d", "status": "ok", "duration_ms": 0.0, "result": {"n": 0}},
        ),
    ],
)
def test_outcome_to_json(outcome: JobOutcome, expected: dict[str, object]) -> None:
    assert outcome.to_json() == expected


def test_empty_report_is_ok() -> None:
    assert DispatchReport(HOURLY, T).ok is True

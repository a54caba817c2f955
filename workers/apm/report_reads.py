"""pitchey-apm's parts of a report (RPC, for pitchey-monitoring): the error issues of a period
across the projects, the endpoint summary of the period, and the trace retention's last run."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import apm_settings as settings
from edgewatch.apm import PeriodIssue, issues_digest
from edgewatch.apm.traces.summary import apm_summary
from edgewatch.codec import decode
from edgewatch_cf.bindings import KVPort
from edgewatch_cf.settings import stack_config
from trace_jobs import REPORT_KEY
from trace_reads import rollup_rows

DEFAULT_PROJECT = "1"  # a development stack without SENTRY_PROJECT_KEYS accepts any project


def report_projects(env: Any) -> list[str]:
    """The projects the keys name; without keys, project 1 (a stack that accepts any key)."""
    projects = sorted(set(settings.project_keys(env).values()), key=int)
    return projects or [DEFAULT_PROJECT]


async def report_issues(env: Any, start_ms: int, end_ms: int) -> str:
    projects = report_projects(env)
    answers = await asyncio.gather(*(settings.issue_store(env, p).period_issues(start_ms, end_ms) for p in projects))
    items = [item for a in answers for item in decode(list[PeriodIssue], str(a))]
    return json.dumps({"projects": projects, **issues_digest(items, start_ms, end_ms)})


async def report_endpoints(env: Any, start_ms: int, end_ms: int) -> str:
    apdex = stack_config(env).monitoring.apm.apdex_threshold_ms
    return json.dumps(apm_summary(await rollup_rows(env, start_ms, end_ms), start_ms, end_ms, apdex))


async def trace_retention_state(env: Any) -> str:
    """``{"retention": "7d", "last_run": <the last report> | null}``."""
    raw = await KVPort(env.KV).get(REPORT_KEY)
    retention = stack_config(env).monitoring.apm.retention
    return json.dumps({"retention": retention, "last_run": None if raw is None else json.loads(raw)})

"""The ``*/1`` job ``evaluate_rules``: every query of every rule fetched once (the log counts in
one call to pitchey-logs, each metric query in one call to pitchey-monitoring), then evaluated by
the AlertCenter, which advances the rule states (idempotent per cron minute) and groups the alerts."""

from __future__ import annotations

import asyncio
from typing import Any

from alert_setup import center, setup_of
from edgewatch.alerts.evaluate import SeriesQuery, SeriesSourceKind
from edgewatch.alerts.messages import EvaluateRules, FetchedSeries, MetricQuery, RulesEvaluated
from edgewatch.alerts.series import SeriesValue, count_values
from edgewatch.codec import decode, encode
from edgewatch.errors import error_line
from edgewatch.logs.messages import MinuteCount
from edgewatch.schedule import EVERY_MINUTE, window_end
from edgewatch_cf.app import Routes
from edgewatch_cf.clock import now_ms

routes = Routes()


async def _log_series(env: Any, queries: list[SeriesQuery], until: int) -> list[FetchedSeries]:
    if not queries:
        return []
    start = until - max(q.range_ms for q in queries)
    try:
        rows = decode(list[MinuteCount], str(await env.LOGS.minute_counts(start, until)))
    except Exception as exc:
        return [FetchedSeries(q, error=f"pitchey-logs: {error_line(exc)}") for q in queries]
    counts = [(r.service, r.minute, r.level, r.seen) for r in rows]
    out = []
    for query in queries:
        try:
            values = count_values(query, counts, until)
        except ValueError as exc:
            out.append(FetchedSeries(query, error=str(exc)))
            continue
        out.append(FetchedSeries(query, tuple(SeriesValue(dict(k), v) for k, v in values.items())))
    return out


async def _metric_series(env: Any, query: SeriesQuery, until: int) -> FetchedSeries:
    try:
        answer = await env.MONITORING.metric_aggregates(encode(MetricQuery(query, until)))
        return FetchedSeries(query, tuple(decode(list[SeriesValue], str(answer))))
    except Exception as exc:
        return FetchedSeries(query, error=f"pitchey-monitoring: {error_line(exc)}")


@routes.job("evaluate_rules")
async def evaluate_rules(env: Any, scheduled_ms: int) -> dict[str, Any]:
    setup = setup_of(env)
    eval_ms = window_end(EVERY_MINUTE, int(scheduled_ms))
    queries = list(dict.fromkeys(q for rule in setup.rules for q in rule.queries))
    logs = [q for q in queries if q.source is SeriesSourceKind.LOGS]
    metrics = [q for q in queries if q.source is SeriesSourceKind.METRICS]
    from_logs, from_metrics = await asyncio.gather(
        _log_series(env, logs, eval_ms), asyncio.gather(*(_metric_series(env, q, eval_ms) for q in metrics))
    )
    flat = (*from_logs, *from_metrics)
    request = EvaluateRules(eval_ms, now_ms(), flat)
    answer = decode(RulesEvaluated, str(await center(env).evaluate_rules(encode(request))))
    return {
        "eval_ms": eval_ms,
        "queries": len(queries),
        "alerts": answer.alerts,
        "rules": {o.rule: o.outcome.value for o in answer.outcomes},
    }

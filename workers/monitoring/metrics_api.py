"""Metrics endpoints of pitchey-monitoring: ingest (ours and OTLP), query, and the Prometheus scrape."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from typing import Any

from edgewatch.errors import ServiceUnavailable, Unprocessable
from edgewatch.metrics.model import Point, parse_series_key, series_key
from edgewatch.metrics.prometheus import Family, Sample
from edgewatch.metrics.windows import Window, bucket, check_agg
from edgewatch.wire.timestamps import parse_time
from edgewatch_cf.bindings import named_stub
from edgewatch_cf.settings import stack_config
from metrics_store import group_by_shard

SHARDS = 4
MAX_SERIES = 200
MAX_STEPS = 2000


def store_stub(env: Any, shard: int) -> Any:
    return named_stub(env.METRICS_STORE, f"metrics-shard-{shard}")


def window_ms(env: Any) -> int:
    return stack_config(env).monitoring.metrics.aggregation.window_ms


async def store_points(env: Any, points: list[Point], service_label: str | None) -> int:
    rows = []
    for p in points:
        labels = p.labels
        if service_label is not None:
            labels = tuple(sorted({**dict(labels), "service": service_label}.items()))
        rows.append([series_key(p.name, labels), p.name, p.kind, p.value, p.ts, p.weight])
    size = window_ms(env)
    try:
        stored = await asyncio.gather(
            *(
                store_stub(env, shard).append(size, json.dumps(part))
                for shard, part in group_by_shard(rows, SHARDS).items()
            )
        )
    except Exception as exc:
        raise ServiceUnavailable(
            f"the metrics store is unavailable ({type(exc).__name__}); nothing was stored, retry",
            headers={"Retry-After": "5"},
        ) from None
    return sum(int(n) for n in stored)


def _labels_filter(text: str | None) -> dict[str, str]:
    """labels=a=x,b=y (exact matches; every given label must match)."""
    out: dict[str, str] = {}
    if not text:
        return out
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise Unprocessable("labels must look like name=value,name2=value2", details={"labels": text[:200]})
        out[name.strip()] = value.strip()
    return out


async def query_metrics(env: Any, params: dict[str, str], now_ms: int) -> dict[str, Any]:
    name = params.get("name")
    if not name:
        raise Unprocessable("name is required", details={"name": None})
    agg = check_agg(params.get("agg", "avg"))
    size = window_ms(env)
    end = parse_time(params["to"], "to") if "to" in params else now_ms
    start = parse_time(params["from"], "from") if "from" in params else end - 3_600_000
    try:
        step = int(params.get("step", str(size // 1000))) * 1000
    except ValueError:
        raise Unprocessable("step must be whole seconds", details={"step": params.get("step")}) from None
    if step <= 0 or step % size:
        raise Unprocessable(f"step must be a multiple of the window ({size // 1000} s)", details={"step": step // 1000})
    start, end = start - start % size, end - end % size + size
    if start >= end or (end - start) // step > MAX_STEPS:
        raise Unprocessable(f"from/to/step give more than {MAX_STEPS} steps", details={"from": start, "to": end})
    wanted = _labels_filter(params.get("labels"))
    answers = await asyncio.gather(*(store_stub(env, s).windows(name, start, end) for s in range(SHARDS)))
    per_series: dict[str, list[tuple[int, Window]]] = defaultdict(list)
    for raw in answers:
        for series, _res, ws, agg_json in json.loads(str(raw)):
            _name, labels = parse_series_key(series)
            if all(dict(labels).get(k) == v for k, v in wanted.items()):
                per_series[series].append((ws, Window.from_json(json.loads(agg_json))))
    if len(per_series) > MAX_SERIES:
        raise Unprocessable(
            f"more than {MAX_SERIES} series match; narrow the labels", details={"series": len(per_series)}
        )
    out = []
    for series, windows in sorted(per_series.items()):
        _name, labels = parse_series_key(series)
        points = [[t, w.value(agg, step / 1000)] for t, w in bucket(windows, start, end, step)]
        out.append({"labels": dict(labels), "kind": windows[0][1].kind, "points": points})
    return {"name": name, "agg": agg, "step": step // 1000, "from": start, "to": end, "series": out}


async def prometheus_families(env: Any, now_ms: int) -> list[Family]:
    size = window_ms(env)
    since = now_ms - now_ms % size - size  # the current and the previous window
    answers = await asyncio.gather(*(store_stub(env, s).recent(since) for s in range(SHARDS)))
    families: dict[str, Family] = {}
    recent: dict[str, Window] = {}
    totals: list[dict[str, Any]] = []
    for raw in answers:
        data = json.loads(str(raw))
        totals.extend(data["totals"])
        for series, _start, agg_json in data["windows"]:
            parsed = Window.from_json(json.loads(agg_json))
            if series in recent:
                recent[series].merge(parsed)
            else:
                recent[series] = parsed
    skipped = 0
    for row in totals:
        name, labels = parse_series_key(row["series"])
        kind = row["kind"]
        family_type = {"counter": "counter", "gauge": "gauge"}.get(kind, "summary")
        exposed = name if kind != "counter" or name.endswith("_total") else name + "_total"
        family = families.get(exposed)
        if family is None:
            help_text = {
                "counter": f"{name} (sum of increments)",
                "gauge": f"{name} (last value)",
                "summary": f"{name} (quantiles over the current and previous window)",
            }[family_type]
            family = families[exposed] = Family(exposed, family_type, help_text, [])  # type: ignore[arg-type]
        elif family.type != family_type:
            skipped += 1  # one name pushed as two kinds: the first kind seen keeps the name
            continue
        if kind == "counter":
            family.samples.append(Sample(exposed, labels, row["total_sum"]))
        elif kind == "gauge":
            if row["last"] is not None:
                family.samples.append(Sample(name, labels, row["last"]))
        else:
            latest = recent.get(row["series"])
            for q in (0.5, 0.95, 0.99):
                value = None if latest is None or latest.sketch is None else latest.sketch.quantile(q)
                if value is not None:
                    family.samples.append(Sample(name, (*labels, ("quantile", str(q))), value))
            family.samples.append(Sample(name + "_sum", labels, row["total_sum"]))
            family.samples.append(Sample(name + "_count", labels, row["total_count"]))
    if skipped:
        families["edgewatch_metric_kind_conflicts"] = Family(
            "edgewatch_metric_kind_conflicts",
            "gauge",
            "series not exposed because their name is already used by a metric of another kind",
            [Sample("edgewatch_metric_kind_conflicts", (), float(skipped))],
        )
    return list(families.values())

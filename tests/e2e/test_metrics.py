"""Metrics on real workerd: ingest (ours and OTLP), windows and percentiles against exact values,
labels, the Prometheus scrape read by prometheus_client's parser, bad input, and the rollup."""

from __future__ import annotations

import time
import urllib.parse
import uuid
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from edgewatch.quantiles import nearest_rank
from edgewatch.schedule import DAILY
from scripts.stack import Stack
from tests.e2e.conftest import INGEST_TOKEN, READ_TOKEN

WRITE = {"content-type": "application/json", "authorization": f"Bearer {INGEST_TOKEN}"}
READ = {"authorization": f"Bearer {READ_TOKEN}"}
W = 300_000


def base_window() -> int:
    now = int(time.time() * 1000)
    return now - now % W - 6 * W  # half an hour ago, aligned


def metric() -> str:
    return f"test_{uuid.uuid4().hex[:8]}"


def post(stack: Stack, body: Any, path: str = "/monitoring/metrics") -> tuple[int, Any]:
    return stack.request("POST", path, body, WRITE)


def query(stack: Stack, **params: Any) -> dict[str, Any]:
    status, body = stack.request("GET", "/monitoring/metrics?" + urllib.parse.urlencode(params), headers=READ)
    assert status == 200, body
    result: dict[str, Any] = body
    return result


def exact(values: list[float], q: float) -> float:
    """The reference: the stack's nearest-rank quantile of the raw values (rank ceil(q * n))."""
    got = nearest_rank(sorted(values), q)
    assert got is not None
    return got


def test_timing_window_matches_exact_statistics(stack: Stack) -> None:
    name, t0 = metric(), base_window()
    values = [float(v) for v in range(1, 1001)]  # 1..1000 ms
    body = [{"name": name, "type": "timing", "value": v, "timestamp": t0 + i * 100} for i, v in enumerate(values)]
    status, answer = post(stack, body)
    assert status == 202 and answer["stored"] == 1000, answer
    window = {"from": t0, "to": t0 + W - 1, "step": 300}
    for agg, want in (("count", 1000.0), ("avg", 500.5), ("min", 1.0), ("max", 1000.0), ("sum", 500500.0)):
        [series] = query(stack, name=name, agg=agg, **window)["series"]
        assert series["points"] == [[t0, pytest.approx(want)]], agg
    for q in (0.5, 0.95, 0.99):
        [series] = query(stack, name=name, agg=f"p{round(q * 100)}", **window)["series"]
        got = series["points"][0][1]
        assert abs(got - exact(values, q)) <= 0.01 * exact(values, q), (q, got)


def test_a_window_of_few_requests_has_the_nearest_rank_p95(stack: Stack) -> None:
    # One slow request in 4 is 25% > 5%: the p95 is that request (rank ceil(3.8) = 4), so a rule
    # p95 > T fires for any T below it; ddsketch's rank q * (n - 1) = 2.85 answered 219 ms here.
    name, t0 = metric(), base_window()
    values = [120.0, 180.0, 220.0, 900.0]
    body = [{"name": name, "type": "timing", "value": v, "timestamp": t0 + i * 100} for i, v in enumerate(values)]
    assert post(stack, body)[0] == 202
    window = {"from": t0, "to": t0 + W - 1, "step": 300}
    for agg, want in (("p95", 900.0), ("p50", 180.0), ("p75", 220.0)):
        [series] = query(stack, name=name, agg=agg, **window)["series"]
        got = series["points"][0][1]
        assert want == exact(values, int(agg[1:]) / 100)
        assert abs(got - want) <= 0.01 * want, (agg, got)


def test_steps_merge_windows(stack: Stack) -> None:
    name, t0 = metric(), base_window()
    body = [{"name": name, "type": "gauge", "value": 1.0 + i, "timestamp": t0 + i * W + 1000} for i in range(4)]
    assert post(stack, body)[0] == 202
    five = query(stack, name=name, agg="avg", step=300, **{"from": t0, "to": t0 + 4 * W - 1})["series"][0]["points"]
    assert five == [[t0 + i * W, 1.0 + i] for i in range(4)]
    ten = query(stack, name=name, agg="avg", step=600, **{"from": t0, "to": t0 + 4 * W - 1})["series"][0]["points"]
    assert ten == [[t0, 1.5], [t0 + 2 * W, 3.5]]


def test_counters_labels_and_gauges(stack: Stack) -> None:
    name, t0 = metric(), base_window()
    body = [
        {"name": name, "type": "counter", "value": 2, "labels": {"route": "/a", "status": 200}, "timestamp": t0 + 1},
        {"name": name, "type": "counter", "value": 3, "labels": {"route": "/a", "status": 200}, "timestamp": t0 + 2},
        {"name": name, "type": "counter", "value": 7, "labels": {"route": "/b", "status": 500}, "timestamp": t0 + 3},
    ]
    assert post(stack, body)[0] == 202
    result = query(stack, name=name, agg="sum", step=300, **{"from": t0, "to": t0 + W - 1})
    by_route = {s["labels"]["route"]: s["points"][0][1] for s in result["series"]}
    assert by_route == {"/a": 5.0, "/b": 7.0}
    only_b = query(stack, name=name, agg="sum", labels="status=500", **{"from": t0, "to": t0 + W - 1})["series"]
    assert [s["labels"] for s in only_b] == [{"route": "/b", "status": "500"}]
    rate = query(stack, name=name, agg="rate", labels="route=/a", **{"from": t0, "to": t0 + W - 1})["series"][0]
    assert rate["points"][0][1] == pytest.approx(5 / 300)


def test_otlp_metrics(stack: Stack) -> None:
    name, t0 = metric(), base_window()
    ns = str((t0 + 5000) * 1_000_000)
    request = {
        "resourceMetrics": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
                "scopeMetrics": [
                    {
                        "metrics": [
                            {
                                "name": f"{name}.gauge",
                                "gauge": {"dataPoints": [{"asDouble": 0.75, "timeUnixNano": ns}]},
                            },
                            {
                                "name": f"{name}.requests",
                                "sum": {
                                    "aggregationTemporality": 1,
                                    "isMonotonic": True,
                                    "dataPoints": [{"asInt": "42", "timeUnixNano": ns}],
                                },
                            },
                        ]
                    }
                ],
            }
        ]
    }
    status, answer = post(stack, request, "/v1/metrics")
    assert status == 200 and answer == {}, answer
    window = {"from": t0, "to": t0 + W - 1}
    gauge = query(stack, name=f"{name}_gauge", agg="last", **window)["series"]
    assert gauge[0]["points"][0][1] == 0.75 and gauge[0]["labels"]["service"] == "checkout"
    requests = query(stack, name=f"{name}_requests", agg="sum", **window)["series"]
    assert requests[0]["points"][0][1] == 42.0


def test_prometheus_scrape_parses(stack: Stack) -> None:
    name = metric()
    now = int(time.time() * 1000)
    body = [{"name": f"{name}_latency", "type": "timing", "value": float(v), "timestamp": now} for v in range(1, 101)]
    body += [{"name": f"{name}_hits", "type": "counter", "value": 4, "labels": {"path": 'a"b\\c'}, "timestamp": now}]
    body += [{"name": f"{name}_temp", "type": "gauge", "value": -3.5, "timestamp": now}]
    assert post(stack, body)[0] == 202
    status, text = stack.request("GET", "/metrics", headers=READ)
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(text)}
    hits = families[f"{name}_hits"]
    assert hits.type == "counter"
    [sample] = hits.samples
    assert sample.labels == {"path": 'a"b\\c'} and sample.value == 4.0
    assert families[f"{name}_temp"].samples[0].value == -3.5
    latency = families[f"{name}_latency"]
    assert latency.type == "summary"
    values = {(s.name, s.labels.get("quantile")): s.value for s in latency.samples}
    assert values[(f"{name}_latency_count", None)] == 100.0
    assert values[(f"{name}_latency_sum", None)] == 5050.0
    assert abs(values[(f"{name}_latency", "0.99")] - 99.0) <= 0.99


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"content-type": "application/json"}, b"[]", 401),
        (WRITE, b"{nope", 400),
        (WRITE, b'[{"name": "bad name!", "type": "gauge", "value": 1}]', 422),
        (WRITE, b'[{"name": "x", "type": "gauge", "value": "high"}]', 422),
        ({**WRITE, "content-type": "text/plain"}, b"x 1", 415),
    ],
)
def test_bad_metrics_get_a_clear_4xx(stack: Stack, headers: dict[str, str], body: bytes, status: int) -> None:
    got, answer = stack.request("POST", "/monitoring/metrics", body, headers)
    assert got == status, answer
    assert answer["error"]["message"]


@pytest.mark.parametrize("params", ["agg=avg", "name=x&agg=median", "name=x&step=7", "name=x&from=later"])
def test_bad_queries_are_422(stack: Stack, params: str) -> None:
    status, body = stack.request("GET", f"/monitoring/metrics?{params}", headers=READ)
    assert status == 422, body


def test_rollup_keeps_old_data_queryable_by_the_hour(stack: Stack) -> None:
    name = metric()
    t0 = base_window() - 10 * 86_400_000  # older than the 7 d retention
    body = [{"name": name, "type": "timing", "value": float(v), "timestamp": t0 + v * 1000} for v in range(1, 61)]
    assert post(stack, body)[0] == 202
    now = int(time.time() * 1000)
    outcome = stack.trigger_cron(DAILY, now - now % 86_400_000)
    assert outcome["outcome"] == "ok"
    _status, cron = stack.request("GET", "/monitoring/cron", headers=READ)
    run = next(s for s in cron["schedules"] if s["cron"] == DAILY)["last_run"]
    job = next(j for j in run["jobs"] if j["job"] == "monitoring.metrics_rollup")
    assert job["status"] == "ok" and job["result"]["rolled_windows"] >= 1, job
    hour = t0 - t0 % 3_600_000
    result = query(stack, name=name, agg="count", step=3600, **{"from": hour, "to": hour + 3_600_000 - 1})
    assert result["series"][0]["points"] == [[hour, 60.0]]


def test_a_name_pushed_as_two_kinds_does_not_break_the_scrape(stack: Stack) -> None:
    name = metric()
    now = int(time.time() * 1000)
    body = [
        {"name": name, "type": "counter", "value": 1, "timestamp": now},  # exposed as <name>_total
        {"name": f"{name}_total", "type": "gauge", "value": 9, "timestamp": now},  # same exposed name
    ]
    assert post(stack, body)[0] == 202
    status, text = stack.request("GET", "/metrics", headers=READ)
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["edgewatch_metric_kind_conflicts"].samples[0].value >= 1
    assert f"{name}" in families or f"{name}_total" in families

from __future__ import annotations

from edgewatch.apm.traces.rollup import EXTERNAL, Rollup, RollupKey, trace_rollups
from edgewatch.apm.traces.summary import apm_summary, service_map

from .spans import T0_US, span

MINUTE = T0_US // 1000 // 60_000


def trace(n: int, ms: float, error: bool = False) -> list:  # type: ignore[type-arg]
    t = f"{n:032x}"
    return [
        span("1", trace=t, ms=ms, service="web", kind="server", http_route="/cart", http_request_method="GET"),
        span("2", "1", trace=t, ms=ms / 2, service="web", kind="client"),
        span("3", "2", trace=t, ms=ms / 3, service="api", kind="server", status="error" if error else "unset"),
        span("4", "3", trace=t, ms=1, service="api", kind="client", db_system="d1"),
        span("5", "1", trace=t, ms=1, service="web", kind="client"),  # no server child, no peer: external
    ]


def test_rollups_per_endpoint_and_edge() -> None:
    rollups = trace_rollups(trace(1, 90), 1.0, apdex_ms=100)
    assert set(rollups) == {
        RollupKey("endpoint", "web", "GET /cart", MINUTE),
        RollupKey("endpoint", "api", "op-3", MINUTE),
        RollupKey("edge", "web", "api", MINUTE),
        RollupKey("edge", "api", "d1", MINUTE),
        RollupKey("edge", "web", EXTERNAL, MINUTE),
    }
    web = rollups[RollupKey("endpoint", "web", "GET /cart", MINUTE)]
    assert (web.count, web.errors, web.satisfied, web.tolerating) == (1, 0, 1, 0)


def test_rollups_merge_and_round_trip() -> None:
    a, b = Rollup(), Rollup()
    a.add(50, False, 1.0, "t1", 100)
    b.add(250, False, 1.0, "t2", 100)  # tolerating: within 4x the threshold
    b.add(900, True, 1.0, "t3", 100)
    a.merge(Rollup.from_json(b.to_json()))
    assert (a.count, a.errors, a.satisfied, a.tolerating) == (3, 1, 1, 1)
    assert [t for _, t in a.slowest] == ["t3", "t2", "t1"]


def test_summary_rates_quantiles_apdex_and_slowest() -> None:
    rows = []
    for n in range(10):
        for key, rollup in trace_rollups(trace(n, 10 * (n + 1), error=n == 9), 1.0, 100).items():
            rows.append((key, rollup))
    start = MINUTE * 60_000
    summary = apm_summary(rows, start, start + 600_000, 100)
    cart = next(e for e in summary["endpoints"] if e["endpoint"] == "GET /cart")
    assert cart["requests"] == 10 and cart["requests_per_minute"] == 1.0 and cart["error_rate"] == 0.0
    assert 90 <= cart["p95_ms"] <= 101 and cart["apdex"] == 1.0
    api = next(e for e in summary["endpoints"] if e["service"] == "api")
    assert api["errors"] == 1 and api["error_rate"] == 0.1
    assert summary["slowest_traces"][0] == {
        "trace_id": f"{9:032x}", "duration_ms": 100.0, "service": "web", "endpoint": "GET /cart"
    }  # fmt: skip
    assert [s["service"] for s in apm_summary(rows, start, start + 600_000, 100, "api")["services"]] == ["api"]
    graph = service_map(rows, start, start + 600_000)
    assert {(e["from"], e["to"]): e["calls"] for e in graph["edges"]} == {
        ("api", "d1"): 10, ("web", "api"): 10, ("web", EXTERNAL): 10
    }  # fmt: skip
    assert graph["services"] == sorted({"web", "api", "d1", EXTERNAL})

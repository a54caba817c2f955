"""Core Web Vitals on real workerd: server-side ratings at the threshold boundaries, dedupe by metric
id, exact p75 per route and device, sendBeacon bodies, CORS, and bad beacons as 4xx."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

import pytest

from scripts.stack import Stack
from tests.e2e.conftest import ALLOWED_ORIGIN, READ_TOKEN

READ = {"authorization": f"Bearer {READ_TOKEN}"}
MOBILE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def beacon(name: str, value: float, route: str, **extra: Any) -> dict[str, Any]:
    metric_id = extra.pop("id", f"v4-{uuid.uuid4().hex}")
    return {
        "name": name,
        "value": value,
        "rating": "good",
        "delta": value,
        "id": metric_id,
        "navigationType": "navigate",
        "route": route,
        **extra,
    }


def send(
    stack: Stack, body: Any, content_type: str = "application/json", origin: str | None = None, ua: str | None = None
) -> tuple[int, dict[str, str], Any]:
    headers = {"content-type": content_type}
    if origin:
        headers["origin"] = origin
    if ua:
        headers["user-agent"] = ua
    data = json.dumps(body).encode() if not isinstance(body, bytes) else body
    req = urllib.request.Request(stack.base_url + "/monitoring/vitals", data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, json.loads(err.read())


def summary(stack: Stack, name: str, route: str) -> list[dict[str, Any]]:
    q = urllib.parse.urlencode({"name": name, "route": route})
    status, body = stack.request("GET", f"/monitoring/vitals?{q}", headers=READ)
    assert status == 200, body
    groups: list[dict[str, Any]] = body["metrics"][name]
    return groups


# urllib sends "Python-urllib/x.y": not a phone or tablet, so its reports count as desktop.
def group(groups: list[dict[str, Any]], route: str, device: str) -> dict[str, Any]:
    return next(g for g in groups if g["route"] == route and g["device"] == device)


def test_ratings_are_recomputed_at_each_boundary(stack: Stack) -> None:
    route = f"/boundary-{uuid.uuid4().hex[:6]}"
    values = [2500, 2501, 4000, 4001]  # LCP thresholds 2500 / 4000
    status, _, answer = send(stack, [beacon("LCP", v, route, rating="good") for v in values])
    assert status == 202 and answer["stored"] == 4, answer
    g = group(summary(stack, "LCP", route), route, "desktop")
    assert g["distribution"] == {"good": 1, "needs-improvement": 2, "poor": 1}
    assert g["count"] == 4


def test_cls_reported_twice_under_one_id_counts_once_at_its_final_value(stack: Stack) -> None:
    route = f"/dedupe-{uuid.uuid4().hex[:6]}"
    metric_id = f"v4-{uuid.uuid4().hex}"
    assert send(stack, beacon("CLS", 0.05, route, id=metric_id, timestamp=1_795_700_000_000 + 10**6))[0] == 202
    later = beacon("CLS", 0.3, route, id=metric_id, timestamp=1_795_700_000_000 + 2 * 10**6)
    assert send(stack, later)[0] == 202
    q = urllib.parse.urlencode({"name": "CLS", "route": route, "from": 1_795_700_000_000})
    status, body = stack.request("GET", f"/monitoring/vitals?{q}", headers=READ)
    assert status == 200, body
    g = group(body["metrics"]["CLS"], route, "desktop")
    assert g["count"] == 1 and g["p75"] == pytest.approx(0.3) and g["rating"] == "poor"


def test_p75_per_route_and_device(stack: Stack) -> None:
    token = uuid.uuid4().hex[:6]
    page = f"https://app.pitchey.example/pitches-{token}/123?ref=mail"
    values = [100, 200, 300, 400, 500, 600, 700, 800]
    status, _, _ = send(stack, [beacon("INP", v, page) for v in values], ua=MOBILE_UA)
    assert status == 202
    route = f"/pitches-{token}/:id"  # ids collapsed, query and host dropped
    g = group(summary(stack, "INP", route), route, "mobile")
    assert g["count"] == 8
    assert g["p75"] == 600  # nearest rank: ceil(0.75 * 8) = 6th value
    assert g["rating"] == "poor"  # INP 200 / 500


def test_send_beacon_text_plain_body(stack: Stack) -> None:
    route = f"/beacon-{uuid.uuid4().hex[:6]}"
    body = json.dumps(beacon("TTFB", 700, route)).encode()
    status, _, answer = send(stack, body, content_type="text/plain;charset=UTF-8")
    assert status == 202 and answer["stored"] == 1
    assert group(summary(stack, "TTFB", route), route, "desktop")["rating"] == "good"


def test_cors_allows_the_platform_origin_only(stack: Stack) -> None:
    req = urllib.request.Request(
        stack.base_url + "/monitoring/vitals",
        method="OPTIONS",
        headers={"origin": ALLOWED_ORIGIN, "access-control-request-method": "POST"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 204
        assert resp.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        assert "POST" in resp.headers["access-control-allow-methods"]
    status, headers, _ = send(stack, beacon("FCP", 900, "/cors"), origin=ALLOWED_ORIGIN)
    assert status == 202 and headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    status, _, answer = send(stack, beacon("FCP", 900, "/cors"), origin="https://evil.example")
    assert status == 403 and answer["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        ([{"name": "LCP", "value": -1, "id": "x", "route": "/"}], "application/json", 422),
        ([{"name": "XYZ", "value": 1, "id": "x", "route": "/"}], "application/json", 422),
        (b"<xml/>", "application/xml", 415),
    ],
)
def test_bad_beacons_are_4xx(stack: Stack, body: Any, content_type: str, status: int) -> None:
    got, _, answer = send(stack, body, content_type=content_type)
    assert got == status, answer
    assert answer["error"]["message"]


def test_a_slow_lcp_links_to_the_edge_trace_that_served_the_page(stack: Stack) -> None:
    from tests.e2e.conftest import INGEST_TOKEN

    route = "/pricing/" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])  # a word, kept
    trace_id, span_id = uuid.uuid4().hex, uuid.uuid4().hex[:16]
    now_ns = int(__import__("time").time() * 1e9)
    # The edge request that served the document, as edgewatch_cf.trace (or any OTel SDK) exports it.
    span = {"traceId": trace_id, "spanId": span_id, "name": f"GET {route}", "kind": 2,
            "startTimeUnixNano": str(now_ns), "endTimeUnixNano": str(now_ns + 40_000_000)}  # fmt: skip
    otlp = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "web"}}]},
                               "scopeSpans": [{"spans": [span]}]}]}  # fmt: skip
    status, answer = stack.request(
        "POST", "/v1/traces", otlp, {"content-type": "application/json", "authorization": f"Bearer {INGEST_TOKEN}"}
    )
    assert status == 200, answer
    slow = beacon("LCP", 5200, route, traceparent=f"00-{trace_id}-{span_id}-01")
    fast = beacon("LCP", 900, route)
    status, _, body = send(stack, [slow, fast])
    assert status == 202, body
    q = urllib.parse.urlencode({"name": "LCP", "route": route})
    status, found = stack.request("GET", f"/monitoring/vitals/samples?{q}", headers=READ)
    assert status == 200, found
    worst, best = found["samples"]
    assert (worst["value"], worst["rating"], worst["trace_id"]) == (5200, "poor", trace_id)
    assert worst["trace"] == f"/apm/traces/{trace_id}" and best["trace"] is None
    status, view = stack.request("GET", worst["trace"], headers=READ)
    assert status == 200 and view["spans"][0]["name"] == f"GET {route}", view
    status, _, bad = send(stack, [beacon("LCP", 1, route, traceparent="00-nothex-01")])
    assert status == 422 and "traceparent" in json.dumps(bad)


def test_a_bare_metric_is_filed_under_its_same_origin_referer_or_unknown(stack: Stack) -> None:
    word = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8])
    bare = {"name": "LCP", "value": 1800, "rating": "good", "delta": 1800, "id": f"v5-{uuid.uuid4().hex}",
            "navigationType": "navigate"}  # fmt: skip  # the web-vitals README's sendToAnalytics body
    headers = {"content-type": "text/plain", "origin": ALLOWED_ORIGIN, "referer": f"{ALLOWED_ORIGIN}/guide/{word}?x=1"}
    data = json.dumps(bare).encode()
    req = urllib.request.Request(stack.base_url + "/monitoring/vitals", data=data, method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        answer = json.loads(resp.read())
    assert answer["stored"] == 1 and answer["route_from_referer"] == 1 and answer["route_unknown"] == 0, answer
    assert group(summary(stack, "LCP", f"/guide/{word}"), f"/guide/{word}", "desktop")["count"] == 1
    status, _, answer = send(stack, {**bare, "id": f"v5-{uuid.uuid4().hex}"})  # no Referer at all
    assert status == 202 and answer["route_unknown"] == 1, answer

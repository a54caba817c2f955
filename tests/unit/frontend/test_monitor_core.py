"""packages/web-vitals-monitor under Node: the DSN's envelope URL, the vitals batch (a newer report
of one metric id replaces the queued one, maxBatch and the size limit split beacons), and the error
reporter's burst dedupe and per-page cap."""

from __future__ import annotations

import json

import pytest

from tests.unit.frontend.node_runner import run_js


@pytest.mark.parametrize(
    ("dsn", "url"),
    [
        ("http://k1@127.0.0.1:8787/apm/1", "http://127.0.0.1:8787/apm/api/1/envelope/?sentry_key=k1&sentry_version=7"),
        ("https://k2@apm.example/3", "https://apm.example/api/3/envelope/?sentry_key=k2&sentry_version=7"),
    ],
)
def test_envelope_url(dsn: str, url: str) -> None:
    assert run_js('const { envelopeUrl } = await src("errors.js"); out(envelopeUrl(DATA));', dsn) == url


@pytest.mark.parametrize("dsn", ["not a url", "http://host/apm/1", "http://k@host/apm/x", "ftp://k@host/1"])
def test_a_bad_dsn_is_a_type_error_naming_the_shape(dsn: str) -> None:
    code = """
    const { envelopeUrl } = await src("errors.js");
    try { envelopeUrl(DATA); out("accepted"); } catch (e) { out([e.name, e.message]); }
    """
    name, message = run_js(code, dsn)
    assert name == "TypeError" and "http://KEY@host/apm/1" in message


BATCH = """
const { Batch } = await src("vitals.js");
const bodies = [];
const send = (url, body) => { bodies.push(JSON.parse(body)); return "beacon"; };
const batch = new Batch("https://s/monitoring/vitals", DATA.options, send);
for (const item of DATA.items) batch.add(item, false);
if (DATA.flush) batch.flush();
await new Promise((r) => setTimeout(r, DATA.wait || 0));
out(bodies.map((b) => b.metrics.map((m) => m.name + ":" + m.value)));
"""


def item(name: str, value: float, ident: str | None = None, pad: int = 0) -> dict[str, object]:
    return {"name": name, "value": value, "id": ident or f"v-{name}", "attribution": {"pad": "x" * pad}}


def test_a_newer_report_of_one_id_replaces_the_queued_one() -> None:
    items = [item("CLS", 0.1), item("LCP", 900), item("CLS", 0.3)]
    beacons = run_js(BATCH, {"options": {"maxBatch": 10, "flushAfterMs": 0}, "items": items, "flush": True})
    assert beacons == [["CLS:0.3", "LCP:900"]]


def test_max_batch_sends_a_full_batch_at_once() -> None:
    items = [item("LCP", i, f"id-{i}") for i in range(5)]
    beacons = run_js(BATCH, {"options": {"maxBatch": 2, "flushAfterMs": 0}, "items": items, "flush": True})
    assert beacons == [["LCP:0", "LCP:1"], ["LCP:2", "LCP:3"], ["LCP:4"]]


def test_the_timer_flushes_after_flush_after_ms() -> None:
    items = [item("FCP", 10), item("TTFB", 5)]
    beacons = run_js(BATCH, {"options": {"maxBatch": 10, "flushAfterMs": 30}, "items": items, "wait": 120})
    assert beacons == [["FCP:10", "TTFB:5"]]


def test_a_body_over_60_kb_is_split() -> None:
    items = [item("LCP", i, f"id-{i}", pad=200) for i in range(4)]
    code = BATCH.replace(
        'out(bodies.map((b) => b.metrics.map((m) => m.name + ":" + m.value)));',
        "out(bodies.map((b) => JSON.stringify(b).length));",
    )
    assert code != BATCH
    sizes = run_js(code, {"options": {"maxBatch": 100, "flushAfterMs": 0}, "items": items, "flush": True})
    assert len(sizes) == 1  # small: one beacon
    big = [{**i, "attribution": {f"k{n}": "y" * 200 for n in range(100)}} for i in items]  # ~20 KB each
    sizes = run_js(code, {"options": {"maxBatch": 100, "flushAfterMs": 0}, "items": big, "flush": True})
    assert len(sizes) >= 2 and all(s <= 60_000 for s in sizes), sizes


REPORTER = """
const { ErrorReporter } = await src("errors.js");
const sent = [];
const reporter = new ErrorReporter({ dsn: "http://k@h/apm/1", release: "web@1", maxEvents: DATA.max },
  () => ({ route: "/r", device: "desktop", userId: "u1", url: "https://a/r", userAgent: "t",
           traceparent: "00-" + "a".repeat(32) + "-" + "b".repeat(16) + "-01" }),
  () => true, (url, body) => { sent.push(body); return "beacon"; });
const ids = [];
const mechanism = { type: "generic", handled: true };
for (const m of DATA.messages) ids.push(reporter.capture(new Error(m), mechanism, "\\n    at Cart"));
out({ ids: ids.map((i) => i === undefined ? null : i.length), dropped: reporter.dropped,
      envelopes: sent.map((b) => b.split("\\n")) });
"""


def test_identical_errors_in_a_burst_are_sent_once_and_the_cap_holds() -> None:
    messages = ["same"] * 5 + [f"loop {i}" for i in range(30)]
    got = run_js(REPORTER, {"max": 20, "messages": messages})
    assert got["ids"][:2] == [32, None]  # the second identical error is a duplicate
    assert sum(1 for i in got["ids"] if i) == 20
    assert got["dropped"] == {"duplicate": 4, "cap": 11}
    header, item_header, payload, _ = got["envelopes"][0]
    event = json.loads(payload)
    assert json.loads(item_header) == {"type": "event", "length": len(payload.encode())}
    assert json.loads(header)["event_id"] == event["event_id"]
    assert event["release"] == "web@1" and event["tags"]["route"] == "/r" and event["user"] == {"id": "u1"}
    assert event["contexts"]["trace"] == {"trace_id": "a" * 32, "span_id": "b" * 16}
    assert event["contexts"]["react"] == {"componentStack": "\n    at Cart"}
    assert event["exception"]["values"][0]["type"] == "Error"


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (None, "options object"),
        ({}, "endpoint"),  # neither vitals nor errors
        ({"endpoint": 5}, "endpoint"),
        ({"endpoint": "https://s/monitoring/vitals", "sampleRate": 1.5}, "sampleRate"),
        ({"endpoint": "https://s/monitoring/vitals", "sampleRate": "1"}, "sampleRate"),
        ({"endpoint": "https://s/monitoring/vitals", "routeResolver": "/x"}, "routeResolver"),
        ({"endpoint": "https://s/monitoring/vitals", "maxBatch": 0}, "maxBatch"),
        ({"endpoint": "https://s/monitoring/vitals", "flushAfterMs": -1}, "flushAfterMs"),
        ({"errors": {}}, "dsn"),
        ({"errors": {"dsn": "http://host/apm/1"}}, "errors.dsn"),
    ],
)
def test_bad_options_are_a_type_error_naming_the_option(options: object, named: str) -> None:
    code = """
    const { initializeMonitoring } = await src("index.js");
    try { out(initializeMonitoring(DATA)); } catch (e) { out([e.name, e.message]); }
    """
    got = run_js(code, options)
    assert got[0] == "TypeError" and named in got[1], got


def test_outside_a_browser_initialize_does_nothing() -> None:
    code = """
    const m = await src("index.js");
    const started = m.initializeMonitoring({ endpoint: "https://s/monitoring/vitals" });
    out([started, m.status(), m.captureError(new Error("x"))]);
    """
    assert run_js(code) == [False, {"initialized": False}, None]

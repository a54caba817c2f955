"""Sentry-compatible error tracking end to end on real workerd, driven by the real ``sentry-sdk``.

A stack of its own ("test" environment) with two projects' keys, a tiny spike limit for project 2,
one allowed browser origin, and reader and operator tokens. The SDK sends to
``http://KEY@127.0.0.1:<port>/apm/1`` with gzip forced; once with brotli, which the Worker cannot
decode: it answers the documented 415 and counts the refusal. Grouping, resolution in a release and
the regression alert are checked through the HTTP API.
"""

from __future__ import annotations

import functools
import gzip
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk

from scripts.stack import Stack
from tests.support.sink import Sink

KEY1 = "0123456789abcdef0123456789abcdef"
KEY2 = "fedcba9876543210fedcba9876543210"
READ_TOKEN = "apm-read-token-0001"
OPERATOR_TOKEN = "apm-operator-token-01"
READ = {"authorization": f"Bearer {READ_TOKEN}"}
OPERATOR = {"authorization": f"Bearer {OPERATOR_TOKEN}", "content-type": "application/json"}
ORIGIN = "http://shop.example.test"
GZIP = {"transport_compression_algo": "gzip"}


UPSTREAM_KEY = "abcdefabcdefabcdefabcdefabcdef12"


@pytest.fixture(scope="module")
def apm_stack(tmp_path_factory: pytest.TempPathFactory, sink_server: Sink) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("apm-sentry")
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=None,
        example_api=False,
        extra_vars={
            "SENTRY_PROJECT_KEYS": f"1:{KEY1},2:{KEY2}",
            "SENTRY_SPIKE_LIMITS": "2:error=1/3",
            "SENTRY_ALLOWED_ORIGINS": ORIGIN,
            "READ_TOKENS": READ_TOKEN,
            "OPERATOR_TOKENS": OPERATOR_TOKEN,
            # Accepted errors are forwarded to an upstream Sentry: the sink stands in for it.
            "SENTRY_DSN": f"http://{UPSTREAM_KEY}@127.0.0.1:{sink_server.url.rsplit(':', 1)[1]}/sentry/42",
        },
    )
    stack.start()
    yield stack
    stack.stop()


def http(
    stack: Stack, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    req = urllib.request.Request(stack.base_url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, got, raw = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        status, got, raw = err.code, dict(err.headers), err.read()
    lowered = {k.lower(): v for k, v in got.items()}
    try:
        return status, lowered, json.loads(raw) if raw else None
    except ValueError:
        return status, lowered, raw.decode(errors="replace")


def sdk(stack: Stack, release: str, experiments: dict[str, str] | None = None, key: str = KEY1) -> None:
    sentry_sdk.init(
        dsn=f"http://{key}@127.0.0.1:{stack.port}/apm/1",
        release=release,
        environment="e2e",
        default_integrations=False,
        auto_enabling_integrations=False,
        _experiments=experiments if experiments is not None else GZIP,  # type: ignore[arg-type]
    )


def send(fn: Callable[[], None], fingerprint: list[str] | None = None) -> str:
    try:
        fn()
    except Exception as exc:
        with sentry_sdk.new_scope() as scope:
            if fingerprint is not None:
                scope.fingerprint = fingerprint
            event_id = sentry_sdk.capture_exception(exc)
    assert event_id
    return event_id


def flush() -> None:
    sentry_sdk.flush(timeout=20)


def issues(stack: Stack, query: str, project: str = "1", **params: str) -> list[dict[str, Any]]:
    qs = urllib.parse.urlencode({"project": project, "query": query, **params})
    status, _, body = http(stack, "GET", f"/apm/issues?{qs}", headers=READ)
    assert status == 200, body
    return list(body["issues"])


def wait_issues(stack: Stack, query: str, count: int, events: int, timeout_s: float = 20) -> list[dict[str, Any]]:
    """Poll until the query finds ``count`` issues holding ``events`` events in all."""
    deadline = time.monotonic() + timeout_s
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        found = issues(stack, query)
        if len(found) == count and sum(i["count"] for i in found) == events:
            return found
        time.sleep(0.3)
    raise AssertionError(f"expected {count} issues with {events} events for {query!r}, got {found}")


def stats(stack: Stack, project: str = "1") -> dict[str, int]:
    status, _, body = http(stack, "GET", f"/apm/ingest/stats?project={project}", headers=READ)
    assert status == 200, body
    return dict(body["counters"])


def envelope(event: dict[str, Any], *extra: tuple[dict[str, Any], bytes]) -> bytes:
    payload = json.dumps(event).encode()
    parts = [json.dumps({"event_id": event["event_id"]}).encode(), json.dumps({"type": "event"}).encode(), payload]
    for header, body in extra:
        parts += [json.dumps(header).encode(), body]
    return b"\n".join(parts) + b"\n"


def event(message: str = "raw event") -> dict[str, Any]:
    return {"event_id": uuid.uuid4().hex, "level": "error", "platform": "python", "message": message}


def auth(key: str = KEY1) -> dict[str, str]:
    return {
        "x-sentry-auth": f"Sentry sentry_key={key}, sentry_version=7",
        "content-type": "application/x-sentry-envelope",
    }


# --- call sites -----------------------------------------------------------------------------------


class OrderError(Exception):
    pass


class PageError(Exception):
    pass


class RegressError(Exception):
    pass


def parse_order(n: int) -> None:
    raise OrderError(f"order {n} has no lines")


def render_page(n: int) -> None:
    raise PageError(f"page {n} failed")


def render_other_page(n: int) -> None:
    raise PageError(f"page {n} failed")


def checkout(kind: str) -> None:
    if kind == "key":
        raise KeyError("cart")
    raise TypeError("total is None")


def regress() -> None:
    raise RegressError("the cache is cold")


# --- tests ----------------------------------------------------------------------------------------


def test_health_probes_the_issue_store_and_the_alerts_binding(apm_stack: Stack) -> None:
    status, _, body = http(apm_stack, "GET", "/apm/health")
    assert status == 200, body
    checks = body["checks"]
    assert checks["ISSUE_STORE"]["ok"] and checks["ALERTS"]["ok"], checks


def test_sdk_events_group_as_sentry_does(apm_stack: Stack) -> None:
    sdk(apm_stack, "1.0.0")
    for n in (1, 2):  # the same stack (one call site), another message: the same issue
        send(functools.partial(parse_order, n))
    send(lambda: render_page(1))
    send(lambda: render_other_page(1))  # another function: another issue
    send(lambda: checkout("key"), ["checkout-failure"])
    send(lambda: checkout("type"), ["checkout-failure"])  # a custom fingerprint joins them
    sentry_sdk.capture_message("nightly export finished with warnings", level="warning")
    flush()
    (order,) = wait_issues(apm_stack, "OrderError", 1, 2)
    assert order["title"].startswith("OrderError: order 1")
    assert order["grouped_by"] == "stacktrace"
    assert order["releases"] == ["1.0.0"] and order["environments"] == ["e2e"]
    pages = wait_issues(apm_stack, "PageError", 2, 2)
    assert {p["culprit"].split(" in ")[-1] for p in pages} == {"render_page", "render_other_page"}
    everything = issues(apm_stack, "", limit="100")
    joined = [i for i in everything if i["grouped_by"] == "fingerprint"]
    assert len(joined) == 1 and joined[0]["count"] == 2, joined
    (message,) = [i for i in everything if i["title"].startswith("nightly export")]
    assert message["level"] == "warning" and message["grouped_by"] == "message"


def test_issue_detail_events_and_auth(apm_stack: Stack) -> None:
    (order,) = wait_issues(apm_stack, "OrderError", 1, 2)
    assert order["id"].startswith("1-") and len(order["id"]) == 14
    status, _, body = http(apm_stack, "GET", f"/apm/issues/{order['id']}", headers=READ)
    assert status == 200 and body["count"] == 2
    status, _, body = http(apm_stack, "GET", f"/apm/issues/{order['id']}/events?limit=1", headers=READ)
    assert status == 200, body
    assert status == 200 and len(body["events"]) == 1 and body["next_cursor"]
    frames = body["events"][0]["exceptions"][-1]["frames"]
    assert any(f["function"] == "parse_order" and f["in_app"] for f in frames)
    status, _, body = http(
        apm_stack, "GET", f"/apm/issues/{order['id']}/events?cursor={body['next_cursor']}", headers=READ
    )
    assert status == 200 and len(body["events"]) == 1
    assert http(apm_stack, "GET", f"/apm/issues/{order['id']}")[0] == 401
    assert http(apm_stack, "GET", "/apm/issues/1-000000000000", headers=READ)[0] == 404
    assert http(apm_stack, "GET", "/apm/issues/nonsense", headers=READ)[0] == 404
    assert http(apm_stack, "GET", "/apm/issues?project=1&sort=loudest", headers=READ)[0] == 400
    put = json.dumps({"status": "resolved"}).encode()
    assert (
        http(apm_stack, "PUT", f"/apm/issues/{order['id']}", put, {"content-type": "application/json", **READ})[0]
        == 403  # a viewer may not change an issue's status
    )
    bad = json.dumps({"status": "fixed"}).encode()
    assert http(apm_stack, "PUT", f"/apm/issues/{order['id']}", bad, OPERATOR)[0] == 422


def test_resolved_in_release_regresses_in_a_newer_one_and_alerts(apm_stack: Stack) -> None:
    sdk(apm_stack, "1.0.0")
    send(regress)
    flush()
    (issue,) = wait_issues(apm_stack, "RegressError", 1, 1)
    body = json.dumps({"status": "resolved", "inRelease": "1.0.0"}).encode()
    status, _, changed = http(apm_stack, "PUT", f"/apm/issues/{issue['id']}", body, OPERATOR)
    assert status == 200 and changed["status"] == "resolved", changed
    assert changed["resolution"]["mode"] == "in_release" and changed["resolution"]["release"] == "1.0.0"
    send(regress)  # the same release again: still resolved
    flush()
    (same,) = wait_issues(apm_stack, "RegressError", 1, 2)
    assert same["status"] == "resolved"
    sdk(apm_stack, "1.1.0")
    send(regress)
    flush()
    (back,) = wait_issues(apm_stack, "RegressError", 1, 3)
    assert back["status"] == "regressed" and back["times_regressed"] == 1
    assert [i["id"] for i in issues(apm_stack, "RegressError", status="unresolved")] == [issue["id"]]
    deadline = time.monotonic() + 20
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not found:
        status, _, alerts = http(apm_stack, "GET", "/alerts", headers=READ)
        assert status == 200, alerts
        found = [a for a in alerts["alerts"] if issue["id"] in json.dumps(a) and "IssueRegressed" in json.dumps(a)]
        time.sleep(0.5)
    assert found, alerts
    text = json.dumps(found[0])
    assert '"origin": "apm"' in text and '"severity": "warning"' in text


def test_brotli_is_refused_with_the_documented_415_and_counted(apm_stack: Stack) -> None:
    import brotli  # type: ignore[import-untyped]  # the SDK compresses with brotli whenever this module is importable

    before = stats(apm_stack).get("refused:unsupported_encoding", 0)
    sdk(apm_stack, "1.0.0", {"transport_compression_algo": "br"})
    send(lambda: parse_order(99))
    flush()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and stats(apm_stack).get("refused:unsupported_encoding", 0) <= before:
        time.sleep(0.3)
    # the event's envelope, and the client report that says the SDK dropped it, both refused
    assert stats(apm_stack).get("refused:unsupported_encoding", 0) >= before + 1
    body = brotli.compress(envelope(event()))
    status, _, answer = http(apm_stack, "POST", "/apm/api/1/envelope/", body, {**auth(), "content-encoding": "br"})
    assert status == 415 and "transport_compression_algo" in answer["error"]["message"], answer
    assert wait_issues(apm_stack, "OrderError", 1, 2)  # the refused event was not stored


def test_bad_input_is_refused_with_clear_statuses(apm_stack: Stack) -> None:
    path = "/apm/api/1/envelope/"
    status, _, body = http(apm_stack, "POST", path, b"this is not an envelope\n", auth())
    assert status == 400 and body["error"]["code"] == "malformed", body
    status, _, body = http(
        apm_stack,
        "POST",
        path,
        gzip.compress(envelope(event())),
        {"content-type": "text/plain", "content-encoding": "gzip"},
    )
    assert status == 401 and "sentry_key" in body["error"]["message"], body
    status, _, body = http(apm_stack, "POST", path, envelope(event()), auth(KEY2))
    assert status == 403, body
    big = event("x" * (1024 * 1024 + 10))
    status, _, body = http(apm_stack, "POST", path, envelope(big), auth())
    assert status == 413 and body["error"]["code"] == "too_large", body
    status, _, body = http(apm_stack, "POST", path, envelope(event()), {**auth(), "content-type": "image/png"})
    assert status == 415, body
    assert http(apm_stack, "POST", "/apm/api/0/envelope/", envelope(event()), auth())[0] == 404
    status, _, body = http(
        apm_stack,
        "POST",
        "/apm/api/1/store/",
        json.dumps(event("via store for alice@example.com card 4111 1111 1111 1111")).encode(),
        {**auth(), "content-type": "application/json"},
    )
    assert status == 200 and len(body["id"]) == 32, body
    (stored,) = wait_issues(apm_stack, "store", 1, 1)
    status, _, events = http(apm_stack, "GET", f"/apm/issues/{stored['id']}/events", headers=READ)
    assert status == 200 and events["events"][0]["event_id"] == body["id"]
    text = json.dumps(events)  # scrubbed before storage by the logs scrubber
    assert "alice@example.com" not in text and "4111 1111 1111 1111" not in text, text
    counters = stats(apm_stack)
    assert (
        counters["refused:malformed"] >= 1 and counters["refused:missing"] >= 1 and counters["refused:too_large"] >= 1
    )


def test_spike_protection_answers_429_with_retry_after(apm_stack: Stack) -> None:
    path = "/apm/api/2/envelope/"
    for n in range(3):
        status, _, body = http(apm_stack, "POST", path, envelope(event(f"spike {n}")), auth(KEY2))
        assert status == 200, body
    status, headers, body = http(apm_stack, "POST", path, envelope(event("spike 3")), auth(KEY2))
    assert status == 429, body
    assert int(headers["retry-after"]) >= 1
    assert headers["x-sentry-rate-limits"].endswith(":error:project"), headers
    session = ({"type": "session"}, json.dumps({"sid": uuid.uuid4().hex, "status": "ok", "init": True}).encode())
    status, headers, body = http(apm_stack, "POST", path, envelope(event("spike 4"), session), auth(KEY2))
    assert status == 200 and "error" in headers["x-sentry-rate-limits"], (status, headers, body)
    counters = stats(apm_stack, "2")
    assert counters["accepted:error"] == 3 and counters["refused:rate_limited:error"] == 2, counters


def test_browser_cors_per_allow_list(apm_stack: Stack) -> None:
    path = f"/apm/api/1/envelope/?sentry_key={KEY1}&sentry_version=7"
    status, headers, _ = http(
        apm_stack,
        "OPTIONS",
        path,
        headers={"origin": ORIGIN, "access-control-request-method": "POST"},
    )
    assert status == 204 and headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in headers["access-control-allow-methods"]
    status, headers, body = http(
        apm_stack, "POST", path, envelope(event("from a browser")), {"origin": ORIGIN, "content-type": "text/plain"}
    )
    assert status == 200 and headers["access-control-allow-origin"] == ORIGIN, body
    status, headers, _ = http(
        apm_stack,
        "POST",
        path,
        envelope(event("elsewhere")),
        {"origin": "http://evil.test", "content-type": "text/plain"},
    )
    assert "access-control-allow-origin" not in headers


def test_accepted_errors_are_forwarded_scrubbed_to_the_upstream_sentry(apm_stack: Stack, sink: Sink) -> None:
    body = event("card 4111 1111 1111 1111 declined")
    body["extra"] = {"password": "hunter2", "order": 7}
    status, _, answer = http(apm_stack, "POST", "/apm/api/1/envelope/", envelope(body), auth())
    assert status == 200, answer
    deadline = time.monotonic() + 20
    while not (mine := [r for r in sink.requests("/sentry/api/42/envelope/") if body["event_id"].encode() in r.body]):
        assert time.monotonic() < deadline, "the event never reached the upstream"
        time.sleep(0.2)
    (sent,) = mine
    assert f"sentry_key={UPSTREAM_KEY}" in sent.headers["x-sentry-auth"]
    header, item_header, payload = sent.body.split(b"\n")[:3]
    assert json.loads(header)["dsn"].endswith("/sentry/42") and json.loads(item_header)["type"] == "event"
    forwarded = json.loads(payload)
    assert forwarded["event_id"] == body["event_id"] and forwarded["extra"]["order"] == 7
    assert "hunter2" not in sent.body.decode() and "4111 1111 1111 1111" not in sent.body.decode()
    deadline = time.monotonic() + 10
    while stats(apm_stack).get("forward:ok", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stats(apm_stack).get("forward:ok", 0) >= 1


def test_the_upstreams_rate_limit_is_honoured_and_counted(apm_stack: Stack, sink: Sink) -> None:
    time.sleep(1)  # forwards of earlier tests' events have arrived
    sink.reset()
    before = stats(apm_stack).get("forward:rate_limited", 0)
    sink.rate_limit("/sentry/api/42/envelope/", retry_after_s=30, times=1)
    for n in range(3):
        status, _, _ = http(apm_stack, "POST", "/apm/api/1/envelope/", envelope(event(f"limited {n}")), auth())
        assert status == 200
        time.sleep(0.5)  # one at a time: the first answer sets the limit before the next is sent
    deadline = time.monotonic() + 15
    while stats(apm_stack).get("forward:rate_limited", 0) < before + 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(sink.requests("/sentry/api/42/envelope/")) == 1  # the 429, then nothing for 30 s
    assert stats(apm_stack)["forward:rate_limited"] == before + 3

"""pitchey-logs end to end on real workerd: ingest formats, auth and bad input, sampling, scrubbing
that really keeps secrets out of storage, flush on cron and on size, search, tail, retention, an R2
failure with recovery, and duplicate batches."""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import pytest

from edgewatch.logs.sampling import trace_draw
from edgewatch.schedule import DAILY, HOURLY
from scripts.stack import Stack
from tests.e2e.conftest import INGEST_TOKEN, READ_TOKEN, SERVICE_TOKEN

JSON = {"content-type": "application/json", "authorization": f"Bearer {INGEST_TOKEN}"}
READ = {"authorization": f"Bearer {READ_TOKEN}"}
DAY = 86_400_000


def now_ms() -> int:
    return int(time.time() * 1000)


def service_name() -> str:
    return f"svc-{uuid.uuid4().hex[:10]}"


def ingest(
    stack: Stack, body: Any, headers: dict[str, str] | None = None, path: str = "/logs/ingest"
) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return stack.request("POST", path, data, headers or JSON)


def search(stack: Stack, **params: str) -> dict[str, Any]:
    status, body = stack.request("GET", "/logs/search?" + urllib.parse.urlencode(params), headers=READ)
    assert status == 200, body
    result: dict[str, Any] = body
    return result


def flush(stack: Stack) -> dict[str, Any]:
    """Deliver the hourly cron, whose logs.flush job archives every shard."""
    outcome = stack.trigger_cron(HOURLY, now_ms() - now_ms() % 3_600_000)
    status, body = stack.request("GET", "/monitoring/cron", headers=READ)
    assert status == 200
    run: dict[str, Any] = next(s for s in body["schedules"] if s["cron"] == HOURLY)["last_run"]
    run["outcome"] = outcome["outcome"]
    return run


def flush_ok(stack: Stack) -> None:
    run = flush(stack)
    job = next(j for j in run["jobs"] if j["job"] == "logs.flush")
    assert job["status"] == "ok", job


def err(service: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"level": "error", "message": message, "service": service, "timestamp": now_ms(), **extra}


# -- ingest ------------------------------------------------------------------------------------


def test_seed_example_is_accepted(stack: Stack) -> None:
    # The deploy guide's example body, as written (the token is what a deployed stack requires).
    body = {"level": "info", "message": "Test log entry", "service": "test", "timestamp": now_ms()}
    status, answer = ingest(stack, body)
    assert status == 202, answer
    assert answer["accepted"] == 1
    assert answer["stored"] + answer["sampled_out"] == 1  # info is sampled at 0.1
    assert answer["rejected"] == 0


def test_array_ndjson_and_gzip_are_stored_and_searchable(stack: Stack) -> None:
    svc = service_name()
    status, _ = ingest(stack, [err(svc, "array one"), err(svc, "array two")])
    assert status == 202
    ndjson = "\n".join(json.dumps(err(svc, f"ndjson {i}")) for i in range(3)).encode()
    status, _ = ingest(stack, ndjson, {**JSON, "content-type": "application/x-ndjson"})
    assert status == 202
    packed = gzip.compress(json.dumps(err(svc, "gzipped line")).encode())
    status, _ = ingest(stack, packed, {**JSON, "content-encoding": "gzip"})
    assert status == 202
    found = search(stack, service=svc)
    assert sorted(m["message"] for m in found["matches"]) == [
        "array one",
        "array two",
        "gzipped line",
        "ndjson 0",
        "ndjson 1",
        "ndjson 2",
    ]


def test_bad_lines_are_rejected_one_by_one(stack: Stack) -> None:
    svc = service_name()
    lines = [
        json.dumps(err(svc, "good 1")),
        "{not json",
        json.dumps({"level": "loud", "message": "x"}),
        json.dumps(err(svc, "good 2")),
    ]
    status, answer = ingest(stack, "\n".join(lines).encode(), {**JSON, "content-type": "application/x-ndjson"})
    assert status == 207, answer
    assert answer["accepted"] == 2 and answer["rejected"] == 2
    assert [e["index"] for e in answer["errors"]] == [1, 2]
    assert {m["message"] for m in search(stack, service=svc)["matches"]} == {"good 1", "good 2"}


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({"content-type": "application/json"}, b"{}", 401, "unauthorized"),  # no token
        (
            {"content-type": "application/json", "authorization": "Bearer wrong-token-000000"},
            b"{}",
            401,
            "unauthorized",
        ),
        ({**JSON, "content-type": "text/html"}, b"<p>", 415, "unsupported_media_type"),
        ({**JSON, "content-encoding": "br"}, b"{}", 415, "unsupported_media_type"),
        ({**JSON, "content-encoding": "gzip"}, b"not gzip", 400, "bad_request"),
        (JSON, b"", 400, "bad_request"),
        (JSON, b"{oops", 400, "bad_request"),
        (JSON, json.dumps({"level": "info"}).encode(), 422, "invalid_fields"),  # no message
        (JSON, b"x" * 5_000_001, 413, "payload_too_large"),
    ],
)
def test_bad_requests_get_a_clear_4xx(
    stack: Stack, headers: dict[str, str], body: bytes, status: int, code: str
) -> None:
    got, answer = ingest(stack, body, headers)
    assert got == status, answer
    assert answer["error"]["code"] == code
    assert answer["error"]["message"]


def test_a_service_token_may_write_only_its_service(stack: Stack) -> None:
    headers = {**JSON, "authorization": f"Bearer {SERVICE_TOKEN}"}
    status, answer = ingest(stack, err("checkout", "own service"), headers)
    assert status == 202, answer
    status, answer = ingest(stack, err("billing", "someone else's"), headers)
    assert status == 403
    assert "checkout" in answer["error"]["message"]
    # A line without a service gets the token's service.
    status, answer = ingest(stack, {"level": "error", "message": "no service given"}, headers)
    assert status == 202
    assert any(m["message"] == "no service given" for m in search(stack, service="checkout")["matches"])


def test_search_needs_a_read_token(stack: Stack) -> None:
    status, body = stack.request("GET", "/logs/search")
    assert status == 401
    assert body["error"]["code"] == "unauthorized"


def test_otlp_json_logs(stack: Stack) -> None:
    svc = service_name()
    ts_ns = now_ms() * 1_000_000
    request = {
        "resourceLogs": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": svc}}]},
                "scopeLogs": [
                    {
                        "scope": {"name": "checkout-lib"},
                        "logRecords": [
                            {
                                "timeUnixNano": str(ts_ns),
                                "severityNumber": 17,
                                "body": {"stringValue": "otlp error line"},
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": "eee19b7ec3c1b174",
                                "attributes": [{"key": "http.status", "value": {"intValue": "502"}}],
                                "someFutureField": True,
                            },
                            {"timeUnixNano": ts_ns, "severityNumber": 99, "body": {"stringValue": "bad severity"}},
                        ],
                    }
                ],
            }
        ]
    }
    status, answer = ingest(stack, request, path="/v1/logs")
    assert status == 200, answer
    assert answer["partialSuccess"]["rejectedLogRecords"] == 1
    found = search(stack, service=svc)["matches"]
    assert [(m["message"], m["level"], m["trace_id"]) for m in found] == [
        ("otlp error line", "error", "5b8efff798038103d269b633813fc60c")
    ]


def test_loki_push(stack: Stack) -> None:
    svc = service_name()
    body = {
        "streams": [
            {
                "stream": {"service_name": svc, "level": "error", "env": "prod"},
                "values": [[str(now_ms() * 1_000_000), "loki line one"], [str(now_ms() * 1_000_000), "loki line two"]],
            }
        ]
    }
    status, answer = ingest(stack, body, path="/loki/api/v1/push")
    assert status == 204, answer
    found = search(stack, service=svc)["matches"]
    assert sorted(m["message"] for m in found) == ["loki line one", "loki line two"]
    assert all(m["attributes"]["env"] == "prod" for m in found)


# -- sampling and scrubbing --------------------------------------------------------------------


def test_info_sampling_ratio_and_weights(stack: Stack) -> None:
    svc = service_name()
    n = 2000
    lines = [{"level": "info", "message": f"i {i}", "service": svc, "trace_id": uuid.uuid4().hex} for i in range(n)]
    status, answer = ingest(stack, lines)
    assert status == 202
    kept = answer["stored"]
    # Binomial(2000, 0.1): mean 200, sigma 13.4; 5 sigma either side.
    assert 133 <= kept <= 267, kept
    found = search(stack, service=svc, limit="1000")
    assert found["count"] == kept
    assert all(m["weight"] == pytest.approx(10.0) for m in found["matches"])
    # Every line of a kept trace is kept, whatever its level.
    # A kept trace (its draw u < 0.1) whose draw is also >= 0.01, so its debug line must be dropped.
    trace = next(m["trace_id"] for m in found["matches"] if (trace_draw(m["trace_id"]) or 0.0) >= 0.01)
    status, _ = ingest(
        stack,
        [
            {"level": lv, "message": f"{lv} in trace", "service": svc, "trace_id": trace}
            for lv in ("debug", "info", "warn")
        ],
    )
    assert status == 202
    levels = {m["level"] for m in search(stack, service=svc, trace_id=trace)["matches"]}
    assert levels == {"info", "warn"}  # the info line kept, warn (1.0) kept, debug (0.01) dropped
    counts = stack.request("GET", f"/logs/metrics?service={svc}", headers=READ)[1]["series"]
    assert sum(c["counts"].get("info", 0) for c in counts) == n + 1  # counts include sampled-out lines


SECRETS = {
    "password": "hunter2-correct-horse",
    "email": "jane.doe@example.org",
    "card": "4111 1111 1111 1111",
    "bearer": "Bearer sk_live_51HqLyjWDarjtT1zdp7dc",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "ip": "203.0.113.77",
}


def _all_stored_text(state: Path) -> str:
    """Everything the local runtime persisted (R2 blobs, KV, Durable Object SQLite), decompressed."""
    chunks = []
    for path in state.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if data[:16] == b"SQLite format 3\x00":
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                    for row in db.execute(f'SELECT * FROM "{table}"'):
                        chunks.append(" ".join(str(v) for v in row))
        chunks.append(data.decode("utf-8", errors="replace"))
    return "\n".join(chunks)


def test_secrets_never_reach_storage(stack: Stack) -> None:
    svc = service_name()
    lines = [
        err(
            svc,
            f"login failed for {SECRETS['email']} with password={SECRETS['password']}",
            attributes={"password": SECRETS["password"]},
        ),
        err(
            svc,
            f"charged card {SECRETS['card']}",
            attributes={"nested": {"deep": [{"authorization": SECRETS["bearer"]}]}},
        ),
        err(svc, f"token {SECRETS['jwt']} from {SECRETS['ip']}", attributes={"aws_key": SECRETS["aws"]}),
        err(
            svc,
            "header dump",
            attributes={"headers": {"Authorization": SECRETS["bearer"], "X-Forwarded-For": SECRETS["ip"]}},
        ),
    ]
    status, _ = ingest(stack, lines)
    assert status == 202
    flush_ok(stack)
    found = search(stack, service=svc)["matches"]
    assert len(found) == 4
    stored = _all_stored_text(stack.persist_dir)
    assert svc in stored  # the scan does see our data ...
    for name, secret in SECRETS.items():  # ... and no secret in any form
        assert secret not in stored, name
    assert "[email]" in json.dumps(found) and "[card]" in json.dumps(found)


# Issue 13: chat webhook URLs (their secret is in the path or query) and incident-service keys.
WEBHOOK_SECRETS = {
    "slack": ("https://hooks.slack.com/services/", "T0E2E0001/B0E2E0002/e2eSlackSecret0123456789"),
    "slack-workflow": ("https://hooks.slack.com/workflows/", "T0E2E0001/A0E2E0003/4711/e2eWorkflowSecret42"),
    "discord": ("https://discord.com/api/webhooks/", "112233445566778899/e2eDiscordToken_abc-DEF0123456789"),
    "discord-ptb": ("https://ptb.discordapp.com/api/webhooks/", "998877665544332211/e2ePtbToken0123456789"),
    "teams": (
        "https://contoso.webhook.office.com/webhookb2/",
        "1a2b3c4d-0000-1111-2222-e2e000000001@9a8b7c6d-3333-4444-5555-e2e000000002/IncomingWebhook/"
        "e2e0123456789abcdef0123456789abc/0a1b2c3d-6666-7777-8888-e2e000000003/V2e2eTeamsSig",
    ),
    "teams-old": ("https://outlook.office.com/webhook/", "e2eOldTeams-1a2b@9a8b/IncomingWebhook/e2eOldTeamsHex"),
    "logic-apps": (
        "https://prod-27.westeurope.logic.azure.com:443/workflows/",
        "e2e0123456789abcdef0123456789ab/triggers/manual/paths/invoke?api-version=2016-06-01&sv=1.0"
        "&sig=e2eLogicAppsSignatureAbCdEfGhIjKlMnOpQrStUv",
    ),
    "google-chat": (
        "https://chat.googleapis.com/v1/spaces/",
        "AAAAe2eSpace/messages?key=e2eChatKeyAbCdEfGhIjKlMn&token=e2eChatTokenOpQrStUvWxYz",
    ),
}
PAGERDUTY_KEY = "r0e2e0123456789abcdef0123456789a"  # 32 of [a-z0-9]
OPSGENIE_KEY = "e2e0c0de-1a2b-4c3d-8e9f-0123456789ab"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_chat_webhooks_and_incident_keys_never_reach_storage(stack: Stack) -> None:
    svc = service_name()
    lines = []
    for name, (kept, secret) in WEBHOOK_SECRETS.items():
        url = kept + secret
        lines.append(err(svc, f"{name}: POST {url} failed: 404", trace_id=TRACE_ID, attributes={"target": url}))
        lines.append(err(svc, "payload " + json.dumps({"name": name, "url": url}), attributes={"cfg": {"u": [url]}}))
    lines += [
        err(svc, f"routing key: {PAGERDUTY_KEY} rejected (trace_id={TRACE_ID})", trace_id=TRACE_ID),
        err(svc, "enqueue " + json.dumps({"routing_key": PAGERDUTY_KEY, "event_action": "trigger"})),
        err(svc, f"integration_key={PAGERDUTY_KEY} GenieKey {OPSGENIE_KEY}"),
        err(
            svc,
            "delivery headers",
            attributes={
                "routing_key": PAGERDUTY_KEY,
                "X-Routing-Key": PAGERDUTY_KEY,
                "integrationKey": OPSGENIE_KEY,
                "trace_id": TRACE_ID,
            },
        ),
    ]
    status, _ = ingest(stack, lines)
    assert status == 202
    buffered = search(stack, service=svc, limit="500")["matches"]
    assert len(buffered) == len(lines)
    flush_ok(stack)
    found = search(stack, service=svc, limit="500")["matches"]
    assert len(found) == len(lines)
    stored = _all_stored_text(stack.persist_dir)
    assert svc in stored
    for matches in (json.dumps(buffered), json.dumps(found), stored):
        for name, (_kept, secret) in WEBHOOK_SECRETS.items():
            assert secret not in matches, name
            for part in secret.replace("?", "/").replace("&", "/").split("/"):
                assert len(part) < 12 or part not in matches, (name, part)
        assert PAGERDUTY_KEY not in matches and OPSGENIE_KEY not in matches
    text = json.dumps(found)
    for kept, _ in WEBHOOK_SECRETS.values():
        assert kept + "[webhook]" in text  # the line stays readable: scheme, host, path start
    assert "routing key: [incident_key]" in text and '\\"routing_key\\": \\"[incident_key]\\"' in text
    # Trace ids are 32 hex as well: they stay, in the field, in text and in attributes, and search finds them.
    assert f"trace_id={TRACE_ID}" in text
    headers = next(m for m in found if m["message"] == "delivery headers")
    assert headers["attributes"]["trace_id"] == TRACE_ID and headers["attributes"]["routing_key"] == "[REDACTED]"
    assert search(stack, service=svc, trace_id=TRACE_ID)["count"] == len(WEBHOOK_SECRETS) + 1


def test_log_injection_is_neutralised(stack: Stack) -> None:
    svc = service_name()
    status, _ = ingest(stack, err(svc, 'ok\n{"level":"info","message":"forged"}\r\x1b[31mred'))
    assert status == 202
    [found] = search(stack, service=svc)["matches"]
    assert "\n" not in found["message"] and "\r" not in found["message"] and "\x1b" not in found["message"]


# -- storage, search, tail ---------------------------------------------------------------------


def test_flush_on_cron_keeps_everything_searchable(stack: Stack) -> None:
    svc = service_name()
    rid = f"req-{uuid.uuid4().hex}"
    status, _ = ingest(stack, [err(svc, "before flush", request_id=rid, user_id="u-1", attributes={"route": "/pay"})])
    assert status == 202
    assert search(stack, request_id=rid)["buffered_matches"] == 1
    flush_ok(stack)
    result = search(stack, request_id=rid)
    assert result["buffered_matches"] == 0
    assert [m["message"] for m in result["matches"]] == ["before flush"]
    assert result["objects"]["scanned"] >= 1
    assert result["objects"]["skipped_by_index"] >= 0
    for params in (
        {"user_id": "u-1", "service": svc},
        {"attr.route": "/pay", "service": svc},
        {"q": '"before flush"', "service": svc},
        {"level": "error", "service": svc},
    ):
        assert search(stack, **params)["count"] == 1, params
    assert search(stack, service=svc, level="fatal")["count"] == 0


def test_search_pages_newest_first_with_a_cursor(stack: Stack) -> None:
    svc = service_name()
    base = now_ms() - 60_000
    status, _ = ingest(stack, [{**err(svc, f"n{i}"), "timestamp": base + i} for i in range(7)])
    assert status == 202
    flush_ok(stack)
    status, _ = ingest(stack, [{**err(svc, f"n{i}"), "timestamp": base + i} for i in range(7, 10)])  # still buffered
    seen = []
    cursor = None
    while True:
        params = {"service": svc, "limit": "4", **({"cursor": cursor} if cursor else {})}
        page = search(stack, **params)
        seen += [m["message"] for m in page["matches"]]
        cursor = page["cursor"]
        if not cursor:
            break
    assert seen == [f"n{i}" for i in range(9, -1, -1)]


def test_time_range_filters(stack: Stack) -> None:
    svc = service_name()
    t = now_ms() - 3_600_000
    status, _ = ingest(stack, [{**err(svc, "old"), "timestamp": t}, {**err(svc, "new"), "timestamp": t + 600_000}])
    assert status == 202
    got = search(stack, service=svc, **{"from": str(t + 1), "to": str(t + 700_000)})
    assert [m["message"] for m in got["matches"]] == ["new"]


def test_tail_returns_only_new_entries(stack: Stack) -> None:
    svc = service_name()
    status, body = stack.request("GET", "/logs/tail?limit=1", headers=READ)
    assert status == 200
    cursor = body["cursor"]
    status, _ = ingest(stack, [err(svc, "tail 1"), err(svc, "tail 2")])
    assert status == 202
    status, body = stack.request("GET", f"/logs/tail?since={cursor}", headers=READ)
    assert status == 200
    assert [e["message"] for e in body["entries"] if e["service"] == svc] == ["tail 1", "tail 2"]
    status, again = stack.request("GET", f"/logs/tail?since={body['cursor']}", headers=READ)
    assert [e for e in again["entries"] if e["service"] == svc] == []


def test_metrics_per_service_and_minute(stack: Stack) -> None:
    svc = service_name()
    t = now_ms() - now_ms() % 60_000
    lines = [{**err(svc, "e"), "timestamp": t + 1}] * 3 + [
        {"level": "warn", "message": "w", "service": svc, "timestamp": t + 2}
    ] * 7
    status, _ = ingest(stack, lines)
    assert status == 202
    status, body = stack.request("GET", f"/logs/metrics?service={svc}", headers=READ)
    assert status == 200
    [minute] = body["series"]
    assert minute["minute"] == t
    assert minute["counts"] == {"error": 3, "warn": 7}
    assert minute["error_rate"] == pytest.approx(0.3)


def test_duplicate_batch_is_stored_once(stack: Stack) -> None:
    svc = service_name()
    headers = {**JSON, "x-batch-id": f"batch-{uuid.uuid4().hex}"}
    body = [err(svc, "once a"), err(svc, "once b")]
    first = ingest(stack, body, headers)
    second = ingest(stack, body, headers)
    assert first[0] == second[0] == 202
    assert first[1]["duplicate"] is False and second[1]["duplicate"] is True
    assert search(stack, service=svc)["count"] == 2


def test_r2_failure_loses_nothing_and_recovers(stack: Stack) -> None:
    svc = service_name()
    status, _ = ingest(stack, [err(svc, f"kept {i}") for i in range(5)])
    assert status == 202
    status, _ = stack.request("PUT", "/logs/_test/faults/r2_put?count=1", b"")
    assert status == 200
    run = flush(stack)
    job = next(j for j in run["jobs"] if j["job"] == "logs.flush")
    assert job["status"] == "failed" and "injected R2 put failure" in job["detail"]
    stats = stack.request("GET", "/logs/stats", headers=READ)[1]
    assert sum(s["flush_failures"] for s in stats["shards"]) >= 1
    assert search(stack, service=svc)["count"] == 5  # still buffered, still searchable
    flush_ok(stack)
    result = search(stack, service=svc)
    assert result["count"] == 5 and result["buffered_matches"] == 0


def test_a_flush_failing_part_way_archives_nothing_twice_and_loses_nothing(stack: Stack) -> None:
    flush_ok(stack)  # what earlier tests left is archived: the fault below meets only this test's objects
    svc = service_name()
    hour_ago = now_ms() - 3_600_000
    entries = [err(svc, f"now {i}") for i in range(3)] + [
        {**err(svc, f"hour ago {i}"), "timestamp": hour_ago} for i in range(4)
    ]
    assert ingest(stack, entries)[0] == 202
    # Two objects (one per hour): the first is written, the second fails.
    assert stack.request("PUT", "/logs/_test/faults/r2_put_later?count=1", b"")[0] == 200
    run = flush(stack)
    job = next(j for j in run["jobs"] if j["job"] == "logs.flush")
    assert job["status"] == "failed" and "injected R2 put failure" in job["detail"], job
    window = {"service": svc, "from": str(hour_ago - 60_000), "limit": "100"}
    half = search(stack, **window)
    messages = sorted(e["message"] for e in half["matches"])
    assert messages == sorted(e["message"] for e in entries), messages  # each entry once: buffered or archived
    assert 0 < half["buffered_matches"] < len(entries), half
    flush_ok(stack)
    done = search(stack, **window)
    assert sorted(e["message"] for e in done["matches"]) == messages and done["buffered_matches"] == 0, done
    assert len({e["id"] for e in done["matches"]}) == len(entries)


def test_flush_on_size_without_cron(stack: Stack) -> None:
    svc = service_name()
    batch = [err(svc, f"bulk {i}") for i in range(5000)]  # the default maxEntries threshold
    status, answer = ingest(stack, batch)
    assert status == 202 and answer["stored"] == 5000
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if search(stack, service=svc, limit="1")["buffered_matches"] == 0:
            break
        time.sleep(0.5)
    result = search(stack, service=svc, limit="1000")
    assert result["buffered_matches"] == 0, "the size threshold did not flush the shard"
    assert result["count"] == 1000


def test_retention_deletes_exactly_what_is_old(stack: Stack) -> None:
    svc = service_name()
    now = now_ms()
    status, _ = ingest(
        stack,
        [{**err(svc, "ancient"), "timestamp": now - 45 * DAY}, {**err(svc, "recent"), "timestamp": now - 2 * DAY}],
    )
    assert status == 202
    flush_ok(stack)
    assert search(stack, service=svc, **{"from": str(now - 60 * DAY)})["count"] == 2
    stack.trigger_cron(DAILY, now - now % DAY)
    status, body = stack.request("GET", "/monitoring/cron", headers=READ)
    run = next(s for s in body["schedules"] if s["cron"] == DAILY)["last_run"]
    job = next(j for j in run["jobs"] if j["job"] == "logs.retention")
    assert job["status"] == "ok", job
    assert job["result"]["deleted"] >= 1 and job["result"]["violations"] == 0
    assert [m["message"] for m in search(stack, service=svc, **{"from": str(now - 60 * DAY)})["matches"]] == ["recent"]
    report = stack.request("GET", "/logs/stats", headers=READ)[1]["retention"]
    assert report["ok"] is True and report["oldest_age_ms"] <= 31 * DAY
    status, health = stack.request("GET", "/logs/health")
    assert health["checks"]["retention"]["ok"] is True

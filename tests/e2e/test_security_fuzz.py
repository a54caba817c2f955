"""Hypothesis against pitchey-security's endpoints on real workerd: whatever arrives, a JSON 2xx
or 4xx, never a 5xx."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.stack import Stack
from tests.e2e.conftest import ADMIN_TOKEN, INGEST_TOKEN, READ_TOKEN
from tests.e2e.test_logs_fuzz import JSON_VALUES

NASTY = st.sampled_from(
    ["<script>alert(1)</script>", "' OR '1'='1", "../../etc/passwd", "; cat /etc/passwd", "http://169.254.169.254/",
     "%25252e%25252e%25252f", "\x00\x01", "\U0001d4b3" * 50, "", "/api/auth/login", "a" * 5000]
) | st.text(max_size=60)  # fmt: skip
CHECK_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "path": NASTY | JSON_VALUES,
        "pathname": NASTY,
        "method": st.sampled_from(["GET", "post", "BREW"]) | JSON_VALUES,
        "userId": NASTY | JSON_VALUES,
        "ip": st.sampled_from(["203.0.113.5", "::1", "999.1.1.1", "not-ip"]) | JSON_VALUES,
        "headers": st.dictionaries(
            st.sampled_from(["user-agent", "referer", "x-forwarded-for", "x"]), NASTY, max_size=3
        )
        | JSON_VALUES,
        "query": NASTY | JSON_VALUES,
        "body": NASTY | JSON_VALUES,
        "contentType": st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"])
        | JSON_VALUES,
        "account": NASTY | JSON_VALUES,
        "status": st.integers(-1, 700) | JSON_VALUES,
        "target": NASTY | st.sampled_from(["10.0.0.0/8", "user:1", "2001:db8::/32"]),
        "ttl": st.sampled_from(["1h", "0s", "forever"]) | JSON_VALUES,
    },
)
BODIES = st.one_of(st.binary(max_size=200), CHECK_LIKE.map(lambda v: json.dumps(v).encode()))
TARGETS = st.sampled_from(
    [
        ("POST", "/security/check", INGEST_TOKEN),
        ("POST", "/security/report", INGEST_TOKEN),
        ("POST", "/security/blocklist", ADMIN_TOKEN),
    ]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=TARGETS, body=BODIES)
def test_security_endpoints_never_fail_with_a_5xx(stack: Stack, target: tuple[str, str, str], body: bytes) -> None:
    method, path, token = target
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    status, answer = stack.request(method, path, body, headers)
    assert status < 500, (status, answer)
    if status >= 400:
        assert isinstance(answer, dict) and answer["error"]["message"], answer
    elif path.endswith("blocklist") and isinstance(answer, dict) and answer.get("entry"):
        stack.request("DELETE", f"/security/blocklist/{answer['entry']['target']}", None, headers)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(["type", "identifier", "route", "from", "to", "limit", "cursor", "x"]),
                             NASTY, max_size=4))  # fmt: skip
def test_events_query_never_fails_with_a_5xx(stack: Stack, query: dict[str, str]) -> None:
    from urllib.parse import urlencode

    status, answer = stack.request(
        "GET", f"/security/events?{urlencode(query)}", None, {"authorization": f"Bearer {READ_TOKEN}"}
    )
    assert status < 500, (status, answer)

"""Hypothesis against the uptime write API on real workerd: whatever the body, a JSON 2xx or 4xx."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scripts.stack import Stack
from tests.e2e.conftest import ADMIN_TOKEN
from tests.e2e.test_logs_fuzz import JSON_VALUES

CHECK_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["fuzz-a", "fuzz b", "", "x" * 70]) | JSON_VALUES,
        "url": st.sampled_from(["http://127.0.0.1:9/x", "/path", "ftp://x", "http://"]) | JSON_VALUES,
        "method": st.sampled_from(["GET", "head", "TRACE"]) | JSON_VALUES,
        "headers": st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3) | JSON_VALUES,
        "expectedStatus": st.integers(-5, 1000) | st.lists(st.integers(0, 999), max_size=3) | JSON_VALUES,
        "keyword": JSON_VALUES,
        "timeout": st.integers(-10, 100_000) | JSON_VALUES,
        "interval": st.integers(0, 10**9) | JSON_VALUES,
        "every": st.sampled_from(["1m", "0s", "5 minutes"]) | JSON_VALUES,
        "start": st.integers() | st.text(max_size=30),
        "end": st.integers() | st.text(max_size=30),
    },
)
BODIES = st.one_of(st.binary(max_size=200), JSON_VALUES.map(lambda v: json.dumps(v).encode()))
TARGETS = st.sampled_from(
    [
        ("POST", "/monitoring/checks"),
        ("PUT", "/monitoring/checks/fuzz-a"),
        ("POST", "/monitoring/heartbeats"),
        ("POST", "/monitoring/maintenance"),
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=TARGETS, body=st.one_of(BODIES, CHECK_LIKE.map(lambda v: json.dumps(v).encode())))
@example(target=("POST", "/monitoring/checks"), body=b'{"\\r":null}')  # a control character as a field name
def test_write_api_never_fails_with_a_5xx(stack: Stack, target: tuple[str, str], body: bytes) -> None:
    method, path = target
    headers = {"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}
    status, answer = stack.request(method, path, body, headers)
    assert status < 500, (status, answer)
    if status >= 400:
        assert isinstance(answer, dict) and answer["error"]["message"], answer
    elif isinstance(answer, dict) and "id" in answer:  # created: clean up so later runs see a fresh id
        kind = (
            "maintenance"
            if path.endswith("maintenance")
            else path.rsplit("/", 2)[1]
            if method == "PUT"
            else path.rsplit("/", 1)[1]
        )
        stack.request("DELETE", f"/monitoring/{kind}/{answer['id']}", None, headers)

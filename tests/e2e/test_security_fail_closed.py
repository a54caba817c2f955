"""A stack whose security settings say failMode "closed": when the RateLimiter cannot be reached,
requests are refused with 503 and Retry-After, and the failure is counted."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import Stack

TOKEN = "closed-ingest-token-0001"


@pytest.fixture(scope="module")
def closed_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("fail-closed")
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=None,
        extra_vars={
            "SECURITY_CONFIG_JSON": json.dumps({"failMode": "closed"}),
            "LOG_INGEST_TOKENS": json.dumps({TOKEN: "*"}),
        },
    )
    stack.start()
    yield stack
    stack.stop()


def test_an_unreachable_limiter_refuses_when_closed(closed_stack: Stack) -> None:
    stack = closed_stack
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    assert stack.request("PUT", "/logs/_test/faults/rate_limiter?count=2")[0] == 200
    status, body = stack.request("POST", "/security/check", {"path": "/api/auth/login", "ip": "192.0.2.7"}, headers)
    assert status == 200, body
    assert (body["allowed"], body["status"], body["outcome"]) == (False, 503, "failed_closed")
    assert body["headers"]["Retry-After"] == "5"
    # Through the guard, the platform answers 503 itself.
    req = urllib.request.Request(stack.base_url + "/api/auth/login", headers={"cf-connecting-ip": "192.0.2.8"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=30)
    assert refused.value.code == 503
    assert refused.value.headers["retry-after"] == "5"
    limiter = stack.request("GET", "/security/health")[1]["limiter"]
    assert (limiter["fail_mode"], limiter["unreachable_total"]) == ("closed", 2)
    # With the object reachable again, the same client is decided normally.
    status, body = stack.request("POST", "/security/check", {"path": "/api/auth/login", "ip": "192.0.2.7"}, headers)
    assert (body["allowed"], body["outcome"], body["remaining"]) == (True, "allowed", 4)

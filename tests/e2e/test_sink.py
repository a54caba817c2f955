"""The sink answers like the real services and fails exactly as told."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.support.sink import Sink


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_records_and_answers_like_the_services(sink: Sink) -> None:
    status, _, body = post(f"{sink.url}/slack/hooks/T/B/X", {"text": "hi"})
    assert (status, body) == (200, b"ok")
    status, _, body = post(f"{sink.url}/pagerduty/v2/enqueue", {"event_action": "trigger"})
    assert status == 202 and json.loads(body)["status"] == "success"
    recorded = sink.requests("/slack")
    assert len(recorded) == 1 and recorded[0].json() == {"text": "hi"}
    assert recorded[0].headers["content-type"] == "application/json"


def test_fails_then_recovers(sink: Sink) -> None:
    sink.fail("/slack", status=500, times=2)
    statuses = [post(f"{sink.url}/slack/x", {"n": i})[0] for i in range(3)]
    assert statuses == [500, 500, 200]


def test_rate_limits_with_retry_after(sink: Sink) -> None:
    sink.rate_limit("/pagerduty", retry_after_s=7)
    status, headers, _ = post(f"{sink.url}/pagerduty/v2/enqueue", {})
    assert status == 429
    assert {k.lower(): v for k, v in headers.items()}["retry-after"] == "7"


@pytest.mark.parametrize("delay", [0.3])
def test_answers_slowly_when_told(sink: Sink, delay: float) -> None:
    sink.slow("/sentry", delay)
    started = time.monotonic()
    status, _, _ = post(f"{sink.url}/sentry/api/1/envelope/", {})
    assert status == 200
    assert time.monotonic() - started >= delay

from __future__ import annotations

import json

import pytest

from edgewatch.apm.dsn import DsnError
from edgewatch.apm.forwarding import forward_request


def test_an_event_is_readdressed_to_the_upstream_project() -> None:
    event = {"event_id": "a" * 32, "message": "boom", "level": "error"}
    sent = forward_request("https://pub@o1.ingest.sentry.io/42", event, 1_767_225_600_000)
    assert sent.url == "https://o1.ingest.sentry.io/api/42/envelope/"
    assert "sentry_key=pub" in sent.headers["x-sentry-auth"]
    header, item, payload = sent.body.split(b"\n")[:3]
    assert json.loads(header)["dsn"] == "https://pub@o1.ingest.sentry.io/42"
    assert json.loads(item) == {"type": "event", "content_type": "application/json", "length": len(payload)}
    assert json.loads(payload) == event


def test_an_unusable_dsn_is_a_dsn_error() -> None:
    with pytest.raises(DsnError):
        forward_request("not a dsn", {"event_id": "a" * 32}, 0)

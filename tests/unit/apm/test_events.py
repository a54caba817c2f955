from __future__ import annotations

from typing import Any

import pytest

from edgewatch.apm.events import EventError, Privacy, normalize_event, timestamp_ms
from edgewatch.apm.scrubbing import LocalScrubber

from .goldens import RECEIVED_MS, captured

NOW = 1_796_180_000_000


def norm(payload: dict[str, Any], **kw: Any) -> Any:
    return normalize_event(payload, project="42", received_ms=NOW, **kw)


def test_a_real_sdk_event() -> None:
    event = captured("gzip")[4].event()  # RuntimeError raised from a ValueError
    assert event.project == "42" and event.platform == "python" and event.level == "error"
    assert event.release == "shop@1.4.0+build.7" and event.environment == "production"
    assert [e.type for e in event.exceptions] == ["ValueError", "RuntimeError"]  # oldest first
    last = event.exceptions[-1]
    assert (last.mechanism, last.handled) == ("generic", True)
    assert [(f.function, f.in_app) for f in last.frames] == [("run_sdk", False), ("wrapped", True)]
    assert last.frames[-1].context_line == '        raise RuntimeError("checkout failed") from exc'
    assert event.tags == {"service": "checkout"}
    assert event.user_id == "user-7"
    assert event.user_email is None and event.user_ip is None  # the SDK sent the email: not kept
    assert [b.message for b in event.breadcrumbs] == ["GET /cart"]
    assert event.trace_id is not None and len(event.trace_id) == 32
    assert event.span_id is not None and len(event.span_id) == 16
    assert event.sdk == "sentry.python/2.75.0"
    assert RECEIVED_MS - 86_400_000 < event.timestamp_ms <= RECEIVED_MS


def test_privacy_options_keep_email_and_ip() -> None:
    payload = {"user": {"id": 7, "email": "a@b.co", "ip_address": "203.0.113.9"}}
    assert norm(payload).user_id == "7"
    kept = norm(payload, privacy=Privacy(keep_user_email=True, keep_user_ip=True))
    assert (kept.user_email, kept.user_ip) == ("a@b.co", "203.0.113.9")
    assert norm({"user": {"username": "ana"}}).user_id == "ana"
    assert norm({"user": {"id": True}}).user_id is None


def test_request_keeps_url_and_method_only() -> None:
    event = norm(
        {
            "request": {
                "url": "https://shop.example/cart?token=abc#x",
                "method": "post",
                "headers": {"Authorization": "Bearer secret"},
                "cookies": "sid=1",
                "data": {"card": "4111111111111111"},
                "query_string": "token=abc",
            }
        }
    )
    assert (event.request_url, event.request_method) == ("https://shop.example/cart", "POST")
    assert "secret" not in repr(event) and "4111" not in repr(event) and "sid=1" not in repr(event)


@pytest.mark.parametrize(
    ("payload", "message", "template"),
    [
        ({"message": "plain"}, "plain", None),
        ({"logentry": {"message": "user %s failed", "params": ["ana"]}}, "user ana failed", "user %s failed"),
        (
            {"logentry": {"message": "user %s failed", "formatted": "user bob failed"}},
            "user bob failed",
            "user %s failed",
        ),
        ({"logentry": {"message": "bad %d", "params": ["x"]}}, "bad %d", "bad %d"),  # params that do not fit
        ({"message": {"message": "legacy %s", "params": [1]}}, "legacy 1", "legacy %s"),
        ({}, None, None),
    ],
)
def test_messages(payload: dict[str, Any], message: str | None, template: str | None) -> None:
    event = norm(payload)
    assert (event.message, event.message_template) == (message, template)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-02T02:17:08.112Z", 1796177828112),
        ("2026-12-02T02:17:08.112448Z", 1796177828112),  # the SDK's microseconds
        ("2026-12-02T04:17:08.112+02:00", 1796177828112),  # an offset: the general parser
        ("2026-12-02T02:17:08", None),  # no zone: unknowable
        ("2026-13-02T02:17:08.112Z", None),
        (1796177828.112, 1796177828112),
        ("yesterday", None),
        (None, None),
        (True, None),
    ],
)
def test_timestamps(value: object, expected: int | None) -> None:
    assert timestamp_ms(value) == expected


def test_time_is_corrected_like_relay() -> None:
    assert norm({"timestamp": (NOW - 5_000) / 1000}).timestamp_ms == NOW - 5_000
    assert norm({"timestamp": (NOW + 3_600_000) / 1000}).timestamp_ms == NOW  # from the future
    assert norm({"timestamp": (NOW - 40 * 86_400_000) / 1000}).timestamp_ms == NOW  # older than 30 days
    assert norm({}).timestamp_ms == NOW


def test_ids() -> None:
    given = "9EC79C33-EC99-42AB-8353-589FCB2E04DC"
    assert norm({"event_id": given}).event_id == "9ec79c33ec9942ab8353589fcb2e04dc"
    # the envelope header wins
    assert norm({"event_id": given}, event_id="a" * 32).event_id == "a" * 32
    # none given: derived from the payload, so a resend is the same event
    assert norm({"message": "x"}).event_id == norm({"message": "x"}).event_id != norm({"message": "y"}).event_id
    assert (
        norm({"contexts": {"trace": {"trace_id": "nothex", "span_id": "0123456789abcdef"}}}).span_id
        == "0123456789abcdef"
    )


def test_levels() -> None:
    assert [norm({"level": v}).level for v in ("warn", "CRITICAL", "info", "bogus", None)] == [
        "warning",
        "fatal",
        "info",
        "error",
        "error",
    ]


def test_bounds() -> None:
    frames = [{"function": f"f{i}", "in_app": True} for i in range(300)]
    payload = {
        "exception": {"values": [{"type": f"E{i}", "stacktrace": {"frames": frames}} for i in range(12)]},
        "breadcrumbs": {"values": [{"message": f"m{i}"} for i in range(150)]},
        "tags": {f"t{i}": "v" for i in range(80)},
        "message": "x" * 20_000,
    }
    event = norm(payload)
    assert len(event.exceptions) == 10 and event.exceptions[-1].type == "E11"  # the newest kept
    kept = [f.function for f in event.exceptions[-1].frames]
    assert len(kept) == 250 and kept[:2] == ["f0", "f1"] and kept[-1] == "f299"  # both ends kept
    assert len(event.breadcrumbs) == 100 and event.breadcrumbs[-1].message == "m149"
    assert len(event.tags) == 50
    assert event.message is not None and len(event.message) == 8192


def test_legacy_and_odd_shapes() -> None:
    single = norm({"exception": {"type": "E", "value": "v"}})  # one exception, not in values
    assert [e.type for e in single.exceptions] == ["E"]
    listed = norm({"exception": [{"type": "A"}, "junk", {"type": "B"}]})
    assert [e.type for e in listed.exceptions] == ["A", "B"]
    assert norm({"tags": [["a", "1"], ["b"], [1, 2], "x"]}).tags == {"a": "1"}
    assert norm({"stacktrace": {"frames": [{"function": "main"}, 3]}}).stacktrace[0].function == "main"
    odd = norm({"exception": {"values": [{"type": {"x": 1}, "stacktrace": {"frames": "no"}}]}, "sdk": []})
    assert odd.exceptions[0].frames == () and odd.sdk is None
    with pytest.raises(EventError):
        normalize_event([], project="1", received_ms=NOW)  # type: ignore[arg-type]


def test_scrubbed_before_storage() -> None:
    event = norm(
        {
            "message": "login failed for ana@example.com with Bearer abcdefghijklmnop",
            "exception": {
                "values": [
                    {
                        "type": "AuthError",
                        "value": "card 4111 1111 1111 1111 refused from 203.0.113.9",
                        "stacktrace": {
                            "frames": [{"context_line": "url = base + '?api_key=hunter2'", "vars": {"pw": "x9"}}]
                        },
                    }
                ]
            },
            "tags": {"session_id": "abc", "route": "/login"},
            "breadcrumbs": [{"message": "sent token=abc123 to api"}],
            "extra": {"password": "hunter2"},
        }
    )
    assert event.message == "login failed for [email] with Bearer [REDACTED]"
    assert event.exceptions[0].value == "card [card] refused from 203.0.113.0"
    assert event.exceptions[0].frames[0].context_line == "url = base + '?api_key=[REDACTED]'"
    assert event.tags == {"session_id": "[REDACTED]", "route": "/login"}
    assert event.breadcrumbs[0].message == "sent token=[REDACTED] to api"
    assert "hunter2" not in repr(event) and "x9" not in repr(event)  # frame vars and extra are not stored


def test_the_scrubber_is_injected() -> None:
    class Upper:
        def scrub_value(self, value: object, depth: int = 0) -> object:
            return value.upper() if isinstance(value, str) else value

    assert norm({"message": "hi"}, scrubber=Upper()).message == "HI"
    assert norm({"message": "a\x1bb"}, scrubber=LocalScrubber()).message == "a\\x1bb"  # control characters escaped


@pytest.mark.parametrize(
    ("contexts", "kept"),
    [
        ({"react": {"componentStack": "\n    at Cart (https://a/app.js:3:9)\n    at App"}},
         "\n    at Cart (https://a/app.js:3:9)\n    at App"),  # as @sentry/react and webVitalsMonitor send it
        ({"react": {"componentStack": "at Login token=abc123"}}, "at Login token=[REDACTED]"),  # scrubbed
        ({"react": {"componentStack": "x" * 9000}}, "x" * Privacy().max_text),  # bounded
        ({"react": {"componentStack": 7}}, None),  # not a string
        ({"react": "at App"}, None),
        ({"browser": {"name": "Chrome"}}, None),  # other contexts are not kept
        (None, None),
    ],
)  # fmt: skip
def test_a_react_component_stack_is_kept(contexts: object, kept: str | None) -> None:
    event = norm({"contexts": contexts}, scrubber=LocalScrubber())
    assert event.component_stack == kept
    assert "Chrome" not in repr(event)

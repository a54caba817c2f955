from __future__ import annotations

import pytest

from edgewatch.apm.events import normalize_event
from edgewatch.apm.scrubbing import LocalScrubber, ValueScrubber
from edgewatch.logs.scrub import Scrubber, ScrubRules

LOCAL = LocalScrubber()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail ana@example.com now", "mail [email] now"),
        ("Authorization: Bearer abcdefghijkl", "Authorization: Bearer [REDACTED]"),
        ("GET /x?token=abc123&page=2", "GET /x?token=[REDACTED]&page=2"),
        ("api_key=s3cr3t", "api_key=[REDACTED]"),
        ("card 4111-1111-1111-1111 ok", "card [card] ok"),
        ("order 4111111111111112", "order 4111111111111112"),  # fails Luhn: an order number
        ("from 203.0.113.9", "from 203.0.113.0"),
        ("line\nbreak\x1b[31m", "line\nbreak\\x1b[31m"),  # newlines stay (multi-line values), escapes go
        ("nothing here", "nothing here"),
    ],
)
def test_text_rules(text: str, expected: str) -> None:
    assert LOCAL.scrub_text(text) == expected


def test_values() -> None:
    value = {"password": "x", "X-Api-Key": "y", "nested": [{"session_id": 1, "ok": "ana@example.com"}], 3: 4}
    assert LOCAL.scrub_value(value) == {
        "password": "[REDACTED]",
        "X-Api-Key": "[REDACTED]",
        "nested": [{"session_id": "[REDACTED]", "ok": "[email]"}],
        3: 4,
    }
    deep: object = "x"
    for _ in range(40):
        deep = [deep]
    assert "[too_deep]" in repr(LOCAL.scrub_value(deep))


def test_the_logs_scrubber_fits_the_protocol() -> None:
    """What the adapter will pass once edgewatch.logs exports its Scrubber."""
    scrubber: ValueScrubber = Scrubber(ScrubRules())
    event = normalize_event(
        {"message": "for ana@example.com", "tags": {"auth_token": "t"}}, project="1", received_ms=0, scrubber=scrubber
    )
    assert event.message == "for [email]"
    assert event.tags == {"auth_token": "[REDACTED]"}

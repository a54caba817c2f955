from __future__ import annotations

from typing import Any

import pytest

from edgewatch.vitals import trace_id_of, trace_path
from edgewatch.wire.items import EntryError

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"}, TRACE),
        ({"traceparent": f" 00-{TRACE.upper()}-00F067AA0BA902B7-00 "}, TRACE),  # case and spaces
        ({"traceId": TRACE}, TRACE),
        ({}, None),
    ],
)
def test_the_trace_a_beacon_names(item: dict[str, Any], expected: str | None) -> None:
    assert trace_id_of(item) == expected


@pytest.mark.parametrize(
    "item",
    [
        {"traceparent": 5},
        {"traceparent": f"ff-{TRACE}-00f067aa0ba902b7-01"},  # version ff is invalid
        {"traceparent": f"00-{'0' * 32}-00f067aa0ba902b7-01"},  # all-zero trace id
        {"traceparent": f"00-{TRACE}-{'0' * 16}-01"},
        {"traceparent": "00-abc-def-01"},
        {"traceId": "xyz"},
    ],
)
def test_a_malformed_trace_reference_rejects_the_item(item: dict[str, Any]) -> None:
    with pytest.raises(EntryError):
        trace_id_of(item)


def test_the_link() -> None:
    assert trace_path(TRACE) == f"/apm/traces/{TRACE}" and trace_path(None) is None

"""The /alerts/trigger body."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.alerts.amapi import AmFieldError
from edgewatch.alerts.trigger import parse_trigger

T = 1_900_000_000_000
SEED = {"type": "critical", "title": "DB down", "message": "no answer", "source": "api", "component": "database"}


def test_the_seed_body() -> None:
    alert = parse_trigger(SEED, T)
    assert dict(alert.labels) == {
        "alertname": "DB down", "severity": "critical", "source": "api", "component": "database", "service": "api",
    }  # fmt: skip
    assert dict(alert.annotations) == {"summary": "DB down", "description": "no answer"}
    assert (alert.starts_at_ms, alert.ends_at_ms) == (T, None)
    assert parse_trigger({**SEED, "resolve": True}, T).ends_at_ms == T
    assert parse_trigger({**SEED, "resolve": True}, T).fingerprint == alert.fingerprint


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        ({**SEED, "type": "error"}, "type"),
        ({**SEED, "type": []}, "type"),  # an unhashable type (found by fuzzing on workerd)
        ({**SEED, "type": {"a": 1}}, "type"),
        ({**SEED, "title": " "}, "title"),
        ({**SEED, "message": 3}, "message"),
        ({**SEED, "labels": {"alertname": "x"}}, "labels.alertname"),
        ({**SEED, "labels": {"bad-name": "x"}}, "labels"),
        ({**SEED, "labels": {"x": 1}}, "labels.x"),
        ({**SEED, "resolve": 1}, "resolve"),
        ({**SEED, "extra": 1}, "extra"),
    ],
)
def test_bad_bodies_name_the_field(body: Any, field: str) -> None:
    with pytest.raises(AmFieldError) as error:
        parse_trigger(body, T)
    assert error.value.field == field


_JSON = st.recursive(
    st.none() | st.text() | st.booleans() | st.integers() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@given(st.dictionaries(st.sampled_from([*sorted(SEED), "labels", "resolve", "x"]), _JSON))
def test_any_body_gives_an_alert_or_a_field_error(body: dict[str, Any]) -> None:
    try:
        parse_trigger(body, T)
    except AmFieldError:
        pass

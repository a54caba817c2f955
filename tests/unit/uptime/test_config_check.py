from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.uptime.heartbeats import heartbeat_from_json
from edgewatch.uptime.maintenance import maintenance_from_json
from edgewatch.uptime.spec import check_spec_from_json

# --- fuzzing: bad input is a ValueError naming a field, never another exception ------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
_FIELDS = ["id", "url", "method", "headers", "expectedStatus", "keyword", "timeout", "interval", "every", "grace",
           "start", "end", "until", "checks", "reason", "name", "retriesBeforeDown", "degradedMs"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(_FIELDS) | st.text(max_size=6), _JSON, max_size=8) | _JSON)
def test_parsers_reject_anything_with_a_value_error(data: object) -> None:
    for parse in (check_spec_from_json, heartbeat_from_json, maintenance_from_json):
        try:
            parse(data)  # type: ignore[arg-type]
        except ValueError as exc:
            assert str(exc)

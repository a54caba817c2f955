"""Hypothesis against the real ingest endpoints: whatever the body, the answer is a JSON 2xx or 4xx."""

from __future__ import annotations

import gzip
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.stack import Stack
from tests.e2e.conftest import INGEST_TOKEN

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
ENTRY_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "level": st.sampled_from(["info", "error", "WARN", "loud", ""]) | JSON_VALUES,
        "message": st.text(max_size=50) | JSON_VALUES,
        "service": st.sampled_from(["api", "bad service!", ""]) | JSON_VALUES,
        "timestamp": st.integers() | st.text(max_size=30) | st.floats(allow_nan=False),
        "attributes": JSON_VALUES,
        "trace_id": JSON_VALUES,
    },
)
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.lists(ENTRY_LIKE, max_size=5).map(lambda v: json.dumps(v).encode()),
    st.lists(ENTRY_LIKE, max_size=5).map(lambda v: "\n".join(json.dumps(x) for x in v).encode()),
)
PATHS = st.sampled_from(["/logs/ingest", "/v1/logs", "/loki/api/v1/push"])


def check(stack: Stack, path: str, body: bytes, headers: dict[str, str]) -> None:
    status, answer = stack.request("POST", path, body, {"authorization": f"Bearer {INGEST_TOKEN}", **headers})
    assert status < 500, (status, answer)
    if status >= 400:
        assert isinstance(answer, dict) and answer["error"]["message"], answer


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=PATHS, body=BODIES, gzipped=st.booleans())
def test_ingest_never_fails_with_a_5xx(stack: Stack, path: str, body: bytes, gzipped: bool) -> None:
    headers: dict[str, Any] = {"content-type": "application/json"}
    if gzipped:
        body = gzip.compress(body)
        headers["content-encoding"] = "gzip"
    check(stack, path, body, headers)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["q", "level", "from", "to", "limit", "cursor", "attr.x", "service", "zz"]),
        st.text(max_size=20),
        max_size=4,
    )
)
def test_search_never_fails_with_a_5xx(stack: Stack, params: dict[str, str]) -> None:
    import urllib.parse

    from tests.e2e.conftest import READ_TOKEN

    status, answer = stack.request(
        "GET", "/logs/search?" + urllib.parse.urlencode(params), headers={"authorization": f"Bearer {READ_TOKEN}"}
    )
    assert status < 500, (status, answer)

"""Hypothesis against the metrics and Web Vitals ingest on real workerd: whatever the body, a JSON
2xx or 4xx, never a 5xx (a bad beacon must never cost a 500)."""

from __future__ import annotations

import gzip
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.stack import Stack
from tests.e2e.conftest import ALLOWED_ORIGIN, INGEST_TOKEN
from tests.e2e.test_logs_fuzz import JSON_VALUES

POINT_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["http_requests", "bad name!", "", "a" * 300]) | JSON_VALUES,
        "type": st.sampled_from(["counter", "gauge", "timing", "histogram", "nope"]) | JSON_VALUES,
        "value": st.floats(allow_nan=False) | st.integers() | JSON_VALUES,
        "values": st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=5) | JSON_VALUES,
        "labels": st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=4) | JSON_VALUES,
        "timestamp": st.integers() | st.text(max_size=25) | JSON_VALUES,
    },
)
BEACON_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["LCP", "cls", "INP", "FID", "XYZ"]) | JSON_VALUES,
        "value": st.floats() | st.integers() | JSON_VALUES,
        "id": st.text(max_size=120) | JSON_VALUES,
        "route": st.text(max_size=250) | JSON_VALUES,
        "navigationType": st.text(max_size=40) | JSON_VALUES,
        "entries": st.lists(JSON_VALUES, max_size=5) | JSON_VALUES,
        "attribution": JSON_VALUES,
        "device": st.sampled_from(["mobile", "desktop", "toaster"]) | JSON_VALUES,
        "userId": st.text(max_size=200) | st.integers() | JSON_VALUES,
        "timestamp": st.integers() | st.text(max_size=25) | JSON_VALUES,
    },
)


def _bodies(item: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=200),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        st.lists(item, max_size=4).map(lambda v: json.dumps(v).encode()),
        item.map(lambda v: json.dumps(v).encode()),
    )


def _check(stack: Stack, path: str, body: bytes, headers: dict[str, str]) -> None:
    status, answer = stack.request("POST", path, body, headers)
    assert status < 500, (status, answer)
    if status >= 400:
        assert isinstance(answer, dict) and answer["error"]["message"], answer


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/monitoring/metrics", "/v1/metrics"]), body=_bodies(POINT_LIKE), gzipped=st.booleans())
def test_metrics_ingest_never_fails_with_a_5xx(stack: Stack, path: str, body: bytes, gzipped: bool) -> None:
    headers = {"authorization": f"Bearer {INGEST_TOKEN}", "content-type": "application/json"}
    if gzipped:
        body, headers = gzip.compress(body), {**headers, "content-encoding": "gzip"}
    _check(stack, path, body, headers)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_bodies(BEACON_LIKE), content_type=st.sampled_from(["text/plain;charset=UTF-8", "application/json"]))
def test_vitals_beacons_never_fail_with_a_5xx(stack: Stack, body: bytes, content_type: str) -> None:
    _check(stack, "/monitoring/vitals", body, {"content-type": content_type, "origin": ALLOWED_ORIGIN})

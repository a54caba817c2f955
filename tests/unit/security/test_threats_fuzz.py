"""detect never raises and always answers a well-formed verdict, whatever the request holds."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.security.threats import Action, Mode, Reason, RequestSample, ThreatPolicy, ThreatVerdict, detect

POLICY = ThreatPolicy(Mode.BLOCK)
# Text that reaches the detectors' corners: markup, quotes, SQL and shell punctuation, escapes.
ALPHABET = st.sampled_from(list("<>'\"`;|&$(){}[]=/\\.%+-#*@:!?, \t\r\n\x00aAsSeElLcCtTuUnNiIoOrR019xXu\uff1c\u2460é"))
TRICKY = st.text(ALPHABET, max_size=300)
TEXT = st.one_of(st.text(max_size=300), TRICKY)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(TEXT, children, max_size=5),
    max_leaves=30,
)
HEADER_NAMES = st.sampled_from(["User-Agent", "Referer", "X-Forwarded-For", "Content-Type", "X-Scanner", "Cookie"])


def check(verdict: ThreatVerdict) -> None:
    assert isinstance(verdict, ThreatVerdict)
    assert 0 <= verdict.score <= 100 and math.isfinite(verdict.score)
    assert verdict.action in Action and verdict.reason in Reason
    assert (verdict.action is Action.ALLOW) == (verdict.score < POLICY.record_score)
    json.dumps(verdict.to_json())  # serialisable, for the security event


@settings(max_examples=300, deadline=None)
@given(path=TEXT, query=TEXT, headers=st.dictionaries(HEADER_NAMES, TEXT, max_size=4), body=TEXT)
def test_text_anywhere(path: str, query: str, headers: dict[str, str], body: str) -> None:
    check(detect(RequestSample("POST", path, query, headers, body, "text/plain"), POLICY))


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=600), content_type=st.sampled_from(
    [None, "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain",
     "application/octet-stream", "application/vnd.api+json; charset=utf-8", ";;;", "multipart/form-data"]
))  # fmt: skip
def test_arbitrary_bytes_including_invalid_utf8(body: bytes, content_type: str | None) -> None:
    check(detect(RequestSample("POST", "/upload", "", {}, body, content_type), POLICY))


@settings(max_examples=300, deadline=None)
@given(document=JSON_VALUES)
def test_json_bodies(document: Any) -> None:
    body = json.dumps(document)
    check(detect(RequestSample("POST", "/api", "", {}, body, "application/json"), POLICY))
    check(detect(RequestSample("POST", "/api", "", {}, body.encode("utf-16"), "application/json"), POLICY))


@settings(max_examples=200, deadline=None)
@given(document=JSON_VALUES, cut=st.integers(min_value=1, max_value=50))
def test_invalid_json_with_a_json_content_type(document: Any, cut: int) -> None:
    body = json.dumps(document)
    check(detect(RequestSample("POST", "/api", "", {}, body[:-cut] + "\\", "application/json"), POLICY))


@settings(max_examples=20, deadline=None)
@given(depth=st.integers(min_value=1, max_value=200_000), opener=st.sampled_from(["[", '{"a":', '{"<script>":']))
def test_huge_nesting(depth: int, opener: str) -> None:
    closer = {"[": "]", '{"a":': "}", '{"<script>":': "}"}[opener]
    body = opener * depth + '"x"' + closer * depth
    check(detect(RequestSample("POST", "/api", "", {}, body, "application/json"), POLICY))


@settings(max_examples=200, deadline=None)
@given(params=st.lists(st.tuples(TEXT, TEXT), max_size=8))
def test_query_strings_built_from_any_pairs(params: list[tuple[str, str]]) -> None:
    query = "&".join(f"{k}={v}" for k, v in params)
    check(detect(RequestSample("GET", "/search", query, {"User-Agent": query}), POLICY))

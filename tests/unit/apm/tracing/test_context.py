from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.apm.tracing import TraceContext, clean_tracestate, parse_traceparent, server_timing

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"00-{TRACE}-{SPAN}-01", TraceContext(TRACE, SPAN, 1)),  # the spec's example
        (f"00-{TRACE}-{SPAN}-00", TraceContext(TRACE, SPAN, 0)),  # not sampled
        (f"00-{TRACE}-{SPAN}-09", TraceContext(TRACE, SPAN, 9)),  # other bits kept under version 00
        (f"  00-{TRACE}-{SPAN}-01 ", TraceContext(TRACE, SPAN, 1)),  # surrounding blanks
        (f"cc-{TRACE}-{SPAN}-09-what-follows", TraceContext(TRACE, SPAN, 1)),  # a later version: 4 fields
        (f"cc-{TRACE}-{SPAN}-08", TraceContext(TRACE, SPAN, 0)),  # unknown bits dropped
    ],
)
def test_valid_traceparents(header: str, expected: TraceContext) -> None:
    assert parse_traceparent(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        f"00-{TRACE}-{SPAN}",  # no flags
        f"00-{TRACE}-{SPAN}-01-extra",  # version 00 is exactly 55 characters
        f"ff-{TRACE}-{SPAN}-01",  # version ff is invalid
        f"0g-{TRACE}-{SPAN}-01",  # not hex
        f"00-{TRACE.upper()}-{SPAN}-01",  # uppercase hex
        f"00-{'0' * 32}-{SPAN}-01",  # all-zero trace id
        f"00-{TRACE}-{'0' * 16}-01",  # all-zero parent id
        f"00_{TRACE}_{SPAN}_01",  # wrong separators
        f"cc-{TRACE}-{SPAN}-01x",  # a later version must continue with "-"
        f"00-{TRACE}-{SPAN}-zz",  # flags not hex
    ],
)
def test_invalid_traceparents_start_a_new_trace(header: str | None) -> None:
    assert parse_traceparent(header, "a=b") is None


def test_tracestate_is_kept_with_a_valid_parent() -> None:
    context = parse_traceparent(f"00-{TRACE}-{SPAN}-01", "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7")
    assert context is not None and context.tracestate == "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ""),
        ("a=1,,b=2", "a=1,b=2"),  # empty members skipped
        ("a=1,a=2", "a=1"),  # first of a key
        ("Upper=1,ok=2", "ok=2"),  # keys are lowercase
        ("tenant@vendor=x,t=y", "tenant@vendor=x,t=y"),  # multi-tenant keys
        ("a=has space ,b=x", "a=has space,b=x"),  # blanks around a member are not part of it
        ("a=tab\there,b=x", "b=x"),  # a tab is not allowed in a value
        ("a=x=y,b=1", "b=1"),  # "=" is not allowed in a value
        (",".join(f"k{i}=v" for i in range(40)), ",".join(f"k{i}=v" for i in range(32))),  # 32 members
    ],
)
def test_tracestate_cleaning(header: str | None, expected: str) -> None:
    assert clean_tracestate(header) == expected


def test_tracestate_is_cut_by_members_at_512_characters() -> None:
    long = ",".join(f"k{i}={'v' * 90}" for i in range(10))
    cleaned = clean_tracestate(long)
    assert len(cleaned) <= 512 and cleaned.split(",") == long.split(",")[: len(cleaned.split(","))]


def test_format_and_server_timing() -> None:
    context = TraceContext(TRACE, SPAN, 1)
    assert context.traceparent() == f"00-{TRACE}-{SPAN}-01"
    assert server_timing(context) == f'traceparent;desc="00-{TRACE}-{SPAN}-01"'
    assert context.child("1111111111111111").traceparent() == f"00-{TRACE}-1111111111111111-01"


@given(st.integers(1, 2**128 - 1), st.integers(1, 2**64 - 1), st.integers(0, 255))
def test_format_then_parse_is_the_identity(trace: int, span: int, flags: int) -> None:
    context = TraceContext(f"{trace:032x}", f"{span:016x}", flags)
    assert parse_traceparent(context.traceparent()) == context


@given(st.text(max_size=80))
def test_any_text_parses_or_is_none(text: str) -> None:
    parsed = parse_traceparent(text)
    assert parsed is None or parse_traceparent(parsed.traceparent()) == parsed

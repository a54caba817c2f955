from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from edgewatch.apm.events import ExceptionInfo, Frame, StoredEvent, normalize_event
from edgewatch.apm.grouping import GroupedBy, describe, frame_component, group_event, parameterize

from .goldens import ALGOS, SCENARIOS, captured


def golden_groups(algo: str) -> dict[str, Any]:
    return {
        name: group_event(c.event()) for name, c in zip(SCENARIOS, captured(algo), strict=True) if name != "transaction"
    }


ROOT = Path(__file__).resolve().parents[3]
GZIP = golden_groups("gzip")
BR = golden_groups("br")  # the same code with 3 blank lines more above charge(): other line numbers


# -- goldens from the real SDK --------------------------------------------------------------------


def test_same_stack_other_message_is_one_group() -> None:
    assert GZIP["charge_1001"].hash == GZIP["charge_2002"].hash
    assert GZIP["charge_1001"].grouped_by is GroupedBy.STACKTRACE


def test_other_function_is_another_group() -> None:
    assert GZIP["charge_1001"].hash != GZIP["refund_1001"].hash  # same message, same exception type
    assert GZIP["charge_1001"].hash != GZIP["settle_1001"].hash


def test_custom_fingerprint_joins_different_exceptions() -> None:
    assert GZIP["fp_charge"].hash == GZIP["fp_settle"].hash
    assert GZIP["fp_charge"].grouped_by is GroupedBy.FINGERPRINT
    assert GZIP["fp_charge"].components == ("payment-failures",)
    assert GZIP["fp_charge"].hash not in {GZIP["charge_1001"].hash, GZIP["settle_1001"].hash}


def test_default_in_a_fingerprint_expands_to_the_default_grouping() -> None:
    fp = GZIP["fp_default_charge"]
    assert fp.components == (*GZIP["charge_1001"].components, "eu-west")
    assert fp.hash != GZIP["charge_1001"].hash  # split by region, still by stack


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n != "transaction"])
def test_line_numbers_and_paths_do_not_change_the_group(name: str) -> None:
    """The br session ran the same code from another temporary folder, 3 lines lower."""
    assert BR[name].hash == GZIP[name].hash


def test_line_numbers_differ_in_the_goldens() -> None:
    gz, br = captured("gzip")[0].event(), captured("br")[0].event()
    assert gz.exceptions[-1].frames[-1].lineno != br.exceptions[-1].frames[-1].lineno


def test_the_chain_groups_by_its_newest_exception() -> None:
    assert GZIP["wrapped_7"].components[0] == "type:RuntimeError"
    # only its in-app frame: the capture script's own frame is not in-app
    assert [c.split("|")[1] for c in GZIP["wrapped_7"].components[1:]] == ["wrapped"]


def test_message_groups_by_its_text() -> None:
    assert GZIP["message"].grouped_by is GroupedBy.MESSAGE
    assert GZIP["message"].components == ("message:cache miss for key %s",)


def test_titles_and_culprits() -> None:
    assert [describe(c.event()) for c in captured("gzip")[:2]] == [
        ("ValueError: order 1001 has no card", "shop.handlers in charge"),
        ("ValueError: order 2002 has no card", "shop.handlers in charge"),
    ]


# -- the rules ------------------------------------------------------------------------------------


def event(**kw: Any) -> StoredEvent:
    return replace(normalize_event({}, project="1", received_ms=0, event_id="a" * 32), **kw)


def exc(type_: str = "E", value: str = "v", *frames: Frame) -> tuple[ExceptionInfo, ...]:
    return (ExceptionInfo(type=type_, value=value, frames=frames),)


APP = Frame(function="handle", module="app.views", lineno=10, context_line="  do(x)  ", in_app=True)
LIB = Frame(function="dispatch", module="django.core", lineno=5, context_line="h()", in_app=False)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        # library frames do not count when in-app frames exist
        (event(exceptions=exc("E", "v", LIB, APP)), event(exceptions=exc("E", "v", APP)), True),
        # ...but do when none is in-app
        (event(exceptions=exc("E", "v", LIB)),
         event(exceptions=exc("E", "v", replace(LIB, function="other"))), False),
        # line numbers, column numbers and whitespace of the context line do not count
        (event(exceptions=exc("E", "a", APP)),
         event(exceptions=exc("E", "b", replace(APP, lineno=99, colno=3, context_line="do(x)"))), True),
        # the context line counts
        (event(exceptions=exc("E", "v", APP)),
         event(exceptions=exc("E", "v", replace(APP, context_line="do(y)"))), False),
        # the exception type counts
        (event(exceptions=exc("E", "v", APP)), event(exceptions=exc("F", "v", APP)), False),
        # without a module: the file's basename, revision hashes removed
        (event(exceptions=exc("E", "v", Frame(function="f", filename="https://cdn/x/app.3f2a9c1b.js", in_app=True))),
         event(exceptions=exc("E", "v", Frame(function="f", filename="/srv/app.77aa00ff.js", in_app=True))), True),
        # minified context lines (over 120 chars) are ignored
        (event(exceptions=exc("E", "v", replace(APP, context_line="a" * 121))),
         event(exceptions=exc("E", "v", replace(APP, context_line="b" * 130))), True),
        # no frames: type and value, the value without its parameters
        (event(exceptions=exc("E", "user 17 not found")), event(exceptions=exc("E", "user 42 not found")), True),
        (event(exceptions=exc("E", "user not found")), event(exceptions=exc("E", "order not found")), False),
        # the logentry template groups, whatever its parameters
        (event(message="user ana failed", message_template="user %s failed"),
         event(message="user bob failed", message_template="user %s failed"), True),
        # a formatted message without a template: parameters replaced
        (event(message="timeout after 30s on 10.0.0.1"), event(message="timeout after 30s on 10.0.0.2"), True),
        # an event-level stack trace when there is no exception
        (event(message="a", stacktrace=(APP,)), event(message="b", stacktrace=(APP,)), True),
    ],
)  # fmt: skip
def test_rules(a: StoredEvent, b: StoredEvent, same: bool) -> None:
    assert (group_event(a).hash == group_event(b).hash) is same


@pytest.mark.parametrize(
    ("fingerprint", "expected"),
    [
        (("{{ default }}",), None),  # only the default: the default grouping
        (("{{default}}", "x"), ("type:E", frame_component(APP), "x")),
        (("{{ type }}", "{{ error.value }}"), ("E", "v")),
        (("{{ transaction }}", "{{ level }}"), ("GET /a", "error")),
        (("{{ function }}", "{{ module }}"), ("handle", "app.views")),
        (("{{ message }}",), ("<no message>",)),
        (("{{ unknown }}",), ("{{ unknown }}",)),  # kept as written
    ],
)
def test_fingerprint_variables(fingerprint: tuple[str, ...], expected: tuple[str, ...] | None) -> None:
    e = event(exceptions=exc("E", "v", APP), transaction="GET /a", fingerprint=fingerprint)
    grouping = group_event(e)
    if expected is None:
        assert grouping == group_event(event(exceptions=exc("E", "v", APP)))
    else:
        assert (grouping.grouped_by, grouping.components) == (GroupedBy.FINGERPRINT, expected)


def test_a_server_fingerprint_wins_over_the_events() -> None:
    e = event(exceptions=exc(), fingerprint=("client",))
    assert group_event(e, fingerprint=("server",)).components == ("server",)


def test_fallback_and_stable_hash() -> None:
    empty = group_event(event())
    assert (empty.grouped_by, empty.components) == (GroupedBy.FALLBACK, ("fallback",))
    assert len(empty.hash) == 32 and int(empty.hash, 16) >= 0
    assert group_event(event(message="x")).hash == group_event(event(message="x")).hash


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("order 1001 has no card", "order <int> has no card"),
        ("took 3.25 ms", "took <float> ms"),
        ("from 10.1.2.3", "from <ip>"),
        ("for ana@example.com", "for <email>"),
        ("id 550e8400-e29b-41d4-a716-446655440000", "id <uuid>"),
        ("at 2026-12-02T02:17:08.12Z", "at <date>"),
        ("ptr 0x7f4ee1743b00 and deadbeef12", "ptr <hex> and <hex>"),
        ("v1.2 and py3", "v1.2 and py3"),  # numbers inside words stay
    ],
)
def test_parameterize(text: str, expected: str) -> None:
    assert parameterize(text) == expected


@pytest.mark.parametrize("algo", ALGOS)
def test_goldens_agree_across_compressions(algo: str) -> None:
    assert {k: g.hash for k, g in golden_groups(algo).items()} == {k: g.hash for k, g in GZIP.items()}


def test_hashes_are_pinned() -> None:
    """Stored issues are found again by these: a change here regroups every project."""
    assert {k: g.hash for k, g in GZIP.items()} == PINNED


def test_the_real_sdk_today_groups_like_the_goldens(tmp_path: Path) -> None:
    """sentry-sdk (pinned in requirements/dev.txt) run afresh, unchanged, in its own process."""
    subprocess.run(
        [sys.executable, "-m", "tests.unit.apm.capture_goldens", "--out", str(tmp_path), "--algos", "gzip", "br"],
        check=True,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    for algo in ("gzip", "br"):
        fresh = captured(algo, tmp_path)
        assert [r.headers.get("Content-Encoding") for r in fresh] == [algo] * len(SCENARIOS)
        hashes = {n: group_event(r.event()).hash for n, r in zip(SCENARIOS, fresh, strict=True) if n != "transaction"}
        assert hashes == PINNED


PINNED = {
    "charge_1001": "bfbb0f7a3621391c3f03f0f61a92d25a",
    "charge_2002": "bfbb0f7a3621391c3f03f0f61a92d25a",
    "refund_1001": "5ece39ec1bc12ec6b0f58486e5c9e644",
    "settle_1001": "444323462404901f0f15b0e4f18d0bc4",
    "wrapped_7": "fc00dbd5183cf43898a61e2ba9057a8f",
    "fp_charge": "cd3e9fcc0c9bd22848db34d63f8822e5",
    "fp_settle": "cd3e9fcc0c9bd22848db34d63f8822e5",
    "fp_default_charge": "04c91dd419193d65820a851bc5e9416f",
    "message": "45e97ced4abc746e7a092f1bb536ddba",
}

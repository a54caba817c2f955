from __future__ import annotations

import json
import unicodedata
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.logline import LEVELS, format_line, level_enabled


def _is_one_clean_line(line: str) -> bool:
    # One line for every line splitter (Python's splitlines knows \n, \r, \v, \f, \x1c-\x1e,
    # \x85, \u2028, \u2029) and no raw control character that a terminal could act on.
    return len(line.splitlines()) == 1 and not any(unicodedata.category(ch) == "Cc" for ch in line)


def test_format_line_fields_and_order() -> None:
    line = format_line("info", "request", worker="pitchey-logs", now_ms=1_700_000_000_000, status=200, path="/x")
    assert line == (
        '{"ts":1700000000000,"level":"info","worker":"pitchey-logs","event":"request","status":200,"path":"/x"}'
    )


@pytest.mark.parametrize(
    "value",
    [
        "first\nsecond",
        "carriage\rreturn",
        "crlf\r\n",
        "tab\tand\x00nul",
        "\x1b[31mred\x1b[0m",  # an ANSI escape must not reach a terminal raw
        "\x7fdelete",
        "next\x85line",  # NEL, a C1 control
        "\x9b31mcsi",  # 8-bit CSI, a C1 control
        "line\u2028separator",
        "para\u2029separator",
        "form\x0cfeed\x0bvtab",
        "group\x1dsep",
        "é ü 漢字 🙂",  # ordinary text passes through
    ],
)
def test_one_line_whatever_the_fields(value: str) -> None:
    line = format_line("error", value, worker="w", now_ms=1, message=value, nested={"k": [value]})
    assert _is_one_clean_line(line), repr(line)
    record = json.loads(line)
    assert record["event"] == record["message"] == value
    assert record["nested"] == {"k": [value]}


@given(st.text(), st.text())
def test_one_line_property(event: str, value: str) -> None:
    line = format_line("warn", event, worker="w", now_ms=0, detail=value)
    assert _is_one_clean_line(line), repr(line)
    assert json.loads(line)["detail"] == value


def test_non_json_values_are_rendered_as_strings() -> None:
    moment = datetime(2026, 11, 6, 14, 0)
    record = json.loads(format_line("info", "e", worker="w", now_ms=0, at=moment, error=ValueError("bad\nvalue")))
    assert record["at"] == "2026-11-06 14:00:00"
    assert record["error"] == "bad\nvalue"


@pytest.mark.parametrize(
    ("level", "minimum", "enabled"),
    [
        ("debug", "debug", True),
        ("info", "debug", True),
        ("debug", "info", False),
        ("info", "info", True),
        ("warn", "info", True),
        ("info", "warn", False),
        ("error", "warn", True),
        ("warn", "error", False),
        ("fatal", "error", True),
        ("error", "fatal", False),
        ("fatal", "fatal", True),
        ("trace", "info", True),  # unknown level: logged rather than lost
        ("debug", "verbose", True),  # unknown minimum: everything is logged
    ],
)
def test_level_enabled(level: str, minimum: str, enabled: bool) -> None:
    assert level_enabled(level, minimum) is enabled


def test_levels_are_ordered_by_severity() -> None:
    assert LEVELS == ("debug", "info", "warn", "error", "fatal")
    for i, minimum in enumerate(LEVELS):
        assert [level for level in LEVELS if level_enabled(level, minimum)] == list(LEVELS[i:])

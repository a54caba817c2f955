from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.durations import DurationError, format_duration_ms, parse_duration_ms

MS, S, M, H, D, W = 1, 1_000, 60_000, 3_600_000, 86_400_000, 604_800_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500ms", 500 * MS),
        ("30s", 30 * S),
        ("5m", 5 * M),
        ("2h", 2 * H),
        ("7d", 7 * D),
        ("1w", W),
        ("1h30m", H + 30 * M),  # compound, largest unit first
        ("1w2d3h4m5s6ms", W + 2 * D + 3 * H + 4 * M + 5 * S + 6 * MS),  # every unit once
        ("90s", 90 * S),  # not normalised: 90 seconds stays 90 seconds
        (" 5m ", 5 * M),  # surrounding whitespace is ignored
        ("5M", 5 * M),  # units are case-insensitive: M is minutes, not months
        ("0s5m", 5 * M),  # a zero part is fine as long as the total is positive
        ("007s", 7 * S),  # leading zeros
    ],
)
def test_parse_valid(text: str, expected: int) -> None:
    assert parse_duration_ms(text) == expected


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("", "empty duration"),
        ("   ", "empty duration"),
        ("0s", "must be positive"),  # zero is not a duration
        ("0ms0h", "must be positive"),
        ("5", "use a number and a unit"),  # bare number
        ("m", "use a number and a unit"),  # bare unit
        ("-5m", "use a number and a unit"),  # negative
        ("1.5h", "use a number and a unit"),  # fractions are not supported
        ("1h 30m", "use a number and a unit"),  # inner whitespace
        ("5 m", "use a number and a unit"),
        ("30 days", "use a number and a unit"),
        ("5y", "use a number and a unit"),  # unknown unit
        ("5mm", "use a number and a unit"),  # trailing garbage after a valid part
        ("x5m", "use a number and a unit"),  # leading garbage before a valid part
        ("5m!", "use a number and a unit"),
    ],
)
def test_parse_invalid(text: str, phrase: str) -> None:
    with pytest.raises(DurationError) as info:
        parse_duration_ms(text)
    assert phrase in str(info.value)


@pytest.mark.parametrize("value", [None, 5, 5.0, b"5m", ["5m"]])
def test_parse_rejects_non_strings(value: object) -> None:
    with pytest.raises(DurationError, match="expected a duration string"):
        parse_duration_ms(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "\uff15m",  # FULLWIDTH DIGIT FIVE must not read as an ASCII 5
        "\u0663s",  # ARABIC-INDIC DIGIT THREE
        "\u0e51h",  # THAI DIGIT ONE
    ],
)
def test_parse_accepts_only_ascii_digits(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration_ms(text)


def test_parse_huge_number_raises_duration_error() -> None:
    # More digits than CPython converts by default (sys.get_int_max_str_digits() == 4300):
    # a malformed duration must still surface as DurationError, not a bare ValueError.
    with pytest.raises(DurationError):
        parse_duration_ms("9" * 5000 + "s")


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (1, "1ms"),
        (999, "999ms"),
        (1_000, "1s"),
        (300_000, "5m"),
        (5_400_000, "1h30m"),
        (H - 1, "59m59s999ms"),
        (D, "1d"),
        (W, "1w"),
        (W + D + 1, "1w1d1ms"),
        (14 * D, "2w"),  # the largest unit that divides wins
    ],
)
def test_format(ms: int, expected: str) -> None:
    assert format_duration_ms(ms) == expected


@pytest.mark.parametrize("ms", [0, -1, -60_000])
def test_format_rejects_non_positive(ms: int) -> None:
    with pytest.raises(DurationError, match="must be positive"):
        format_duration_ms(ms)


@given(st.integers(min_value=1, max_value=10**15))
def test_parse_inverts_format(ms: int) -> None:
    assert parse_duration_ms(format_duration_ms(ms)) == ms


@given(st.integers(min_value=1, max_value=10**15))
def test_format_is_shortest_canonical(ms: int) -> None:
    # Each unit appears at most once, largest first, and every part is below its next-larger unit.
    text = format_duration_ms(ms)
    units = ["w", "d", "h", "m", "s", "ms"]
    limits = {"d": 7, "h": 24, "m": 60, "s": 60, "ms": 1000}
    seen: list[str] = []
    rest = text
    while rest:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        count, rest = int(rest[:digits]), rest[digits:]
        unit = "ms" if rest.startswith("ms") else rest[0]
        rest = rest[len(unit) :]
        assert count > 0
        if unit in limits:
            assert count < limits[unit]
        seen.append(unit)
    assert seen == sorted(seen, key=units.index)
    assert len(seen) == len(set(seen))


@given(st.text())
def test_parse_raises_only_duration_error(text: str) -> None:
    try:
        value = parse_duration_ms(text)
    except DurationError:
        return
    assert isinstance(value, int)
    assert value > 0


@given(st.from_regex(r"\A[0-9]{1,6}(ms|s|m|h|d|w)\Z"))
def test_parse_single_part(text: str) -> None:
    number = int(text.rstrip("mshdw"))
    unit = text[len(text.rstrip("mshdw")) :]
    if number == 0:
        with pytest.raises(DurationError):
            parse_duration_ms(text)
    else:
        assert parse_duration_ms(text) == number * {"ms": MS, "s": S, "m": M, "h": H, "d": D, "w": W}[unit]

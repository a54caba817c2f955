from __future__ import annotations

import pytest

from edgewatch.errors import Unprocessable
from edgewatch.wire.params import flag_param, int_param


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 100),  # absent: the default
        ({"limit": "7"}, 7),
        ({"limit": "1"}, 1),  # both bounds are inclusive
        ({"limit": "1000"}, 1000),
    ],
)
def test_int_param(params: dict[str, str], expected: int) -> None:
    assert int_param(params, "limit", 100, 1, 1000) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "limit must be an integer"),
        ("", "limit must be an integer"),
        ("1.5", "limit must be an integer"),
        ("0", "limit must be between 1 and 1000"),
        ("1001", "limit must be between 1 and 1000"),
    ],
)
def test_int_param_refuses(text: str, message: str) -> None:
    with pytest.raises(Unprocessable, match=message) as info:
        int_param({"limit": text}, "limit", 100, 1, 1000)
    assert info.value.status == 422


@pytest.mark.parametrize(
    ("text", "expected"), [(None, False), ("", False), ("0", False), ("No", False), ("1", True), ("TRUE", True)]
)
def test_flag_param(text: str | None, expected: bool) -> None:
    assert flag_param({} if text is None else {"open": text}, "open") is expected


def test_flag_param_refuses() -> None:
    with pytest.raises(Unprocessable, match="open must be true or false"):
        flag_param({"open": "maybe"}, "open")

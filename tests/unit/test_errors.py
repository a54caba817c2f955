from __future__ import annotations

import pytest

from edgewatch.errors import error_line


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("id: required", "id: required"),
        ("\r: unknown field; allowed: id", "\\x0d: unknown field; allowed: id"),  # a client's own key
        ("first line\nsecond line", "first line"),
        ("tab\there", "tab\\x09here"),
        ("", "ValueError"),  # never empty
        ("x" * 400, "x" * 299 + "…"),
    ],
)
def test_error_line(message: str, expected: str) -> None:
    assert error_line(ValueError(message)) == expected

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.codec import CodecError, decode, decoder_for, encode, from_plain, to_plain


class Outcome(StrEnum):
    CREATED = "created"
    MISSING = "missing"


@dataclass(frozen=True)
class Point:
    x: float
    y: float


@dataclass
class Answer:
    outcome: Outcome
    points: list[Point]
    tags: dict[str, int] = field(default_factory=dict)
    note: str | None = None
    pair: tuple[int, str] = (0, "")
    rest: tuple[int, ...] = ()
    extra: Any = None


class Custom:
    """A type with its own wire form: the codec uses to_json/from_json."""

    def __init__(self, value: int) -> None:
        self.value = value

    def to_json(self) -> dict[str, int]:
        return {"v": self.value}

    @classmethod
    def from_json(cls, data: dict[str, int]) -> Custom:
        return cls(data["v"])


@dataclass
class Holder:
    custom: Custom
    maybe: Custom | None = None


def test_round_trip_of_nested_types() -> None:
    answer = Answer(Outcome.CREATED, [Point(1, 2.5)], {"a": 1}, None, (3, "x"), (1, 2), {"any": [1]})
    text = encode(answer)
    assert json.loads(text) == {
        "outcome": "created",
        "points": [{"x": 1, "y": 2.5}],
        "tags": {"a": 1},
        "note": None,
        "pair": [3, "x"],
        "rest": [1, 2],
        "extra": {"any": [1]},
    }
    back = decode(Answer, text)
    assert back == answer
    assert isinstance(back.outcome, Outcome)
    assert isinstance(back.points[0], Point)
    assert isinstance(back.points[0].x, float)  # an int on the wire is a float field's value


def test_missing_fields_take_their_defaults() -> None:
    assert decode(Answer, '{"outcome": "missing", "points": []}') == Answer(Outcome.MISSING, [])


def test_types_with_their_own_wire_form() -> None:
    holder = decode(Holder, encode(Holder(Custom(7), Custom(8))))
    assert (holder.custom.value, holder.maybe.value if holder.maybe else None) == (7, 8)
    assert to_plain(Holder(Custom(1))) == {"custom": {"v": 1}, "maybe": None}


@pytest.mark.parametrize(
    ("kind", "data", "problem"),
    [
        (Point, [1, 2], "expected"),  # a positional list is not an object
        (Point, {"x": "1", "y": 2}, "expected"),  # a string is not a number
        (Point, {"x": 1}, "Point"),  # a field without a default is missing
        (Answer, {"outcome": "gone", "points": []}, "gone"),  # not an outcome
        (list[int], {"a": 1}, "expected"),
    ],
)
def test_payloads_of_the_wrong_shape_are_refused(kind: Any, data: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        from_plain(kind, data)


def test_a_wrong_shape_is_a_codec_error() -> None:
    with pytest.raises(CodecError):
        from_plain(Point, {"x": 1})


def test_decoders_are_built_once_per_type() -> None:
    assert decoder_for(Answer) is decoder_for(Answer)


def test_unsupported_types_are_refused_when_the_decoder_is_built() -> None:
    with pytest.raises(TypeError):
        decoder_for(int | str)


@given(
    st.lists(
        st.tuples(st.floats(allow_nan=False, allow_infinity=False), st.floats(allow_nan=False, allow_infinity=False))
    )
)
def test_round_trip_property(coords: list[tuple[float, float]]) -> None:
    answer = Answer(Outcome.CREATED, [Point(x, y) for x, y in coords])
    assert decode(Answer, encode(answer)) == answer


@dataclass(frozen=True)
class WithCache:
    pattern: str
    compiled: Any = field(default=None, init=False, compare=False)

    def __post_init__(self) -> None:
        import re

        object.__setattr__(self, "compiled", re.compile(self.pattern))


def test_fields_outside_init_are_not_on_the_wire() -> None:
    value = WithCache("a+")
    assert json.loads(encode(value)) == {"pattern": "a+"}  # a compiled regex is not JSON
    back = decode(WithCache, encode(value))
    assert back == value and back.compiled.pattern == "a+"

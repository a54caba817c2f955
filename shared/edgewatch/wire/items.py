"""Items of a batch body, and the errors that reject one item while the rest is kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import BadRequest


class EntryError(ValueError):
    """One entry is invalid; the message names the field and the problem."""


@dataclass(frozen=True, slots=True)
class LineError:
    """One rejected entry of a batch: its position and why."""

    index: int
    error: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "error": self.error}


def show(value: object, limit: int = 60) -> str:
    """A short repr of untrusted input for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def batch_items(data: Any, what: str) -> list[Any]:
    """The items of a batch body: a JSON array, {"metrics": [...]}, or one object (a batch of one).

    Shared by the metric and Web Vitals parsers; ``what`` names the items in the error message.
    """
    if type(data) is list:
        return data
    if type(data) is dict:
        if "metrics" in data and "name" not in data:
            metrics = data["metrics"]
            if type(metrics) is not list:
                raise BadRequest(f"metrics must be an array of {what}, not {json_type(metrics)}")
            return metrics
        return [data]
    raise BadRequest(f'body must be a JSON object, an array of objects or {{"metrics": [...]}}, not {json_type(data)}')


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"

"""Bounds on nested attribute objects: depth and the number of keys over all levels."""

from __future__ import annotations

from typing import Any

from .items import EntryError

MAX_ATTRIBUTE_DEPTH = 8  # the attributes object itself is depth 1
MAX_ATTRIBUTE_KEYS = 200  # keys counted over all nested objects


def check_attributes(attributes: dict[str, Any]) -> None:
    if _count_keys(attributes, 1) > MAX_ATTRIBUTE_KEYS:
        raise EntryError(f"attributes have more than {MAX_ATTRIBUTE_KEYS} keys in total")


def _count_keys(value: dict[str, Any] | list[Any], depth: int) -> int:
    if depth > MAX_ATTRIBUTE_DEPTH:
        raise EntryError(f"attributes are nested deeper than {MAX_ATTRIBUTE_DEPTH} levels")
    if type(value) is dict:
        count = len(value)
        children: Any = value.values()
    else:
        count = 0
        children = value
    for child in children:
        kind = type(child)
        if kind is dict or kind is list:
            count += _count_keys(child, depth + 1)
            if count > MAX_ATTRIBUTE_KEYS:
                break
    return count

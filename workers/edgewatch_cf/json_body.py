"""JSON request bodies of the admin and check APIs (security, uptime): content type, size limit and
syntax, each refused with a clear 4xx; a core reader's ValueError becomes a 422 naming the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from edgewatch.errors import BadRequest, Unprocessable, error_line
from edgewatch.wire.body import check_content_type

from .app import Incoming

T = TypeVar("T")


async def json_body(req: Incoming, limit: int) -> Any:
    check_content_type(req.header("content-type"), ("application/json",))
    raw = await req.body(limit)
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None


async def json_object(req: Incoming, limit: int) -> dict[str, Any]:
    data = await json_body(req, limit)
    if not isinstance(data, dict):
        raise Unprocessable(f"body must be a JSON object, got {type(data).__name__}")
    return data


def parsed(read: Callable[[Any], T], data: Any) -> T:
    """``read(data)``, its ValueError answered as a 422 (one safe line)."""
    try:
        return read(data)
    except ValueError as exc:
        raise Unprocessable(error_line(exc)) from None

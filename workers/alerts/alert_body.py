"""Reading the alerts API's JSON bodies: content type, size and syntax refused with a clear 4xx,
and a core reader's AmFieldError answered as a 422 naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from edgewatch.alerts.amapi import AmApiError, AmFieldError
from edgewatch.errors import BadRequest, Unprocessable
from edgewatch.wire.body import check_content_type, decode_body, decode_text
from edgewatch.wire.jsondoc import parse_json
from edgewatch_cf.app import Incoming

T = TypeVar("T")
MAX_BODY = 1_000_000


async def json_body(req: Incoming, limit: int = MAX_BODY) -> Any:
    check_content_type(req.header("content-type"), ("application/json",))
    raw = decode_body(await req.body(limit), req.header("content-encoding"), limit)
    return parse_json(decode_text(raw))


def read(reader: Callable[..., T], *args: Any) -> T:
    try:
        return reader(*args)
    except AmFieldError as exc:
        raise Unprocessable(str(exc), details={"field": exc.field, "problem": exc.problem}) from None
    except AmApiError as exc:
        raise BadRequest(str(exc)) from None

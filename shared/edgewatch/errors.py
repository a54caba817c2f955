"""HTTP-facing errors: each has a status, a stable machine code and a human message."""

from __future__ import annotations

import re
from typing import Any


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class MethodNotAllowed(ApiError):
    status, code = 405, "method_not_allowed"

    def __init__(self, method: str, path: str, allowed: list[str]) -> None:
        super().__init__(
            f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )


class Conflict(ApiError):
    status, code = 409, "conflict"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class Unprocessable(ApiError):
    status, code = 422, "invalid_fields"


def internal_error_body(request_id: str) -> dict[str, Any]:
    """What a caller sees for an unexpected fault: no stack trace, an id to find the log line."""
    return {"error": {"code": "internal", "message": "internal error; see the worker log", "request_id": request_id}}


class ServiceUnavailable(ApiError):
    status, code = 503, "unavailable"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def error_line(exc: BaseException, limit: int = 300) -> str:
    """A validation error as one safe line for an error body: control characters (which may come
    from the client's own field names) escaped, bounded, never empty."""
    first = str(exc).split("\n", 1)[0]
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", first).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text or type(exc).__name__

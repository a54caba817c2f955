"""The client side of the check, for ``edgewatch_cf.guard``: the body a protected Worker sends,
which answers it reports afterwards, and how a refusal reads. Light on imports: user Workers
vendor it and pay its import at start-up."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

FORWARDED_HEADERS = ("cf-connecting-ip", "user-agent", "referer", "x-forwarded-for", "content-type")
MAX_INSPECTED_BODY = 65_536
REPORTED_STATUSES = frozenset({401, 403, 429})

_CODES = {400: "bad_request", 429: "rate_limited", 403: "forbidden", 503: "unavailable"}
_MESSAGES = {
    429: "too many requests; retry after the time in Retry-After",
    403: "request refused by the security policy",
    503: "rate limiting is unavailable; retry shortly",
}


@dataclass(frozen=True)
class RequestFacts:
    """What the guard reads of a Request: its method, URL and the forwarded headers."""

    method: str
    url: str
    headers: dict[str, str]


def forwarded_headers(header: Callable[[str], Any]) -> dict[str, str]:
    """The headers the check inspects, read with ``header(name)`` (absent or empty ones skipped)."""
    return {name: str(header(name)) for name in FORWARDED_HEADERS if header(name)}


def check_body(
    pathname: str,
    identifier: str | None = None,
    user_id: str | None = None,
    *,
    request: RequestFacts | None = None,
    body: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """The check body (``POST /security/check``'s shape). ``identifier`` is a client IP, used
    only when no user is known; ``body`` is inspected up to MAX_INSPECTED_BODY characters."""
    payload: dict[str, Any] = {"path": pathname, "userId": user_id}
    if identifier and not user_id:
        payload["ip"] = identifier
    if request is not None:
        parts = urlsplit(request.url)
        payload.update(method=request.method, query=parts.query, headers=request.headers)
        payload["path"] = pathname or parts.path
        if body is not None:
            payload["body"] = body[:MAX_INSPECTED_BODY]
    if account:
        payload["account"] = account
    return payload


def should_report(status: int, account: str | None) -> bool:
    """Only answers that matter to the baselines and credential stuffing are reported."""
    return status in REPORTED_STATUSES or bool(account)


def report_body(request: RequestFacts, status: int, user_id: str | None, account: str | None) -> dict[str, Any]:
    path = urlsplit(request.url).path
    return {"path": path, "userId": user_id, "headers": request.headers, "status": status, "account": account}


@dataclass(frozen=True)
class Refusal:
    status: int
    body: str  # JSON text
    headers: dict[str, str]


def refusal(answer: Mapping[str, Any]) -> Refusal:
    """The response to a refused check answer: its status, a JSON error body and its headers."""
    status = int(answer["status"])
    code = _CODES.get(status, "refused")
    message = str(answer.get("error") or "malformed request") if status == 400 else _MESSAGES.get(status, "refused")
    body = json.dumps({"error": {"code": code, "message": message, "outcome": answer.get("outcome")}})
    return Refusal(status, body, {"content-type": "application/json", **answer.get("headers", {})})

from __future__ import annotations

import json
from typing import Any

import pytest

from edgewatch.security.check_client import (
    MAX_INSPECTED_BODY,
    RequestFacts,
    check_body,
    forwarded_headers,
    refusal,
    report_body,
    should_report,
)

RA = "Retry-After"
REQUEST = RequestFacts("POST", "https://api.example.com/api/auth/login?next=%2F", {"user-agent": "curl/8"})


def test_forwarded_headers_reads_only_the_inspected_ones() -> None:
    present = {"user-agent": "curl/8", "cf-connecting-ip": "203.0.113.7", "cookie": "secret", "referer": ""}
    assert forwarded_headers(present.get) == {"cf-connecting-ip": "203.0.113.7", "user-agent": "curl/8"}


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        # the guide's shape: a path and a client IP
        (("/api/x", "203.0.113.7"), {}, {"path": "/api/x", "userId": None, "ip": "203.0.113.7"}),
        # a known user: the IP is not sent as the identifier
        (("/api/x", "203.0.113.7", "42"), {}, {"path": "/api/x", "userId": "42"}),
        # with the request: method, query and headers; the path defaults to the URL's
        (
            ("",),
            {"request": REQUEST, "account": "alice"},
            {
                "path": "/api/auth/login",
                "userId": None,
                "method": "POST",
                "query": "next=%2F",
                "headers": {"user-agent": "curl/8"},
                "account": "alice",
            },
        ),
        # a body is sent only with the request
        (("/api/x",), {"body": "ignored"}, {"path": "/api/x", "userId": None}),
    ],
)
def test_check_body(args: tuple[Any, ...], kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    assert check_body(*args, **kwargs) == expected


def test_a_body_is_inspected_up_to_its_limit() -> None:
    body = check_body("/api/x", request=REQUEST, body="a" * (MAX_INSPECTED_BODY + 10))
    assert body["body"] == "a" * MAX_INSPECTED_BODY
    assert body["path"] == "/api/x"


@pytest.mark.parametrize(
    ("status", "account", "reported"),
    [(200, None, False), (401, None, True), (403, None, True), (429, None, True), (500, None, False), (200, "a", True)],
)
def test_should_report(status: int, account: str | None, reported: bool) -> None:
    assert should_report(status, account) is reported


def test_report_body() -> None:
    assert report_body(REQUEST, 401, "42", "alice") == {
        "path": "/api/auth/login",
        "userId": "42",
        "headers": {"user-agent": "curl/8"},
        "status": 401,
        "account": "alice",
    }


@pytest.mark.parametrize(
    ("answer", "code", "message"),
    [
        ({"status": 429}, "rate_limited", "too many requests; retry after the time in " + RA),
        ({"status": 403, "outcome": "threat_blocked"}, "forbidden", "request refused by the security policy"),
        ({"status": 503, "outcome": "failed_closed"}, "unavailable", "rate limiting is unavailable; retry shortly"),
        ({"status": 400, "outcome": "invalid_request", "error": "path: required"}, "bad_request", "path: required"),
        ({"status": 400}, "bad_request", "malformed request"),
        ({"status": 418}, "refused", "refused"),
    ],
)
def test_refusal(answer: dict[str, Any], code: str, message: str) -> None:
    found = refusal({**answer, "headers": {"Retry-After": "5"}})
    assert found.status == answer["status"]
    assert json.loads(found.body) == {"error": {"code": code, "message": message, "outcome": answer.get("outcome")}}
    assert found.headers == {"content-type": "application/json", "Retry-After": "5"}

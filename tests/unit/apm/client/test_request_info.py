from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.apm.client.request_info import FILTERED, RequestFacts, RequestPolicy, client_ip, request_context

FACTS = RequestFacts(
    "post",
    "https://api.pitchey.example/api/orders/7?token=abc&page=2#top",
    {
        "Authorization": "Bearer sk_live_123",
        "Cookie": "session=s3cr3t; theme=dark",
        "User-Agent": "curl/8",
        "X-Api-Key": "k-1",
        "CF-Connecting-IP": "203.0.113.9",
    },
    body='{"card": "4111 1111 1111 1111"}',
)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        # the default: the method and the URL without query or fragment, nothing else
        (RequestPolicy(), {"method": "POST", "url": "https://api.pitchey.example/api/orders/7"}),
        # headers allowed: credentials still filtered, the cookie header too
        (
            RequestPolicy.of(headers=True),
            {
                "method": "POST",
                "url": "https://api.pitchey.example/api/orders/7",
                "headers": {
                    "authorization": FILTERED,
                    "cookie": FILTERED,
                    "user-agent": "curl/8",
                    "x-api-key": FILTERED,
                    "cf-connecting-ip": "203.0.113.9",
                },
            },
        ),
        # only the named headers and cookies, only the named query parameters
        (
            RequestPolicy.of(headers=["User-Agent"], cookies=["theme"], query=["page"]),
            {
                "method": "POST",
                "url": "https://api.pitchey.example/api/orders/7",
                "query_string": "page=2",
                "headers": {"user-agent": "curl/8"},
                "cookies": {"theme": "dark"},
            },
        ),
        # everything that can be allowed
        (
            RequestPolicy.of(cookies=True, query=True, body=True),
            {
                "method": "POST",
                "url": "https://api.pitchey.example/api/orders/7",
                "query_string": "token=abc&page=2",
                "cookies": {"session": "s3cr3t", "theme": "dark"},
                "data": '{"card": "4111 1111 1111 1111"}',
            },
        ),
    ],
)
def test_request_context_per_policy(policy: RequestPolicy, expected: dict[str, Any]) -> None:
    assert request_context(FACTS, policy) == expected


def test_a_set_cookie_header_is_filtered_and_a_bad_cookie_header_gives_no_cookies() -> None:
    facts = RequestFacts("GET", "http://x/", {"set-cookie": "a=b", "cookie": '"bad'})
    got = request_context(facts, RequestPolicy.of(headers=True, cookies=True))
    assert got["headers"] == {"set-cookie": FILTERED, "cookie": FILTERED} and "cookies" not in got


def test_client_ip_prefers_cf_connecting_ip() -> None:
    assert client_ip(FACTS.headers) == "203.0.113.9"
    assert client_ip({"x-real-ip": "198.51.100.1, 10.0.0.1"}) == "198.51.100.1"
    assert client_ip({}) is None


@given(st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=40), max_size=8))
def test_no_headers_ever_leave_by_default(headers: dict[str, str]) -> None:
    got = request_context(RequestFacts("GET", "http://h/p?q=1", headers, "body"), RequestPolicy())
    assert set(got) == {"method", "url"}

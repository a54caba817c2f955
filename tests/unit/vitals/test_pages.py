from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.vitals import (
    device_class,
    normalize_route,
)

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
IPAD = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 Version/16.6 Mobile/15E148 Safari/604.1"
PIXEL = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
GALAXY_TAB = "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
FIREFOX_TABLET = "Mozilla/5.0 (Android 13; Tablet; rv:120.0) Gecko/120.0 Firefox/120.0"
MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


# -- normalize_route -------------------------------------------------------------------------------

ROUTE_CASES: list[tuple[str, str]] = [
    ("/", "/"),  # the root keeps its slash
    ("", "/"),  # nothing at all is the root
    ("/products", "/products"),
    ("/products/", "/products"),  # trailing slash dropped
    ("/products//42", "/products/:id"),  # empty segments dropped, digits collapsed
    ("/users/42/orders/7", "/users/:id/orders/:id"),
    ("https://shop.example.com/products/12345?ref=home#top", "/products/:id"),  # scheme, host, query, fragment
    ("https://shop.example.com", "/"),  # a bare origin is the root
    ("https://shop.example.com?x=1", "/"),
    ("//cdn.example.com/a/b", "/a/b"),  # scheme-relative URL
    ("/search?q=/etc/passwd", "/search"),  # a slash in the query is not in the path
    ("products/9", "/products/:id"),  # relative path gets a leading slash
    ("/orders/123e4567-e89b-12d3-a456-426614174000", "/orders/:uuid"),
    ("/orders/123E4567-E89B-12D3-A456-426614174000/items", "/orders/:uuid/items"),
    ("/reset/9f86d081884c7d659a2feaa0c55ad015", "/reset/:token"),  # 32 hex characters
    ("/s/aGVsbG8gd29ybGQxMjM0NTY", "/s/:token"),  # base64url
    ("/s/Ab3_xY9-Qr7zK2mN", "/s/:token"),  # base64url with - and _, 16 characters
    ("/s/Ab3xY9Qr7zK2mN1", "/s/Ab3xY9Qr7zK2mN1"),  # 15 characters: too short to be a token
    ("/blog/release-notes-2024-edition", "/blog/release-notes-2024-edition"),  # a slug, not a token
    ("/blog/introduction-to-routing", "/blog/introduction-to-routing"),  # letters only
    ("/docs/abcdefabcdefabcdef", "/docs/abcdefabcdefabcdef"),  # no digit: a word, not a token
    ("/v2/api", "/v2/api"),  # short mixed segments stay
    ("/a\x00b/\x1bc", "/ab/c"),  # control characters removed
    ("  /padded/1  ", "/padded/:id"),
]


@pytest.mark.parametrize(("raw", "expected"), ROUTE_CASES)
def test_normalize_route(raw: str, expected: str) -> None:
    assert normalize_route(raw) == expected


def test_normalize_route_is_bounded() -> None:
    route = normalize_route("/" + "/".join(["segment"] * 100))
    assert len(route) == 200
    assert route.startswith("/segment/segment")


@given(st.text())
def test_normalize_route_always_gives_a_bounded_path(raw: str) -> None:
    route = normalize_route(raw)
    assert route.startswith("/")
    assert len(route) <= 200
    assert route == "/" or not route.endswith("/") or len(route) == 200
    assert "?" not in route
    assert "#" not in route


# -- device_class ----------------------------------------------------------------------------------

DEVICE_CASES: list[tuple[str | None, str | None, str]] = [
    (IPHONE, None, "mobile"),
    (PIXEL, None, "mobile"),  # Android phone: "Mobile" in the UA
    (IPAD, None, "tablet"),  # iPad says Mobile too: iPad must win
    (GALAXY_TAB, None, "tablet"),  # Android without Mobile is a tablet
    (FIREFOX_TABLET, None, "tablet"),
    (MAC, None, "desktop"),
    (WINDOWS, None, "desktop"),
    ("curl/8.4.0", None, "desktop"),  # anything else is desktop
    (None, None, "unknown"),  # no UA at all
    ("   ", None, "unknown"),
    (WINDOWS, "mobile", "mobile"),  # the page's hint wins
    (IPHONE, "Desktop", "desktop"),  # hint case-insensitive
    (None, "tablet", "tablet"),
    (IPHONE, "watch", "mobile"),  # an unknown hint is ignored
    (None, "unknown", "unknown"),
]


@pytest.mark.parametrize(("user_agent", "hint", "expected"), DEVICE_CASES)
def test_device_class(user_agent: str | None, hint: str | None, expected: str) -> None:
    assert device_class(user_agent, hint) == expected

from __future__ import annotations

import pytest

from edgewatch.errors import Forbidden
from edgewatch.vitals import allowed_origins, cors_headers, preflight_headers

SHOP = "https://shop.example.com"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("*", ["*"]),
        (f" {SHOP}/ , https://b.example ,", [SHOP, "https://b.example"]),  # spaces, trailing slash, empty part
    ],
)
def test_allowed_origins(text: str, expected: list[str]) -> None:
    assert allowed_origins(text) == expected


@pytest.mark.parametrize(
    ("allowed", "origin", "expected"),
    [
        ([], None, {}),  # no Origin (a server, curl): no CORS needed
        (["*"], SHOP, {"access-control-allow-origin": "*"}),
        ([SHOP], SHOP, {"access-control-allow-origin": SHOP, "vary": "Origin"}),
        ([SHOP], SHOP + "/", {"access-control-allow-origin": SHOP + "/", "vary": "Origin"}),  # echoed as sent
    ],
)
def test_cors_headers(allowed: list[str], origin: str | None, expected: dict[str, str]) -> None:
    assert cors_headers(allowed, origin) == expected


@pytest.mark.parametrize("allowed", [[], [SHOP]])
def test_other_origins_are_forbidden(allowed: list[str]) -> None:
    with pytest.raises(Forbidden, match="may not send vitals; add it to VITALS_ALLOWED_ORIGINS"):
        cors_headers(allowed, "https://evil.example")


def test_preflight_adds_methods_headers_and_max_age() -> None:
    assert preflight_headers([SHOP], SHOP) == {
        "access-control-allow-origin": SHOP,
        "vary": "Origin",
        "access-control-allow-methods": "POST, OPTIONS",
        "access-control-allow-headers": "content-type",
        "access-control-max-age": "86400",
    }
    with pytest.raises(Forbidden):
        preflight_headers([SHOP], "https://evil.example")

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.config import DEFAULTS_DIR, Threshold, WebVitalsThresholds, load_web_vitals
from edgewatch.errors import ApiError, BadRequest, PayloadTooLarge
from edgewatch.vitals import (
    MAX_ENTRIES,
    MAX_STRING_CHARS,
    Rating,
    VitalSample,
    dedupe,
    device_class,
    distribution,
    normalize_route,
    p75,
    parse_beacons,
    rate,
)
from edgewatch.wire.items import LineError

NOW = 1_795_737_600_000  # 2026-11-27T00:00:00Z
T1 = 1_795_737_000_000
THRESHOLDS: WebVitalsThresholds = load_web_vitals(json.loads((DEFAULTS_DIR / "web-vitals.json").read_text()))

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
IPAD = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 Version/16.6 Mobile/15E148 Safari/604.1"
PIXEL = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
GALAXY_TAB = "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
FIREFOX_TABLET = "Mozilla/5.0 (Android 13; Tablet; rv:120.0) Gecko/120.0 Firefox/120.0"
MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"

# What web-vitals v4's onLCP hands its callback, as JSON.stringify writes it (the entry's
# element becomes {} because a DOM node has no toJSON), plus our own route field.
LCP_METRIC: dict[str, Any] = {
    "name": "LCP",
    "value": 2500,
    "rating": "good",
    "delta": 2500,
    "id": "v4-1700000000000-1234567890123",
    "navigationType": "navigate",
    "entries": [
        {
            "name": "",
            "entryType": "largest-contentful-paint",
            "startTime": 2500,
            "duration": 0,
            "size": 120000,
            "renderTime": 2500,
            "loadTime": 2400.5,
            "firstAnimatedFrameTime": 0,
            "id": "hero",
            "url": "https://cdn.example.com/hero.jpg",
            "element": {},
        }
    ],
    "route": "https://shop.example.com/products/12345?ref=home#top",
}


def parse(items: Any, **kwargs: Any) -> tuple[list[VitalSample], list[LineError]]:
    return parse_beacons(json.dumps(items).encode(), NOW, THRESHOLDS, **kwargs)


def one(item: dict[str, Any], **kwargs: Any) -> VitalSample:
    samples, errors = parse([item], **kwargs)
    assert errors == []
    [sample] = samples
    return sample


def vital(**fields: Any) -> dict[str, Any]:
    return {"name": "CLS", "value": 0.05, "id": "v4-1-1", "route": "/", **fields}


# -- rate ------------------------------------------------------------------------------------------

RATE_CASES: list[tuple[str, float, Rating]] = [
    # CLS: good <= 0.1, poor > 0.25
    ("CLS", 0.1, "good"),  # exactly good
    ("CLS", 0.1001, "needs-improvement"),  # just above good
    ("CLS", 0.25, "needs-improvement"),  # exactly poor
    ("CLS", 0.2501, "poor"),  # just above poor
    # FCP: good <= 1800 ms, poor > 3000 ms
    ("FCP", 1800, "good"),
    ("FCP", 1800.1, "needs-improvement"),
    ("FCP", 3000, "needs-improvement"),
    ("FCP", 3000.1, "poor"),
    # FID: good <= 100 ms, poor > 300 ms
    ("FID", 100, "good"),
    ("FID", 100.1, "needs-improvement"),
    ("FID", 300, "needs-improvement"),
    ("FID", 300.1, "poor"),
    # INP: good <= 200 ms, poor > 500 ms
    ("INP", 200, "good"),
    ("INP", 201, "needs-improvement"),  # INP is reported in whole milliseconds
    ("INP", 500, "needs-improvement"),
    ("INP", 501, "poor"),
    # LCP: good <= 2500 ms, poor > 4000 ms
    ("LCP", 2500, "good"),
    ("LCP", 2500.1, "needs-improvement"),
    ("LCP", 4000, "needs-improvement"),
    ("LCP", 4000.1, "poor"),
    # TTFB: good <= 800 ms, poor > 1800 ms
    ("TTFB", 800, "good"),
    ("TTFB", 800.1, "needs-improvement"),
    ("TTFB", 1800, "needs-improvement"),
    ("TTFB", 1800.1, "poor"),
    # zero is always good; the name is case-insensitive
    ("lcp", 0, "good"),
    ("Cls", 0.3, "poor"),
]


@pytest.mark.parametrize(("name", "value", "expected"), RATE_CASES)
def test_rate_boundaries(name: str, value: float, expected: Rating) -> None:
    assert rate(name, value, THRESHOLDS) == expected


def test_rate_uses_the_configured_thresholds() -> None:
    strict: WebVitalsThresholds = {**THRESHOLDS, "lcp": Threshold(good=1000, poor=2000)}
    assert rate("LCP", 1500, strict) == "needs-improvement"
    assert rate("LCP", 2500, strict) == "poor"


def test_rate_falls_back_to_the_library_thresholds_for_a_missing_metric() -> None:
    assert rate("INP", 200, {}) == "good"
    assert rate("INP", 500.5, {}) == "poor"


@pytest.mark.parametrize("name", ["TBT", "", "ﬁd", "lcp "])
def test_rate_refuses_unknown_names(name: str) -> None:
    with pytest.raises(ValueError, match="not a web vital"):
        rate(name, 1, THRESHOLDS)


def test_rate_refuses_nan() -> None:
    with pytest.raises(ValueError, match="NaN"):
        rate("LCP", float("nan"), THRESHOLDS)


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


# -- parse_beacons ---------------------------------------------------------------------------------


def test_parse_a_web_vitals_lcp_metric() -> None:
    sample = one(LCP_METRIC, user_agent=PIXEL)
    assert sample == VitalSample(
        id="v4-1700000000000-1234567890123",
        name="LCP",
        value=2500.0,
        rating="good",
        route="/products/:id",
        device="mobile",
        navigation_type="navigate",
        user_id=None,
        ts=NOW,
        attribution={},
        entries=[
            {
                "name": "",
                "entryType": "largest-contentful-paint",
                "startTime": 2500,
                "duration": 0,
                "renderTime": 2500,
                "loadTime": 2400.5,
                "size": 120000,
                "url": "https://cdn.example.com/hero.jpg",
                "id": "hero",
            }
        ],
    )


def test_send_beacon_text_body_is_the_same_json() -> None:
    # navigator.sendBeacon(url, JSON.stringify(metric)) sends text/plain;charset=UTF-8: the bytes are the JSON.
    body = json.dumps(LCP_METRIC, separators=(",", ":")).encode("utf-8")
    samples, errors = parse_beacons(body, NOW, THRESHOLDS)
    assert errors == []
    assert [(s.name, s.value, s.route) for s in samples] == [("LCP", 2500.0, "/products/:id")]


def test_body_shapes() -> None:
    item = vital()
    for body in (item, [item, item], {"metrics": [item]}):
        samples, errors = parse(body)
        assert errors == []
        assert samples
        assert all(s.name == "CLS" for s in samples)


def test_client_rating_is_ignored() -> None:
    assert one({**LCP_METRIC, "value": 4001, "rating": "good"}).rating == "poor"
    assert one({**LCP_METRIC, "value": 100, "rating": "poor"}).rating == "good"
    assert one({**LCP_METRIC, "rating": 17, "delta": "x"}).rating == "good"


def test_configured_thresholds_rate_the_samples() -> None:
    strict: WebVitalsThresholds = {**THRESHOLDS, "lcp": Threshold(good=1000, poor=2000)}
    samples, _ = parse_beacons(json.dumps(LCP_METRIC).encode(), NOW, strict)
    assert samples[0].rating == "poor"


def test_optional_fields() -> None:
    sample = one(vital(name="inp", value=350, device="tablet", userId=42, timestamp=T1, route=None, page="/p/1"))
    assert (sample.name, sample.rating, sample.device, sample.user_id, sample.ts, sample.route) == (
        "INP",
        "needs-improvement",
        "tablet",
        "42",
        T1,
        "/p/:id",
    )
    assert one(vital(user_id="u-1")).user_id == "u-1"
    assert one(vital(url="https://a.example/x/")).route == "/"  # route wins over url
    assert one(vital(route=None, url="https://a.example/x/")).route == "/x"
    assert one(vital(timestamp="2026-11-27T00:00:00Z")).ts == NOW
    assert one(vital(timestamp=T1 // 1000)).ts == T1  # seconds, as for logs
    assert one(vital()).device == "unknown"  # no UA, no hint
    assert one(vital(), user_agent=IPAD).device == "tablet"
    assert one(vital(device="desktop"), user_agent=IPHONE).device == "desktop"
    assert one(vital(navigationType="back-forward-cache")).navigation_type == "back-forward-cache"
    assert one(vital(userId="")).user_id is None


def test_attribution_keeps_scalars_trimmed() -> None:
    attribution = {
        "element": "#main > img.hero",
        "url": "https://cdn.example.com/" + "a" * 500,
        "timeToFirstByte": 120.5,
        "resourceLoadDelay": 10,
        "loadState": "complete",
        "navigationEntry": {"name": "https://shop.example.com/", "duration": 900},  # nested: dropped
        "lcpEntry": None,
        "longAnimationFrameEntries": [],  # nested: dropped
        "bad": float("inf"),  # not representable: dropped
    }
    body = json.dumps({**LCP_METRIC, "attribution": attribution}).replace("Infinity", "1e999")  # decodes to inf
    [sample], errors = parse_beacons(body.encode(), NOW, THRESHOLDS)
    assert errors == []
    assert sample.attribution == {
        "element": "#main > img.hero",
        "url": ("https://cdn.example.com/" + "a" * 500)[:MAX_STRING_CHARS],
        "timeToFirstByte": 120.5,
        "resourceLoadDelay": 10,
        "loadState": "complete",
        "lcpEntry": None,
    }
    assert len(sample.attribution["url"]) == 200


def test_attribution_is_bounded() -> None:
    sample = one(vital(attribution={f"k{i}": i for i in range(100)} | {"x" * 65: 1}))
    assert len(sample.attribution) == 20


def test_entries_are_trimmed_to_the_last_five() -> None:
    shifts = [
        {
            "name": "",
            "entryType": "layout-shift",
            "startTime": float(i),
            "duration": 0,
            "value": 0.01,
            "hadRecentInput": False,
            "sources": [{"node": {}, "previousRect": {}, "currentRect": {}}],
            "lastInputTime": 0,
        }
        for i in range(8)
    ]
    sample = one(vital(value=0.08, entries=shifts))
    assert len(sample.entries) == MAX_ENTRIES
    assert [entry["startTime"] for entry in sample.entries] == [3.0, 4.0, 5.0, 6.0, 7.0]
    assert sample.entries[0] == {
        "name": "",
        "entryType": "layout-shift",
        "startTime": 3.0,
        "duration": 0,
        "value": 0.01,
        "hadRecentInput": False,
    }


def test_entry_strings_are_cut() -> None:
    sample = one(vital(entries=[{"name": "n" * 1000, "url": "u" * 201}]))
    assert sample.entries == [{"name": "n" * 200, "url": "u" * 200}]


BAD_ITEMS: list[tuple[Any, str]] = [
    ([1], "must be a JSON object"),  # not an object
    ({"value": 1, "id": "a", "route": "/"}, "name is required"),
    (vital(name="TBT"), "not one of CLS"),
    (vital(name=3), "name is required"),
    (vital(name="ﬁd"), "not one of"),  # a ligature that upper-cases to FID
    (vital(value=None), "value is required"),
    (vital(value="12"), "must be a number"),
    (vital(value=True), "must be a number"),
    (vital(value=-1), "negative"),
    (vital(value=10**400), "out of range"),
    (vital(id=""), "id is required"),
    (vital(id=12), "id is required"),
    (vital(id="x" * 101), "longer than 100"),
    (vital(navigationType=1), "navigationType"),
    (vital(route=None), "route (or page, or url) is required"),
    (vital(route=""), "route must be a non-empty string"),
    (vital(route=None, page=7), "page must be a non-empty string"),
    (vital(userId=1.5), "userId must be a string or an integer"),
    (vital(userId="u" * 129), "longer than 128"),
    (vital(timestamp=True), "timestamp"),
    (vital(timestamp="yesterday"), "timestamp"),
    (vital(attribution=[1]), "attribution must be an object"),
    (vital(entries={"a": 1}), "entries must be an array"),
    (vital(entries=[{"name": "x"}, 3]), "entries[1] must be an object"),
]


@pytest.mark.parametrize(("item", "problem"), BAD_ITEMS)
def test_bad_items_are_rejected_one_by_one(item: Any, problem: str) -> None:
    samples, errors = parse([vital(id="good-1"), item, vital(id="good-2")])
    assert [s.id for s in samples] == ["good-1", "good-2"]
    assert len(errors) == 1
    assert errors[0].index == 1
    assert problem in errors[0].error


def test_lone_surrogate_in_id_is_rejected_and_in_attribution_replaced() -> None:
    body = b'[{"name":"CLS","value":0,"id":"a\\ud800","route":"/"},' + (
        b'{"name":"CLS","value":0,"id":"b","route":"/x\\ud800","attribution":{"t":"\\udc00"}}]'
    )
    samples, errors = parse_beacons(body, NOW, THRESHOLDS)
    assert [e.index for e in errors] == [0]
    assert "surrogate" in errors[0].error
    [sample] = samples
    assert sample.route == "/x"
    json.dumps(sample.attribution, ensure_ascii=False).encode("utf-8")  # encodable


@pytest.mark.parametrize(
    "body",
    [b"", b"  \n", b"not json", b"\xff\xfe", b"42", b'"LCP"', b"null", b"[]", b'{"metrics": []}', b'{"metrics": 1}'],
)
def test_bad_bodies_are_bad_requests(body: bytes) -> None:
    with pytest.raises(BadRequest):
        parse_beacons(body, NOW, THRESHOLDS)


def test_too_many_items() -> None:
    parse([vital()] * 3, max_items=3)
    with pytest.raises(PayloadTooLarge, match="4 web vitals; the limit is 3"):
        parse([vital()] * 4, max_items=3)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=20,
)
_KEYS = st.sampled_from(
    [
        *("name", "value", "id", "route", "page", "url", "device", "userId", "user_id", "timestamp"),
        *("entries", "attribution", "navigationType", "rating", "delta"),
    ]
)
_NAMES = st.sampled_from(["LCP", "cls", "INP", "fid", "FCP", "TTFB", "XYZ"])
_ITEM = st.dictionaries(_KEYS, _JSON | _NAMES, max_size=12)
# A valid item with one field replaced by anything: reaches every field check, not only the first.
_NEAR_VALID = st.builds(lambda key, value: {**LCP_METRIC, key: value}, _KEYS, _JSON)


def _check_result(samples: list[VitalSample], errors: list[LineError]) -> None:
    for sample in samples:
        assert sample.rating in ("good", "needs-improvement", "poor")
        assert sample.route.startswith("/")
        assert len(sample.entries) <= MAX_ENTRIES
        json.dumps([sample.attribution, sample.entries], ensure_ascii=False, allow_nan=False).encode("utf-8")
    assert all(isinstance(e, LineError) for e in errors)


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_only_raise_4xx(body: bytes) -> None:
    try:
        _check_result(*parse_beacons(body, NOW, THRESHOLDS))
    except ApiError as exc:
        assert 400 <= exc.status < 500


@settings(max_examples=300)
@given(
    st.one_of(
        _JSON,
        _ITEM,
        st.lists(_ITEM | _NEAR_VALID, max_size=5),
        st.fixed_dictionaries({"metrics": st.lists(_ITEM | _NEAR_VALID)}),
    )
)
def test_arbitrary_json_only_raises_4xx(data: Any) -> None:
    try:
        _check_result(*parse_beacons(json.dumps(data).encode(), NOW, THRESHOLDS, max_items=4))
    except ApiError as exc:
        assert 400 <= exc.status < 500


# -- dedupe ----------------------------------------------------------------------------------------


def sample(id: str, value: float, ts: int, name: str = "CLS") -> VitalSample:
    return VitalSample(id, name, value, "good", "/", "desktop", None, None, ts, {}, [])


def test_dedupe_keeps_the_latest_report_per_id() -> None:
    samples = [
        sample("v4-a", 0.01, 100),
        sample("v4-b", 0.30, 100),
        sample("v4-a", 0.05, 300),  # CLS grew: the later report wins
        sample("v4-a", 0.02, 200),  # arrived late but older: ignored
    ]
    assert [(s.id, s.value) for s in dedupe(samples)] == [("v4-a", 0.05), ("v4-b", 0.30)]


def test_dedupe_tie_keeps_the_last_given() -> None:
    samples = [sample("v4-a", 120, 100, "INP"), sample("v4-a", 250, 100, "INP")]
    assert [s.value for s in dedupe(samples)] == [250]


def test_dedupe_does_not_merge_different_metrics_sharing_an_id() -> None:
    samples = [sample("same", 0.1, 100, "CLS"), sample("same", 2500, 100, "LCP")]
    assert [s.name for s in dedupe(samples)] == ["CLS", "LCP"]


def test_dedupe_empty() -> None:
    assert dedupe([]) == []


# -- p75 and distribution --------------------------------------------------------------------------

P75_CASES: list[tuple[list[float], float | None]] = [
    ([], None),  # no data
    ([7], 7),  # rank ceil(0.75) = 1
    ([1, 2], 2),  # rank ceil(1.5) = 2
    ([1, 2, 3, 4], 3),  # rank ceil(3) = 3: exact rank, no interpolation
    ([4, 1, 3, 2, 5], 4),  # unsorted; rank ceil(3.75) = 4
    ([10, 20, 30, 40, 50, 60, 70, 80], 60),  # rank 6
    ([0.1, 0.3, 0.2], 0.3),  # rank ceil(2.25) = 3
    (list(range(1, 101)), 75),  # rank 75 of 100
    (list(range(1, 102)), 76),  # rank ceil(75.75) = 76 of 101
]


@pytest.mark.parametrize(("values", "expected"), P75_CASES)
def test_p75_nearest_rank(values: list[float], expected: float | None) -> None:
    assert p75(values) == expected


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1))
def test_p75_is_a_value_with_a_quarter_above(values: list[float]) -> None:
    result = p75(values)
    assert result in values
    assert sum(v <= result for v in values) >= 0.75 * len(values)
    assert sum(v < result for v in values) < 0.75 * len(values)


def test_distribution() -> None:
    assert distribution([]) == {"good": 0, "needs-improvement": 0, "poor": 0}
    assert distribution(["good", "poor", "good", "needs-improvement", "good"]) == {
        "good": 3,
        "needs-improvement": 1,
        "poor": 1,
    }

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
    VitalSample,
    parse_beacons,
)
from edgewatch.wire.items import LineError

NOW = 1_795_737_600_000  # 2026-11-27T00:00:00Z
T1 = 1_795_737_000_000
THRESHOLDS: WebVitalsThresholds = load_web_vitals(json.loads((DEFAULTS_DIR / "web-vitals.json").read_text()))

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
IPAD = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 Version/16.6 Mobile/15E148 Safari/604.1"
PIXEL = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"

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


def test_a_bare_metric_takes_its_page_from_a_same_origin_referer_else_unknown() -> None:
    from edgewatch.vitals import UNKNOWN_ROUTE, page_from_referer

    bare = vital(route=None)  # what the web-vitals README's sendToAnalytics posts: no page field
    page = page_from_referer("https://pitchey.example/pitches/new?draft=1", "https://pitchey.example")
    assert page == "/pitches/new"
    [sample], _ = parse_beacons(json.dumps(bare).encode(), NOW, THRESHOLDS, page=page)
    assert (sample.route, sample.route_source) == ("/pitches/new", "referer")
    [sample], _ = parse_beacons(json.dumps(bare).encode(), NOW, THRESHOLDS)
    assert (sample.route, sample.route_source) == (UNKNOWN_ROUTE, "unknown")
    [sample], _ = parse_beacons(json.dumps(vital()).encode(), NOW, THRESHOLDS, page=page)
    assert sample.route_source == "beacon"  # the beacon's own route wins
    assert page_from_referer("https://evil.example/x", "https://pitchey.example") is None
    assert page_from_referer("https://pitchey.example/x", None) is None
    assert page_from_referer(None, "https://pitchey.example") is None

"""Web Vitals beacons: the web-vitals library's Metric objects, rated against our thresholds.

A page reports with ``onLCP(send)``, ``onINP(send)`` ... and ``send`` posts the Metric as JSON, by
``fetch`` (application/json) or ``navigator.sendBeacon`` (a string body: text/plain, the same JSON).
The body is one Metric, a JSON array of them, or ``{"metrics": [...]}``. Each item::

    {"name": "LCP", "value": 2500, "rating": "good", "delta": 2500, "id": "v5-1700000000000-1234567890123",
     "navigationType": "navigate", "entries": [...], "attribution": {...},
     "route": "/products/42", "device": "mobile", "userId": "u-1", "timestamp": 1700000000000}

- ``name``: CLS, FCP, FID, INP, LCP or TTFB (case does not matter);
- ``value``: a finite number >= 0 (milliseconds; CLS is unitless);
- ``id``: the library's id of this metric instance, a non-empty string of at most 100 characters;
- ``navigationType``: optional string (navigate, reload, back-forward, back-forward-cache, prerender, restore);
- ``rating`` and ``delta`` are ignored: the rating is recomputed here against the configured thresholds;
- ``entries``: optional array of performance entries; the last MAX_ENTRIES are kept, each trimmed to
  ENTRY_FIELDS with scalar values;
- ``attribution`` (the library's attribution build): optional object; its scalar fields are kept
  (at most MAX_ATTRIBUTION_KEYS), nested objects such as ``navigationEntry`` are dropped;
- ``route``, ``page`` or ``url`` (in that order of preference): the page; it is reduced to a
  bounded route by normalize_route. A bare Metric without them (the web-vitals README's
  ``sendToAnalytics`` posts one) takes the page from a same-origin Referer, else is filed under
  ``/(unknown)``; ``route_source`` says which, and the ingest answer counts both;
- ``device``: optional hint (mobile, tablet, desktop); otherwise the request's User-Agent decides;
- ``userId`` or ``user_id``: optional string or integer, at most 128 characters;
- ``timestamp``: optional epoch milliseconds (below 1e11: seconds) or RFC 3339; the default is receipt time;
- ``traceparent`` (from the document's ``Server-Timing``) or ``traceId``: optional, the edge trace
  that served the page (see trace_link).

A bad item becomes a LineError (its 0-based index and why) and the others are kept; a body that is not
JSON, not an object or array, or holds no item is a BadRequest, more than ``max_items`` a PayloadTooLarge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from ..config import WebVitalsThresholds
from ..errors import BadRequest, PayloadTooLarge
from ..wire.body import decode_text
from ..wire.items import EntryError, LineError, batch_items, json_type, show
from ..wire.jsondoc import may_hold_surrogates, parse_json
from ..wire.timestamps import epoch_ms
from .pages import Device, device_class, normalize_route
from .ratings import VITAL_NAMES, Rating, rate
from .trace_link import trace_id_of

UNKNOWN_ROUTE = "/(unknown)"  # a bare Metric with no route and no usable Referer
RouteSource = Literal["beacon", "referer", "unknown"]
MAX_SAMPLE_ID_CHARS = 100
MAX_NAVIGATION_TYPE_CHARS = 32
MAX_USER_ID_CHARS = 128
MAX_STRING_CHARS = 200  # strings kept from entries and attribution
MAX_ENTRIES = 5
MAX_ATTRIBUTION_KEYS = 20
MAX_ATTRIBUTION_KEY_CHARS = 64


# The scalar fields of a PerformanceEntry worth keeping (LCP, layout-shift, event, navigation entries).
ENTRY_FIELDS: tuple[str, ...] = (
    "name",
    "entryType",
    "startTime",
    "duration",
    "renderTime",
    "loadTime",
    "size",
    "url",
    "id",
    "value",
    "hadRecentInput",
    "processingStart",
    "processingEnd",
    "interactionId",
)


@dataclass(frozen=True, slots=True)
class VitalSample:
    id: str
    name: str  # upper-case web-vitals name: CLS, FCP, FID, INP, LCP, TTFB
    value: float
    rating: Rating  # recomputed here; the client's rating is ignored
    route: str
    device: Device
    navigation_type: str | None
    user_id: str | None
    ts: int  # epoch milliseconds
    attribution: dict[str, Any]
    entries: list[dict[str, Any]]
    trace_id: str | None = None
    route_source: RouteSource = "beacon"  # where the route came from: the beacon, its Referer, or nowhere


def parse_beacons(
    body: bytes,
    now_ms: int,
    thresholds: WebVitalsThresholds,
    user_agent: str | None = None,
    *,
    max_items: int = 100,
    page: str | None = None,
) -> tuple[list[VitalSample], list[LineError]]:
    """``page``: the page a bare Metric without a route was measured on (see page_from_referer)."""
    text = decode_text(body)
    items = _items(parse_json(text))
    if not items:
        raise BadRequest("the body holds no web vitals")
    if len(items) > max_items:
        raise PayloadTooLarge(f"body has {len(items)} web vitals; the limit is {max_items}")
    check = may_hold_surrogates(text)
    samples: list[VitalSample] = []
    errors: list[LineError] = []
    for index, item in enumerate(items):
        try:
            samples.append(_sample(item, now_ms, thresholds, user_agent, check, page=page))
        except EntryError as exc:
            errors.append(LineError(index, str(exc)))
    return samples, errors


def _items(data: Any) -> list[Any]:
    return batch_items(data, "web vitals")


def _sample(
    item: Any, now_ms: int, thresholds: WebVitalsThresholds, user_agent: str | None, check: bool, *, page: str | None
) -> VitalSample:
    if type(item) is not dict:
        raise EntryError(f"a web vital must be a JSON object, not {json_type(item)}")
    get = item.get

    raw = get("name")
    if type(raw) is not str:
        raise EntryError(f"name is required: one of {', '.join(VITAL_NAMES)}")
    name = raw.upper() if raw.isascii() else raw
    if name not in VITAL_NAMES:
        raise EntryError(f"name {show(raw)} is not one of {', '.join(VITAL_NAMES)}")

    value = _value(get("value"))

    raw = get("id")
    if type(raw) is not str or not raw:
        raise EntryError("id is required (a non-empty string: the web-vitals metric id)")
    if len(raw) > MAX_SAMPLE_ID_CHARS:
        raise EntryError(f"id is longer than {MAX_SAMPLE_ID_CHARS} characters")
    sample_id = _encodable(raw, "id", check)

    raw = get("navigationType")
    navigation_type: str | None = None
    if raw is not None:
        if type(raw) is not str or len(raw) > MAX_NAVIGATION_TYPE_CHARS:
            raise EntryError(f"navigationType must be a string of at most {MAX_NAVIGATION_TYPE_CHARS} characters")
        navigation_type = _encodable(raw, "navigationType", check) or None

    route, route_source = _route(item, page)

    hint = get("device")
    device = device_class(user_agent, hint if type(hint) is str else None)

    raw = get("userId")
    if raw is None:
        raw = get("user_id")
    user_id = None if raw is None else _user_id(raw, check)

    raw = get("timestamp")
    ts = now_ms if raw is None else epoch_ms(raw, "timestamp")

    raw = get("attribution")
    if raw is not None and type(raw) is not dict:
        raise EntryError(f"attribution must be an object, not {json_type(raw)}")
    attribution = _attribution(raw, check) if raw else {}

    raw = get("entries")
    if raw is not None and type(raw) is not list:
        raise EntryError(f"entries must be an array of performance entries, not {json_type(raw)}")
    entries = _entries(raw, check) if raw else []

    return VitalSample(
        id=sample_id,
        name=name,
        value=value,
        rating=rate(name, value, thresholds),
        route=route,
        device=device,
        navigation_type=navigation_type,
        user_id=user_id,
        ts=ts,
        attribution=attribution,
        entries=entries,
        trace_id=trace_id_of(item),
        route_source=route_source,
    )


def _value(raw: object) -> float:
    if raw is None:
        raise EntryError("value is required (a number)")
    if type(raw) is not int and type(raw) is not float:
        raise EntryError(f"value must be a number, not {json_type(raw)}")
    try:
        value = float(raw)
    except OverflowError:
        raise EntryError(f"value {show(raw)} is out of range") from None
    if not math.isfinite(value):
        raise EntryError(f"value {show(raw)} is out of range; it must be a finite number")
    if value < 0:
        raise EntryError(f"value {show(raw)} is negative; web vitals are never below 0")
    return value


def _route(item: dict[str, Any], page: str | None) -> tuple[str, RouteSource]:
    for key in ("route", "page", "url"):
        raw = item.get(key)
        if raw is None:
            continue
        if type(raw) is not str or not raw.strip():
            raise EntryError(f"{key} must be a non-empty string (the page's path or URL)")
        return normalize_route(raw), "beacon"
    if page is not None:
        return normalize_route(page), "referer"
    return UNKNOWN_ROUTE, "unknown"


def page_from_referer(referer: str | None, origin: str | None) -> str | None:
    """The page a bare Metric (no route field, as the web-vitals README's sendToAnalytics posts it)
    was measured on: the Referer, when it is of the same origin as the beacon's Origin header (a
    sendBeacon from the page carries both). Any other Referer is not trusted to name the page."""
    if not referer or not origin:
        return None
    parts = urlsplit(referer)
    if not parts.scheme or not parts.netloc or f"{parts.scheme}://{parts.netloc}".lower() != origin.strip().lower():
        return None
    return parts.path or "/"


def _user_id(raw: object, check: bool) -> str | None:
    if type(raw) is int:
        text = str(raw)
    elif type(raw) is str:
        text = raw
    else:
        raise EntryError(f"userId must be a string or an integer, not {json_type(raw)}")
    if len(text) > MAX_USER_ID_CHARS:
        raise EntryError(f"userId is longer than {MAX_USER_ID_CHARS} characters")
    return _encodable(text, "userId", check) or None


def _encodable(text: str, field: str, check: bool) -> str:
    if check:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise EntryError(f"{field} contains an unpaired UTF-16 surrogate escape (\\ud800-\\udfff)") from None
    return text


def _scalar(value: object, check: bool) -> tuple[bool, Any]:
    """Whether ``value`` is kept (a string, a finite number, a boolean or null) and its trimmed form."""
    kind = type(value)
    if kind is str:
        text = cast(str, value)[:MAX_STRING_CHARS]
        if check:
            text = text.encode("utf-8", "replace").decode("utf-8")
        return True, text
    if kind is bool or value is None:
        return True, value
    if kind is int:
        return True, value if -(2**53) <= cast(int, value) <= 2**53 else float(cast(int, value))
    if kind is float:
        return math.isfinite(cast(float, value)), value
    return False, None


def _attribution(raw: dict[Any, Any], check: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if len(out) == MAX_ATTRIBUTION_KEYS:
            break
        if len(key) > MAX_ATTRIBUTION_KEY_CHARS:
            continue
        keep, trimmed = _scalar(value, check)
        if keep:
            out[_scalar(key, check)[1]] = trimmed
    return out


def _entries(raw: list[Any], check: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for position, entry in enumerate(raw):
        if type(entry) is not dict:
            raise EntryError(f"entries[{position}] must be an object, not {json_type(entry)}")
    for entry in raw[-MAX_ENTRIES:]:
        trimmed: dict[str, Any] = {}
        for field in ENTRY_FIELDS:
            if field in entry:
                keep, value = _scalar(entry[field], check)
                if keep:
                    trimmed[field] = value
        out.append(trimmed)
    return out

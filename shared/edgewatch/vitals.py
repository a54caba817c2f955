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
- ``route``, ``page`` or ``url`` (in that order of preference): the page, required; it is reduced to a
  bounded route by normalize_route;
- ``device``: optional hint (mobile, tablet, desktop); otherwise the request's User-Agent decides;
- ``userId`` or ``user_id``: optional string or integer, at most 128 characters;
- ``timestamp``: optional epoch milliseconds (below 1e11: seconds) or RFC 3339; the default is receipt time.

A bad item becomes a LineError (its 0-based index and why) and the others are kept; a body that is not
JSON, not an object or array, or holds no item is a BadRequest, more than ``max_items`` a PayloadTooLarge.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal, cast

from .config import Threshold, VitalName, WebVitalsThresholds
from .errors import BadRequest, PayloadTooLarge
from .logs.entry import MAX_ID_CHARS
from .wire.body import decode_text
from .wire.items import EntryError, LineError, batch_items, json_type, show
from .wire.jsondoc import may_hold_surrogates, parse_json
from .wire.timestamps import epoch_ms

Rating = Literal["good", "needs-improvement", "poor"]
Device = Literal["mobile", "tablet", "desktop", "unknown"]

RATINGS: tuple[Rating, ...] = ("good", "needs-improvement", "poor")
VITAL_NAMES: tuple[str, ...] = ("CLS", "FCP", "FID", "INP", "LCP", "TTFB")
DEVICES: frozenset[str] = frozenset({"mobile", "tablet", "desktop"})

MAX_SAMPLE_ID_CHARS = 100
MAX_NAVIGATION_TYPE_CHARS = 32
MAX_ROUTE_CHARS = 200
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

# The web-vitals library's own thresholds: the fallback for a metric the configuration leaves out.
LIBRARY_THRESHOLDS: dict[VitalName, Threshold] = {
    "cls": Threshold(good=0.1, poor=0.25),
    "fcp": Threshold(good=1800, poor=3000),
    "fid": Threshold(good=100, poor=300),
    "inp": Threshold(good=200, poor=500),
    "lcp": Threshold(good=2500, poor=4000),
    "ttfb": Threshold(good=800, poor=1800),
}


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


# -- rating ----------------------------------------------------------------------------------------


def rate(name: str, value: float, thresholds: WebVitalsThresholds) -> Rating:
    """The web-vitals rule: ``value <= good`` is good, ``value <= poor`` needs improvement, above is poor.

    A metric missing from ``thresholds`` is rated with LIBRARY_THRESHOLDS. A ValueError for a name that is
    not a web vital or a value that is NaN.
    """
    key = name.lower()
    if key not in LIBRARY_THRESHOLDS:
        raise ValueError(f"{show(name)} is not a web vital: {', '.join(VITAL_NAMES)}")
    if math.isnan(value):
        raise ValueError("a NaN value cannot be rated")
    threshold = thresholds.get(key) or LIBRARY_THRESHOLDS[key]
    if value > threshold.poor:
        return "poor"
    if value > threshold.good:
        return "needs-improvement"
    return "good"


# -- routes and devices ----------------------------------------------------------------------------

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}").fullmatch
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-+=~.]{16,}").fullmatch
_SLUG_PART = re.compile(r"[A-Za-z]+|[0-9]+").fullmatch


def normalize_route(url_or_path: str) -> str:
    """The path of a URL or path with ids collapsed, so that routes stay few.

    Scheme, host, query and fragment are dropped, empty segments and a trailing slash too; a segment of
    digits becomes ``:id``, a UUID ``:uuid``, and a token ``:token``: at least 16 characters of
    ``[A-Za-z0-9_-+=~.]`` holding both digits and letters, unless it reads as a slug (hyphen-separated
    parts that are each all letters or all digits, such as ``release-notes-2024-edition``). Control
    characters are removed and the result is cut to MAX_ROUTE_CHARS.
    """
    text = url_or_path.strip()
    text = text.split("#", 1)[0].split("?", 1)[0]
    scheme = _SCHEME.match(text)
    if scheme or text.startswith("//"):
        rest = text[scheme.end() if scheme else 2 :]
        slash = rest.find("/")
        text = "" if slash < 0 else rest[slash:]
    text = _CONTROL.sub("", text)
    segments = [_segment(part) for part in text.split("/") if part]
    return ("/" + "/".join(segments))[:MAX_ROUTE_CHARS]


def _segment(part: str) -> str:
    if part.isascii() and part.isdigit():
        return ":id"
    if len(part) == 36 and _UUID(part):
        return ":uuid"
    if _TOKEN_CHARS(part) and _is_token(part):
        return ":token"
    return part


def _is_token(part: str) -> bool:
    has_digit = any(char.isdigit() for char in part)
    has_letter = any(char.isalpha() for char in part)
    if not (has_digit and has_letter):
        return False
    return not ("-" in part and all(_SLUG_PART(piece) for piece in part.split("-")))


def device_class(user_agent: str | None, hint: str | None) -> Device:
    """The page's device hint when it is mobile, tablet or desktop; else a guess from the User-Agent.

    iPad, Tablet, Kindle, Silk or an Android without "Mobi" is a tablet (Android tablets omit it); Mobi,
    iPhone or iPod is mobile; any other User-Agent is desktop, and none at all is unknown. iPadOS in
    desktop mode sends a Macintosh User-Agent and so reads as desktop.
    """
    if hint is not None:
        wanted = hint.strip().lower()
        if wanted in DEVICES:
            return cast(Device, wanted)
    if user_agent is None or not user_agent.strip():
        return "unknown"
    ua = user_agent.lower()
    mobile = "mobi" in ua or "iphone" in ua or "ipod" in ua
    if "ipad" in ua or "tablet" in ua or "kindle" in ua or "silk/" in ua or ("android" in ua and not mobile):
        return "tablet"
    return "mobile" if mobile else "desktop"


# -- the beacon body -------------------------------------------------------------------------------


def parse_beacons(
    body: bytes,
    now_ms: int,
    thresholds: WebVitalsThresholds,
    user_agent: str | None = None,
    max_items: int = 100,
) -> tuple[list[VitalSample], list[LineError]]:
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
            samples.append(_sample(item, now_ms, thresholds, user_agent, check))
        except EntryError as exc:
            errors.append(LineError(index, str(exc)))
    return samples, errors


def _items(data: Any) -> list[Any]:
    return batch_items(data, "web vitals")


def _sample(
    item: Any, now_ms: int, thresholds: WebVitalsThresholds, user_agent: str | None, check: bool
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

    route = _route(item)

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


def _route(item: dict[str, Any]) -> str:
    for key in ("route", "page", "url"):
        raw = item.get(key)
        if raw is None:
            continue
        if type(raw) is not str or not raw.strip():
            raise EntryError(f"{key} must be a non-empty string (the page's path or URL)")
        return normalize_route(raw)
    raise EntryError("route (or page, or url) is required: the page the vital was measured on")


def _user_id(raw: object, check: bool) -> str | None:
    if type(raw) is int:
        text = str(raw)
    elif type(raw) is str:
        text = raw
    else:
        raise EntryError(f"userId must be a string or an integer, not {json_type(raw)}")
    if len(text) > MAX_ID_CHARS:
        raise EntryError(f"userId is longer than {MAX_ID_CHARS} characters")
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


# -- summaries -------------------------------------------------------------------------------------


def dedupe(samples: list[VitalSample]) -> list[VitalSample]:
    """One sample per metric instance: the library re-reports CLS and INP under one id as they grow.

    Samples are keyed by (name, id), so two metrics that happen to share an id do not replace each
    other; per key the latest ``ts`` wins, on a tie the last one given. The result keeps the order in
    which each key first appeared.
    """
    kept: dict[tuple[str, str], VitalSample] = {}
    for sample in samples:
        key = (sample.name, sample.id)
        previous = kept.get(key)
        if previous is None or sample.ts >= previous.ts:
            kept[key] = sample
    return list(kept.values())


def p75(values: list[float]) -> float | None:
    """The 75th percentile by the nearest-rank method: the ceil(0.75 * n)-th smallest value.

    It is always one of the values (no interpolation), as CrUX and the web-vitals guidance report p75.
    None for no values.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = (3 * len(ordered) + 3) // 4  # ceil(3n / 4) in integers: no float rounding
    return ordered[rank - 1]


def distribution(ratings: list[Rating]) -> dict[str, int]:
    """How many samples have each rating; all three keys are always present."""
    counts: dict[str, int] = dict.fromkeys(RATINGS, 0)
    for rating in ratings:
        if rating in counts:
            counts[rating] += 1
    return counts

"""Core Web Vitals: beacons of the web-vitals library parsed and rated against the configured
thresholds, routes and devices, the beacon endpoint's CORS rule, the query's parameters, and
summaries (exact p75 and rating distribution per route and device).

Adapters and other packages use the names exported here.
"""

from __future__ import annotations

from .beacons import MAX_ENTRIES, MAX_STRING_CHARS, UNKNOWN_ROUTE, VitalSample, page_from_referer, parse_beacons
from .cors import allowed_origins, cors_headers, preflight_headers
from .messages import VitalRow, VitalSampleRow, VitalValue
from .pages import DEVICES, Device, device_class, normalize_route
from .query import VitalsQuery, parse_vitals_query
from .ratings import LIBRARY_THRESHOLDS, RATINGS, VITAL_NAMES, Rating, rate
from .storage import SAMPLE_COLUMNS, rows_by_shard, sample_row, vital_row
from .summary import dedupe, distribution, p75, rated_summary, summarize
from .trace_link import trace_id_of, trace_path

__all__ = [
    "DEVICES",
    "LIBRARY_THRESHOLDS",
    "MAX_ENTRIES",
    "MAX_STRING_CHARS",
    "RATINGS",
    "SAMPLE_COLUMNS",
    "UNKNOWN_ROUTE",
    "VITAL_NAMES",
    "Device",
    "Rating",
    "VitalRow",
    "VitalSample",
    "VitalSampleRow",
    "VitalValue",
    "VitalsQuery",
    "allowed_origins",
    "cors_headers",
    "dedupe",
    "device_class",
    "distribution",
    "normalize_route",
    "p75",
    "page_from_referer",
    "parse_beacons",
    "parse_vitals_query",
    "preflight_headers",
    "rate",
    "rated_summary",
    "rows_by_shard",
    "sample_row",
    "summarize",
    "trace_id_of",
    "trace_path",
    "vital_row",
]

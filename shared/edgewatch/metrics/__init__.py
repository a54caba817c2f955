"""Metrics core: points (ours and OTLP) parsed and validated, series keys, fixed windows with
quantile sketches, the MetricsStore shards' merges and RPC messages, the query's rules and the
Prometheus exposition.

The metrics adapters import its modules directly; another concern uses only the names exported here.
"""

from __future__ import annotations

from .model import Labels, MetricKind, Point, parse_series_key, series_key
from .sketch import QuantileSketch
from .windows import AGGREGATIONS, Window

__all__ = [
    "AGGREGATIONS",
    "Labels",
    "MetricKind",
    "Point",
    "QuantileSketch",
    "Window",
    "parse_series_key",
    "series_key",
]

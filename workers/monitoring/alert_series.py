"""The RPC method the alerts Worker's rules read: one query's value per label set, from the
metric windows of every shard (merged exactly: counts, sums and quantile sketches)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from edgewatch.alerts import MetricQuery, SeriesValue, window_values
from edgewatch.codec import decode, encode
from edgewatch.metrics import Window, parse_series_key
from edgewatch.metrics.messages import WindowRow
from metrics_api import SHARDS, metrics_shard, window_ms


async def metric_aggregates(env: Any, payload: str) -> str:
    """An encoded MetricQuery in; an encoded list of SeriesValue out."""
    request = decode(MetricQuery, payload)
    query, until = request.query, request.until_ms
    size = window_ms(env)
    start = until - query.range_ms
    first = start - start % size
    answers = await asyncio.gather(*(metrics_shard(env, s).windows(query.name, first, until) for s in range(SHARDS)))
    windows = []
    for answer in answers:
        for row in decode(list[WindowRow], str(answer)):
            _name, labels = parse_series_key(row.series)
            windows.append((dict(labels), row.start, row.res, Window.from_json(json.loads(row.agg))))
    values = window_values(query, windows, until)
    return encode([SeriesValue(dict(labels), value) for labels, value in values.items()])

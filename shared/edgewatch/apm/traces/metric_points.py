"""The per-endpoint series the traces measure, as metric points for the metrics store, so that
``/metrics``, the metrics query API and alert rules see them:

- ``apm_requests`` (counter) and ``apm_errors`` (counter), labels ``service`` and ``endpoint``;
- ``apm_request_duration_ms`` (timing), the same labels, one weighted point per sketch bucket (so a
  window's p95 is the rollup's, within the sketch's accuracy, without a point per request).

Each point is stamped with the start of its rollup's minute. Made from the rollups a flush adds
(every decided trace, kept or not), so the rates do not depend on sampling.
"""

from __future__ import annotations

from ...metrics import Point
from .rollup import MINUTE_MS, Rollup, RollupKey

MAX_LABEL_CHARS = 200
REQUESTS = "apm_requests"
ERRORS = "apm_errors"
DURATION = "apm_request_duration_ms"


def endpoint_points(rollups: dict[RollupKey, Rollup]) -> list[Point]:
    points: list[Point] = []
    for key, rollup in sorted(rollups.items()):
        if key.kind != "endpoint" or rollup.count <= 0:
            continue
        labels = (("endpoint", key.name[:MAX_LABEL_CHARS] or "-"), ("service", key.service[:MAX_LABEL_CHARS] or "-"))
        ts = key.minute * MINUTE_MS
        points.append(Point(REQUESTS, "counter", rollup.count, ts, labels))
        points.append(Point(ERRORS, "counter", rollup.errors, ts, labels))
        for value, weight in rollup.sketch.weighted_values():
            points.append(Point(DURATION, "timing", value, ts, labels, weight))
    return points

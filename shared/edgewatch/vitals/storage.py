"""Which VitalsStore shard keeps a sample (by route, so one route's values meet in one shard),
and the row it keeps."""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from .beacons import VitalSample
from .messages import VitalRow, VitalSampleRow
from .summary import dedupe


def vital_row(sample: VitalSample) -> VitalRow:
    attribution = json.dumps(sample.attribution) if sample.attribution else None
    return VitalRow(
        sample.id,
        sample.name,
        sample.route,
        sample.device,
        sample.value,
        sample.rating,
        sample.ts,
        sample.navigation_type,
        sample.user_id,
        attribution,
        sample.trace_id,
    )


SAMPLE_COLUMNS = "id, name, route, device, value, rating, ts, trace_id, navigation_type, user_id"


def sample_row(row: Mapping[str, Any]) -> VitalSampleRow:
    """A kept report as ``GET /monitoring/vitals/samples`` lists it, from a row of SAMPLE_COLUMNS."""
    return VitalSampleRow(
        row["id"],
        row["name"],
        row["route"],
        row["device"],
        float(row["value"]),
        row["rating"],
        int(row["ts"]),
        row["trace_id"],
        row["navigation_type"],
        row["user_id"],
    )


def rows_by_shard(samples: list[VitalSample], shards: int) -> dict[int, list[VitalRow]]:
    """The samples deduplicated (the latest report per metric instance) and grouped by shard."""
    parts: dict[int, list[VitalRow]] = defaultdict(list)
    for sample in dedupe(samples):
        parts[zlib.crc32(sample.route.encode()) % shards].append(vital_row(sample))
    return dict(parts)

"""``GET /monitoring/vitals``: ``name`` (one vital, or all), ``from``/``to`` (the last day by
default), ``route`` and ``device`` (exact)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import Unprocessable
from ..wire.timestamps import parse_time
from .ratings import VITAL_NAMES

DEFAULT_RANGE_MS = 86_400_000


@dataclass(frozen=True)
class VitalsQuery:
    names: list[str]
    start_ms: int
    end_ms: int  # exclusive
    route: str | None
    device: str | None


def parse_vitals_query(params: Mapping[str, str], now_ms: int) -> VitalsQuery:
    names = [params["name"].upper()] if params.get("name") else list(VITAL_NAMES)
    if any(n not in VITAL_NAMES for n in names):
        raise Unprocessable(f"name must be one of {', '.join(VITAL_NAMES)}", details={"name": params.get("name")})
    end = parse_time(params["to"], "to") if "to" in params else now_ms + 1
    start = parse_time(params["from"], "from") if "from" in params else end - DEFAULT_RANGE_MS
    return VitalsQuery(names, start, end, params.get("route") or None, params.get("device") or None)

"""Core Web Vitals endpoints of pitchey-monitoring: browser beacons in, p75 and ratings out."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections import defaultdict
from typing import Any

from edgewatch.errors import Forbidden, ServiceUnavailable, Unprocessable
from edgewatch.vitals import VitalSample, dedupe, rate
from edgewatch.wire.timestamps import parse_time
from edgewatch_cf.bindings import named_stub
from edgewatch_cf.settings import stack_config
from vitals_store import summarize

SHARDS = 4
RETENTION_MS = 30 * 86_400_000
NAMES = ("CLS", "FCP", "FID", "INP", "LCP", "TTFB")


def store_stub(env: Any, shard: int) -> Any:
    return named_stub(env.VITALS_STORE, f"vitals-shard-{shard}")


def allowed_origins(env: Any) -> list[str]:
    text = str(getattr(env, "VITALS_ALLOWED_ORIGINS", None) or "")
    return [o.strip().rstrip("/") for o in text.split(",") if o.strip()]


def cors_headers(env: Any, origin: str | None) -> dict[str, str]:
    """CORS answer for a browser origin; raises 403 for an origin that is not allowed.

    A request without Origin (a server, curl) needs no CORS and is let through.
    """
    if origin is None:
        return {}
    allowed = allowed_origins(env)
    if "*" in allowed:
        return {"access-control-allow-origin": "*"}
    if origin.rstrip("/") in allowed:
        return {"access-control-allow-origin": origin, "vary": "Origin"}
    raise Forbidden(f"origin {origin[:100]!r} may not send vitals; add it to VITALS_ALLOWED_ORIGINS")


def preflight_headers(env: Any, origin: str | None) -> dict[str, str]:
    headers = cors_headers(env, origin)
    headers.update(
        {
            "access-control-allow-methods": "POST, OPTIONS",
            "access-control-allow-headers": "content-type",
            "access-control-max-age": "86400",
        }
    )
    return headers


async def store_samples(env: Any, samples: list[VitalSample]) -> int:
    parts: dict[int, list[list[Any]]] = defaultdict(list)
    for s in dedupe(samples):
        row = [s.id, s.name, s.route, s.device, s.value, s.rating, s.ts, s.navigation_type, s.user_id]
        row.append(json.dumps(s.attribution) if s.attribution else None)
        parts[zlib.crc32(s.route.encode()) % SHARDS].append(row)
    try:
        stored = await asyncio.gather(*(store_stub(env, shard).put(json.dumps(rows)) for shard, rows in parts.items()))
    except Exception as exc:
        raise ServiceUnavailable(
            f"the vitals store is unavailable ({type(exc).__name__}); retry", headers={"Retry-After": "5"}
        ) from None
    return sum(int(n) for n in stored)


async def query_vitals(env: Any, params: dict[str, str], now_ms: int) -> dict[str, Any]:
    thresholds = stack_config(env).web_vitals
    names = [params["name"].upper()] if params.get("name") else list(NAMES)
    if any(n not in NAMES for n in names):
        raise Unprocessable(f"name must be one of {', '.join(NAMES)}", details={"name": params.get("name")})
    end = parse_time(params["to"], "to") if "to" in params else now_ms + 1
    start = parse_time(params["from"], "from") if "from" in params else end - 86_400_000
    route, device = params.get("route") or None, params.get("device") or None
    out = {}
    for name in names:
        answers = await asyncio.gather(
            *(store_stub(env, s).values(name, start, end, route, device) for s in range(SHARDS))
        )
        rows = [row for raw in answers for row in json.loads(str(raw))]
        groups = summarize(rows)
        for group in groups:
            group["rating"] = None if group["p75"] is None else rate(name, group["p75"], thresholds)
        out[name] = groups
    return {"from": start, "to": end, "metrics": out}

"""Deterministic, realistic log entries for the log benchmarks."""

from __future__ import annotations

import json
import random
from typing import Any

LEVEL_MIX = (("error", 0.05), ("warn", 0.15), ("info", 0.60), ("debug", 0.20))
SERVICES = ("api", "auth", "pitches", "billing", "frontend")
ROUTES = ("/api/pitches", "/api/auth/login", "/api/users/me", "/api/search", "/api/billing/charge")
MESSAGES = (
    "request completed",
    "cache miss for pitch list",
    "upstream responded slowly",
    "user signed in",
    "payment authorised",
    "validation failed: title too long",
    "db query took longer than expected",
    "rate limit close to threshold",
)


def _level(rng: random.Random) -> str:
    x = rng.random()
    for level, share in LEVEL_MIX:
        if x < share:
            return level
        x -= share
    return "info"


def entry(rng: random.Random, ts: int, level: str | None = None, request_id: str | None = None) -> dict[str, Any]:
    message = rng.choice(MESSAGES)
    if rng.random() < 0.03:
        message += f" for user {rng.choice(['ana', 'bo', 'cy'])}{rng.randint(1, 999)}@example.com"
    return {
        "level": level or _level(rng),
        "message": message,
        "service": rng.choice(SERVICES),
        "timestamp": ts,
        "trace_id": f"{rng.getrandbits(128):032x}",
        "request_id": request_id or f"req-{rng.getrandbits(64):016x}",
        "user_id": f"u{rng.randint(1, 50_000)}",
        "attributes": {
            "route": rng.choice(ROUTES),
            "status": rng.choice((200, 200, 200, 201, 304, 400, 404, 500)),
            "duration_ms": round(rng.lognormvariate(3.5, 0.8), 2),
            "region": rng.choice(("weur", "enam", "apac")),
        },
    }


def batch(n: int, seed: int, start_ts: int, level: str | None = None) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [entry(rng, start_ts + i, level) for i in range(n)]


def body(n: int, seed: int, start_ts: int, level: str | None = None) -> bytes:
    return json.dumps(batch(n, seed, start_ts, level)).encode()

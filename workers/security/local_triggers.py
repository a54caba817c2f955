"""Endpoints of local and test stacks only: run every shard's purge now, and measure the
decisions one RateLimiter object sustains."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from edgewatch.codec import decode, encode
from edgewatch.errors import NotFound, Unprocessable
from edgewatch.security.limiter_calls import rule_json
from edgewatch.security.messages import EvaluateAnswer, EvaluateRequest, PurgeCount, total_purged
from edgewatch.wire.params import int_param
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.clock import now_ms
from limiter_shard import ask_every_shard, limiter_shard
from security_settings import matcher_for

routes = Routes()


def _environment(env: Any) -> str:
    return str(getattr(env, "ENVIRONMENT", ""))


@routes.route("POST", "/security/_test/purge", access=Open("the test environment only"))
async def purge_now(req: Incoming) -> Reply:
    """Test stacks only: run every shard's hourly purge now (what its alarm does)."""
    if _environment(req.env) != "test":
        raise NotFound("the purge trigger exists only on test stacks")
    now = now_ms()
    answers = await ask_every_shard(req.env, dict[str, PurgeCount], lambda stub: stub.purge(now))
    return Reply(total_purged(answers))


@routes.route("POST", "/security/_bench/decisions", access=Open("the test environment only"))
async def bench_decisions(req: Incoming) -> Reply:
    """Local stacks only: ``n`` decisions for one identifier, ``concurrency`` in flight, straight
    from this Worker to one RateLimiter object, to measure what one object sustains."""
    if _environment(req.env) not in ("development", "test"):
        raise NotFound("the decision benchmark exists only on local stacks")
    n = int_param(req.query, "n", 500, 1, 20_000)
    concurrency = int_param(req.query, "concurrency", 50, 1, 500)
    rule = matcher_for(req.env).match("/api/bench")
    if rule is None:
        raise Unprocessable("no rule matches /api/bench")
    stub = limiter_shard(req.env, 0)
    identifier, ip, wire_rule = "ip:192.0.2.1", "192.0.2.1", rule_json(rule)
    started = time.time()
    allowed = 0
    for first in range(0, n, concurrency):
        batch = [
            stub.evaluate(encode(EvaluateRequest(now_ms(), identifier, rule.endpoint, ip, wire_rule)))
            for _ in range(min(concurrency, n - first))
        ]
        for raw in await asyncio.gather(*batch):
            decision = decode(EvaluateAnswer, str(raw)).decision
            allowed += bool(decision is not None and decision.allowed)
    took = time.time() - started
    return Reply({"decisions": n, "allowed": allowed, "seconds": round(took, 3), "per_s": round(n / took, 1)})

"""The hot path: a request's check (block-list, threats, rate limit in its identifier's shard) and,
after the answer, its status report; over HTTP and as the RPC that edgewatch_cf.guard calls."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from block_ledger import KV_KEY
from edgewatch.codec import decode, encode
from edgewatch.config import ConfigError
from edgewatch.errors import error_line
from edgewatch.security.blocklist import BlockList, BlockListCache, BlockSource, is_blocked
from edgewatch.security.checkflow import (
    CheckInput,
    GuardResult,
    check_input_from_json,
    conclude,
    invalid_request_answer,
    misconfigured_answer,
    prepare,
)
from edgewatch.security.identity import identify, shard_for
from edgewatch.security.limiter_calls import evaluate_request, read_report, report_requests
from edgewatch.security.messages import AddBlock, AutoBlock, EvaluateAnswer, ReportAnswer
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.auth import ingest_scope_for
from edgewatch_cf.bindings import KVPort
from edgewatch_cf.clock import TEST_CLOCK_HEADER, now_ms, request_now_ms
from edgewatch_cf.faults import take_fault
from edgewatch_cf.json_body import json_body, parsed
from limiter_shard import block_ledger, count_failure, limiter_shard
from security_settings import matcher_for, settings_for

MAX_CHECK_BODY = 128_000
BLOCKLIST_CACHE_MS = 5_000
routes = Routes()
_blocklist = BlockListCache(BLOCKLIST_CACHE_MS)


async def blocklist(env: Any, now_ms: int) -> BlockList:
    """The block-list as KV holds it, cached in the isolate for a few seconds."""
    state = _blocklist.fresh(now_ms)
    if state is None:
        text = await KVPort(env.KV).get(KV_KEY)
        state = BlockList.from_json(json.loads(text)) if text else BlockList()
        _blocklist.store(state, now_ms)
    return state


def forget_cached_blocklist() -> None:
    _blocklist.forget()


async def run_check(env: Any, check: CheckInput, now_ms: int) -> GuardResult:
    settings = settings_for(env)
    identifier = identify(check.user_id, check.headers)
    block = is_blocked(await blocklist(env, now_ms), check.ip, now_ms, identifier=identifier.key)
    prepared = prepare(settings, matcher_for(env), check, block, now_ms)
    request = evaluate_request(prepared, check, block, settings, now_ms)
    decision = None
    try:
        if await take_fault(env, "rate_limiter"):
            raise ConnectionError("injected fault: rate limiter unreachable")
        stub = limiter_shard(env, shard_for(identifier, settings.shards))
        answer = decode(EvaluateAnswer, str(await stub.evaluate(encode(request))))
        decision = answer.decision
        if answer.auto_block is not None:
            await _auto_block(env, answer.auto_block, now_ms)
    except Exception:
        # Counted even when no limit was asked (the object would have recorded events); the
        # decision then follows failMode, or needs no limiter at all.
        await count_failure(env)
    return conclude(prepared, decision, settings, now_ms)


async def _auto_block(env: Any, block: AutoBlock, now_ms: int) -> None:
    request = AddBlock(block.target, block.reason, block.ttl_ms, BlockSource.AUTOMATIC, now_ms)
    await block_ledger(env).add(encode(request))
    forget_cached_blocklist()


async def run_report(env: Any, data: Any, now_ms: int) -> dict[str, Any]:
    """After the answer: its status feeds the 401/403/429 baselines and credential stuffing."""
    status, check = parsed(read_report, data)
    calls = report_requests(check, status, matcher_for(env), settings_for(env).shards, now_ms)
    answers = await asyncio.gather(*(limiter_shard(env, shard).report(encode(r)) for shard, r in calls))
    return {"anomalies": [a for raw in answers for a in decode(ReportAnswer, str(raw)).anomalies]}


async def check_rpc(env: Any, payload: Any) -> str:
    """The check body as JSON text; answers the result as JSON text. A request that cannot be
    described (e.g. a path over 8 KiB) is refused with 400, not an exception."""
    try:
        request = check_input_from_json(json.loads(str(payload)))
    except ValueError as exc:
        return json.dumps(invalid_request_answer(error_line(exc)))
    try:
        result = await run_check(env, request, now_ms())
    except ConfigError as exc:
        # Invalid settings: the platform keeps serving (health is down and names the field).
        await count_failure(env)
        return json.dumps(misconfigured_answer(error_line(exc)))
    return json.dumps(result.to_json())


async def report_rpc(env: Any, payload: Any) -> str:
    return json.dumps(await run_report(env, json.loads(str(payload)), now_ms()))


@routes.route("POST", "/security/check", access=Open("an ingest token"))
async def check(req: Incoming) -> Reply:
    ingest_scope_for(req.env, req.header("authorization"))
    data = await json_body(req, MAX_CHECK_BODY)
    now = request_now_ms(req.env, req.header(TEST_CLOCK_HEADER))  # the test stack may pin the clock
    result = await run_check(req.env, parsed(check_input_from_json, data), now)
    return Reply(result.to_json(), 200, dict(result.headers))


@routes.route("POST", "/security/report", access=Open("an ingest token"))
async def report(req: Incoming) -> Reply:
    ingest_scope_for(req.env, req.header("authorization"))
    data = await json_body(req, MAX_CHECK_BODY)
    return Reply(await run_report(req.env, data, request_now_ms(req.env, req.header(TEST_CLOCK_HEADER))), 202)

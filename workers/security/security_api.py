"""pitchey-security's endpoints and RPC: the check on the hot path, status reports, events,
summary and the block-list. The decisions are the core's (edgewatch.security.guard); this module
only reads the block-list from KV and talks to the Durable Objects."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from block_ledger import KV_KEY
from edgewatch.config import ConfigError, SecurityRule
from edgewatch.durations import DurationError, parse_duration_ms
from edgewatch.errors import BadRequest, NotFound, Unprocessable, error_line
from edgewatch.health import CheckResult
from edgewatch.security.blocklist import BlockList, is_blocked
from edgewatch.security.events import SecurityEvent, combine, parse_query, query_events, summarize
from edgewatch.security.guard import (
    CheckInput,
    GuardResult,
    check_input_from_json,
    conclude,
    decision_from_json,
    prepare,
)
from edgewatch.security.identity import identify, parse_ip, shard_for
from edgewatch.security.rules import RuleMatcher
from edgewatch.security.settings import SecuritySettings, SecuritySettingsError, load_security_settings
from edgewatch.security.threats import Action
from edgewatch.wire.body import check_content_type
from edgewatch_cf.app import Incoming, Reply, WorkerApp
from edgewatch_cf.auth import ingest_scope_for, require_admin, require_reader
from edgewatch_cf.bindings import KVPort, named_stub
from edgewatch_cf.clock import TEST_CLOCK_HEADER, request_now_ms
from edgewatch_cf.faults import take_fault
from edgewatch_cf.settings import stack_config

MAX_CHECK_BODY = 128_000
BLOCKLIST_CACHE_MS = 5_000
FAILURES_KEY = "security:limiter_failures"

_settings: dict[str | None, SecuritySettings] = {}
_matchers: dict[int, RuleMatcher] = {}
_blocklist: dict[str, Any] = {"at": 0, "state": BlockList()}
_failures = {"count": 0}


def settings_for(env: Any) -> SecuritySettings:
    """The parsed SECURITY_CONFIG_JSON; a ConfigError naming each bad field if it is invalid."""
    text = getattr(env, "SECURITY_CONFIG_JSON", None)
    key = None if text is None else str(text)
    found = _settings.get(key)
    if found is None:
        try:
            found = load_security_settings(key)
        except SecuritySettingsError as exc:
            raise ConfigError("SECURITY_CONFIG_JSON", exc.problems) from None
        _settings.clear()
        _settings[key] = found
    return found


async def settings_check(env: Any) -> CheckResult:
    """Health: the security settings are valid (else the Worker is down and says which field)."""
    started = time.perf_counter()
    try:
        settings_for(env)
    except ConfigError as exc:
        return CheckResult("security_config", "config", False, (time.perf_counter() - started) * 1000,
                           "; ".join(exc.problems)[:500])  # fmt: skip
    return CheckResult("security_config", "config", True, (time.perf_counter() - started) * 1000)


def matcher_for(env: Any) -> RuleMatcher:
    rules = stack_config(env).security_rules
    found = _matchers.get(id(rules))
    if found is None:
        _matchers.clear()
        found = _matchers[id(rules)] = RuleMatcher(rules)
    return found


_rule_json: dict[int, tuple[SecurityRule, dict[str, Any]]] = {}


def rule_json(rule: SecurityRule) -> dict[str, Any]:
    """A rule as the RateLimiter receives it, serialised once per rule object."""
    found = _rule_json.get(id(rule))
    if found is None or found[0] is not rule:
        if len(_rule_json) > 100:
            _rule_json.clear()
        found = _rule_json[id(rule)] = (rule, rule.model_dump(mode="json", by_alias=True))
    return found[1]


def shard_stub(env: Any, shard: int) -> Any:
    return named_stub(env.RATE_LIMITER, f"rl-{shard}")


def ledger(env: Any) -> Any:
    return named_stub(env.BLOCK_LEDGER, "blocklist")


async def blocklist(env: Any, now_ms: int) -> BlockList:
    """The block-list as KV holds it, cached in the isolate for a few seconds."""
    if now_ms - int(_blocklist["at"]) < BLOCKLIST_CACHE_MS:
        state: BlockList = _blocklist["state"]
        return state
    text = await KVPort(env.KV).get(KV_KEY)
    state = BlockList.from_json(json.loads(text)) if text else BlockList()
    _blocklist.update(at=now_ms, state=state)
    return state


def forget_cached_blocklist() -> None:
    _blocklist["at"] = 0


async def run_check(env: Any, check: CheckInput, now_ms: int) -> GuardResult:
    settings = settings_for(env)
    identifier = identify(check.user_id, check.headers)
    block = is_blocked(await blocklist(env, now_ms), check.ip, now_ms, identifier=identifier.key)
    prepared = prepare(settings, matcher_for(env), check, block, now_ms)
    rule = prepared.rule
    threat = prepared.threat
    payload = {
        "now": now_ms,
        "identifier": identifier.key,
        "ip": None if parse_ip(check.ip or "") is None else check.ip,
        "route": rule.endpoint if rule is not None else "other",
        "rule": rule_json(rule) if rule is not None and prepared.limit else None,
        "limit": prepared.limit,
        "threat": threat.to_json() if threat.action is not Action.ALLOW else None,
        "outcome": "block_listed" if block is not None else None,
        "block": None if block is None else block.to_json(),
        "account": check.account,
        "auto_block_policy": settings.auto_block.__dict__,
        "retention_ms": settings.event_retention_ms,
    }
    decision = None
    try:
        if await take_fault(env, "rate_limiter"):
            raise ConnectionError("injected fault: rate limiter unreachable")
        stub = shard_stub(env, shard_for(identifier, settings.shards))
        answer = json.loads(str(await stub.evaluate(json.dumps(payload))))
        if answer["decision"] is not None:
            decision = decision_from_json(answer["decision"])
        auto = answer.get("auto_block")
        if auto:
            reason = f"{auto['hits']} high-score threats within {auto['window_ms'] // 1000}s"
            await ledger(env).add(auto["target"], reason, auto["ttl_ms"], "automatic", now_ms)
            forget_cached_blocklist()
    except Exception:
        # Counted even when no limit was asked (the object would have recorded events); the
        # decision then follows failMode, or needs no limiter at all.
        await count_failure(env)
    return conclude(prepared, decision, settings, now_ms)


async def count_failure(env: Any) -> None:
    _failures["count"] += 1
    kv = KVPort(env.KV)
    try:
        current = await kv.get(FAILURES_KEY)
        await kv.put(FAILURES_KEY, str(int(current or 0) + 1))
    except Exception:
        pass  # the isolate's own count still shows in health


async def run_report(env: Any, data: Any, now_ms: int) -> dict[str, Any]:
    """After the answer: its status feeds the 401/403/429 baselines and credential stuffing."""
    if not isinstance(data, dict):
        raise Unprocessable("body must be a JSON object")
    status = data.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise Unprocessable("status: expected the HTTP status the request was answered with (100-599)")
    try:
        check = check_input_from_json({k: v for k, v in data.items() if k != "status"})
    except ValueError as exc:
        raise Unprocessable(error_line(exc)) from None
    settings = settings_for(env)
    identifier = identify(check.user_id, check.headers)
    rule = matcher_for(env).match(check.path)
    ip = None if parse_ip(check.ip or "") is None else check.ip
    base = {"now": now_ms, "route": rule.endpoint if rule else "other", "status": status, "ip": ip}
    calls = [shard_stub(env, shard_for(identifier, settings.shards)).report(
        json.dumps({**base, "identifier": identifier.key, "account": check.account, "stuffing": "ip"})
    )]  # fmt: skip
    if check.account and ip:
        account_key = f"account:{check.account}"
        calls.append(shard_stub(env, shard_for(account_key, settings.shards)).report(
            json.dumps({**base, "identifier": account_key, "account": check.account, "stuffing": "account",
                        "route": None})
        ))  # fmt: skip
    answers = await asyncio.gather(*calls)
    return {"anomalies": [a for raw in answers for a in json.loads(str(raw))["anomalies"]]}


async def _json_body(req: Incoming, limit: int) -> Any:
    check_content_type(req.header("content-type"), ("application/json",))
    raw = await req.body(limit)
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None


def _now() -> int:
    return int(time.time() * 1000)


def _parsed(build: Any, data: Any) -> Any:
    try:
        return build(data)
    except ValueError as exc:
        raise Unprocessable(error_line(exc)) from None


async def _all_events(env: Any, params: dict[str, str]) -> list[SecurityEvent]:
    settings = settings_for(env)
    answers = await asyncio.gather(*(shard_stub(env, s).events(json.dumps(params)) for s in range(settings.shards)))
    return [SecurityEvent.from_json(e) for raw in answers for e in json.loads(str(raw))]


def register(app: WorkerApp) -> None:  # noqa: PLR0915  (one place lists every route)
    @app.route("POST", "/security/check")
    async def check(req: Incoming) -> Reply:
        ingest_scope_for(req.env, req.header("authorization"))
        data = await _json_body(req, MAX_CHECK_BODY)
        now = request_now_ms(req.env, req.header(TEST_CLOCK_HEADER))  # the test stack may pin the clock
        result = await run_check(req.env, _parsed(check_input_from_json, data), now)
        return Reply(result.to_json(), 200, dict(result.headers))

    @app.route("POST", "/security/report")
    async def report(req: Incoming) -> Reply:
        ingest_scope_for(req.env, req.header("authorization"))
        data = await _json_body(req, MAX_CHECK_BODY)
        return Reply(await run_report(req.env, data, request_now_ms(req.env, req.header(TEST_CLOCK_HEADER))), 202)

    @app.route("GET", "/security/events")
    async def events(req: Incoming) -> Reply:
        require_reader(req.env, req.header("authorization"))
        query = _parsed(parse_query, req.query)
        # Each shard answers its newest page (one more than asked, so the merge knows if more exist).
        params = {**req.query, "limit": str(min(query.limit + 1, 1000))}
        page = query_events(await _all_events(req.env, params), query)
        return Reply(page.to_json())

    @app.route("GET", "/security/summary")
    async def summary(req: Incoming) -> Reply:
        require_reader(req.env, req.header("authorization"))
        now = _now()
        params = {k: v for k, v in req.query.items() if k in ("from", "to", "type", "route", "rule", "identifier")}
        query = _parsed(parse_query, params)
        start = query.from_ms if query.from_ms is not None else now - 86_400_000
        end = query.to_ms if query.to_ms is not None else now + 1
        bucket = _parsed(parse_duration_ms, req.query.get("bucket", "1h"))
        if (end - start) // bucket > 2000:
            raise Unprocessable("bucket: too many buckets for this range; use a larger one")
        if set(params) - {"from", "to"}:
            # Filtered summaries work on the matching events (at most 1000 per shard).
            found = await _all_events(req.env, {**params, "from": str(start), "to": str(end), "limit": "1000"})
            return Reply(summarize(found, from_ms=start, to_ms=end, bucket_ms=bucket).to_json())
        shards = range(settings_for(req.env).shards)
        parts = await asyncio.gather(*(shard_stub(req.env, s).aggregate(start, end, bucket, 100) for s in shards))
        combined = combine([json.loads(str(p)) for p in parts], from_ms=start, to_ms=end, bucket_ms=bucket)
        return Reply(combined.to_json())

    @app.route("GET", "/security/blocklist")
    async def list_blocks(req: Incoming) -> Reply:
        require_reader(req.env, req.header("authorization"))
        return Reply({"entries": json.loads(str(await ledger(req.env).entries(_now())))})

    @app.route("POST", "/security/blocklist")
    async def add_block(req: Incoming) -> Reply:
        require_admin(req.env, req.header("authorization"))
        data = await _json_body(req, 16_000)
        if not isinstance(data, dict) or not isinstance(data.get("target"), str):
            raise Unprocessable("target: required, an IP address, a CIDR range or user:<id>")
        unknown = sorted(set(data) - {"target", "reason", "ttl"})
        if unknown:
            raise Unprocessable(f"{unknown[0]}: unknown field; allowed: reason, target, ttl")
        ttl = data.get("ttl")
        try:
            ttl_ms = None if ttl is None else parse_duration_ms(ttl)
        except DurationError as exc:
            raise Unprocessable(f"ttl: {exc}") from None
        reason = data.get("reason") or "blocked by an operator"
        if not isinstance(reason, str):
            raise Unprocessable("reason: expected a string")
        answer = json.loads(str(await ledger(req.env).add(data["target"], reason, ttl_ms, "manual", _now())))
        if "error" in answer:
            raise Unprocessable(answer["error"])
        forget_cached_blocklist()
        return Reply(answer, 201 if answer["outcome"] == "added" else 200)

    @app.route("DELETE", "/security/blocklist/{target:path}")
    async def remove_block(req: Incoming) -> Reply:
        require_admin(req.env, req.header("authorization"))
        answer = json.loads(str(await ledger(req.env).remove(req.params["target"], _now())))
        if "error" in answer:
            raise Unprocessable(answer["error"])
        if answer["removed"] is None:
            raise NotFound(f"{req.params['target']!r} is not on the block-list")
        forget_cached_blocklist()
        return Reply(None, 204)

    async def limiter_health(env: Any) -> dict[str, Any]:
        stored = await KVPort(env.KV).get(FAILURES_KEY)
        try:
            settings: SecuritySettings | None = settings_for(env)
        except ConfigError:
            settings = None  # named by the security_config check
        return {
            "shards": None if settings is None else settings.shards,
            "fail_mode": None if settings is None else settings.fail_mode.value,
            "unreachable_total": int(stored or 0),
            "unreachable_this_isolate": _failures["count"],
        }

    app.health_sections["limiter"] = limiter_health
    app.extra_checks.append(settings_check)

    @app.route("POST", "/security/_test/purge")
    async def purge_now(req: Incoming) -> Reply:
        """Test stacks only: run every shard's hourly purge now (what its alarm does)."""
        if str(getattr(req.env, "ENVIRONMENT", "")) != "test":
            raise NotFound("the purge trigger exists only on test stacks")
        now = _now()
        shards = range(settings_for(req.env).shards)
        answers = await asyncio.gather(*(shard_stub(req.env, s).purge(now) for s in shards))
        total: dict[str, dict[str, int]] = {}
        for raw in answers:
            for table, counts in json.loads(str(raw)).items():
                slot = total.setdefault(table, {"deleted": 0, "left": 0})
                slot["deleted"] += counts["deleted"]
                slot["left"] += counts["left"]
        return Reply(total)

    @app.route("POST", "/security/_bench/decisions")
    async def bench_decisions(req: Incoming) -> Reply:
        """Local stacks only: ``n`` decisions for one identifier, ``concurrency`` in flight, straight
        from this Worker to one RateLimiter object, to measure what one object sustains."""
        if str(getattr(req.env, "ENVIRONMENT", "")) not in ("development", "test"):
            raise NotFound("the decision benchmark exists only on local stacks")
        n = int(req.query.get("n", "500"))
        concurrency = int(req.query.get("concurrency", "50"))
        if not 1 <= n <= 20_000 or not 1 <= concurrency <= 500:
            raise Unprocessable("n must be 1-20000 and concurrency 1-500")
        rule = matcher_for(req.env).match("/api/bench")
        if rule is None:
            raise Unprocessable("no rule matches /api/bench")
        stub = shard_stub(req.env, 0)
        payload = {"identifier": "ip:192.0.2.1", "ip": "192.0.2.1", "route": rule.endpoint, "limit": True,
                   "rule": rule.model_dump(mode="json", by_alias=True)}  # fmt: skip
        started = time.time()
        allowed = 0
        for first in range(0, n, concurrency):
            batch = [stub.evaluate(json.dumps({**payload, "now": _now()})) for _ in range(min(concurrency, n - first))]
            for raw in await asyncio.gather(*batch):
                allowed += bool(json.loads(str(raw))["decision"]["allowed"])
        took = time.time() - started
        return Reply({"decisions": n, "allowed": allowed, "seconds": round(took, 3), "per_s": round(n / took, 1)})

"""One request's security decision, end to end, in the order a demanding user expects.

1. **Block-list**: a blocked IP or identifier is refused (403) before anything else runs.
2. **Threats**: the request is inspected; a route in block mode refuses (403) at its block score.
   Allow-listed clients are inspected too (their hits are recorded) but never refused for them.
3. **Allow-list**: trusted IPs skip rate limiting.
4. **Rate limit**: the most specific rule decides in the identifier's RateLimiter shard (429).
5. **Unreachable limiter**: ``failMode`` decides: open lets the request through, closed answers
   503; either way the failure is counted and shown in health.

``prepare`` does steps 1-3 (pure, no I/O) and says whether the limiter must be asked;
``conclude`` turns the limiter's decision (or its absence) into the final ``GuardResult``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..config import SecurityRule
from .blocklist import BlockEntry
from .identity import Identifier, identify
from .ratelimit import Decision, Reason, rate_limit_headers
from .rules import RuleMatcher
from .sample import RequestSample
from .settings import FailMode, SecuritySettings
from .threats import Action, ThreatVerdict, detect

MAX_FIELD_CHARS = 8_192
MAX_BODY_CHARS = 65_536


class Outcome(StrEnum):
    ALLOWED = "allowed"  # within the rule's limits
    NO_RULE = "no_rule"  # no rule governs the path
    ALLOW_LISTED = "allow_listed"
    RATE_LIMITED = "rate_limited"  # 429
    BLOCK_LISTED = "block_listed"  # 403
    THREAT_BLOCKED = "threat_blocked"  # 403
    FAILED_OPEN = "failed_open"  # limiter unreachable, let through
    FAILED_CLOSED = "failed_closed"  # limiter unreachable, 503


_STATUS = {
    Outcome.RATE_LIMITED: 429,
    Outcome.BLOCK_LISTED: 403,
    Outcome.THREAT_BLOCKED: 403,
    Outcome.FAILED_CLOSED: 503,
}


@dataclass(frozen=True)
class CheckInput:
    """What a caller tells us about one request (the ``POST /security/check`` body)."""

    path: str
    method: str = "GET"
    user_id: str | None = None
    ip: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    query: str = ""
    body: str | None = None
    content_type: str | None = None
    account: str | None = None  # the login being tried, on an auth route

    def sample(self) -> RequestSample:
        return RequestSample(self.method, self.path, self.query, self.headers, self.body, self.content_type)


def _text(data: Mapping[str, Any], key: str, limit: int, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise ValueError(f"{key}: required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{key}: expected a string")
    text = str(value)
    if len(text) > limit:
        raise ValueError(f"{key}: longer than {limit} characters")
    return text


def check_input_from_json(data: Any) -> CheckInput:
    """Read the check body: ``path`` (or the guide's ``pathname``; a full URL is split into path and
    query), ``method``, ``userId``, ``ip`` (else the ``CF-Connecting-IP`` header), ``headers``,
    ``query``, ``body``, ``contentType``, ``account``. Raises ValueError naming the field."""
    if not isinstance(data, Mapping):
        raise ValueError(f"body: expected a JSON object, got {type(data).__name__}")
    allowed = {"path", "pathname", "method", "userId", "identifier", "ip", "headers", "query", "body"}
    allowed |= {"contentType", "account"}
    unknown = sorted(set(map(str, data)) - allowed)
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown field; allowed: {', '.join(sorted(allowed))}")
    path = _text(data, "path", MAX_FIELD_CHARS) or _text(data, "pathname", MAX_FIELD_CHARS)
    if not path:
        raise ValueError("path: required (the request's path, e.g. /api/auth/login)")
    query = _text(data, "query", MAX_FIELD_CHARS) or ""
    if not path.startswith("/") and "://" in path[:12]:  # a full URL: drop the scheme and authority
        rest = path.split("://", 1)[1]
        end = min(i for i in (rest.find("/"), rest.find("?"), len(rest)) if i >= 0)
        path = "/" + rest[end:].removeprefix("/")
    if "?" in path:
        path, _, inline = path.partition("?")
        query = query or inline
    if not path.startswith("/"):
        raise ValueError("path: expected an absolute path starting with '/'")
    raw_headers = {} if data.get("headers") is None else data["headers"]
    if not isinstance(raw_headers, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw_headers.items()
    ):
        raise ValueError("headers: expected an object of header name to string value")
    if len(raw_headers) > 100:
        raise ValueError("headers: more than 100")
    headers = {k.lower(): v[:MAX_FIELD_CHARS] for k, v in raw_headers.items()}
    ip = _text(data, "ip", 64)
    if ip:
        headers["cf-connecting-ip"] = ip
    method = (_text(data, "method", 16) or "GET").upper()
    user = _text(data, "userId", 256) or _text(data, "identifier", 256)
    return CheckInput(
        path=path,
        method=method,
        user_id=user,
        ip=ip or headers.get("cf-connecting-ip"),
        headers=headers,
        query=query.lstrip("?"),
        body=_text(data, "body", MAX_BODY_CHARS),
        content_type=_text(data, "contentType", 200),
        account=_text(data, "account", 256),
    )


@dataclass(frozen=True)
class Prepared:
    identifier: Identifier
    threat: ThreatVerdict
    rule: SecurityRule | None
    final: GuardResult | None  # decided without the limiter (block-list, threat block)
    limit: bool  # ask the limiter (a rule applies and the client is not allow-listed)
    allow_listed: bool


@dataclass(frozen=True)
class GuardResult:
    allowed: bool
    outcome: Outcome
    identifier: str
    rule_id: str | None = None
    decision: Decision | None = None
    threat: ThreatVerdict | None = None
    block: BlockEntry | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return _STATUS.get(self.outcome, 200)

    def to_json(self) -> dict[str, Any]:
        d = self.decision
        out: dict[str, Any] = {
            "allowed": self.allowed,
            "status": self.status,
            "outcome": self.outcome.value,
            "identifier": self.identifier,
            "rule": self.rule_id,
            "limit": None if d is None else d.limit,
            "remaining": None if d is None else (0 if not d.allowed else d.remaining),
            "reset_ms": None if d is None else d.reset_ms,
            "retry_after_ms": None if d is None else d.retry_after_ms,
            "headers": dict(self.headers),
        }
        if self.threat is not None and self.threat.hits:
            out["threat"] = self.threat.to_json()
        if self.block is not None:
            out["block"] = self.block.to_json()
        return out


def prepare(
    settings: SecuritySettings,
    matcher: RuleMatcher,
    check: CheckInput,
    block: BlockEntry | None,
    now_ms: int,
) -> Prepared:
    """Steps 1-3; ``block`` is what the block-list holds for this client (looked up by the caller)."""
    identifier = identify(check.user_id, check.headers)
    rule = matcher.match(check.path)
    policy = settings.threats.for_path(check.path)
    verdict = detect(check.sample(), policy)
    allow_listed = settings.allow_list.contains(check.ip)
    final = None
    if block is not None and block.active(now_ms):
        decision = Decision.blocked(now_ms, block.expires_ms)
        final = GuardResult(
            False, Outcome.BLOCK_LISTED, identifier.key, None, decision, verdict, block,
            rate_limit_headers(decision, now_ms),
        )  # fmt: skip
    elif verdict.action is Action.BLOCK and not allow_listed:
        final = GuardResult(False, Outcome.THREAT_BLOCKED, identifier.key, None, None, verdict)
    limit = final is None and rule is not None and not allow_listed
    return Prepared(identifier, verdict, rule, final, limit, allow_listed)


def conclude(prepared: Prepared, decision: Decision | None, settings: SecuritySettings, now_ms: int) -> GuardResult:
    """Step 4-5: ``decision`` is the limiter's answer, None when it could not be reached."""
    p = prepared
    if p.final is not None:
        return p.final
    rule_id = None if p.rule is None else p.rule.id
    if p.allow_listed:
        return GuardResult(
            True, Outcome.ALLOW_LISTED, p.identifier.key, rule_id, Decision.allow_listed(rule_id), p.threat
        )
    if not p.limit:
        return GuardResult(True, Outcome.NO_RULE, p.identifier.key, None, Decision.no_rule(), p.threat)
    if decision is None:
        if settings.fail_mode is FailMode.CLOSED:
            headers = {"Retry-After": "5"}
            return GuardResult(False, Outcome.FAILED_CLOSED, p.identifier.key, rule_id, None, p.threat, None, headers)
        return GuardResult(True, Outcome.FAILED_OPEN, p.identifier.key, rule_id, None, p.threat)
    outcome = Outcome.ALLOWED if decision.allowed else Outcome.RATE_LIMITED
    headers = rate_limit_headers(decision, now_ms)
    return GuardResult(decision.allowed, outcome, p.identifier.key, rule_id, decision, p.threat, None, headers)


# --- the decision across the Durable Object RPC boundary ------------------------------------------


def decision_to_json(d: Decision) -> dict[str, Any]:
    return {
        "allowed": d.allowed,
        "reason": d.reason.value,
        "rule_id": d.rule_id,
        "limit": d.limit,
        "window_ms": d.window_ms,
        "remaining": d.remaining,
        "reset_ms": d.reset_ms,
        "retry_after_ms": d.retry_after_ms,
        "policies": [list(p) for p in d.policies],
    }


def decision_from_json(data: Mapping[str, Any]) -> Decision:
    return Decision(
        allowed=bool(data["allowed"]),
        reason=Reason(data["reason"]),
        rule_id=data.get("rule_id"),
        limit=data.get("limit"),
        window_ms=data.get("window_ms"),
        remaining=data.get("remaining"),
        reset_ms=data.get("reset_ms"),
        retry_after_ms=int(data.get("retry_after_ms") or 0),
        policies=tuple((int(n), int(w)) for n, w in data.get("policies", [])),
    )


# --- answers of the check RPC given before any step runs --------------------------------------

INVALID_REQUEST = "invalid_request"  # the outcome of a check body that does not describe a request


def invalid_request_answer(error: str) -> dict[str, Any]:
    """A check body that cannot be read: refused with 400, naming the field."""
    return {"allowed": False, "status": 400, "outcome": INVALID_REQUEST, "error": error, "headers": {}}


def misconfigured_answer(error: str) -> dict[str, Any]:
    """Invalid security settings: the platform keeps serving (health is down and names the field)."""
    return {"allowed": True, "status": 200, "outcome": Outcome.FAILED_OPEN.value, "error": error, "headers": {}}

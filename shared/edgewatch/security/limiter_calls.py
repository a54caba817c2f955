"""What the security Worker asks its RateLimiter shards: the evaluation of a checked request and
the reports of an answered one, built from plain data (the adapter only sends them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import SecurityRule
from .blocklist import BlockEntry
from .checkflow import CheckInput, Prepared, check_input_from_json
from .identity import identify, parse_ip, shard_for
from .messages import EvaluateRequest, ReportRequest, Stuffing, ThreatNote
from .rules import RuleMatcher
from .settings import SecuritySettings
from .threats import Action

NO_ROUTE = "other"  # the route label of a request no rule governs
MAX_MEMO_RULES = 100

_rule_json: dict[int, tuple[SecurityRule, dict[str, Any]]] = {}


def rule_json(rule: SecurityRule) -> dict[str, Any]:
    """A rule as the RateLimiter receives it, serialised once per rule object (the hot path repeats it)."""
    found = _rule_json.get(id(rule))
    if found is None or found[0] is not rule:
        if len(_rule_json) > MAX_MEMO_RULES:
            _rule_json.clear()
        found = _rule_json[id(rule)] = (rule, rule.model_dump(mode="json", by_alias=True))
    return found[1]


def valid_ip(ip: str | None) -> str | None:
    """The client address if it is one (what shards may block and count), else None."""
    return None if parse_ip(ip or "") is None else ip


def evaluate_request(
    prepared: Prepared,
    check: CheckInput,
    block: BlockEntry | None,
    settings: SecuritySettings,
    now_ms: int,
) -> EvaluateRequest:
    """The shard's part of a check: the limit to decide (only when ``prepared.limit``), the threat
    and block-list refusal to record, and the settings it keeps (auto-block policy, retention)."""
    rule, threat = prepared.rule, prepared.threat
    return EvaluateRequest(
        now=now_ms,
        identifier=prepared.identifier.key,
        route=rule.endpoint if rule is not None else NO_ROUTE,
        ip=valid_ip(check.ip),
        rule=rule_json(rule) if rule is not None and prepared.limit else None,
        threat=ThreatNote.of(threat) if threat.action is not Action.ALLOW else None,
        block=block,
        account=check.account,
        auto_block_policy=settings.auto_block,
        retention_ms=settings.event_retention_ms,
    )


def read_report(data: Any) -> tuple[int, CheckInput]:
    """The report body: the check body plus the ``status`` the request was answered with.
    Raise ValueError naming the problem."""
    if not isinstance(data, Mapping):
        raise ValueError("body must be a JSON object")
    status = data.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError("status: expected the HTTP status the request was answered with (100-599)")
    check = check_input_from_json({k: v for k, v in data.items() if k != "status"})
    return status, check


def report_requests(
    check: CheckInput, status: int, matcher: RuleMatcher, shards: int, now_ms: int
) -> list[tuple[int, ReportRequest]]:
    """(shard, report) for each shard that learns from an answered request: the identifier's, and
    on a login naming an account from a known address, also the account's (many IPs, one account)."""
    identifier = identify(check.user_id, check.headers)
    rule = matcher.match(check.path)
    ip = valid_ip(check.ip)
    route = rule.endpoint if rule else NO_ROUTE
    own = ReportRequest(now_ms, identifier.key, status, route, ip, check.account, Stuffing.IP)
    calls = [(shard_for(identifier, shards), own)]
    if check.account and ip:
        account_key = f"account:{check.account}"
        by_account = ReportRequest(now_ms, account_key, status, None, ip, check.account, Stuffing.ACCOUNT)
        calls.append((shard_for(account_key, shards), by_account))
    return calls

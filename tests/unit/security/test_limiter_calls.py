from __future__ import annotations

from typing import Any

import pytest

from edgewatch.security.blocklist import BlockList, BlockSource, add_block
from edgewatch.security.checkflow import CheckInput, check_input_from_json, prepare
from edgewatch.security.identity import shard_for
from edgewatch.security.limiter_calls import (
    NO_ROUTE,
    evaluate_request,
    read_report,
    report_requests,
    rule_json,
    valid_ip,
)
from edgewatch.security.messages import ReportRequest, Stuffing, ThreatNote
from edgewatch.security.rules import RuleMatcher
from edgewatch.security.settings import load_security_settings
from edgewatch.security.threats import Action
from edgewatch.stack import default_config

T0 = 1_795_737_600_000
RULES = default_config().security_rules
MATCHER = RuleMatcher(RULES)
SETTINGS = load_security_settings(None)
BLOCKING = load_security_settings('{"threats": {"mode": "block"}, "allowList": ["10.0.0.0/8"]}')


def _request(data: dict[str, Any], settings: Any = SETTINGS, blocked: bool = False) -> Any:
    check = check_input_from_json(data)
    block = None
    if blocked:
        change = add_block(BlockList(), str(check.ip), reason="spam", ttl_ms=60_000, now_ms=T0)
        block = change.entry
    prepared = prepare(settings, MATCHER, check, block, T0)
    return evaluate_request(prepared, check, block, settings, T0)


def test_a_limited_request_carries_its_rule_and_the_settings_the_shard_keeps() -> None:
    request = _request({"path": "/api/auth/login", "ip": "203.0.113.7"})
    rule = MATCHER.match("/api/auth/login")
    assert rule is not None
    assert request.now == T0
    assert request.identifier == "ip:203.0.113.7"
    assert request.route == rule.endpoint
    assert request.ip == "203.0.113.7"
    assert request.rule == rule.model_dump(mode="json", by_alias=True)
    assert request.threat is None and request.block is None
    assert request.auto_block_policy == SETTINGS.auto_block
    assert request.retention_ms == SETTINGS.event_retention_ms


def test_a_path_without_rule_asks_no_limit_under_the_route_other() -> None:
    request = _request({"path": "/static/app.js", "ip": "203.0.113.7"})
    assert (request.route, request.rule) == (NO_ROUTE, None)


def test_an_allow_listed_client_asks_no_limit_but_keeps_its_route() -> None:
    request = _request({"path": "/api/pitches", "ip": "10.1.2.3"}, BLOCKING)
    assert request.rule is None
    assert request.route == "/api/*"


def test_a_block_listed_request_carries_the_entry_and_asks_no_limit() -> None:
    request = _request({"path": "/api/pitches", "ip": "203.0.113.7"}, blocked=True)
    assert request.block is not None and request.block.source is BlockSource.MANUAL
    assert request.rule is None


def test_a_threat_is_noted_only_when_it_is_not_plainly_allowed() -> None:
    attack = _request({"path": "/api/pitches", "query": "q=' UNION SELECT password FROM users--", "ip": "203.0.113.7"})
    assert isinstance(attack.threat, ThreatNote)
    assert attack.threat.action is not Action.ALLOW
    assert attack.threat.score > 0 and attack.threat.hits
    assert _request({"path": "/api/pitches", "ip": "203.0.113.7"}).threat is None


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("not-an-ip", None),  # an identifier the client chose, not an address a shard may block
        (None, None),
        ("", None),
    ],
)
def test_valid_ip(ip: str | None, expected: str | None) -> None:
    assert valid_ip(ip) == expected


def test_rule_json_is_serialised_once_per_rule() -> None:
    rule = RULES[0]
    assert rule_json(rule) is rule_json(rule)
    assert rule_json(rule) == rule.model_dump(mode="json", by_alias=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "body must be a JSON object"),
        ({"path": "/x"}, "status: expected the HTTP status the request was answered with (100-599)"),
        ({"path": "/x", "status": True}, "status: expected the HTTP status the request was answered with (100-599)"),
        ({"path": "/x", "status": 600}, "status: expected the HTTP status the request was answered with (100-599)"),
        ({"path": "/x", "status": "401"}, "status: expected the HTTP status the request was answered with (100-599)"),
        ({"status": 401}, "path: required (the request's path, e.g. /api/auth/login)"),
    ],
)
def test_read_report_refuses(data: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        read_report(data)
    assert str(caught.value) == message


def test_read_report() -> None:
    status, check = read_report({"path": "/api/auth/login", "status": 401, "ip": "203.0.113.7"})
    assert status == 401
    assert isinstance(check, CheckInput) and check.path == "/api/auth/login"


def test_a_report_goes_to_the_identifiers_shard() -> None:
    _, check = read_report({"path": "/api/auth/login", "status": 401, "ip": "203.0.113.7"})
    calls = report_requests(check, 401, MATCHER, 8, T0)
    rule = MATCHER.match("/api/auth/login")
    assert rule is not None
    assert calls == [
        (
            shard_for("ip:203.0.113.7", 8),
            ReportRequest(T0, "ip:203.0.113.7", 401, rule.endpoint, "203.0.113.7", None, Stuffing.IP),
        )
    ]


def test_a_login_naming_an_account_also_goes_to_the_accounts_shard() -> None:
    _, check = read_report({"path": "/api/auth/login", "status": 401, "ip": "203.0.113.7", "account": "alice"})
    calls = report_requests(check, 401, MATCHER, 8, T0)
    assert [(shard, r.identifier, r.route, r.stuffing) for shard, r in calls][1:] == [
        (shard_for("account:alice", 8), "account:alice", None, Stuffing.ACCOUNT)
    ]
    assert calls[0][1].stuffing is Stuffing.IP and calls[0][1].account == "alice"


def test_an_account_without_a_valid_address_goes_to_one_shard() -> None:
    _, check = read_report({"path": "/api/auth/login", "status": 401, "userId": "42", "account": "alice"})
    calls = report_requests(check, 401, MATCHER, 8, T0)
    assert [r.identifier for _, r in calls] == ["user:42"]
    assert calls[0][1].route is not None


def test_a_report_without_rule_uses_the_route_other() -> None:
    _, check = read_report({"path": "/static/x", "status": 403, "ip": "203.0.113.7"})
    assert report_requests(check, 403, MATCHER, 8, T0)[0][1].route == NO_ROUTE

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.config import SecurityRule, load_security_rules
from edgewatch.security import ratelimit
from edgewatch.security.blocklist import BlockEntry, BlockList, BlockSource, add_block, is_blocked
from edgewatch.security.checkflow import (
    MAX_BODY_CHARS,
    MAX_FIELD_CHARS,
    CheckInput,
    GuardResult,
    Outcome,
    Prepared,
    check_input_from_json,
    conclude,
    decision_from_json,
    decision_to_json,
    invalid_request_answer,
    misconfigured_answer,
    prepare,
)
from edgewatch.security.identity import identify
from edgewatch.security.ratelimit import Decision, LimitState, Reason
from edgewatch.security.rules import RuleMatcher
from edgewatch.security.settings import FailMode, SecuritySettings, load_security_settings
from edgewatch.security.threats import Action
from edgewatch.stack import default_config

S = 1_000
MIN = 60 * S
H = 60 * MIN
T0 = 1_795_737_600_000  # an arbitrary epoch ms, a whole second

RULES = default_config().security_rules  # rate-limit-auth: /api/auth/* 5/15min, 20/1h; rate-limit-api: /api/* 100/1min
MATCHER = RuleMatcher(RULES)
AUTH = next(r for r in RULES if r.id == "rate-limit-auth")

CONFIG: dict[str, Any] = {
    "allowList": ["10.0.0.0/8", "2001:db8::/32"],
    "threats": {"mode": "monitor", "routes": [{"endpoint": "/api/*", "mode": "block"}]},
}
OPEN = load_security_settings(json.dumps(CONFIG))
CLOSED = load_security_settings(json.dumps({**CONFIG, "failMode": "closed"}))

CLIENT = "203.0.113.7"
TRUSTED = "10.1.2.3"  # inside the allow-list
XSS = "q=<script>alert(1)</script>"  # scores 95: refused on a route in block mode


# --- check_input_from_json -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # the smallest body: every other field takes its default
        ({"path": "/api/x"}, CheckInput("/api/x")),
        # every field at once; the method is upper-cased, header names lower-cased, `ip` becomes the header
        (
            {
                "path": "/api/auth/login",
                "method": "post",
                "userId": "42",
                "ip": CLIENT,
                "headers": {"User-Agent": "curl/8.5", "X-Request-Id": "abc"},
                "query": "a=1",
                "body": '{"user": "alice"}',
                "contentType": "application/json",
                "account": "alice",
            },
            CheckInput(
                "/api/auth/login",
                "POST",
                "42",
                CLIENT,
                {"user-agent": "curl/8.5", "x-request-id": "abc", "cf-connecting-ip": CLIENT},
                "a=1",
                '{"user": "alice"}',
                "application/json",
                "alice",
            ),
        ),
        # `pathname`, as the user's guide calls it, is an alias of `path`
        ({"pathname": "/api/y"}, CheckInput("/api/y")),
        # `path` wins over `pathname` when both are given
        ({"path": "/a", "pathname": "/b"}, CheckInput("/a")),
        # an empty `path` falls back to `pathname`
        ({"path": "", "pathname": "/b"}, CheckInput("/b")),
        # a full URL is split into its path and query
        ({"path": "https://example.com/api/x?y=1"}, CheckInput("/api/x", query="y=1")),
        # a full URL without a path is the root
        ({"path": "http://example.com"}, CheckInput("/")),
        # a full URL with a query but no path keeps its query
        ({"path": "https://example.com?q=1"}, CheckInput("/", query="q=1")),
        # a URL with a port and user info: only what follows the authority is the path
        ({"path": "https://u:p@example.com:8443/a/b"}, CheckInput("/a/b")),
        # an inline query is split off the path
        ({"path": "/api/x?a=1&b=2"}, CheckInput("/api/x", query="a=1&b=2")),
        # an explicit `query` wins over an inline one
        ({"path": "/api/x?a=1", "query": "b=2"}, CheckInput("/api/x", query="b=2")),
        # a leading "?" of `query` is dropped
        ({"path": "/x", "query": "?a=1"}, CheckInput("/x", query="a=1")),
        # a path (not a URL) whose query holds a URL keeps both: the URL is not mistaken for the request's own
        (
            {"path": "/?u=http://169.254.169.254/latest"},
            CheckInput("/", query="u=http://169.254.169.254/latest"),
        ),
        # ... so a short path cannot pose as a rule's path through its query
        ({"path": "/a?n=http://x/api/auth/login"}, CheckInput("/a", query="n=http://x/api/auth/login")),
        # the address comes from the CF-Connecting-IP header when `ip` is absent, in any case
        (
            {"path": "/x", "headers": {"CF-Connecting-IP": "198.51.100.2"}},
            CheckInput("/x", ip="198.51.100.2", headers={"cf-connecting-ip": "198.51.100.2"}),
        ),
        # `ip` overrides the header
        (
            {"path": "/x", "ip": CLIENT, "headers": {"CF-Connecting-IP": "198.51.100.2"}},
            CheckInput("/x", ip=CLIENT, headers={"cf-connecting-ip": CLIENT}),
        ),
        # an empty `ip` is no address: the header still counts
        (
            {"path": "/x", "ip": "", "headers": {"cf-connecting-ip": "198.51.100.2"}},
            CheckInput("/x", ip="198.51.100.2", headers={"cf-connecting-ip": "198.51.100.2"}),
        ),
        # `identifier` is an alias of `userId`
        ({"path": "/x", "identifier": "u-7"}, CheckInput("/x", user_id="u-7")),
        # `userId` wins over `identifier`
        ({"path": "/x", "userId": "42", "identifier": "u-7"}, CheckInput("/x", user_id="42")),
        # a numeric user id is read as its string
        ({"path": "/x", "userId": 42}, CheckInput("/x", user_id="42")),
        # null fields are absent fields
        (
            {"path": "/x", "method": None, "headers": None, "query": None, "body": None, "account": None},
            CheckInput("/x"),
        ),
        # a header value is cut at MAX_FIELD_CHARS rather than refused
        (
            {"path": "/x", "headers": {"Referer": "r" * (MAX_FIELD_CHARS + 5)}},
            CheckInput("/x", headers={"referer": "r" * MAX_FIELD_CHARS}),
        ),
        # two spellings of one header name: the last one wins
        ({"path": "/x", "headers": {"X-A": "1", "x-a": "2"}}, CheckInput("/x", headers={"x-a": "2"})),
    ],
)
def test_check_input_from_json(data: dict[str, Any], expected: CheckInput) -> None:
    assert check_input_from_json(data) == expected


def test_every_field_is_accepted_at_its_limit() -> None:
    data = {
        "path": "/" + "p" * (MAX_FIELD_CHARS - 1),
        "method": "M" * 16,
        "userId": "u" * 256,
        "ip": "i" * 64,
        "headers": {f"h{i}": "v" for i in range(100)},
        "query": "q" * MAX_FIELD_CHARS,
        "body": "b" * MAX_BODY_CHARS,
        "contentType": "c" * 200,
        "account": "a" * 256,
    }
    check = check_input_from_json(data)
    assert (len(check.path), len(check.query), len(check.body or ""), len(check.headers)) == (
        MAX_FIELD_CHARS,
        MAX_FIELD_CHARS,
        MAX_BODY_CHARS,
        101,  # the 100 headers and cf-connecting-ip from `ip`
    )
    assert (check.method, check.user_id, check.ip) == ("M" * 16, "u" * 256, "i" * 64)


def _long(length: int) -> str:
    return "/" + "x" * (length - 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # not an object
        ([], "body: expected a JSON object, got list"),
        ("/api/x", "body: expected a JSON object, got str"),
        (None, "body: expected a JSON object, got NoneType"),
        (42, "body: expected a JSON object, got int"),
        # no path at all, or an empty one
        ({}, "path: required"),
        ({"path": ""}, "path: required"),
        ({"method": "GET"}, "path: required"),
        # a relative path
        ({"path": "api/x"}, "path: expected an absolute path starting with '/'"),
        ({"path": "?a=1"}, "path: expected an absolute path starting with '/'"),
        # a path of the wrong type
        ({"path": ["/x"]}, "path: expected a string"),
        ({"path": True}, "path: expected a string"),
        ({"path": {"p": "/x"}}, "path: expected a string"),
        ({"pathname": 1.5}, "pathname: expected a string"),
        # an unknown field is named, even next to a valid body; names are case-sensitive
        ({"path": "/x", "extra": 1}, "extra: unknown field; allowed: account, body, contentType,"),
        ({"path": "/x", "Path": "/y"}, "Path: unknown field"),
        # headers that are not an object of strings, or too many
        ({"path": "/x", "headers": ["a"]}, "headers: expected an object of header name to string value"),
        ({"path": "/x", "headers": {"a": 1}}, "headers: expected an object of header name to string value"),
        ({"path": "/x", "headers": "User-Agent: x"}, "headers: expected an object"),
        ({"path": "/x", "headers": {f"h{i}": "v" for i in range(101)}}, "headers: more than 100"),
        # each field beyond its size limit
        ({"path": _long(MAX_FIELD_CHARS + 1)}, f"path: longer than {MAX_FIELD_CHARS} characters"),
        ({"pathname": _long(MAX_FIELD_CHARS + 1)}, f"pathname: longer than {MAX_FIELD_CHARS} characters"),
        ({"path": "/x", "query": "q" * (MAX_FIELD_CHARS + 1)}, f"query: longer than {MAX_FIELD_CHARS}"),
        ({"path": "/x", "ip": "1" * 65}, "ip: longer than 64 characters"),
        ({"path": "/x", "method": "M" * 17}, "method: longer than 16 characters"),
        ({"path": "/x", "userId": "u" * 257}, "userId: longer than 256 characters"),
        ({"path": "/x", "identifier": "u" * 257}, "identifier: longer than 256 characters"),
        ({"path": "/x", "body": "b" * (MAX_BODY_CHARS + 1)}, f"body: longer than {MAX_BODY_CHARS} characters"),
        ({"path": "/x", "contentType": "c" * 201}, "contentType: longer than 200 characters"),
        ({"path": "/x", "account": "a" * 257}, "account: longer than 256 characters"),
        # other fields of the wrong type
        ({"path": "/x", "method": ["GET"]}, "method: expected a string"),
        ({"path": "/x", "userId": False}, "userId: expected a string"),
        ({"path": "/x", "ip": 1.5}, "ip: expected a string"),
        ({"path": "/x", "body": {"a": 1}}, "body: expected a string"),
        ({"path": "/x", "account": []}, "account: expected a string"),
    ],
)
def test_check_input_from_json_refuses(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        check_input_from_json(data)


# --- prepare and conclude --------------------------------------------------------------------


def over_limit(rule: SecurityRule, requests: int, now: int) -> LimitState:
    """The state after ``requests`` allowed requests, one per second ending 1 s before ``now``."""
    state = None
    for i in range(requests):
        decision, state = ratelimit.check(rule, state, now - (requests - i) * S)
        assert decision.allowed
    assert state is not None
    return state


def run(
    check: CheckInput,
    *,
    settings: SecuritySettings = OPEN,
    blocks: BlockList | None = None,
    state: LimitState | None = None,
    now: int = T0,
    reachable: bool = True,
) -> tuple[Prepared, GuardResult]:
    """One request as the security Worker handles it: block-list lookup, prepare, limiter, conclude."""
    identifier = identify(check.user_id, check.headers).key
    block = is_blocked(blocks or BlockList(), check.ip, now, identifier=identifier)
    prepared = prepare(settings, MATCHER, check, block, now)
    decision = None
    if prepared.limit and reachable:
        assert prepared.rule is not None
        decision, _ = ratelimit.check(prepared.rule, state, now)
    return prepared, conclude(prepared, decision, settings, now)


def blocking(*targets: str, ttl_ms: int | None = H) -> BlockList:
    state = BlockList()
    for target in targets:
        state = add_block(state, target, reason="abuse", ttl_ms=ttl_ms, now_ms=T0 - MIN).state
    return state


def login(ip: str, query: str = "") -> CheckInput:
    return check_input_from_json({"path": "/api/auth/login", "method": "POST", "ip": ip, "query": query})


@pytest.mark.parametrize(
    ("blocked", "threat", "allow_listed", "over", "outcome"),
    [
        # nothing in the way: the limiter allows
        (False, False, False, False, Outcome.ALLOWED),
        # the limiter refuses
        (False, False, False, True, Outcome.RATE_LIMITED),
        # an allow-listed client skips the limiter, even over its limit
        (False, False, True, False, Outcome.ALLOW_LISTED),
        (False, False, True, True, Outcome.ALLOW_LISTED),
        # a threat on a route in block mode is refused before the limiter is asked
        (False, True, False, False, Outcome.THREAT_BLOCKED),
        (False, True, False, True, Outcome.THREAT_BLOCKED),
        # an allow-listed client is never refused for a threat, nor limited
        (False, True, True, False, Outcome.ALLOW_LISTED),
        (False, True, True, True, Outcome.ALLOW_LISTED),
        # the block-list comes before everything else, the allow-list included
        (True, False, False, False, Outcome.BLOCK_LISTED),
        (True, False, False, True, Outcome.BLOCK_LISTED),
        (True, False, True, False, Outcome.BLOCK_LISTED),
        (True, False, True, True, Outcome.BLOCK_LISTED),
        (True, True, False, False, Outcome.BLOCK_LISTED),
        (True, True, False, True, Outcome.BLOCK_LISTED),
        (True, True, True, False, Outcome.BLOCK_LISTED),
        (True, True, True, True, Outcome.BLOCK_LISTED),
    ],
)
def test_order_of_the_steps(blocked: bool, threat: bool, allow_listed: bool, over: bool, outcome: Outcome) -> None:
    ip = TRUSTED if allow_listed else CLIENT
    check = login(ip, XSS if threat else "a=1")
    prepared, result = run(
        check,
        blocks=blocking(ip) if blocked else None,
        state=over_limit(AUTH, 5, T0) if over else None,
    )
    assert result.outcome is outcome
    assert result.allowed is (outcome in {Outcome.ALLOWED, Outcome.ALLOW_LISTED})
    # the limiter is asked only when nothing before it decided and the client is not trusted
    assert prepared.limit is (outcome in {Outcome.ALLOWED, Outcome.RATE_LIMITED})
    # the threat is inspected in every case, so it can be recorded
    assert prepared.threat.action is (Action.BLOCK if threat else Action.ALLOW)
    assert result.threat == prepared.threat
    assert result.identifier == f"ip:{ip}"


def test_within_the_limit() -> None:
    _, result = run(login(CLIENT), state=over_limit(AUTH, 2, T0))
    assert (result.outcome, result.status, result.allowed, result.rule_id) == (
        Outcome.ALLOWED,
        200,
        True,
        "rate-limit-auth",
    )
    assert result.decision is not None and result.decision.reason is Reason.ALLOWED
    assert result.headers == {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "2",  # the third request of five
        "X-RateLimit-Reset": str((T0 + 900 * S) // S),
        "RateLimit-Limit": "5",
        "RateLimit-Remaining": "2",
        "RateLimit-Reset": "900",
        "RateLimit-Policy": "5;w=900, 20;w=3600",
    }


def test_rate_limited_answers_429_with_the_rate_limit_headers() -> None:
    now = T0 + 10 * S
    _, result = run(login(CLIENT), state=over_limit(AUTH, 5, T0), now=now)
    assert (result.outcome, result.status, result.allowed, result.rule_id) == (
        Outcome.RATE_LIMITED,
        429,
        False,
        "rate-limit-auth",
    )
    # the first of the five requests was at T0 - 5 s and leaves the 15-minute window at T0 + 895 s
    reset = T0 - 5 * S + 900 * S
    assert result.headers == {
        "Retry-After": "885",
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(reset // S),
        "RateLimit-Limit": "5",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "885",
        "RateLimit-Policy": "5;w=900, 20;w=3600",
    }


def test_the_most_specific_rule_decides() -> None:
    _, auth = run(login(CLIENT))
    _, api = run(check_input_from_json({"path": "/api/items", "ip": CLIENT}))
    assert (auth.rule_id, auth.headers["X-RateLimit-Limit"]) == ("rate-limit-auth", "5")
    assert (api.rule_id, api.headers["X-RateLimit-Limit"]) == ("rate-limit-api", "100")


@pytest.mark.parametrize(
    "path",
    [
        "/health",  # no rule governs it
        "/",
        "/apis",  # not under /api/
    ],
)
def test_no_rule(path: str) -> None:
    prepared, result = run(check_input_from_json({"path": path, "ip": CLIENT}))
    assert (prepared.rule, prepared.limit) == (None, False)
    assert (result.outcome, result.status, result.allowed, result.rule_id) == (Outcome.NO_RULE, 200, True, None)
    assert result.decision == Decision.no_rule()
    assert result.headers == {}


def test_a_threat_on_a_monitored_route_is_recorded_not_refused() -> None:
    _, result = run(check_input_from_json({"path": "/search", "ip": CLIENT, "query": XSS}))
    assert (result.outcome, result.allowed) == (Outcome.NO_RULE, True)
    assert result.threat is not None and result.threat.action is Action.MONITOR
    assert result.to_json()["threat"]["action"] == "monitor"


def test_a_threat_blocked_request_says_why() -> None:
    prepared, result = run(login(CLIENT, XSS))
    assert prepared.final is result  # decided without the limiter
    assert (result.outcome, result.status, result.allowed) == (Outcome.THREAT_BLOCKED, 403, False)
    assert (result.rule_id, result.decision, result.headers) == (None, None, {})
    assert result.threat is not None and result.threat.score >= 70
    assert [hit.location for hit in result.threat.hits] == ["query.q"]


def test_an_allow_listed_threat_is_let_through_but_recorded() -> None:
    prepared, result = run(login(TRUSTED, XSS))
    assert (prepared.allow_listed, prepared.limit, prepared.final) == (True, False, None)
    assert (result.outcome, result.allowed, result.rule_id) == (Outcome.ALLOW_LISTED, True, "rate-limit-auth")
    assert result.decision == Decision.allow_listed("rate-limit-auth")
    assert result.threat is not None and result.threat.action is Action.BLOCK
    assert result.to_json()["threat"]["action"] == "block"


@pytest.mark.parametrize(
    ("ip", "allow_listed"),
    [
        ("10.255.0.1", True),  # inside 10.0.0.0/8
        ("::ffff:10.0.0.1", True),  # IPv4-mapped IPv6 is its IPv4 address
        ("2001:db8:1::5", True),  # inside 2001:db8::/32
        ("11.0.0.1", False),
        ("2001:db9::1", False),
        ("not-an-ip", False),
    ],
)
def test_allow_list_membership(ip: str, allow_listed: bool) -> None:
    prepared, result = run(login(ip))
    assert prepared.allow_listed is allow_listed
    assert result.outcome is (Outcome.ALLOW_LISTED if allow_listed else Outcome.ALLOWED)


def test_an_allow_listed_client_on_a_path_without_rule() -> None:
    _, result = run(check_input_from_json({"path": "/health", "ip": TRUSTED}))
    assert (result.outcome, result.rule_id, result.decision) == (Outcome.ALLOW_LISTED, None, Decision.allow_listed())


def test_the_allow_list_is_checked_against_the_address_not_the_identifier() -> None:
    # the identifier is the user, but the allow-list is checked against the address the request came from
    check = check_input_from_json({"path": "/api/auth/login", "userId": "42", "ip": TRUSTED})
    _, result = run(check)
    assert (result.outcome, result.identifier) == (Outcome.ALLOW_LISTED, "user:42")


@pytest.mark.parametrize(
    ("targets", "data", "blocked"),
    [
        (["203.0.113.7"], {"ip": CLIENT}, True),  # the address
        (["203.0.113.0/24"], {"ip": CLIENT}, True),  # a range holding it
        (["203.0.113.7"], {"headers": {"CF-Connecting-IP": CLIENT}}, True),  # the address from the header
        (["user:42"], {"userId": "42", "ip": "198.51.100.9"}, True),  # the user, from a clean address
        (["user:42"], {"userId": "43", "ip": "198.51.100.9"}, False),  # another user
        (["203.0.113.8"], {"ip": CLIENT}, False),  # another address
    ],
)
def test_block_list(targets: list[str], data: dict[str, Any], blocked: bool) -> None:
    _, result = run(check_input_from_json({"path": "/api/items", **data}), blocks=blocking(*targets))
    assert (result.outcome is Outcome.BLOCK_LISTED) is blocked
    assert (result.block is not None) is blocked


def test_a_block_list_refusal_tells_when_to_retry() -> None:
    now = T0 + 10 * S
    _, result = run(login(CLIENT), blocks=blocking(CLIENT, ttl_ms=H), now=now)  # added at T0 - 1 min
    expires = T0 - MIN + H
    assert (result.outcome, result.status, result.allowed, result.rule_id) == (Outcome.BLOCK_LISTED, 403, False, None)
    assert result.block is not None and (result.block.target, result.block.expires_ms) == (CLIENT, expires)
    assert result.decision == Decision(False, Reason.BLOCKED, reset_ms=expires, retry_after_ms=expires - now)
    assert result.headers == {"Retry-After": str((expires - now) // S)}


def test_a_block_without_expiry_has_no_retry_after() -> None:
    _, result = run(login(CLIENT), blocks=blocking(CLIENT, ttl_ms=None))
    assert result.outcome is Outcome.BLOCK_LISTED
    assert result.headers == {}


def test_an_expired_block_entry_is_inert_in_prepare() -> None:
    # the caller normally looks up only active entries; prepare checks again
    entry = BlockEntry(CLIENT, "abuse", BlockSource.MANUAL, T0 - H, T0)
    prepared = prepare(OPEN, MATCHER, login(CLIENT), entry, T0)
    assert (prepared.final, prepared.limit) == (None, True)
    live = prepare(OPEN, MATCHER, login(CLIENT), entry, T0 - 1)
    assert live.final is not None and live.final.outcome is Outcome.BLOCK_LISTED


@pytest.mark.parametrize(
    ("config", "outcome", "status", "allowed", "headers"),
    [
        # failMode open (the default): let through, without rate-limit headers
        (OPEN, Outcome.FAILED_OPEN, 200, True, {}),
        # failMode closed: 503 and a short Retry-After
        (CLOSED, Outcome.FAILED_CLOSED, 503, False, {"Retry-After": "5"}),
    ],
)
def test_an_unreachable_limiter(
    config: SecuritySettings, outcome: Outcome, status: int, allowed: bool, headers: dict[str, str]
) -> None:
    prepared, result = run(login(CLIENT), settings=config, reachable=False)
    assert prepared.limit
    assert (result.outcome, result.status, result.allowed, result.rule_id) == (
        outcome,
        status,
        allowed,
        "rate-limit-auth",
    )
    assert result.decision is None
    assert result.headers == headers


def test_fail_mode_default_is_open() -> None:
    assert load_security_settings(None).fail_mode is FailMode.OPEN
    _, result = run(login(CLIENT), settings=load_security_settings(None), reachable=False)
    assert result.outcome is Outcome.FAILED_OPEN


@pytest.mark.parametrize(
    "data",
    [
        {"ip": TRUSTED},  # allow-listed
        {"ip": CLIENT, "query": XSS},  # threat-blocked
        {"ip": CLIENT, "path": "/health"},  # no rule
    ],
)
def test_an_unreachable_limiter_matters_only_when_it_would_be_asked(data: dict[str, Any]) -> None:
    check = check_input_from_json({"path": "/api/auth/login", **data})
    _, result = run(check, settings=CLOSED, reachable=False)
    assert result.outcome not in {Outcome.FAILED_CLOSED, Outcome.FAILED_OPEN}


def test_conclude_keeps_a_decision_taken_before_the_limiter() -> None:
    refused, _ = ratelimit.check(AUTH, over_limit(AUTH, 5, T0), T0)
    assert not refused.allowed
    threat = prepare(OPEN, MATCHER, login(CLIENT, XSS), None, T0)
    assert conclude(threat, refused, OPEN, T0) is threat.final
    trusted = prepare(OPEN, MATCHER, login(TRUSTED), None, T0)
    assert conclude(trusted, refused, OPEN, T0).outcome is Outcome.ALLOW_LISTED


def test_custom_rules_from_load_security_rules() -> None:
    rules = load_security_rules([{"id": "one", "endpoint": "/x", "limits": [{"requests": 1, "windowMs": 1000}]}])
    matcher = RuleMatcher(rules)
    state = None
    outcomes = []
    for now in (T0, T0 + 500, T0 + 1000):  # the second request is within the 1 s window
        prepared = prepare(OPEN, matcher, check_input_from_json({"path": "/x/", "ip": CLIENT}), None, now)
        assert prepared.rule is not None
        decision, state = ratelimit.check(prepared.rule, state, now)
        outcomes.append(conclude(prepared, decision, OPEN, now).outcome)
    assert outcomes == [Outcome.ALLOWED, Outcome.RATE_LIMITED, Outcome.ALLOWED]


# --- GuardResult -----------------------------------------------------------------------------


STATUS = {
    Outcome.ALLOWED: 200,
    Outcome.NO_RULE: 200,
    Outcome.ALLOW_LISTED: 200,
    Outcome.FAILED_OPEN: 200,
    Outcome.RATE_LIMITED: 429,
    Outcome.BLOCK_LISTED: 403,
    Outcome.THREAT_BLOCKED: 403,
    Outcome.FAILED_CLOSED: 503,
}


@pytest.mark.parametrize("outcome", list(Outcome))
def test_status(outcome: Outcome) -> None:
    assert GuardResult(True, outcome, "unknown").status == STATUS[outcome]


def test_to_json_of_a_refusal() -> None:
    now = T0 + 10 * S
    _, result = run(login(CLIENT), state=over_limit(AUTH, 5, T0), now=now)
    reset = T0 + 895 * S
    assert result.to_json() == {
        "allowed": False,
        "status": 429,
        "outcome": "rate_limited",
        "identifier": "ip:203.0.113.7",
        "rule": "rate-limit-auth",
        "limit": 5,
        "remaining": 0,
        "reset_ms": reset,
        "retry_after_ms": reset - now,
        "headers": dict(result.headers),
    }  # a clean request: no "threat" key, and no "block" key


def test_to_json_of_an_allowed_request() -> None:
    _, result = run(check_input_from_json({"path": "/api/items", "ip": CLIENT}))
    out = result.to_json()
    assert (out["allowed"], out["status"], out["outcome"], out["limit"], out["remaining"]) == (
        True,
        200,
        "allowed",
        100,
        99,
    )
    assert (out["reset_ms"], out["retry_after_ms"]) == (T0 + MIN, 0)


def test_to_json_without_a_decision() -> None:
    _, result = run(login(CLIENT), settings=CLOSED, reachable=False)
    out = result.to_json()
    assert {k: out[k] for k in ("limit", "remaining", "reset_ms", "retry_after_ms")} == dict.fromkeys(
        ("limit", "remaining", "reset_ms", "retry_after_ms")
    )
    assert (out["status"], out["outcome"], out["headers"]) == (503, "failed_closed", {"Retry-After": "5"})


def test_to_json_carries_the_threat_and_the_block() -> None:
    _, threat = run(login(CLIENT, XSS))
    out = threat.to_json()
    assert threat.threat is not None
    assert out["threat"] == threat.threat.to_json()
    assert out["threat"]["primary"] == "xss" and "block" not in out
    _, blocked = run(login(CLIENT, XSS), blocks=blocking(CLIENT))
    out = blocked.to_json()
    assert blocked.block is not None
    assert out["block"] == blocked.block.to_json() and out["block"]["reason"] == "abuse"
    assert out["threat"]["action"] == "block"  # still inspected, so it can be recorded
    assert out["remaining"] == 0
    json.dumps(out)


# --- the decision across the RPC boundary ----------------------------------------------------


def _limited() -> Decision:
    decision, _ = ratelimit.check(AUTH, over_limit(AUTH, 5, T0), T0)
    return decision


@pytest.mark.parametrize(
    "decision",
    [
        ratelimit.check(AUTH, None, T0)[0],  # allowed, with every field set
        _limited(),  # refused
        Decision.no_rule(),
        Decision.allow_listed("rate-limit-auth"),
        Decision.allow_listed(),
        Decision.blocked(T0, T0 + H),
        Decision.blocked(T0, None),  # a block without expiry
    ],
)
def test_decision_round_trip(decision: Decision) -> None:
    wire = json.loads(json.dumps(decision_to_json(decision)))
    assert decision_from_json(wire) == decision


def test_decision_to_json() -> None:
    assert decision_to_json(_limited()) == {
        "allowed": False,
        "reason": "limited",
        "rule_id": "rate-limit-auth",
        "limit": 5,
        "window_ms": 900_000,
        "remaining": 0,
        "reset_ms": T0 - 5 * S + 900_000,
        "retry_after_ms": 895_000,
        "policies": [[5, 900_000], [20, 3_600_000]],
    }


def test_decision_from_json_fills_the_optional_fields() -> None:
    assert decision_from_json({"allowed": True, "reason": "no_rule"}) == Decision.no_rule()
    with pytest.raises(ValueError):
        decision_from_json({"allowed": True, "reason": "maybe"})


_OPT_INT = st.none() | st.integers(min_value=0, max_value=2**53)


@given(
    st.builds(
        Decision,
        allowed=st.booleans(),
        reason=st.sampled_from(Reason),
        rule_id=st.none() | st.text(max_size=20),
        limit=_OPT_INT,
        window_ms=_OPT_INT,
        remaining=_OPT_INT,
        reset_ms=_OPT_INT,
        retry_after_ms=st.integers(min_value=0, max_value=2**53),
        policies=st.lists(st.tuples(st.integers(1, 10**6), st.integers(1, 10**10)), max_size=4).map(tuple),
    )
)
def test_any_decision_round_trips(decision: Decision) -> None:
    assert decision_from_json(json.loads(json.dumps(decision_to_json(decision)))) == decision


# --- any body: a CheckInput or a ValueError, and never a crash after it -----------------------

_CHARS = st.characters(exclude_categories=()) | st.sampled_from("\ud800\udfff\x00\x7f%/?:#<>'\"")
_TEXT = st.text(_CHARS, max_size=30)
_ATTACKS = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "' OR '1'='1",
        "../../etc/passwd",
        "http://169.254.169.254/latest",
        ";cat /etc/passwd",
        "%2e%2e%2f",
        "sqlmap/1.7",
    ]
)
_STRINGS = _TEXT | _ATTACKS | st.builds(str.__add__, _TEXT, _ATTACKS)
_PATHS = st.builds(
    str.__add__,
    st.sampled_from(["/", "/api/", "/api/auth/", "/health", "https://h", "https://h/api/", "http://", "?", ""]),
    _STRINGS,
)
_IPS = st.sampled_from([CLIENT, TRUSTED, "::ffff:10.0.0.1", "2001:db8::1", "[::1]", "fe80::1%eth0", "203.0.113.9"])
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | _STRINGS
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)
_HEADER_NAMES = st.sampled_from(["User-Agent", "CF-Connecting-IP", "Referer", "X-Forwarded-For", "x-scanner"])
_HEADERS = st.dictionaries(_HEADER_NAMES | _TEXT, _STRINGS | _IPS, max_size=5) | _JSON
_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "path": _PATHS | _JSON,
    "pathname": _PATHS | _JSON,
    "method": st.sampled_from(["GET", "post", "PUT"]) | _JSON,
    "userId": st.sampled_from(["42", " ", "a\x00b", "u" * 200]) | _JSON,
    "identifier": _JSON,
    "ip": _IPS | _JSON,
    "headers": _HEADERS,
    "query": st.builds(lambda k, v: f"{k}={v}", _TEXT, _STRINGS) | _JSON,
    "body": st.builds(json.dumps, _JSON) | _JSON,
    "contentType": st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]) | _JSON,
    "account": _JSON,
}
_BODIES = st.fixed_dictionaries({}, optional=_FIELDS) | st.dictionaries(_TEXT, _JSON, max_size=3) | _JSON

_BLOCKS = blocking("203.0.113.0/24", "user:42", "10.9.9.9")


@settings(max_examples=300, deadline=None)
@given(_BODIES, st.sampled_from([OPEN, CLOSED]), st.booleans())
def test_any_json_body_is_a_check_input_or_a_value_error(data: Any, config: SecuritySettings, up: bool) -> None:
    try:
        check = check_input_from_json(data)
    except ValueError as exc:
        named = {*_FIELDS, "body", *(map(str, data) if isinstance(data, dict) else ())}
        assert any(str(exc).startswith(f"{name}: ") for name in named), str(exc)  # it names the field
        return
    assert isinstance(check, CheckInput)
    assert check.path.startswith("/") and not check.query.startswith("?")
    assert all(name == name.lower() for name in check.headers)
    assert check.method == check.method.upper()

    _, result = run(check, settings=config, blocks=_BLOCKS, state=over_limit(AUTH, 3, T0), reachable=up)
    assert result.allowed is (result.status == 200)
    assert (result.outcome is Outcome.BLOCK_LISTED) is (result.block is not None)
    json.dumps(result.to_json())


def test_the_answers_given_before_any_step() -> None:
    assert invalid_request_answer("path: required") == {
        "allowed": False,
        "status": 400,
        "outcome": "invalid_request",
        "error": "path: required",
        "headers": {},
    }
    assert misconfigured_answer("shards: too many") == {
        "allowed": True,
        "status": 200,
        "outcome": "failed_open",
        "error": "shards: too many",
        "headers": {},
    }

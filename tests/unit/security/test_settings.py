from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.security.blocklist import AutoBlockPolicy
from edgewatch.security.settings import (
    MAX_SHARDS,
    FailMode,
    SecuritySettings,
    SecuritySettingsError,
    load_security_settings,
)
from edgewatch.security.threats import Mode, ThreatPolicies, ThreatPolicy

S = 1_000
MIN = 60 * S
H = 60 * MIN
D = 24 * H

ALLOWED = "allowed: allowList, autoBlock, eventRetention, failMode, shards, threats"


def load(config: Any) -> SecuritySettings:
    return load_security_settings(json.dumps(config))


def assert_defaults(s: SecuritySettings) -> None:
    assert s.fail_mode is FailMode.OPEN
    assert s.shards == 8
    assert (s.allow_entries, s.allow_list.networks) == ((), ())
    assert s.threats == ThreatPolicies()
    assert s.auto_block == AutoBlockPolicy()
    assert s.event_retention_ms == 30 * D


@pytest.mark.parametrize(
    "text",
    [
        None,  # the var is not set
        "",  # set but empty
        " \n\t",  # only white space
        "{}",  # an empty object
    ],
)
def test_defaults(text: str | None) -> None:
    assert_defaults(load_security_settings(text))


def test_the_documented_example() -> None:
    s = load(
        {
            "failMode": "open",
            "shards": 8,
            "allowList": ["10.0.0.0/8"],
            "threats": {
                "mode": "monitor",
                "blockScore": 70,
                "recordScore": 30,
                "routes": [{"endpoint": "/api/auth/*", "mode": "block"}],
            },
            "autoBlock": {"minScore": 70, "hits": 5, "window": "10m", "ttl": "1h"},
            "eventRetention": "30d",
        }
    )
    assert (s.fail_mode, s.shards, s.allow_entries) == (FailMode.OPEN, 8, ("10.0.0.0/8",))
    assert s.threats.for_path("/api/auth/login").mode is Mode.BLOCK
    assert s.threats.for_path("/api/items").mode is Mode.MONITOR
    assert s.auto_block == AutoBlockPolicy()  # the example spells out the defaults
    assert s.event_retention_ms == 30 * D


@pytest.mark.parametrize(
    ("config", "read", "expected"),
    [
        # failMode, each value
        ({"failMode": "closed"}, lambda s: s.fail_mode, FailMode.CLOSED),
        ({"failMode": "open"}, lambda s: s.fail_mode, FailMode.OPEN),
        # shards, at both bounds
        ({"shards": 1}, lambda s: s.shards, 1),
        ({"shards": MAX_SHARDS}, lambda s: s.shards, MAX_SHARDS),
        # allowList: addresses and ranges are kept as written
        (
            {"allowList": ["10.0.0.0/8", "203.0.113.7", "2001:db8::/32"]},
            lambda s: s.allow_entries,
            ("10.0.0.0/8", "203.0.113.7", "2001:db8::/32"),
        ),
        # an empty allowList trusts no one
        ({"allowList": []}, lambda s: s.allow_list.networks, ()),
        # threats: the default policy
        ({"threats": {"mode": "block", "blockScore": 80}}, lambda s: s.threats.default, ThreatPolicy(Mode.BLOCK, 80)),
        # threats: a route in block mode, other paths keep the default
        (
            {"threats": {"routes": [{"endpoint": "/api/auth/*", "mode": "block"}]}},
            lambda s: (s.threats.for_path("/api/auth/login").mode, s.threats.for_path("/").mode),
            (Mode.BLOCK, Mode.MONITOR),
        ),
        # threats: off everywhere
        ({"threats": {"mode": "off"}}, lambda s: s.threats.for_path("/api/x").mode, Mode.OFF),
        # autoBlock: every field
        (
            {"autoBlock": {"minScore": 50.5, "hits": 3, "window": "5m", "ttl": "2h"}},
            lambda s: s.auto_block,
            AutoBlockPolicy(min_score=50.5, hits=3, window_ms=5 * MIN, ttl_ms=2 * H),
        ),
        # autoBlock: a field left out keeps its default
        ({"autoBlock": {"hits": 1}}, lambda s: s.auto_block, AutoBlockPolicy(hits=1)),
        # autoBlock: an integer score, the bounds of the ranges
        (
            {"autoBlock": {"minScore": 100, "hits": 1000}},
            lambda s: (s.auto_block.min_score, s.auto_block.hits),
            (100.0, 1000),
        ),
        # autoBlock: a compound duration, and a TTL at the longest automatic block
        (
            {"autoBlock": {"window": "1h30m", "ttl": "7d"}},
            lambda s: (s.auto_block.window_ms, s.auto_block.ttl_ms),
            (90 * MIN, 7 * D),
        ),
        # eventRetention
        ({"eventRetention": "7d"}, lambda s: s.event_retention_ms, 7 * D),
        ({"eventRetention": "1w"}, lambda s: s.event_retention_ms, 7 * D),
    ],
)
def test_each_field(config: dict[str, Any], read: Callable[[SecuritySettings], Any], expected: Any) -> None:
    assert read(load(config)) == expected


def test_a_field_leaves_the_others_at_their_defaults() -> None:
    s = load({"failMode": "closed"})
    assert_defaults(SecuritySettings(**{**s.__dict__, "fail_mode": FailMode.OPEN}))


@pytest.mark.parametrize(
    ("ip", "listed"),
    [
        ("10.1.2.3", True),  # in 10.0.0.0/8
        ("203.0.113.7", True),  # a single address
        ("203.0.113.8", False),
        ("2001:db8::1", True),  # in 2001:db8::/32
        ("::ffff:10.0.0.1", True),  # IPv4-mapped IPv6
        ("11.0.0.1", False),
        (None, False),
    ],
)
def test_allow_list(ip: str | None, listed: bool) -> None:
    s = load({"allowList": ["10.0.0.0/8", "203.0.113.7", "2001:db8::/32"]})
    assert s.allow_list.contains(ip) is listed


@pytest.mark.parametrize(
    ("config", "problems"),
    [
        # failMode: a value that is not a mode, of any JSON type
        ({"failMode": "half"}, ["failMode: expected 'open' or 'closed'"]),
        ({"failMode": "CLOSED"}, ["failMode: expected 'open' or 'closed'"]),
        ({"failMode": None}, ["failMode: expected 'open' or 'closed'"]),
        ({"failMode": ["open"]}, ["failMode: expected 'open' or 'closed'"]),
        ({"failMode": {}}, ["failMode: expected 'open' or 'closed'"]),
        # shards: out of bounds or not an integer
        ({"shards": 0}, [f"shards: expected an integer from 1 to {MAX_SHARDS}"]),
        ({"shards": MAX_SHARDS + 1}, [f"shards: expected an integer from 1 to {MAX_SHARDS}"]),
        ({"shards": -1}, [f"shards: expected an integer from 1 to {MAX_SHARDS}"]),
        ({"shards": 8.0}, [f"shards: expected an integer from 1 to {MAX_SHARDS}"]),
        ({"shards": "8"}, [f"shards: expected an integer from 1 to {MAX_SHARDS}"]),
        ({"shards": True}, [f"shards: expected an integer from 1 to {MAX_SHARDS}"]),
        # allowList: not a list of strings
        ({"allowList": "10.0.0.0/8"}, ["allowList: expected a list of IP addresses or CIDR ranges"]),
        ({"allowList": [10]}, ["allowList: expected a list of IP addresses or CIDR ranges"]),
        # allowList: each bad entry is named by its index
        (
            {"allowList": ["10.0.0.0/8", "10.0.0.1/8", "nope"]},
            [
                "allowList.1: '10.0.0.1/8' is not an IP address or CIDR range: 10.0.0.1/8 has host bits set",
                "allowList.2: 'nope' is not an IP address or CIDR range: "
                "'nope' does not appear to be an IPv4 or IPv6 network",
            ],
        ),
        # threats: the problems of the threat configuration, each named
        ({"threats": "block"}, ["threats: expected an object"]),
        ({"threats": {"mode": "panic"}}, ["threats.mode: expected one of off, monitor, block"]),
        ({"threats": {"routes": {"/api/*": "block"}}}, ["threats.routes: expected a list"]),
        (
            {"threats": {"routes": [{"endpoint": "/api/*", "mode": "blok"}]}},
            ["threats.routes[0].mode: expected one of off, monitor, block"],
        ),
        (
            {"threats": {"routes": [{"endpoint": "/a", "mode": "block"}, {"endpoint": "api/*", "mode": "block"}]}},
            ["threats.routes[1].endpoint: expected a path pattern such as '/api/*'"],
        ),
        (
            {"threats": {"routes": [{"endpoint": "/api/*", "mode": "block", "blockScore": 0}]}},
            ["threats.routes[0].blockScore: expected a number in (0, 100]"],
        ),
        (
            {"threats": {"routes": [{"endpoint": "/api/*", "mode": "block", "action": "deny"}]}},
            ["threats.routes[0].action: unknown field"],
        ),
        # autoBlock: not an object
        ({"autoBlock": True}, ["autoBlock: expected an object"]),
        # autoBlock.minScore: outside (0, 100] or not a number
        ({"autoBlock": {"minScore": 0}}, ["autoBlock.minScore: expected a number in (0, 100]"]),
        ({"autoBlock": {"minScore": 100.5}}, ["autoBlock.minScore: expected a number in (0, 100]"]),
        ({"autoBlock": {"minScore": "70"}}, ["autoBlock.minScore: expected a number in (0, 100]"]),
        ({"autoBlock": {"minScore": True}}, ["autoBlock.minScore: expected a number in (0, 100]"]),
        # autoBlock.hits: outside 1..1000 or not an integer
        ({"autoBlock": {"hits": 0}}, ["autoBlock.hits: expected an integer from 1 to 1000"]),
        ({"autoBlock": {"hits": 1001}}, ["autoBlock.hits: expected an integer from 1 to 1000"]),
        ({"autoBlock": {"hits": 2.5}}, ["autoBlock.hits: expected an integer from 1 to 1000"]),
        # autoBlock.window and .ttl: not a duration, not a string, not positive
        (
            {"autoBlock": {"window": "soon"}},
            ["autoBlock.window: invalid duration 'soon': use a number and a unit (ms, s, m, h, d, w), e.g. '5m'"],
        ),
        ({"autoBlock": {"window": ""}}, ["autoBlock.window: empty duration"]),
        ({"autoBlock": {"ttl": 3600}}, ["autoBlock.ttl: expected a duration string such as '5m', got int"]),
        ({"autoBlock": {"ttl": "0s"}}, ["autoBlock.ttl: duration '0s' must be positive"]),
        # autoBlock.ttl: longer than the longest automatic block (7 days), which the config cannot raise
        (
            {"autoBlock": {"ttl": "8d"}},
            ["autoBlock.ttl: at most 7d (repeat offenders' blocks double up to 7 days)"],
        ),
        # autoBlock: an unknown field
        ({"autoBlock": {"ttl": "1h", "maxTtl": "7d"}}, ["autoBlock.maxTtl: unknown field"]),
        # eventRetention
        (
            {"eventRetention": "forever"},
            ["eventRetention: invalid duration 'forever': use a number and a unit (ms, s, m, h, d, w), e.g. '5m'"],
        ),
        ({"eventRetention": 30}, ["eventRetention: expected a duration string such as '5m', got int"]),
        # an unknown field, and a near miss in case
        ({"failmode": "open"}, [f"failmode: unknown field; {ALLOWED}"]),
        ({"rules": []}, [f"rules: unknown field; {ALLOWED}"]),
        # every problem is reported at once, in a stable order
        (
            {"zeta": 1, "failMode": "x", "shards": 0, "eventRetention": "x", "alpha": 2},
            [
                f"alpha: unknown field; {ALLOWED}",
                f"zeta: unknown field; {ALLOWED}",
                "failMode: expected 'open' or 'closed'",
                f"shards: expected an integer from 1 to {MAX_SHARDS}",
                "eventRetention: invalid duration 'x': use a number and a unit (ms, s, m, h, d, w), e.g. '5m'",
            ],
        ),
    ],
)
def test_errors_name_their_field(config: Any, problems: list[str]) -> None:
    with pytest.raises(SecuritySettingsError) as caught:
        load(config)
    assert caught.value.problems == problems
    assert str(caught.value) == "invalid SECURITY_CONFIG_JSON: " + "; ".join(caught.value.problems)


@pytest.mark.parametrize(
    ("config", "prefix"),
    [
        # a prefix too long for IPv4 (the detail is the ipaddress module's)
        ({"allowList": ["10.0.0.0/33"]}, "allowList.0: '10.0.0.0/33' is not an IP address or CIDR range"),
        # a negative duration
        ({"eventRetention": "-1d"}, "eventRetention: invalid duration '-1d'"),
    ],
)
def test_errors_name_their_field_whatever_the_detail(config: Any, prefix: str) -> None:
    with pytest.raises(SecuritySettingsError) as caught:
        load(config)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(prefix)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # not JSON
        ("{", "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("failMode=closed", "not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        ("{'failMode': 'closed'}", "not valid JSON: Expecting property name enclosed in double quotes"),
        # JSON, but not an object
        ("[]", "expected a JSON object"),
        ('"open"', "expected a JSON object"),
        ('["10.0.0.0/8"]', "expected a JSON object"),  # an allow-list alone is not the settings object
        ("42", "expected a JSON object"),
        ("null", "expected a JSON object"),
    ],
)
def test_not_a_json_object(text: str, problem: str) -> None:
    with pytest.raises(SecuritySettingsError) as caught:
        load_security_settings(text)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(problem)
    assert isinstance(caught.value, ValueError)


# --- any JSON: settings or a SecuritySettingsError, never another exception ----------------------

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
_DURATIONS = st.sampled_from(["10m", "1h", "7d", "8d", "0s", "1h30m", "soon", ""]) | _JSON
_SETTINGS = st.fixed_dictionaries(
    {},
    optional={
        "failMode": st.sampled_from(["open", "closed"]) | _JSON,
        "shards": st.integers(-2, MAX_SHARDS + 2) | _JSON,
        "allowList": st.lists(st.sampled_from(["10.0.0.0/8", "10.0.0.1/8", "::1", "x"]) | _JSON, max_size=3) | _JSON,
        "threats": st.fixed_dictionaries(
            {},
            optional={
                "mode": st.sampled_from(["off", "monitor", "block"]) | _JSON,
                "blockScore": st.integers(-1, 101) | _JSON,
                "recordScore": st.integers(-1, 101) | _JSON,
                "weights": st.dictionaries(st.sampled_from(["xss", "sqli", "nope"]), _JSON, max_size=2) | _JSON,
                "routes": st.lists(
                    st.fixed_dictionaries(
                        {"endpoint": st.sampled_from(["/api/*", "/a", "api", "/*/x"]) | _JSON},
                        optional={"mode": st.sampled_from(["block", "bad"]) | _JSON},
                    )
                    | _JSON,
                    max_size=3,
                )
                | _JSON,
            },
        )
        | _JSON,
        "autoBlock": st.fixed_dictionaries(
            {},
            optional={
                "minScore": st.floats(-1, 101) | _JSON,
                "hits": st.integers(-1, 1001) | _JSON,
                "window": _DURATIONS,
                "ttl": _DURATIONS,
            },
        )
        | _JSON,
        "eventRetention": _DURATIONS,
    },
)


@settings(max_examples=300, deadline=None)
@given(_SETTINGS | st.dictionaries(st.text(max_size=8), _JSON, max_size=3) | _JSON)
def test_any_json_is_settings_or_a_settings_error(config: Any) -> None:
    try:
        s = load(config)
    except SecuritySettingsError as exc:
        assert exc.problems  # never an error without a reason
        return
    assert isinstance(s, SecuritySettings)
    assert 1 <= s.shards <= MAX_SHARDS
    assert s.event_retention_ms > 0
    assert len(s.allow_list.networks) == len(s.allow_entries)


@given(st.text(max_size=40))
def test_any_text_is_settings_or_a_settings_error(text: str) -> None:
    try:
        load_security_settings(text)
    except SecuritySettingsError as exc:
        assert exc.problems

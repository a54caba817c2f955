from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.security.identity import (
    UNKNOWN,
    AllowList,
    Identifier,
    IdentifierKind,
    identify,
    parse_network,
    shard_for,
)


@pytest.mark.parametrize(
    ("user_id", "headers", "key"),
    [
        ("42", {"CF-Connecting-IP": "203.0.113.7"}, "user:42"),  # a known user wins over the address
        (None, {"CF-Connecting-IP": "203.0.113.7"}, "ip:203.0.113.7"),
        (None, {"cf-connecting-ip": " 203.0.113.7 "}, "ip:203.0.113.7"),  # any case, spaces trimmed
        (None, {"CF-Connecting-IP": "2001:DB8:0:0:0:0:0:1"}, "ip:2001:db8::1"),  # IPv6 compressed, lower case
        (None, {"CF-Connecting-IP": "::ffff:198.51.100.1"}, "ip:198.51.100.1"),  # IPv4-mapped is IPv4
        (None, {"CF-Connecting-IP": "fe80::1%eth0"}, "ip:fe80::1"),  # zone id dropped
        (None, {"CF-Connecting-IP": "[2001:db8::2]"}, "ip:2001:db8::2"),  # brackets accepted
        (None, {"CF-Connecting-IP": "not-an-ip"}, "unknown"),  # invalid: shares the unknown budget
        (None, {"CF-Connecting-IP": "203.0.113.7, 10.0.0.1"}, "unknown"),  # a list is not an address
        (None, {"X-Forwarded-For": "203.0.113.7"}, "unknown"),  # spoofable, ignored
        (None, {}, "unknown"),
        ("  ", {"CF-Connecting-IP": "203.0.113.7"}, "ip:203.0.113.7"),  # a blank user id is ignored
        ("a\nb", {}, "unknown"),  # a control character: not a usable id
    ],
)
def test_identify(user_id: str | None, headers: dict[str, str], key: str) -> None:
    assert identify(user_id, headers).key == key


def test_a_long_user_id_is_hashed_to_a_bounded_key() -> None:
    identifier = identify("x" * 1000, {})
    assert identifier.kind is IdentifierKind.USER
    assert len(identifier.key) == len("user:#") + 32
    assert identify("x" * 1000, {}) == identifier
    assert identify("x" * 999, {}) != identifier


@pytest.mark.parametrize(
    ("address", "prefix", "key"),
    [
        ("2001:db8:1:2:3:4:5:6", 64, "ip:2001:db8:1:2::/64"),  # a subscriber's /64 is one client
        ("2001:db8:1:2:3:4:5:6", 128, "ip:2001:db8:1:2:3:4:5:6"),
        ("203.0.113.7", 64, "ip:203.0.113.7"),  # IPv4 is unaffected
    ],
)
def test_ipv6_prefix(address: str, prefix: int, key: str) -> None:
    assert identify(None, {"CF-Connecting-IP": address}, ipv6_prefix=prefix).key == key


def test_ipv6_prefix_out_of_range() -> None:
    with pytest.raises(ValueError, match="ipv6_prefix"):
        identify(None, {}, ipv6_prefix=129)


ALLOW = AllowList(["10.0.0.0/8", "203.0.113.7", "2001:db8::/32"])


@pytest.mark.parametrize(
    ("ip", "listed"),
    [
        ("10.1.2.3", True),  # inside a range
        ("11.0.0.1", False),
        ("203.0.113.7", True),  # a single address
        ("203.0.113.8", False),
        ("::ffff:10.0.0.1", True),  # IPv4-mapped IPv6 is its IPv4 address
        ("2001:db8:ffff::1", True),
        ("2001:db9::1", False),
        ("garbage", False),
        (None, False),
    ],
)
def test_allow_list(ip: str | None, listed: bool) -> None:
    assert ALLOW.contains(ip) is listed


@pytest.mark.parametrize(
    ("identifier", "listed"),
    [
        (Identifier(IdentifierKind.IP, "10.9.9.9"), True),
        (Identifier(IdentifierKind.IP, "2001:db8:1:2::/64"), True),  # a /64 identifier inside a listed /32
        (Identifier(IdentifierKind.IP, "2001:db9:1:2::/64"), False),
        (Identifier(IdentifierKind.USER, "10.9.9.9"), False),  # users are never allow-listed by address
        (UNKNOWN, False),
    ],
)
def test_allow_list_identifiers(identifier: Identifier, listed: bool) -> None:
    assert ALLOW.allows(identifier) is listed


@pytest.mark.parametrize(
    "entry",
    ["10.0.0.1/8", "nope", "300.1.1.1", "10.0.0.0/33"],  # host bits set, not an address, out of range
)
def test_bad_allow_list_entries(entry: str) -> None:
    with pytest.raises(ValueError, match="not an IP address or CIDR range"):
        parse_network(entry)


# --- shards ------------------------------------------------------------------------------------


def test_shard_is_stable_across_runs() -> None:
    # golden values: a change here moves every client to another Durable Object
    assert [shard_for(f"ip:203.0.113.{i}", 16) for i in range(8)] == [
        shard_for(Identifier(IdentifierKind.IP, f"203.0.113.{i}"), 16) for i in range(8)
    ]
    assert [shard_for(k, 16) for k in ("user:1", "user:2", "ip:203.0.113.7", "unknown")] == [1, 14, 1, 8]


def test_shards_are_balanced() -> None:
    counts = Counter(shard_for(f"user:{i}", 8) for i in range(8000))
    assert set(counts) == set(range(8))
    assert all(800 < c < 1200 for c in counts.values())


def test_one_shard() -> None:
    assert shard_for("anything", 1) == 0
    with pytest.raises(ValueError, match="shards"):
        shard_for("anything", 0)


@given(st.text(max_size=30), st.integers(1, 64))
def test_growing_by_one_shard_moves_a_key_only_to_the_new_shard(key: str, shards: int) -> None:
    before, after = shard_for(key, shards), shard_for(key, shards + 1)
    assert 0 <= before < shards
    assert after in (before, shards)

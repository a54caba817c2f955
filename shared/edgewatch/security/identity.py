"""Who a request is from, whether that client is trusted, and which Durable Object shard holds its state.

- ``identify`` prefers the authenticated user id (``user:<id>``), then Cloudflare's
  ``CF-Connecting-IP`` (``ip:<addr>``, validated and normalised: IPv6 compressed and lower-case,
  IPv4-mapped IPv6 turned into IPv4, zone ids dropped), else ``unknown``. Every unidentifiable
  request shares the ``unknown`` budget, which is the safe side. ``X-Forwarded-For`` is ignored:
  any client can set it, while Cloudflare sets ``CF-Connecting-IP`` itself.
- ``AllowList`` holds trusted addresses and CIDR ranges; a listed client skips rate limiting.
- ``shard_for`` maps an identifier to one of ``shards`` Durable Objects with a stable hash
  (BLAKE2b, not the per-process salted ``hash()``) and jump consistent hashing (Lamping and Veach,
  2014): growing from n to n+1 shards moves only 1/(n+1) of the identifiers, so most clients keep
  their counters.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

CLIENT_IP_HEADER = "cf-connecting-ip"
MAX_USER_ID = 128
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class IdentifierKind(StrEnum):
    USER = "user"
    IP = "ip"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Identifier:
    kind: IdentifierKind
    value: str  # the user id or the normalised address; "" when unknown

    @property
    def key(self) -> str:
        """The stable string form used in state keys, events and logs: ``user:42``, ``ip:2001:db8::1``."""
        return "unknown" if self.kind is IdentifierKind.UNKNOWN else f"{self.kind}:{self.value}"

    def __str__(self) -> str:
        return self.key


UNKNOWN = Identifier(IdentifierKind.UNKNOWN, "")


def parse_ip(text: str) -> IpAddress | None:
    """A validated address, IPv4-mapped IPv6 as IPv4 and without a zone id; None if ``text`` is not one."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    for key, item in headers.items():
        if key.lower() == name:
            return item
    return None


def _user_value(user_id: str) -> str | None:
    value = user_id.strip()
    if not value or _CONTROL.search(value):
        return None
    if len(value) > MAX_USER_ID:  # an unbounded key would let a client bloat storage; keep it unique
        return "#" + hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return value


def identify(user_id: str | None, headers: Mapping[str, str], *, ipv6_prefix: int = 128) -> Identifier:
    """The client a request is counted against.

    ``ipv6_prefix`` below 128 (e.g. 64) identifies an IPv6 client by its network, since one
    subscriber usually holds a whole /64 and could otherwise rotate addresses to dodge its limits.
    A user id that is blank or holds control characters is ignored; one longer than 128 characters
    is replaced by its hash.
    """
    if not 0 <= ipv6_prefix <= 128:
        raise ValueError(f"ipv6_prefix: {ipv6_prefix} is out of range 0..128")
    if user_id is not None:
        value = _user_value(user_id)
        if value is not None:
            return Identifier(IdentifierKind.USER, value)
    raw = _header(headers, CLIENT_IP_HEADER)
    address = parse_ip(raw) if raw is not None else None
    if address is None:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address) and ipv6_prefix < 128:
        network = ipaddress.IPv6Network((address, ipv6_prefix), strict=False)
        return Identifier(IdentifierKind.IP, network.with_prefixlen)
    return Identifier(IdentifierKind.IP, address.compressed)


def parse_network(text: str) -> IpNetwork:
    """An address (as a /32 or /128) or a CIDR range; raise ValueError naming ``text``.

    Host bits set in a range (``10.0.0.1/8``) are an error rather than silently widened.
    """
    address = parse_ip(text) if "/" not in text else None
    if address is not None:
        return ipaddress.ip_network(address)
    try:
        return ipaddress.ip_network(text.strip(), strict=True)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an IP address or CIDR range: {exc}") from None


class AllowList:
    """Trusted addresses and CIDR ranges."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.networks: tuple[IpNetwork, ...] = tuple(parse_network(entry) for entry in entries)

    def contains(self, ip: str | IpAddress | None) -> bool:
        if ip is None:
            return False
        address = parse_ip(ip) if isinstance(ip, str) else ip
        if address is None:
            return False
        return any(address.version == net.version and address in net for net in self.networks)

    def allows(self, identifier: Identifier) -> bool:
        """Whether an ``ip:`` identifier is listed; users and ``unknown`` never are."""
        if identifier.kind is not IdentifierKind.IP:
            return False
        if "/" in identifier.value:  # an IPv6 prefix identifier: listed when inside one network
            prefix = ipaddress.IPv6Network(identifier.value)
            return any(isinstance(net, ipaddress.IPv6Network) and prefix.subnet_of(net) for net in self.networks)
        return self.contains(identifier.value)


_MULTIPLIER = 2862933555777941757
_MASK64 = (1 << 64) - 1


def _jump_hash(key: int, buckets: int) -> int:
    """Jump consistent hash: a bucket in [0, buckets) that changes for only 1/n keys when n grows."""
    bucket, candidate = -1, 0
    while candidate < buckets:
        bucket = candidate
        key = (key * _MULTIPLIER + 1) & _MASK64
        candidate = int((bucket + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return bucket


def shard_for(identifier: Identifier | str, shards: int) -> int:
    """The shard in [0, shards) that holds ``identifier``'s state; the same on every machine and run."""
    if shards < 1:
        raise ValueError(f"shards: expected at least 1, got {shards}")
    key = identifier.key if isinstance(identifier, Identifier) else identifier
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return _jump_hash(int.from_bytes(digest, "big"), shards)

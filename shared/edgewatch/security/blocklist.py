"""The block-list: addresses, CIDR ranges and users refused outright, each until an expiry or removal.

Entries come from two places. An operator adds one through the API (``add_block`` with a reason
and a TTL, or none for "until removed"); a manual add replaces whatever was there, so it can also
shorten a block. The threat pipeline adds one automatically when an identifier collects
``AutoBlockPolicy.hits`` threats scoring at least ``min_score`` within ``window_ms`` (``strike``);
a repeat offender's TTL doubles with each earlier automatic block, up to ``max_ttl_ms``. An
automatic block never shortens an existing one.

Everything is a pure function over a JSON-serialisable ``BlockList``; expired entries are inert
(``is_blocked`` ignores them) and ``purge_expired`` drops them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from .identity import IpNetwork, parse_ip, parse_network

DEFAULT_MAX_ENTRIES = 10_000
MAX_REASON = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class BlockSource(StrEnum):
    MANUAL = "manual"
    AUTOMATIC = "automatic"


@dataclass(frozen=True)
class BlockEntry:
    target: str  # "203.0.113.7", "2001:db8::/48" or "user:42", as normalise_target returns it
    reason: str
    source: BlockSource
    created_ms: int
    expires_ms: int | None  # None: until removed

    def active(self, now_ms: int) -> bool:
        return self.expires_ms is None or now_ms < self.expires_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "reason": self.reason,
            "source": self.source.value,
            "created_ms": self.created_ms,
            "expires_ms": self.expires_ms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BlockEntry:
        try:
            expires = data["expires_ms"]
            if expires is not None and (isinstance(expires, bool) or not isinstance(expires, int)):
                raise ValueError("expires_ms: expected an integer or null")
            created = data["created_ms"]
            if isinstance(created, bool) or not isinstance(created, int):
                raise ValueError("created_ms: expected an integer")
            target, source = normalise_target(data["target"]), BlockSource(data["source"])
            return cls(target, str(data["reason"]), source, created, expires)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"block entry: missing or invalid field {exc}") from None


def normalise_target(target: str) -> str:
    """``1.2.3.4``/``ip:1.2.3.4`` → ``1.2.3.4``; ``10.0.0.0/8`` stays a range; ``user:<id>`` is kept.

    Raise ValueError naming the target otherwise (a range with host bits set is an error).
    """
    if not isinstance(target, str):
        raise TypeError(f"target: expected a string, got {type(target).__name__}")
    text = target.strip()
    if text.startswith("user:"):
        if len(text) == len("user:") or _CONTROL.search(text):
            raise ValueError(f"{target!r} is not a valid user target")
        return text
    text = text.removeprefix("ip:")
    network = parse_network(text)
    if network.num_addresses == 1:
        return network.network_address.compressed
    return network.with_prefixlen


def _clean_reason(reason: str) -> str:
    reason = _CONTROL.sub(" ", reason).strip()
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


@dataclass(frozen=True)
class BlockList:
    entries: Mapping[str, BlockEntry] = field(default_factory=dict)  # by target

    @cached_property
    def _ranges(self) -> tuple[tuple[IpNetwork, BlockEntry], ...]:
        return tuple((ipaddress.ip_network(t), e) for t, e in self.entries.items() if "/" in t)

    def to_json(self) -> dict[str, Any]:
        return {"entries": [entry.to_json() for entry in self.entries.values()]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BlockList:
        raw = data.get("entries") if isinstance(data, Mapping) else None
        if not isinstance(raw, list):
            raise ValueError("block-list: expected an object with an 'entries' list")
        entries = [BlockEntry.from_json(item) for item in raw]
        return cls({entry.target: entry for entry in entries})


class AddOutcome(StrEnum):
    ADDED = "added"
    REPLACED = "replaced"  # a manual add over an existing entry, or an automatic one lasting longer
    KEPT_EXISTING = "kept_existing"  # an automatic block that would not outlast the current one
    FULL = "full"  # max_entries active entries: nothing added


@dataclass(frozen=True)
class BlockChange:
    state: BlockList
    outcome: AddOutcome
    entry: BlockEntry | None  # the entry now in force for the target; None when FULL


def _lasts_longer(new: BlockEntry, old: BlockEntry) -> bool:
    if old.expires_ms is None:
        return False
    return new.expires_ms is None or new.expires_ms > old.expires_ms


def add_block(
    state: BlockList,
    target: str,
    *,
    reason: str,
    ttl_ms: int | None,
    now_ms: int,
    source: BlockSource = BlockSource.MANUAL,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> BlockChange:
    """Block ``target`` for ``ttl_ms`` (None: until removed). Raise ValueError on a bad target or TTL."""
    if ttl_ms is not None and ttl_ms <= 0:
        raise ValueError(f"ttl_ms: expected a positive number of milliseconds, got {ttl_ms}")
    key = normalise_target(target)
    expires = None if ttl_ms is None else now_ms + ttl_ms
    entry = BlockEntry(key, _clean_reason(reason), source, now_ms, expires)
    current = state.entries.get(key)
    if current is not None and current.active(now_ms):
        if source is BlockSource.AUTOMATIC and not _lasts_longer(entry, current):
            return BlockChange(state, AddOutcome.KEPT_EXISTING, current)
        return BlockChange(BlockList({**state.entries, key: entry}), AddOutcome.REPLACED, entry)
    live = purge_expired(state, now_ms)
    if len(live.entries) >= max_entries:
        return BlockChange(live, AddOutcome.FULL, None)
    return BlockChange(BlockList({**live.entries, key: entry}), AddOutcome.ADDED, entry)


def remove_block(state: BlockList, target: str) -> tuple[BlockList, BlockEntry | None]:
    """Unblock ``target``; also return the entry removed, None if there was none."""
    key = normalise_target(target)
    if key not in state.entries:
        return state, None
    entries = dict(state.entries)
    removed = entries.pop(key)
    return BlockList(entries), removed


def is_blocked(state: BlockList, ip: str | None, now_ms: int, *, identifier: str | None = None) -> BlockEntry | None:
    """The active entry refusing this client, else None.

    ``ip`` is checked against single addresses and ranges; ``identifier`` (``user:42``) against
    user entries. When several entries match, the one that lasts longest is returned.
    """
    found: list[BlockEntry] = []
    if identifier is not None and identifier.startswith("user:"):
        entry = state.entries.get(identifier)
        if entry is not None:
            found.append(entry)
    address = parse_ip(ip.removeprefix("ip:")) if ip is not None else None
    if address is not None:
        exact = state.entries.get(address.compressed)
        if exact is not None:
            found.append(exact)
        found += [e for net, e in state._ranges if net.version == address.version and address in net]
    active = [entry for entry in found if entry.active(now_ms)]
    if not active:
        return None
    return max(active, key=lambda e: float("inf") if e.expires_ms is None else e.expires_ms)


def purge_expired(state: BlockList, now_ms: int) -> BlockList:
    kept = {target: entry for target, entry in state.entries.items() if entry.active(now_ms)}
    return state if len(kept) == len(state.entries) else BlockList(kept)


def active_entries(state: BlockList, now_ms: int) -> list[BlockEntry]:
    """The entries in force, soonest to expire first, for the API's listing."""
    live = [entry for entry in state.entries.values() if entry.active(now_ms)]
    return sorted(live, key=lambda e: (e.expires_ms is None, e.expires_ms or 0, e.target))


# --- automatic blocks ------------------------------------------------------------------------


@dataclass(frozen=True)
class AutoBlockPolicy:
    min_score: float = 70.0  # on the threat scorer's 0-100 scale
    hits: int = 5
    window_ms: int = 10 * 60_000
    ttl_ms: int = 60 * 60_000
    max_ttl_ms: int = 7 * 24 * 60 * 60_000

    def __post_init__(self) -> None:
        if self.hits < 1 or self.window_ms <= 0 or self.ttl_ms <= 0 or self.max_ttl_ms < self.ttl_ms:
            raise ValueError("auto-block policy: need hits >= 1, positive window and ttl, max_ttl_ms >= ttl_ms")


class StrikeOutcome(StrEnum):
    BELOW_SCORE = "below_score"  # not a strike
    COUNTED = "counted"  # a strike, not yet enough to block
    BLOCK = "block"  # enough strikes in the window: block for ``ttl_ms``


@dataclass(frozen=True)
class Strikes:
    """One identifier's recent high-score threats (at most ``policy.hits`` timestamps)."""

    hits: tuple[int, ...] = ()
    blocks: int = 0  # automatic blocks so far, for the escalating TTL
    last_ms: int = 0

    def expires_at_ms(self, policy: AutoBlockPolicy) -> int:
        """After this the record is as good as fresh and may be deleted."""
        return self.last_ms + max(policy.window_ms, policy.max_ttl_ms)

    def to_json(self) -> dict[str, Any]:
        return {"hits": list(self.hits), "blocks": self.blocks, "last_ms": self.last_ms}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Strikes:
        try:
            return cls(tuple(int(t) for t in data["hits"]), int(data["blocks"]), int(data["last_ms"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"strikes: invalid state ({exc})") from None


@dataclass(frozen=True)
class StrikeResult:
    strikes: Strikes
    outcome: StrikeOutcome
    ttl_ms: int | None = None  # set when outcome is BLOCK


def strike(strikes: Strikes | None, score: float, now_ms: int, policy: AutoBlockPolicy) -> StrikeResult:
    """Fold one scored threat of an identifier into its strikes."""
    current = strikes if strikes is not None and now_ms < strikes.expires_at_ms(policy) else Strikes()
    if score < policy.min_score:
        return StrikeResult(current, StrikeOutcome.BELOW_SCORE)
    recent = tuple(t for t in current.hits if t > now_ms - policy.window_ms)
    hits = (*recent, now_ms)[-policy.hits :]
    if len(hits) < policy.hits:
        return StrikeResult(Strikes(hits, current.blocks, now_ms), StrikeOutcome.COUNTED)
    ttl = min(policy.ttl_ms * 2 ** min(current.blocks, 32), policy.max_ttl_ms)
    return StrikeResult(Strikes((), current.blocks + 1, now_ms), StrikeOutcome.BLOCK, ttl)


# --- the isolate's copy ----------------------------------------------------------------------


@dataclass
class BlockListCache:
    """The block-list as last read, trusted for ``ttl_ms`` (the check reads it on every request)."""

    ttl_ms: int = 5_000
    at_ms: int = 0
    state: BlockList = field(default_factory=BlockList)

    def fresh(self, now_ms: int) -> BlockList | None:
        """The cached list, or None when it must be read again."""
        return self.state if now_ms - self.at_ms < self.ttl_ms else None

    def store(self, state: BlockList, now_ms: int) -> None:
        self.state, self.at_ms = state, now_ms

    def forget(self) -> None:
        """After a change: the next check reads the list again."""
        self.at_ms = 0

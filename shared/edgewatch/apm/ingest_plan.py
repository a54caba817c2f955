"""What the ingest adapter hands the IssueStore for one parsed envelope, and the spike limits it uses.

``plan_ingest`` counts the envelope's items by data category (what spike protection takes tokens
for), reads its client reports (what the SDK dropped, by reason and category) and names the one
event item, if any. ``parse_spike_limits`` reads the ``SENTRY_SPIKE_LIMITS`` var:
``"error=600/1200, transaction=1200/2400, 2:error=1/3"`` is ``category=per_minute/burst``, and a
``project:`` prefix sets a project's own limit for that category.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .envelope import Envelope, Item, ItemType, discarded_events
from .spike import SpikeLimit

DEFAULT_LIMITS: dict[str, SpikeLimit] = {
    "error": SpikeLimit(600, 1200),
    "transaction": SpikeLimit(1200, 2400),
    "session": SpikeLimit(1200, 2400),
    "attachment": SpikeLimit(120, 240),
}
CATEGORIES = frozenset({"error", "transaction", "session", "attachment", "default", "security", "span"})


@dataclass(frozen=True)
class IngestPlan:
    categories: dict[str, int]
    event: Item | None = None  # the event item (an envelope holds at most one)
    discarded: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    transaction: Item | None = None  # a transaction item: its spans go to the trace store


def plan_ingest(envelope: Envelope) -> IngestPlan:
    categories: dict[str, int] = {}
    discarded: dict[str, int] = {}
    event = transaction = None
    for item in envelope.items:
        categories[item.category] = categories.get(item.category, 0) + 1
        if item.type is ItemType.EVENT:
            event = item
        elif item.type is ItemType.TRANSACTION and item.data is not None:
            transaction = item
        elif item.type is ItemType.CLIENT_REPORT and item.data is not None:
            for (reason, category), quantity in discarded_events(item.data).items():
                key = f"{reason}:{category}"
                discarded[key] = discarded.get(key, 0) + quantity
    return IngestPlan(categories, event, discarded, dict(envelope.skipped), transaction)


def _limit(text: str, where: str) -> SpikeLimit:
    rate, slash, burst = text.partition("/")
    try:
        return SpikeLimit(float(rate), float(burst) if slash else max(1.0, float(rate)))
    except ValueError:
        raise ValueError(f"SENTRY_SPIKE_LIMITS entry {where!r}: use category=per_minute/burst, both positive") from None


def parse_spike_limits(text: str | None) -> dict[str, dict[str, SpikeLimit]]:
    """{"": defaults by category, "<project>": that project's overrides}; ValueError names the bad entry."""
    out: dict[str, dict[str, SpikeLimit]] = {"": dict(DEFAULT_LIMITS)}
    for entry in (text or "").replace(",", " ").split():
        name, eq, value = entry.partition("=")
        project, colon, category = name.rpartition(":") if ":" in name else ("", "", name)
        if not eq or category not in CATEGORIES or (colon and not project.isdigit()):
            raise ValueError(
                f"SENTRY_SPIKE_LIMITS entry {entry[:60]!r}: use [project:]category=per_minute/burst, "
                f"category one of {', '.join(sorted(CATEGORIES))}"
            )
        out.setdefault(project, {})[category] = _limit(value, entry[:60])
    return out


def limits_for(limits: Mapping[str, Mapping[str, SpikeLimit]], project: str) -> dict[str, SpikeLimit]:
    return {**limits.get("", {}), **limits.get(project, {})}


def accepted_body(event_id: str | None) -> dict[str, Any]:
    """What Sentry answers an accepted envelope with."""
    return {"id": event_id}

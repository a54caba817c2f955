"""The envelope we send: a header line (event_id, dsn, sent_at, sdk), then each item's header and payload.

Each item header names its ``type`` and ``length`` in bytes, so payloads may hold newlines. A client
report (what this isolate dropped since its last envelope, by reason and category) rides along in
the next envelope, as Sentry's SDKs send them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .event_builder import rfc3339, sdk_info

ITEM_CATEGORY = {"event": "error", "transaction": "transaction", "client_report": "internal"}


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=repr).encode()


def serialise(header: Mapping[str, Any], items: list[tuple[Mapping[str, Any], bytes]]) -> bytes:
    lines = [_json(dict(header))]
    for item_header, payload in items:
        lines += [_json({**item_header, "length": len(payload)}), payload]
    return b"\n".join(lines) + b"\n"


def client_report(discarded: Mapping[tuple[str, str], int], now_ms: int) -> dict[str, Any]:
    return {
        "timestamp": rfc3339(now_ms),
        "discarded_events": [
            {"reason": reason, "category": category, "quantity": quantity}
            for (reason, category), quantity in sorted(discarded.items())
        ],
    }


def event_envelope(
    event: Mapping[str, Any],
    *,
    dsn: str,
    now_ms: int,
    discarded: Mapping[tuple[str, str], int] | None = None,
) -> bytes:
    header = {"event_id": event["event_id"], "dsn": dsn, "sent_at": rfc3339(now_ms), "sdk": sdk_info()}
    items: list[tuple[Mapping[str, Any], bytes]] = [
        ({"type": "event", "content_type": "application/json"}, _json(event))
    ]
    if discarded:
        items.append(({"type": "client_report"}, _json(client_report(discarded, now_ms))))
    return serialise(header, items)


def report_envelope(discarded: Mapping[tuple[str, str], int], *, dsn: str, now_ms: int) -> bytes:
    """An envelope holding only a client report."""
    header = {"dsn": dsn, "sent_at": rfc3339(now_ms), "sdk": sdk_info()}
    return serialise(header, [({"type": "client_report"}, _json(client_report(discarded, now_ms)))])

"""The requests sentry-sdk 2.75 sent (see capture_goldens.py), decoded by our own body decoder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from edgewatch.apm.compression import decode_body, system_brotli
from edgewatch.apm.envelope import MIB, Envelope, parse_envelope
from edgewatch.apm.events import StoredEvent, normalize_event

GOLDEN = Path(__file__).resolve().parent / "golden"
ALGOS = ("gzip", "br", "none")
RECEIVED_MS = 1_796_180_000_000  # 2026-12-02, just after the capture


@dataclass(frozen=True)
class Captured:
    file: str
    path: str
    headers: dict[str, str]
    body: bytes

    def decoded(self) -> bytes:
        brotli = system_brotli()
        assert brotli is not None, "the brotli module is in requirements/dev.txt"
        return decode_body(self.body, self.headers.get("Content-Encoding"), max_bytes=20 * MIB, brotli=brotli)

    def envelope(self) -> Envelope:
        return parse_envelope(self.decoded())

    def event(self) -> StoredEvent:
        envelope = self.envelope()
        item = envelope.items[0]
        assert item.data is not None
        return normalize_event(item.data, project="42", received_ms=RECEIVED_MS, event_id=envelope.event_id)


def captured(algo: str, folder: Path = GOLDEN) -> list[Captured]:
    index = json.loads((folder / f"sdk_{algo}.json").read_text())
    return [Captured(e["file"], e["path"], e["headers"], (folder / e["file"]).read_bytes()) for e in index]


# What each request of a session is (capture_goldens.run_sdk sends them in this order).
SCENARIOS = (
    "charge_1001",  # ValueError in charge()
    "charge_2002",  # the same, another message
    "refund_1001",  # the same message, another function
    "settle_1001",  # PaymentDeclined in settle()
    "wrapped_7",  # RuntimeError from a ValueError (a chain)
    "fp_charge",  # fingerprint ["payment-failures"]
    "fp_settle",  # fingerprint ["payment-failures"], another exception
    "fp_default_charge",  # fingerprint ["{{ default }}", "eu-west"]
    "message",  # capture_message
    "transaction",  # a transaction with one span
)

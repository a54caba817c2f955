"""The audit log: every authenticated request and every refused one, as a hash chain. Each entry
carries the hash of the one before it, and its own hash covers its fields and that link, so an
entry edited, removed or reordered after the fact breaks the chain at that point; ``verify_chain``
recomputes it and names the first entry that does not hold."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
FIELDS = ("seq", "at_ms", "who", "role", "via", "method", "path", "target", "status", "ip", "user_agent")
MAX_TEXT = 300


@dataclass(frozen=True)
class AuditRecord:
    """What a Worker reports about one request (the log adds seq, the time and the hashes)."""

    who: str  # a token's name, a signed-in e-mail, or "anonymous" for a refusal without credentials
    role: str  # the caller's role, "none" when refused before one was known
    via: str  # token, access, development, none
    method: str
    path: str
    target: str  # what the request is about: the route pattern's parameters, e.g. "id=api-health"
    status: int
    ip: str
    user_agent: str

    def clipped(self) -> AuditRecord:
        def c(text: str) -> str:
            return text[:MAX_TEXT]

        return AuditRecord(
            c(self.who), c(self.role), c(self.via), c(self.method), c(self.path), c(self.target), int(self.status),
            c(self.ip), c(self.user_agent),
        )  # fmt: skip


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at_ms: int
    who: str
    role: str
    via: str
    method: str
    path: str
    target: str
    status: int
    ip: str
    user_agent: str
    prev_hash: str
    hash: str

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    def to_json(self) -> dict[str, Any]:
        return {**self.fields(), "prev_hash": self.prev_hash, "hash": self.hash}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditEntry:
        return cls(**{name: data[name] for name in (*FIELDS, "prev_hash", "hash")})


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps([prev_hash, [fields[name] for name in FIELDS]], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain(records: list[AuditRecord], *, first_seq: int, prev_hash: str, at_ms: int) -> list[AuditEntry]:
    """The entries the records become, appended after ``prev_hash`` (the last entry's hash)."""
    out = []
    for i, record in enumerate(records):
        r = record.clipped()
        fields: dict[str, Any] = {"seq": first_seq + i, "at_ms": at_ms, "who": r.who, "role": r.role, "via": r.via,
                  "method": r.method, "path": r.path, "target": r.target, "status": r.status, "ip": r.ip,
                  "user_agent": r.user_agent}  # fmt: skip
        digest = entry_hash(prev_hash, fields)
        out.append(AuditEntry(**fields, prev_hash=prev_hash, hash=digest))
        prev_hash = digest
    return out


@dataclass
class ChainReport:
    ok: bool = True
    checked: int = 0
    first_broken_seq: int | None = None
    problem: str | None = None
    last_hash: str = GENESIS
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_broken_seq": self.first_broken_seq,
            "problem": self.problem,
            "last_hash": self.last_hash,
        }


def verify_chain(entries: list[AuditEntry], *, prev_hash: str = GENESIS, prev_seq: int = 0) -> ChainReport:
    """Recompute the chain over entries in seq order, starting after (prev_seq, prev_hash)."""
    report = ChainReport(last_hash=prev_hash)
    expected_seq = prev_seq + 1
    for entry in entries:
        report.checked += 1
        problem = None
        if entry.seq != expected_seq:
            problem = f"entry {expected_seq} is missing (the next entry is {entry.seq})"
        elif entry.prev_hash != prev_hash:
            problem = f"entry {entry.seq} does not link to the entry before it"
        elif entry_hash(prev_hash, entry.fields()) != entry.hash:
            problem = f"entry {entry.seq} was changed after it was written (its hash does not match its fields)"
        if problem is not None:
            report.ok, report.first_broken_seq, report.problem = False, min(entry.seq, expected_seq), problem
            return report
        prev_hash = entry.hash
        expected_seq = entry.seq + 1
        report.last_hash = prev_hash
    return report

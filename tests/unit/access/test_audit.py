from __future__ import annotations

from dataclasses import replace

from edgewatch.access import GENESIS, AuditRecord, chain, verify_chain


def records(n: int) -> list[AuditRecord]:
    return [
        AuditRecord(f"user-{i}", "viewer", "token", "GET", f"/logs/search?{i}", "", 200, "203.0.113.9", "curl/8")
        for i in range(n)
    ]


def test_a_chain_verifies_and_continues_from_its_last_hash() -> None:
    first = chain(records(3), first_seq=1, prev_hash=GENESIS, at_ms=1000)
    more = chain(records(2), first_seq=4, prev_hash=first[-1].hash, at_ms=2000)
    report = verify_chain(first + more)
    assert report.ok and report.checked == 5 and report.last_hash == more[-1].hash
    assert verify_chain(more, prev_hash=first[-1].hash, prev_seq=3).ok  # from an archived point on


def test_an_edited_entry_is_named() -> None:
    entries = chain(records(5), first_seq=1, prev_hash=GENESIS, at_ms=1000)
    entries[2] = replace(entries[2], status=500)
    report = verify_chain(entries)
    assert not report.ok and report.first_broken_seq == 3 and "changed after it was written" in str(report.problem)


def test_a_removed_or_relinked_entry_is_named() -> None:
    entries = chain(records(5), first_seq=1, prev_hash=GENESIS, at_ms=1000)
    gap = verify_chain(entries[:2] + entries[3:])
    assert not gap.ok and gap.first_broken_seq == 3 and "missing" in str(gap.problem)
    forged = chain(records(1), first_seq=3, prev_hash="f" * 64, at_ms=1000)  # rehashed, but linked elsewhere
    relinked = verify_chain(entries[:2] + forged + entries[3:])
    assert not relinked.ok and relinked.first_broken_seq == 3 and "does not link" in str(relinked.problem)


def test_long_texts_are_clipped() -> None:
    (entry,) = chain([replace(records(1)[0], user_agent="x" * 5000)], first_seq=1, prev_hash=GENESIS, at_ms=0)
    assert len(entry.user_agent) == 300 and verify_chain([entry]).ok

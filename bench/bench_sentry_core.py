"""Benchmark: the Sentry-compatible core in CPython, on envelopes the real sentry-sdk 2.75 sent.

Corpus: the error events of ``tests/unit/apm/golden/`` (captured from sentry-sdk), each sent again
with a fresh event id, message and user, uncompressed and gzip. Measured side by side in one run,
medians of ``--runs`` interleaved runs, as events per second and as a ratio to bare ``json.loads``
of the same event payloads (the floor any parser pays): envelope parsing; parsing plus
normalising and scrubbing; grouping; the whole path (gunzip, parse, normalise, group, count into
its issue); and the memory one issue takes (tracemalloc over ``--issues`` issues that each saw
events from 20 users with 5 tags, 3 releases and 2 environments) and its size as codec JSON.

    .venv/bin/python -m bench.bench_sentry_core [--events 2000 --runs 5 --issues 5000]
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.loadgen import machine
from edgewatch.apm.compression import decode_body
from edgewatch.apm.envelope import MIB, parse_envelope
from edgewatch.apm.events import StoredEvent, normalize_event
from edgewatch.apm.grouping import group_event
from edgewatch.apm.issues import Issue, new_issue, record_event
from edgewatch.codec import encode

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "unit" / "apm" / "golden"
RESULTS = ROOT / "bench" / "results"
NOW = 1_796_180_000_000


def golden_events() -> list[dict[str, Any]]:
    """The event payloads of the uncompressed golden session (the transaction left out)."""
    index = json.loads((GOLDEN / "sdk_none.json").read_text())
    events = []
    for entry in index:
        envelope = parse_envelope((GOLDEN / entry["file"]).read_bytes())
        item = envelope.items[0]
        if item.type == "event" and item.data is not None:
            events.append(item.data)
    return events


def corpus(n: int) -> list[bytes]:
    base = golden_events()
    out = []
    for i in range(n):
        event = json.loads(json.dumps(base[i % len(base)]))
        event["event_id"] = f"{i:032x}"
        event["user"] = {"id": f"user-{i % 97}"}
        event["tags"] = {**event.get("tags", {}), "route": f"/cart/{i % 7}"}
        if "exception" in event:
            event["exception"]["values"][-1]["value"] = f"order {i} has no card"
        header = json.dumps({"event_id": event["event_id"], "sent_at": "2026-12-02T02:17:08Z"}).encode()
        payload = json.dumps(event).encode()
        out.append(header + b"\n" + json.dumps({"type": "event", "length": len(payload)}).encode() + b"\n" + payload)
    return out


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _bare_json(envelopes: list[bytes]) -> None:
    for body in envelopes:
        json.loads(body.rsplit(b"\n", 1)[1])


def _parse(envelopes: list[bytes]) -> None:
    for body in envelopes:
        parse_envelope(body)


def _normalise(envelopes: list[bytes]) -> list[StoredEvent]:
    out = []
    for body in envelopes:
        envelope = parse_envelope(body)
        data = envelope.items[0].data
        assert data is not None
        out.append(normalize_event(data, project="42", received_ms=NOW, event_id=envelope.event_id))
    return out


def _group(events: list[StoredEvent]) -> None:
    for event in events:
        group_event(event)


def _whole_path(compressed: list[bytes]) -> dict[str, Issue]:
    issues: dict[str, Issue] = {}
    for body in compressed:
        envelope = parse_envelope(decode_body(body, "gzip", max_bytes=20 * MIB))
        data = envelope.items[0].data
        assert data is not None
        event = normalize_event(data, project="42", received_ms=NOW, event_id=envelope.event_id)
        grouping = group_event(event)
        issue = issues.get(grouping.hash)
        if issue is None:
            issues[grouping.hash] = new_issue(str(len(issues) + 1), event, grouping)[0]
        else:
            record_event(issue, event)
    return issues


def speed(n: int, runs: int) -> dict[str, Any]:
    envelopes = corpus(n)
    compressed = [gzip.compress(b, 6) for b in envelopes]
    events = _normalise(envelopes)
    stages: dict[str, Callable[[], object]] = {
        "bare_json_loads": lambda: _bare_json(envelopes),
        "parse_envelope": lambda: _parse(envelopes),
        "parse_and_normalise": lambda: _normalise(envelopes),
        "group_event": lambda: _group(events),
        "whole_path_gzip": lambda: _whole_path(compressed),
    }
    times: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(runs):  # interleaved, so a noisy moment hits every stage alike
        for name, fn in stages.items():
            times[name].append(timed(fn))
    floor = statistics.median(times["bare_json_loads"])
    out: dict[str, Any] = {}
    for name, values in times.items():
        median = statistics.median(values)
        out[name] = {"events_per_s": round(n / median), "x_bare_json_loads": round(median / floor, 2)}
    out["mean_envelope_bytes"] = round(sum(map(len, envelopes)) / n)
    out["mean_gzip_bytes"] = round(sum(map(len, compressed)) / n)
    out["issues_formed"] = len(_whole_path(compressed))
    return out


def memory(issues: int) -> dict[str, Any]:
    base = _normalise(corpus(1))[0]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = []
    for i in range(issues):
        event = base
        grouping = group_event(event)
        issue = new_issue(str(i), event, grouping)[0]
        for n in range(20):
            seen = StoredEvent(
                **{**event.__dict__, "user_id": f"u{i}-{n}", "release": f"shop@1.{n % 3}.0",
                   "environment": ("production", "staging")[n % 2],
                   "tags": {"route": f"/r{n % 5}", "browser": f"b{n % 5}", "os": "linux", "region": f"eu-{n % 2}",
                            "service": "checkout"}}
            )  # fmt: skip
            record_event(issue, seen)
        kept.append(issue)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return {
        "issues": issues,
        "events_per_issue": 21,
        "bytes_per_issue": round((after - before) / issues),
        "codec_json_bytes_per_issue": len(encode(kept[0])),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--issues", type=int, default=5000)
    args = parser.parse_args(argv)
    result = {
        "benchmark": "Sentry-compatible core (envelope parse, normalise, grouping, issues) in CPython",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "corpus": "error events captured from sentry-sdk 2.75 (tests/unit/apm/golden), varied ids, messages, users",
        "events": args.events,
        "runs": args.runs,
        "statistic": "median of interleaved runs; x_bare_json_loads = time / time of json.loads of the same payloads",
        "speed": speed(args.events, args.runs),
        "memory": memory(args.issues),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sentry_core.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

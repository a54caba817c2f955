"""The labelled request corpus for the threat detector: one JSON Lines file per class.

Each line: ``{"id", "class", "method", "path", "query", "headers", "body", "content_type", "note"}``;
``class`` is one of ``xss sqli traversal cmdi ssrf scanner benign``; ``query`` is the raw query
string as sent on the wire; ``body`` is the raw body text, or a JSON value that is sent serialised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from edgewatch.security.sample import RequestSample

CORPUS = Path(__file__).resolve().parent
ATTACK_CLASSES = ("xss", "sqli", "traversal", "cmdi", "ssrf", "scanner")
CLASSES = (*ATTACK_CLASSES, "benign")


@dataclass(frozen=True)
class Case:
    id: str
    label: str
    sample: RequestSample
    note: str


def load(label: str) -> list[Case]:
    cases = []
    for line in (CORPUS / f"{label}.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["class"] != label:
            raise ValueError(f"{row['id']}: class {row['class']!r} in {label}.jsonl")
        body = row["body"]
        if body is not None and not isinstance(body, str):
            body = json.dumps(body)
        sample = RequestSample(
            method=row["method"],
            path=row["path"],
            query=row["query"],
            headers=row["headers"],
            body=body,
            content_type=row["content_type"],
        )
        cases.append(Case(row["id"], label, sample, row["note"]))
    return cases


def load_all() -> dict[str, list[Case]]:
    return {label: load(label) for label in CLASSES}

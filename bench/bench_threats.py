"""Benchmark: the threat detector against libinjection (PyPI ``libinjection-python``) on the same inputs.

Detection, on the labelled corpus in tests/security_corpus: the true-positive rate per attack class
and the false-positive rate on benign requests. For SQLi and XSS the two are side by side, and
libinjection reads exactly the values our detector reads, decoded the same way (each query
parameter and name, JSON key and string value, form field, path, User-Agent, Referer ...): a
request is flagged when any value is. Ours flags a class when its hits for that class reach the
block score (true positives) or the record score (false positives, the stricter reading).
A second false-positive corpus is prose and code nobody wrote for this: every docstring paragraph
and string constant of the running CPython's standard library, each sent as a query parameter.

Speed: requests per second over the whole corpus, medians of interleaved runs, for our full
``detect`` (extraction, decoding, all six detectors, the decision), for our SQLi and XSS detectors
alone over the pre-decoded values, and for libinjection's ``is_sql_injection`` plus ``is_xss`` over
the same pre-decoded values. Adversarial inputs (100k characters of ``<``, ``'``, ``(``, ``%25`` ...)
in a query value, a JSON value, a text body and the User-Agent: the worst microseconds per request.

Goal: at least libinjection's detection of SQLi and XSS at no more false positives.

    .venv/bin/python -m bench.bench_threats [--runs 7]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import quote

import libinjection  # type: ignore[import-not-found]  # a C extension without type stubs

from bench.loadgen import machine
from edgewatch.security import sqli, xss
from edgewatch.security.sample import fields
from edgewatch.security.threats import Mode, RequestSample, ThreatClass, ThreatPolicy, ThreatVerdict, detect
from tests.security_corpus import ATTACK_CLASSES, Case, load_all

RESULTS = Path(__file__).resolve().parent / "results"
POLICY = ThreatPolicy(Mode.BLOCK)
ADVERSARIAL_CHARS = 100_000


def values(sample: RequestSample) -> list[str]:
    return [f.text for f in fields(sample).fields]


def li_sqli(texts: list[str]) -> bool:
    return any(libinjection.is_sql_injection(t)["is_sqli"] for t in texts)


def li_xss(texts: list[str]) -> bool:
    return any(libinjection.is_xss(t)["is_xss"] for t in texts)


def class_score(verdict: ThreatVerdict, threat: ThreatClass) -> float:
    return verdict.class_scores().get(threat, 0.0)


def rate(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def detection(corpus: dict[str, list[Case]]) -> dict[str, Any]:
    verdicts = {case.id: detect(case.sample, POLICY) for cases in corpus.values() for case in cases}
    texts = {case.id: values(case.sample) for cases in corpus.values() for case in cases}
    per_class: dict[str, Any] = {}
    for label in ATTACK_CLASSES:
        cases = corpus[label]
        caught = [c for c in cases if verdicts[c.id].score >= POLICY.block_score and verdicts[c.id].primary == label]
        per_class[label] = {
            "attacks": len(cases),
            "ours_true_positive_rate": rate(len(caught), len(cases)),
            "missed": [c.id for c in cases if c not in caught],
        }
    benign = corpus["benign"]
    recorded = [c.id for c in benign if verdicts[c.id].score >= POLICY.record_score]
    blocked = [c.id for c in benign if verdicts[c.id].score >= POLICY.block_score]
    side_by_side = {}
    for threat, li in ((ThreatClass.SQLI, li_sqli), (ThreatClass.XSS, li_xss)):
        attacks = corpus[threat.value]
        ours_tp = sum(class_score(verdicts[c.id], threat) >= POLICY.block_score for c in attacks)
        li_tp = sum(li(texts[c.id]) for c in attacks)
        ours_fp = [c.id for c in benign if class_score(verdicts[c.id], threat) >= POLICY.record_score]
        li_fp = [c.id for c in benign if li(texts[c.id])]
        side_by_side[threat.value] = {
            "attacks": len(attacks),
            "true_positive_rate": {"ours": rate(ours_tp, len(attacks)), "libinjection": rate(li_tp, len(attacks))},
            "false_positive_rate": {
                "ours": rate(len(ours_fp), len(benign)),
                "libinjection": rate(len(li_fp), len(benign)),
            },
            "false_positives": {"ours": ours_fp, "libinjection": li_fp},
            "libinjection_missed": [c.id for c in attacks if not li(texts[c.id])],
        }
    li_any_fp = [c.id for c in benign if li_sqli(texts[c.id]) or li_xss(texts[c.id])]
    return {
        "note": "the corpus was written alongside the detector, which was tuned on it; libinjection sees it cold",
        "per_class": per_class,
        "benign": {
            "requests": len(benign),
            "ours_false_positive_rate_recorded": rate(len(recorded), len(benign)),
            "ours_false_positive_rate_blocked": rate(len(blocked), len(benign)),
            "libinjection_false_positive_rate_sqli_or_xss": rate(len(li_any_fp), len(benign)),
            "ours_recorded": recorded,
        },
        "sqli_xss_vs_libinjection": side_by_side,
    }


def stdlib_strings() -> list[str]:
    """Docstring paragraphs and string constants (8 to 4000 characters) of the stdlib's top-level modules."""
    lib = Path(os.__file__).resolve().parent
    out: list[str] = []
    for path in sorted(lib.glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                out += [p for p in (doc or "").split("\n\n") if 8 <= len(p) <= 4000]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and 8 <= len(node.value) <= 4000:
                out.append(node.value)
    return out


def prose(strings: list[str]) -> dict[str, Any]:
    ours_any = ours_sqli = ours_xss = li_s = li_x = 0
    rules: dict[str, int] = {}
    for text in strings:
        sample = RequestSample("GET", "/search", "q=" + quote(text, safe=""))
        verdict = detect(sample, POLICY)
        if verdict.score >= POLICY.record_score:
            ours_any += 1
            for hit in verdict.hits:
                rules[hit.rule] = rules.get(hit.rule, 0) + 1
        ours_sqli += class_score(verdict, ThreatClass.SQLI) >= POLICY.record_score
        ours_xss += class_score(verdict, ThreatClass.XSS) >= POLICY.record_score
        texts = [f.text for f in fields(sample).fields if f.location == "query.q"]
        li_s += li_sqli(texts)
        li_x += li_xss(texts)
    n = len(strings)
    return {
        "strings": n,
        "source": f"CPython {sys.version.split()[0]} standard library: docstring paragraphs and string constants",
        "false_positive_rate": {
            "ours_any_class": rate(ours_any, n),
            "ours_sqli": rate(ours_sqli, n),
            "ours_xss": rate(ours_xss, n),
            "libinjection_sqli": rate(li_s, n),
            "libinjection_xss": rate(li_x, n),
        },
        "ours_rules": dict(sorted(rules.items(), key=lambda kv: -kv[1])),
    }


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def speed(samples: list[RequestSample], runs: int, repeat: int) -> dict[str, Any]:
    decoded = [values(s) for s in samples]

    def ours_full() -> None:
        for _ in range(repeat):
            for sample in samples:
                detect(sample, POLICY)

    def ours_values() -> None:
        for _ in range(repeat):
            for texts in decoded:
                for text in texts:
                    sqli.scan(text)
                    xss.scan(text)

    def libinjection_values() -> None:
        for _ in range(repeat):
            for texts in decoded:
                for text in texts:
                    libinjection.is_sql_injection(text)
                    libinjection.is_xss(text)

    def extraction() -> None:
        for _ in range(repeat):
            for sample in samples:
                fields(sample)

    runs_of: dict[str, list[float]] = {"ours_full": [], "ours_values": [], "libinjection_values": [], "extraction": []}
    for _ in range(runs):  # interleaved, so machine noise hits all alike
        runs_of["ours_full"].append(timed(ours_full))
        runs_of["ours_values"].append(timed(ours_values))
        runs_of["libinjection_values"].append(timed(libinjection_values))
        runs_of["extraction"].append(timed(extraction))
    n = len(samples) * repeat
    median = {name: statistics.median(times) for name, times in runs_of.items()}
    return {
        "requests": len(samples),
        "values": sum(len(t) for t in decoded),
        "requests_per_s": {name: round(n / seconds) for name, seconds in median.items()},
        "ratio_to_libinjection": {
            "ours_full_detect": round(median["libinjection_values"] / median["ours_full"], 3),
            "ours_sqli_xss_same_values": round(median["libinjection_values"] / median["ours_values"], 3),
        },
        "note": "ratio > 1: ours is faster; ours_full also extracts and decodes and runs all six detectors",
    }


def adversarial_inputs() -> dict[str, str]:
    n = ADVERSARIAL_CHARS
    units = {
        "lt": "<", "quote": "'", "dquote": '"', "a": "a", "open_paren": "(", "pct25": "%25", "dotdot": "../",
        "semicolon": ";", "tag_a": "<a", "quote_or_quote": "'or'", "block_comment": "/*", "entity": "&#",
        "js_escape": "\\u", "zero_dot": "0.", "pipe_id": "|id", "backtick": "`", "dollar_paren": "$(",
        "union_": "union ", "select_sleep": "select sleep(", "http": "http://", "braces": "{{", "bracket_a": "[a",
        "digits": "1", "dots": ".", "slashes": "/", "circled_digit": "\u2460", "nul": "\x00", "blanks": " \t",
        "onx": " onx", "attr": "a=",
    }  # fmt: skip
    out = {name: unit * (n // len(unit)) for name, unit in units.items()}
    out["quote_then_blanks"] = '" ' + " " * n
    out["src_then_blanks"] = "<a src=" + " " * n
    return out


def placements(text: str) -> Iterator[tuple[str, RequestSample]]:
    yield "query", RequestSample("GET", "/x", "q=" + quote(text, safe=""))
    yield "json", RequestSample("POST", "/x", "", {}, json.dumps({"a": text}), "application/json")
    yield "text_body", RequestSample("POST", "/x", "", {}, text, "text/plain")
    yield "user_agent", RequestSample("GET", "/x", "", {"User-Agent": text})


def median_us(sample: RequestSample, runs: int) -> int:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        detect(sample, POLICY)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1e6)


def adversarial(runs: int) -> dict[str, Any]:
    table: dict[str, dict[str, int]] = {}
    for name, text in adversarial_inputs().items():
        table[name] = {where: median_us(sample, runs) for where, sample in placements(text)}
    for depth in (1_000, 100_000):
        body = "[" * depth + "]" * depth
        table[f"json_nesting_{depth}"] = {
            "json": median_us(RequestSample("POST", "/x", "", {}, body, "application/json"), runs)
        }
    worst = max(((us, name, where) for name, row in table.items() for where, us in row.items()))
    per_value = max(us for row in table.values() for where, us in row.items() if where != "text_body")
    return {
        "input_chars": ADVERSARIAL_CHARS,
        "worst_us": worst[0],
        "worst_input": f"{worst[1]} in {worst[2]}",
        "worst_us_one_value": per_value,
        "note": "a value is inspected up to 8 KiB; a text body in 8 KiB windows up to 64 KiB per request",
        "us_per_request": table,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the corpus per timed run")
    args = parser.parse_args(argv)

    corpus = load_all()
    samples = [case.sample for cases in corpus.values() for case in cases]
    found = detection(corpus)
    side = found["sqli_xss_vs_libinjection"]
    goal_met = all(
        side[c]["true_positive_rate"]["ours"] >= side[c]["true_positive_rate"]["libinjection"]
        and side[c]["false_positive_rate"]["ours"] <= side[c]["false_positive_rate"]["libinjection"]
        for c in ("sqli", "xss")
    )
    report: dict[str, Any] = {
        "benchmark": "threat detector vs libinjection (PyPI libinjection-python)",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "libinjection_python": version("libinjection-python"),
        "runs": args.runs,
        "corpus": {label: len(cases) for label, cases in corpus.items()},
        "detection": found,
        "prose_false_positives": prose(stdlib_strings()),
        "speed": {
            "whole_corpus": speed(samples, args.runs, args.repeat),
            "benign_only": speed([case.sample for case in corpus["benign"]], args.runs, args.repeat),
        },
        "adversarial": adversarial(max(3, args.runs // 2)),
        "goal": "SQLi and XSS: true-positive rate >= libinjection's at a false-positive rate <= libinjection's",
        "goal_met": goal_met,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "threats.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The detector against the labelled corpus in tests/security_corpus (see its __init__ for the format).

An attack counts as detected when the default policy in block mode blocks it and the class with the
highest score is its label; a benign request counts as a false positive as soon as it would be
recorded (score at or above record_score), a stricter bar than being blocked.
"""

from __future__ import annotations

import pytest

from edgewatch.security.threats import Action, ThreatPolicy, ThreatVerdict, detect
from edgewatch.security.threats import Mode as ThreatMode
from tests.security_corpus import ATTACK_CLASSES, Case, load, load_all

POLICY = ThreatPolicy(ThreatMode.BLOCK)
MIN_TRUE_POSITIVE_RATE = 0.95
MAX_FALSE_POSITIVE_RATE = 0.02
MIN_ATTACKS_PER_CLASS = 40
MIN_BENIGN = 150

CORPUS = load_all()


def verdict(case: Case) -> ThreatVerdict:
    return detect(case.sample, POLICY)


def test_corpus_is_large_enough_and_ids_are_unique() -> None:
    for label in ATTACK_CLASSES:
        assert len(CORPUS[label]) >= MIN_ATTACKS_PER_CLASS, label
    assert len(CORPUS["benign"]) >= MIN_BENIGN
    ids = [case.id for cases in CORPUS.values() for case in cases]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("label", ATTACK_CLASSES)
def test_true_positive_rate(label: str) -> None:
    cases = load(label)
    missed = [case.id for case in cases if verdict(case).action is not Action.BLOCK]
    rate = 1 - len(missed) / len(cases)
    assert rate >= MIN_TRUE_POSITIVE_RATE, f"{label}: {rate:.3f}, missed {missed}"


@pytest.mark.parametrize("label", ATTACK_CLASSES)
def test_detected_class_matches_the_label(label: str) -> None:
    wrong = {case.id: verdict(case).primary for case in load(label) if verdict(case).primary != label}
    assert wrong == {}


def test_false_positive_rate() -> None:
    cases = CORPUS["benign"]
    flagged = {case.id: [h.rule for h in v.hits] for case in cases if (v := verdict(case)).score >= POLICY.record_score}
    assert len(flagged) / len(cases) <= MAX_FALSE_POSITIVE_RATE, flagged


def test_no_benign_request_is_blocked() -> None:
    assert [case.id for case in CORPUS["benign"] if verdict(case).action is Action.BLOCK] == []

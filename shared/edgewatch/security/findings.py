"""The vocabulary shared by the threat detectors: the classes of threat and one detector finding.

Scores are on a 0-100 scale: a rule's score says how sure a single match makes us that the request
is an attack (90+: unambiguous, 70-89: attack-shaped, below 70: suspicious on its own).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class ThreatClass(StrEnum):
    XSS = "xss"
    SQLI = "sqli"
    TRAVERSAL = "traversal"
    CMDI = "cmdi"
    SSRF = "ssrf"
    SCANNER = "scanner"


class Finding(NamedTuple):
    rule: str  # "<class>.<rule>", e.g. "sqli.union_select"
    threat: ThreatClass
    score: float
    start: int  # span of the match in the field's decoded text, for the excerpt
    end: int

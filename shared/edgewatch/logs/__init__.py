"""Log aggregation core: ingest parsing (native, OTLP, Loki), sampling, PII scrubbing, the buffer
shards' rules and RPC messages, archive encoding and index, search, tail and log-derived counts.

The logs adapters import its modules directly; another concern uses only the names exported here.
"""

from __future__ import annotations

from .entry import LEVEL_RANK, LEVELS, MAX_ID_CHARS, LogEntry, ParsedBatch
from .scrub import Scrubber, ScrubRules, rules_from_config

__all__ = [
    "LEVELS",
    "LEVEL_RANK",
    "MAX_ID_CHARS",
    "LogEntry",
    "ParsedBatch",
    "ScrubRules",
    "Scrubber",
    "rules_from_config",
]

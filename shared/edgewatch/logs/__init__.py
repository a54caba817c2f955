"""Log aggregation core: ingest parsing (native, OTLP, Loki), sampling, PII scrubbing, the buffer
shards' rules and RPC messages, archive encoding and index, search, tail and log-derived counts.

The logs adapters import its modules directly; another concern uses only the names exported here.
"""

from __future__ import annotations

from .bloom import BloomFilter
from .buffer import flush_alarm
from .entry import LEVEL_RANK, LEVELS, MAX_ID_CHARS, LogEntry, ParsedBatch
from .messages import MinuteCount
from .pipeline import batch_id_of
from .query import Cursor
from .retention import RetentionReport, retention_problems
from .retention import verify as verify_retention
from .scrub import Scrubber, ScrubRules, rules_from_config

__all__ = [
    "LEVELS",
    "LEVEL_RANK",
    "MAX_ID_CHARS",
    "BloomFilter",
    "Cursor",
    "LogEntry",
    "MinuteCount",
    "ParsedBatch",
    "RetentionReport",
    "ScrubRules",
    "Scrubber",
    "batch_id_of",
    "flush_alarm",
    "retention_problems",
    "rules_from_config",
    "verify_retention",
]

"""Settings of the security Worker beyond the rate-limit rules: ``SECURITY_CONFIG_JSON``.

    {"failMode": "open", "shards": 8, "allowList": ["10.0.0.0/8"],
     "threats": {"mode": "monitor", "blockScore": 70, "recordScore": 30,
                 "routes": [{"endpoint": "/api/auth/*", "mode": "block"}]},
     "autoBlock": {"minScore": 70, "hits": 5, "window": "10m", "ttl": "1h"},
     "eventRetention": "30d"}

Every field is optional. Unknown fields are errors, and each problem names its field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..durations import DurationError, parse_duration_ms
from .blocklist import AutoBlockPolicy
from .identity import AllowList, parse_network
from .threats import ThreatConfigError, ThreatPolicies, policies_from_config

MAX_SHARDS = 256


class FailMode(StrEnum):
    OPEN = "open"  # the limiter is unreachable: let the request through (and count it)
    CLOSED = "closed"  # the limiter is unreachable: refuse with 503


@dataclass(frozen=True)
class SecuritySettings:
    fail_mode: FailMode = FailMode.OPEN
    shards: int = 8
    allow_list: AllowList = field(default_factory=AllowList)
    allow_entries: tuple[str, ...] = ()
    threats: ThreatPolicies = field(default_factory=ThreatPolicies)
    auto_block: AutoBlockPolicy = field(default_factory=AutoBlockPolicy)
    event_retention_ms: int = 30 * 86_400_000


class SecuritySettingsError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid SECURITY_CONFIG_JSON: " + "; ".join(problems))
        self.problems = problems


_FIELDS = {"failMode", "shards", "allowList", "threats", "autoBlock", "eventRetention"}


def _duration(value: Any, where: str, problems: list[str]) -> int | None:
    try:
        return parse_duration_ms(value)
    except DurationError as exc:
        problems.append(f"{where}: {exc}")
        return None


def _auto_block(data: Any, problems: list[str]) -> AutoBlockPolicy:
    base = AutoBlockPolicy()
    if not isinstance(data, Mapping):
        problems.append("autoBlock: expected an object")
        return base
    problems += [f"autoBlock.{k}: unknown field" for k in sorted(set(data) - {"minScore", "hits", "window", "ttl"})]
    values: dict[str, Any] = {}
    if "minScore" in data:
        score = data["minScore"]
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 < score <= 100:
            problems.append("autoBlock.minScore: expected a number in (0, 100]")
        else:
            values["min_score"] = float(score)
    if "hits" in data:
        hits = data["hits"]
        if isinstance(hits, bool) or not isinstance(hits, int) or not 1 <= hits <= 1000:
            problems.append("autoBlock.hits: expected an integer from 1 to 1000")
        else:
            values["hits"] = hits
    for key, name in (("window", "window_ms"), ("ttl", "ttl_ms")):
        if key in data:
            ms = _duration(data[key], f"autoBlock.{key}", problems)
            if ms is not None and key == "ttl" and ms > base.max_ttl_ms:
                problems.append("autoBlock.ttl: at most 7d (repeat offenders' blocks double up to 7 days)")
            elif ms is not None:
                values[name] = ms
    try:
        return AutoBlockPolicy(**{**base.__dict__, **values})
    except ValueError as exc:
        problems.append(f"autoBlock: {exc}")
        return base


def load_security_settings(text: str | None) -> SecuritySettings:
    """Parse the var's JSON text; None or empty gives the defaults."""
    if text is None or not text.strip():
        return SecuritySettings()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SecuritySettingsError([f"not valid JSON: {exc}"]) from None
    if not isinstance(data, Mapping):
        raise SecuritySettingsError(["expected a JSON object"])
    problems = [f"{k}: unknown field; allowed: {', '.join(sorted(_FIELDS))}" for k in sorted(set(data) - _FIELDS)]
    settings: dict[str, Any] = {}
    if "failMode" in data:
        try:
            settings["fail_mode"] = FailMode(data["failMode"])
        except ValueError:
            problems.append("failMode: expected 'open' or 'closed'")
    if "shards" in data:
        shards = data["shards"]
        if isinstance(shards, bool) or not isinstance(shards, int) or not 1 <= shards <= MAX_SHARDS:
            problems.append(f"shards: expected an integer from 1 to {MAX_SHARDS}")
        else:
            settings["shards"] = shards
    if "allowList" in data:
        entries = data["allowList"]
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            problems.append("allowList: expected a list of IP addresses or CIDR ranges")
        else:
            for i, entry in enumerate(entries):
                try:
                    parse_network(entry)
                except ValueError as exc:
                    problems.append(f"allowList.{i}: {exc}")
            settings["allow_entries"] = tuple(entries)
    if "threats" in data:
        try:
            settings["threats"] = policies_from_config(data["threats"])
        except ThreatConfigError as exc:
            problems += exc.problems
    if "autoBlock" in data:
        settings["auto_block"] = _auto_block(data["autoBlock"], problems)
    if "eventRetention" in data:
        ms = _duration(data["eventRetention"], "eventRetention", problems)
        if ms is not None:
            settings["event_retention_ms"] = ms
    if problems:
        raise SecuritySettingsError(problems)
    if "allow_entries" in settings:
        settings["allow_list"] = AllowList(settings["allow_entries"])
    return SecuritySettings(**settings)

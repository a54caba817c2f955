"""The stack configuration as a Worker sees it: shipped defaults, overridden per document by vars.

MONITORING_CONFIG_JSON, SECURITY_RULES_JSON and WEB_VITALS_JSON may each hold a whole JSON document
(set them as vars or secrets); any left unset comes from the defaults shipped in the core package.
The parsed result is cached per isolate and re-parsed only when a var's text changes.
"""

from __future__ import annotations

from typing import Any

from edgewatch.config import ConfigError, StackConfig
from edgewatch.stack import load_stack_config

VARS = ("MONITORING_CONFIG_JSON", "SECURITY_RULES_JSON", "WEB_VITALS_JSON")

_cache: dict[tuple[str | None, ...], StackConfig | ConfigError] = {}


def _texts(env: Any) -> tuple[str | None, ...]:
    out = []
    for name in VARS:
        value = getattr(env, name, None)
        out.append(None if value is None else str(value))
    return tuple(out)


def stack_config(env: Any) -> StackConfig:
    """The validated configuration; raises ConfigError naming each bad field."""
    key = _texts(env)
    found = _cache.get(key)
    if found is None:
        try:
            found = load_stack_config(*key)
        except ConfigError as exc:
            found = exc
        _cache.clear()
        _cache[key] = found
    if isinstance(found, ConfigError):
        raise found
    return found

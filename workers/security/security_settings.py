"""The security Worker's settings as parsed once per configuration: SECURITY_CONFIG_JSON and the
rate-limit rules' matcher; a health check says when the settings are invalid."""

from __future__ import annotations

import time
from typing import Any

from edgewatch.config import ConfigError
from edgewatch.health import CheckResult
from edgewatch.security.rules import RuleMatcher
from edgewatch.security.settings import SecuritySettings, SecuritySettingsError, load_security_settings
from edgewatch_cf.app import Routes
from edgewatch_cf.settings import stack_config

routes = Routes()
_settings: dict[str | None, SecuritySettings] = {}
_matchers: dict[int, RuleMatcher] = {}


def settings_for(env: Any) -> SecuritySettings:
    """The parsed SECURITY_CONFIG_JSON; a ConfigError naming each bad field if it is invalid."""
    text = getattr(env, "SECURITY_CONFIG_JSON", None)
    key = None if text is None else str(text)
    found = _settings.get(key)
    if found is None:
        try:
            found = load_security_settings(key)
        except SecuritySettingsError as exc:
            raise ConfigError("SECURITY_CONFIG_JSON", exc.problems) from None
        _settings.clear()
        _settings[key] = found
    return found


def matcher_for(env: Any) -> RuleMatcher:
    rules = stack_config(env).security_rules
    found = _matchers.get(id(rules))
    if found is None:
        _matchers.clear()
        found = _matchers[id(rules)] = RuleMatcher(rules)
    return found


@routes.health_check
async def settings_check(env: Any) -> CheckResult:
    """Health: the security settings are valid (else the Worker is down and says which field)."""
    started = time.perf_counter()
    try:
        settings_for(env)
    except ConfigError as exc:
        return CheckResult("security_config", "config", False, (time.perf_counter() - started) * 1000,
                           "; ".join(exc.problems)[:500])  # fmt: skip
    return CheckResult("security_config", "config", True, (time.perf_counter() - started) * 1000)

"""The alerting setup of the stack's configuration, built once per configuration, and the stubs of
the alerts Worker's two Durable Objects."""

from __future__ import annotations

from typing import Any

from edgewatch.alerts.setup import AlertingSetup, alerting_setup
from edgewatch.config import StackConfig
from edgewatch_cf.bindings import named_stub
from edgewatch_cf.settings import stack_config

_cache: dict[int, tuple[StackConfig, AlertingSetup]] = {}


def setup_of(env: Any) -> AlertingSetup:
    config = stack_config(env)
    found = _cache.get(id(config))
    if found is None or found[0] is not config:
        _cache.clear()
        found = _cache[id(config)] = (config, alerting_setup(config.monitoring.alerting))
    return found[1]


def center(env: Any) -> Any:
    return named_stub(env.ALERT_CENTER, "alerts")


def outbox(env: Any) -> Any:
    return named_stub(env.OUTBOX, "outbox")


def env_strings(env: Any, names: list[str]) -> dict[str, str]:
    """The named vars and secrets that are set, as plain strings (for resolving ``env:NAME``)."""
    out = {}
    for name in names:
        value = getattr(env, name, None)
        if value is not None and str(value):
            out[name] = str(value)
    return out

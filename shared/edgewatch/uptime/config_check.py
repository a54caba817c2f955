"""The uptime concern's cross-check of ``healthChecks``: every monitor the config defines is valid.

``edgewatch.stack`` hands it to ``edgewatch.config`` (which imports no concern).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .heartbeats import heartbeat_from_json
from .maintenance import maintenance_from_json
from .spec import config_checks

if TYPE_CHECKING:
    from ..config import HealthChecksConfig


def validate_health_checks(config: HealthChecksConfig) -> None:
    """The config's monitors are valid: raises ValueError naming the field (a config cross-check)."""
    config_checks(config)  # raises on a bad check; paths without a base URL only wait for one
    for i, item in enumerate(config.heartbeats):
        try:
            heartbeat_from_json(item)
        except ValueError as exc:
            raise ValueError(f"heartbeats.{i}.{exc}") from None
    for i, item in enumerate(config.maintenance):
        try:
            maintenance_from_json(item)
        except ValueError as exc:
            raise ValueError(f"maintenance.{i}.{exc}") from None

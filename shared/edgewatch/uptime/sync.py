"""The config file's monitors, and the diff that brings the runner's stored ones in line with it.

Config-defined monitors are worked out once per configuration; the runner syncs them in on every
call, a no-op while the digest of the configuration is the one it stored last.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..codec import to_plain
from .heartbeats import heartbeat_from_json
from .maintenance import maintenance_from_json
from .messages import ConfigMonitors, MonitorKind
from .spec import config_checks

if TYPE_CHECKING:
    from ..config import HealthChecksConfig


def config_monitors(config: HealthChecksConfig, base_url: str | None) -> tuple[ConfigMonitors, list[str]]:
    """The config's monitors, and the ids of checks that wait for a base URL (see ``config_checks``)."""
    specs, waiting = config_checks(config, base_url)
    monitors = ConfigMonitors(
        checks=specs,
        heartbeats=[heartbeat_from_json(h) for h in config.heartbeats],
        maintenance=[maintenance_from_json(m) for m in config.maintenance],
    )
    return monitors, waiting


def config_digest(config_text: str) -> str:
    return hashlib.sha256(config_text.encode()).hexdigest()


@dataclass(frozen=True)
class StoredDefinition:
    """A row to write: a monitor (with its kind) or a maintenance window, its spec as JSON text."""

    id: str
    spec_json: str
    kind: MonitorKind | None = None  # None for a maintenance window


@dataclass(frozen=True)
class SyncPlan:
    forget: list[str]  # config monitors no longer in the config: definition and history go
    monitors: list[StoredDefinition]  # inserted, or updated keeping their created time
    maintenance: list[StoredDefinition]  # replace every config-defined window


def plan_sync(config: ConfigMonitors, stored_config_ids: Iterable[str]) -> SyncPlan:
    """What to write so the stored config-defined monitors are exactly the config's (a heartbeat
    wins over a check of the same id)."""
    wanted = {s.id: StoredDefinition(s.id, _text(s), MonitorKind.HTTP) for s in config.checks} | {
        h.id: StoredDefinition(h.id, _text(h), MonitorKind.HEARTBEAT) for h in config.heartbeats
    }
    return SyncPlan(
        forget=[i for i in stored_config_ids if i not in wanted],
        monitors=list(wanted.values()),
        maintenance=[StoredDefinition(m.id, _text(m)) for m in config.maintenance],
    )


def _text(definition: object) -> str:
    return json.dumps(to_plain(definition))

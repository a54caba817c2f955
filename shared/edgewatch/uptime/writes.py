"""The write API's rules: who may change a definition, and what each outcome answers.

Config-defined monitors and maintenance windows change only in the config file; POST creates,
PUT creates or replaces a monitor of the same kind, DELETE removes what the API created.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import Conflict, NotFound, Unprocessable
from .messages import MonitorKind, Source, WriteOutcome


@dataclass(frozen=True)
class Existing:
    """What is stored under the id being written: where it came from and (for a monitor) its kind."""

    source: Source
    kind: MonitorKind | None = None


def put_monitor_outcome(existing: Existing | None, kind: MonitorKind, replace: bool) -> WriteOutcome:
    """CREATED or REPLACED when the write may go ahead; CONFIG_OWNED or CONFLICT when it may not."""
    if existing is None:
        return WriteOutcome.CREATED
    if existing.source is Source.CONFIG:
        return WriteOutcome.CONFIG_OWNED
    if not replace or existing.kind is not kind:
        return WriteOutcome.CONFLICT
    return WriteOutcome.REPLACED


def delete_monitor_outcome(existing: Existing | None, kind: MonitorKind) -> WriteOutcome:
    if existing is None or existing.kind is not kind:
        return WriteOutcome.MISSING
    if existing.source is Source.CONFIG:
        return WriteOutcome.CONFIG_OWNED
    return WriteOutcome.DELETED


def put_maintenance_outcome(existing: Existing | None) -> WriteOutcome:
    if existing is None:
        return WriteOutcome.CREATED
    return WriteOutcome.CONFIG_OWNED if existing.source is Source.CONFIG else WriteOutcome.REPLACED


def delete_maintenance_outcome(existing: Existing | None) -> WriteOutcome:
    if existing is None:
        return WriteOutcome.MISSING
    return WriteOutcome.CONFIG_OWNED if existing.source is Source.CONFIG else WriteOutcome.DELETED


_STATUS = {WriteOutcome.CREATED: 201, WriteOutcome.REPLACED: 200, WriteOutcome.DELETED: 204}


def outcome_status(outcome: WriteOutcome, what: str, ident: str) -> int:
    """The HTTP status of a done write; raises the API error of a refused one."""
    if outcome is WriteOutcome.CONFIG_OWNED:
        raise Conflict(f"{what} {ident!r} is defined in the config file; change it there")
    if outcome is WriteOutcome.CONFLICT:
        raise Conflict(f"{what} {ident!r} already exists; use PUT to replace it")
    if outcome is WriteOutcome.MISSING:
        raise NotFound(f"no {what} {ident!r}")
    return _STATUS[outcome]


def with_path_id(data: Mapping[str, Any], ident: str) -> dict[str, Any]:
    """A PUT body with the id of its path; a different id in the body is a 422."""
    if "id" in data and data["id"] != ident:
        raise Unprocessable(f"id: {data['id']!r} in the body differs from {ident!r} in the path")
    return {**data, "id": ident}

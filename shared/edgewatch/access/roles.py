"""The three roles, each holding the ones below it: a viewer reads, an operator also acts on what
is happening (acknowledge, silence, maintenance, issue status), an admin also changes what is
monitored (checks, heartbeats, the block-list, receivers) and reads the audit log."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"role must be one of viewer, operator, admin, not {text[:40]!r}") from None

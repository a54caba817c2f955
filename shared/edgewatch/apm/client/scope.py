"""What a request's client adds to every event: tags, user, extra, contexts, fingerprint, breadcrumbs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .breadcrumbs import Breadcrumbs

MAX_TAG = 200


@dataclass
class Scope:
    breadcrumbs: Breadcrumbs
    tags: dict[str, str] = field(default_factory=dict)
    user: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    fingerprint: list[str] | None = None
    transaction: str | None = None
    level: str | None = None  # overrides the level of every event when set

    def set_tag(self, key: str, value: object) -> None:
        self.tags[str(key)[:MAX_TAG]] = str(value)[:MAX_TAG]

    def set_tags(self, tags: dict[str, object]) -> None:
        for key, value in tags.items():
            self.set_tag(key, value)

    def set_user(self, user: dict[str, Any] | None) -> None:
        self.user = dict(user or {})

    def set_extra(self, key: str, value: Any) -> None:
        self.extra[str(key)] = value

    def set_context(self, name: str, context: dict[str, Any] | None) -> None:
        if context is None:
            self.contexts.pop(name, None)
        else:
            self.contexts[str(name)] = dict(context)

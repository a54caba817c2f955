"""The six Workers of the stack: concern, deployed name, service-binding name, path prefix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    concern: str
    worker_name: str
    binding: str

    @property
    def prefix(self) -> str:
        return f"/{self.concern}"


SERVICES: tuple[Service, ...] = tuple(
    Service(concern, f"pitchey-{concern}", concern.upper())
    for concern in ("monitoring", "logs", "apm", "infra", "alerts", "security")
)
BY_CONCERN: dict[str, Service] = {s.concern: s for s in SERVICES}


def service(concern: str) -> Service:
    try:
        return BY_CONCERN[concern]
    except KeyError:
        raise KeyError(f"unknown concern {concern!r}; known: {', '.join(BY_CONCERN)}") from None

"""Where and how to send: the envelope URL and the ``X-Sentry-Auth`` header of a DSN."""

from __future__ import annotations

from dataclasses import dataclass

from ..dsn import parse_dsn
from .options import SDK_NAME, SDK_VERSION

PROTOCOL_VERSION = 7
CONTENT_TYPE = "application/x-sentry-envelope"


@dataclass(frozen=True)
class Target:
    dsn: str
    url: str
    auth: str

    def headers(self) -> dict[str, str]:
        return {"content-type": CONTENT_TYPE, "x-sentry-auth": self.auth}


def target_of(dsn: str) -> Target:
    """Raises DsnError (naming the bad part) for a DSN that cannot be parsed."""
    parsed = parse_dsn(dsn)
    fields = [
        f"sentry_version={PROTOCOL_VERSION}",
        f"sentry_client={SDK_NAME}/{SDK_VERSION}",
        f"sentry_key={parsed.public_key}",
    ]
    if parsed.secret_key:
        fields.append(f"sentry_secret={parsed.secret_key}")
    return Target(dsn.strip(), parsed.envelope_url(), "Sentry " + ", ".join(fields))

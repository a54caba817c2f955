"""DSNs and the ingest paths of the Sentry protocol.

A DSN is ``{scheme}://{public_key}[:{secret}]@{host}[:{port}]/{path/}{project_id}``; an SDK posts to
``{path}/api/{project_id}/envelope/`` (or the legacy ``store/``) on that host. We serve both under
``/api/`` and under ``/apm/api/``, so that a DSN such as ``https://KEY@host/apm/1`` works behind a
shared route. A project id is a positive decimal integer, as Sentry's are.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

MAX_PROJECT_ID = 2**63 - 1
PREFIXES = ("/api/", "/apm/api/")


class Endpoint(StrEnum):
    ENVELOPE = "envelope"
    STORE = "store"


class DsnError(ValueError):
    """A DSN that cannot be parsed; the message names the part that is wrong."""


class PathError(ValueError):
    """A path that is not an ingest endpoint (the adapter answers 404 with this message)."""


@dataclass(frozen=True)
class Dsn:
    scheme: str
    public_key: str
    secret_key: str | None
    host: str
    port: int | None
    path: str  # the prefix before the project id, "" or "/apm"
    project_id: str

    def envelope_url(self) -> str:
        netloc = self.host if self.port is None else f"{self.host}:{self.port}"
        return f"{self.scheme}://{netloc}{self.path}/api/{self.project_id}/envelope/"


def valid_project_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and not text.startswith("0") and int(text) <= MAX_PROJECT_ID


def parse_dsn(text: str) -> Dsn:
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:
        raise DsnError(f"DSN is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise DsnError("DSN scheme must be http or https")
    if not parts.username:
        raise DsnError("DSN has no public key (the part before '@')")
    if not parts.hostname:
        raise DsnError("DSN has no host")
    path, _, project = parts.path.rstrip("/").rpartition("/")
    if not valid_project_id(project):
        raise DsnError("DSN path must end with a numeric project id")
    return Dsn(parts.scheme, parts.username, parts.password or None, parts.hostname, port, path, project)


def parse_ingest_path(path: str) -> tuple[str, Endpoint]:
    """``/api/42/envelope/`` or ``/apm/api/42/store`` -> ("42", endpoint); the trailing slash is optional."""
    for prefix in PREFIXES:
        if path.startswith(prefix):
            rest = path[len(prefix) :].rstrip("/")
            project, _, name = rest.partition("/")
            if not valid_project_id(project):
                raise PathError(f"project id must be a positive integer, got {project[:40]!r}")
            try:
                return project, Endpoint(name)
            except ValueError:
                raise PathError(f"unknown ingest endpoint {name[:40]!r} (envelope or store)") from None
    raise PathError("not an ingest path (/api/{project}/envelope/ or /api/{project}/store/)")

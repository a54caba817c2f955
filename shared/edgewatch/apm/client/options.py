"""A client's options, the same names as Sentry's SDKs and toucan-js use where they have one."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .breadcrumbs import DEFAULT_MAX_BREADCRUMBS
from .in_app import InAppRules
from .request_info import Allow, RequestPolicy

SDK_NAME = "edgewatch.python"
SDK_VERSION = "0.1.0"
Event = dict[str, Any]
Hint = dict[str, Any]
BeforeSend = Callable[[Event, Hint], Event | None]


class OptionsError(ValueError):
    """An option out of range; the message names it."""


@dataclass(frozen=True)
class ClientOptions:
    dsn: str | None = None
    environment: str | None = None
    release: str | None = None
    server_name: str | None = None
    sample_rate: float = 1.0
    max_breadcrumbs: int = DEFAULT_MAX_BREADCRUMBS
    before_send: BeforeSend | None = None
    in_app: InAppRules = field(default_factory=InAppRules.of)
    request: RequestPolicy = field(default_factory=RequestPolicy)
    context_lines: int = 5
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.sample_rate <= 1.0:
            raise OptionsError("sample_rate must be between 0 and 1")
        if self.max_breadcrumbs < 0:
            raise OptionsError("max_breadcrumbs must not be negative")
        if self.context_lines < 0:
            raise OptionsError("context_lines must not be negative")


def client_options(
    *,
    dsn: str | None = None,
    environment: str | None = None,
    release: str | None = None,
    server_name: str | None = None,
    sample_rate: float = 1.0,
    max_breadcrumbs: int = DEFAULT_MAX_BREADCRUMBS,
    before_send: BeforeSend | None = None,
    in_app_include: Iterable[str] = (),
    in_app_exclude: Iterable[str] = (),
    allow_headers: Allow = False,
    allow_cookies: Allow = False,
    allow_query: Allow = False,
    allow_body: bool = False,
    allow_ip: bool = False,
    context_lines: int = 5,
    tags: dict[str, str] | None = None,
) -> ClientOptions:
    """The options from keyword arguments, as ``Sentry(...)`` takes them; empty strings mean unset."""
    return ClientOptions(
        dsn=dsn.strip() if dsn and dsn.strip() else None,
        environment=environment or None,
        release=release or None,
        server_name=server_name or None,
        sample_rate=float(sample_rate),
        max_breadcrumbs=int(max_breadcrumbs),
        before_send=before_send,
        in_app=InAppRules.of(tuple(in_app_include), tuple(in_app_exclude)),
        request=RequestPolicy.of(
            headers=allow_headers, cookies=allow_cookies, query=allow_query, body=allow_body, ip=allow_ip
        ),
        context_lines=int(context_lines),
        tags=dict(tags or {}),
    )

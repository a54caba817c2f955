"""A Sentry event payload from an exception or a message, the options and the request's scope."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from typing import Any

from .options import SDK_NAME, SDK_VERSION, ClientOptions, Event
from .request_info import RequestFacts, client_ip, request_context
from .scope import Scope
from .stacktrace import exception_values

LEVELS = ("fatal", "error", "warning", "info", "debug")
MAX_MESSAGE = 8192


def rfc3339(now_ms: int) -> str:
    return datetime.fromtimestamp(now_ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sdk_info() -> dict[str, Any]:
    return {"name": SDK_NAME, "version": SDK_VERSION}


def _runtime() -> dict[str, Any]:
    return {"name": platform.python_implementation(), "version": platform.python_version(), "build": sys.platform}


def level_of(level: str) -> str:
    lowered = level.lower()
    return {"warn": "warning", "critical": "fatal"}.get(lowered, lowered) if lowered != "log" else "info"


def _base(event_id: str, now_ms: int, level: str, options: ClientOptions, scope: Scope) -> Event:
    event: Event = {
        "event_id": event_id,
        "timestamp": rfc3339(now_ms),
        "platform": "python",
        "level": scope.level or level,
        "logger": "edgewatch",
        "sdk": sdk_info(),
        "contexts": {"runtime": _runtime(), **scope.contexts},
    }
    for key, value in (("environment", options.environment), ("release", options.release)):
        if value:
            event[key] = value
    if options.server_name:
        event["server_name"] = options.server_name
    tags = {**options.tags, **scope.tags}
    if tags:
        event["tags"] = tags
    if scope.extra:
        event["extra"] = dict(scope.extra)
    if scope.fingerprint:
        event["fingerprint"] = list(scope.fingerprint)
    if scope.transaction:
        event["transaction"] = scope.transaction
    if len(scope.breadcrumbs):
        event["breadcrumbs"] = scope.breadcrumbs.payload()
    return event


def _add_request(event: Event, facts: RequestFacts | None, options: ClientOptions, scope: Scope) -> None:
    user = dict(scope.user)
    if facts is not None:
        event["request"] = request_context(facts, options.request)
        if options.request.ip and "ip_address" not in user:
            ip = client_ip(facts.headers)
            if ip:
                user["ip_address"] = ip
    if user:
        event["user"] = user


def exception_event(
    exc: BaseException,
    *,
    event_id: str,
    now_ms: int,
    options: ClientOptions,
    scope: Scope,
    request: RequestFacts | None = None,
    handled: bool = True,
    mechanism: str = "generic",
) -> Event:
    event = _base(event_id, now_ms, "error", options, scope)
    event["exception"] = {
        "values": exception_values(
            exc, options.in_app, handled=handled, mechanism=mechanism, context_lines=options.context_lines
        )
    }
    _add_request(event, request, options, scope)
    return event


def message_event(
    message: str,
    level: str = "info",
    *,
    event_id: str,
    now_ms: int,
    options: ClientOptions,
    scope: Scope,
    request: RequestFacts | None = None,
) -> Event:
    chosen = level_of(level)
    event = _base(event_id, now_ms, chosen if chosen in LEVELS else "info", options, scope)
    text = str(message)[:MAX_MESSAGE]
    event["logentry"] = {"message": text, "formatted": text}
    event["message"] = text
    _add_request(event, request, options, scope)
    return event

"""The event we store: a Sentry event payload normalised, bounded and scrubbed.

What is kept: ids, time, level, platform, release, environment, transaction, the exception chain
(oldest first, as the protocol orders it) with its frames (``in_app`` only where the SDK said so,
as Sentry treats an unset flag), the message (the ``logentry`` template apart from its formatted
text), tags, the user's id (email and IP only when allowed), the request's URL and method (never
headers, cookies, body or query data), the last breadcrumbs, the trace and span ids, and a React
error boundary's component stack (``contexts.react.componentStack``, as @sentry/react and
webVitalsMonitor send it). Frame variables, ``extra`` and other contexts are dropped. Every kept string is bounded
and goes through the scrubber.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..wire.items import EntryError
from ..wire.timestamps import epoch_ms
from .scrubbing import LocalScrubber, ValueScrubber

LEVELS = ("fatal", "error", "warning", "info", "debug")
LEVEL_ALIASES = {"warn": "warning", "critical": "fatal", "log": "info", "err": "error"}
MAX_FUTURE_MS = 60_000  # Relay corrects clock drift: later timestamps become the receive time
MAX_AGE_MS = 30 * 86_400_000
_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX16 = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class Privacy:
    keep_user_email: bool = False
    keep_user_ip: bool = False
    max_breadcrumbs: int = 100
    max_frames: int = 250  # the outermost 50 and the innermost rest are kept, as Sentry trims
    max_exceptions: int = 10
    max_tags: int = 50
    max_text: int = 8192


@dataclass(frozen=True)
class Frame:
    function: str | None = None
    module: str | None = None
    filename: str | None = None
    lineno: int | None = None
    colno: int | None = None
    context_line: str | None = None
    in_app: bool = False


@dataclass(frozen=True)
class ExceptionInfo:
    type: str | None = None
    value: str | None = None
    module: str | None = None
    mechanism: str | None = None
    handled: bool | None = None
    frames: tuple[Frame, ...] = ()


@dataclass(frozen=True)
class Breadcrumb:
    timestamp_ms: int | None = None
    type: str | None = None
    category: str | None = None
    message: str | None = None
    level: str | None = None


@dataclass
class StoredEvent:
    event_id: str
    project: str
    received_ms: int
    timestamp_ms: int
    level: str = "error"
    platform: str = "other"
    release: str | None = None
    environment: str | None = None
    transaction: str | None = None
    logger: str | None = None
    exceptions: tuple[ExceptionInfo, ...] = ()
    stacktrace: tuple[Frame, ...] = ()  # an event-level stack trace (a message captured with one)
    message: str | None = None  # as shown: the formatted text
    message_template: str | None = None  # logentry.message, the text without its parameters
    tags: dict[str, str] = field(default_factory=dict)
    user_id: str | None = None
    user_email: str | None = None
    user_ip: str | None = None
    request_url: str | None = None
    request_method: str | None = None
    breadcrumbs: tuple[Breadcrumb, ...] = ()
    trace_id: str | None = None
    span_id: str | None = None
    fingerprint: tuple[str, ...] | None = None
    sdk: str | None = None
    component_stack: str | None = None  # contexts.react.componentStack: where in the React tree


class EventError(ValueError):
    """An event payload we cannot store (400); the message names the field."""


class _Normaliser:
    def __init__(self, scrubber: ValueScrubber, privacy: Privacy) -> None:
        self.scrubber = scrubber
        self.privacy = privacy

    def text(self, value: object, limit: int | None = None, scrub: bool = True) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            value = json.dumps(value, default=str)[: self.privacy.max_text] if scrub else str(value)
        text = str(value)[: limit or self.privacy.max_text]
        if scrub:
            done = self.scrubber.scrub_value(text)
            text = done if isinstance(done, str) else str(done)
        return text

    def frame(self, raw: object) -> Frame | None:
        if not isinstance(raw, dict):
            return None
        lineno, colno = raw.get("lineno"), raw.get("colno")
        return Frame(
            function=self.text(raw.get("function"), 256, scrub=False),
            module=self.text(raw.get("module"), 256, scrub=False),
            filename=self.text(raw.get("filename") or raw.get("abs_path"), 512, scrub=False),
            lineno=lineno if type(lineno) is int else None,
            colno=colno if type(colno) is int else None,
            context_line=self.text(raw.get("context_line"), 512),
            in_app=raw.get("in_app") is True,
        )

    def frames(self, stacktrace: object) -> tuple[Frame, ...]:
        raw = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
        if not isinstance(raw, list):
            return ()
        limit = self.privacy.max_frames
        if len(raw) > limit:
            raw = raw[:50] + raw[len(raw) - (limit - 50) :]
        return tuple(f for f in map(self.frame, raw) if f is not None)

    def exception(self, raw: object) -> ExceptionInfo | None:
        if not isinstance(raw, dict):
            return None
        found = raw.get("mechanism")
        mechanism: dict[str, Any] = found if isinstance(found, dict) else {}
        handled = mechanism.get("handled")
        return ExceptionInfo(
            type=self.text(raw.get("type"), 256, scrub=False),
            value=self.text(raw.get("value"), 4096),
            module=self.text(raw.get("module"), 256, scrub=False),
            mechanism=self.text(mechanism.get("type"), 64, scrub=False),
            handled=handled if isinstance(handled, bool) else None,
            frames=self.frames(raw.get("stacktrace")),
        )

    def exceptions(self, raw: object) -> tuple[ExceptionInfo, ...]:
        values = raw.get("values") if isinstance(raw, dict) and "values" in raw else raw
        if isinstance(values, dict):  # a single exception, the legacy form
            values = [values]
        if not isinstance(values, list):
            return ()
        kept = values[-self.privacy.max_exceptions :]
        return tuple(e for e in map(self.exception, kept) if e is not None)

    def message(self, payload: dict[str, Any]) -> tuple[str | None, str | None]:
        """(formatted, template): ``logentry`` (or a legacy dict ``message``) or a plain string."""
        entry = payload.get("logentry")
        legacy = payload.get("message")
        if not isinstance(entry, dict):
            entry = legacy if isinstance(legacy, dict) else None
        if entry is None:
            return self.text(legacy), None
        template = entry.get("message")
        formatted = entry.get("formatted")
        params = entry.get("params")
        if formatted is None and isinstance(template, str) and isinstance(params, list | dict):
            formatted = _format(template, params)
        shown = self.text(formatted if formatted is not None else template)
        return shown, self.text(template) if isinstance(template, str) else None

    def tags(self, raw: object) -> dict[str, str]:
        """Tags (an object or a list of pairs), bounded; a denied key keeps its name, not its value."""
        pairs = raw.items() if isinstance(raw, dict) else raw if isinstance(raw, list) else ()
        kept: dict[str, str] = {}
        for pair in pairs:
            if len(kept) >= self.privacy.max_tags:
                break
            if isinstance(pair, list | tuple) and len(pair) == 2 and isinstance(pair[0], str) and pair[0]:
                value = self.text(pair[1], 200, scrub=False)
                if value is not None:
                    kept[pair[0][:200]] = value
        done = self.scrubber.scrub_value(kept)
        if not isinstance(done, dict):
            return {}
        return {str(k): v if isinstance(v, str) else str(v) for k, v in done.items()}

    def breadcrumbs(self, raw: object) -> tuple[Breadcrumb, ...]:
        values = raw.get("values") if isinstance(raw, dict) else raw
        if not isinstance(values, list):
            return ()
        kept = values[-self.privacy.max_breadcrumbs :] if self.privacy.max_breadcrumbs else []
        out = []
        for crumb in kept:
            if isinstance(crumb, dict):
                out.append(
                    Breadcrumb(
                        timestamp_ms=timestamp_ms(crumb.get("timestamp")),
                        type=self.text(crumb.get("type"), 64, scrub=False),
                        category=self.text(crumb.get("category"), 128, scrub=False),
                        message=self.text(crumb.get("message"), 1024),
                        level=_level(crumb.get("level"), None),
                    )
                )
        return tuple(out)


def timestamp_ms(value: object) -> int | None:
    """Seconds (a number, as SDKs send) or RFC 3339 as epoch milliseconds; None if neither."""
    if value is None:
        return None
    if type(value) is str and len(value) >= 20 and value[-1] == "Z" and value[10] == "T":
        try:  # the SDKs' own form, 2026-12-02T02:17:08.112448Z: the C parser, 5 times faster
            return round(datetime.fromisoformat(value[:-1] + "+00:00").timestamp() * 1000)
        except ValueError:
            pass
    try:
        return epoch_ms(value, "timestamp")
    except (EntryError, ValueError, OverflowError):
        return None


def _format(template: str, params: list[Any] | dict[str, Any]) -> str:
    try:
        return template % (tuple(params) if isinstance(params, list) else params)
    except (TypeError, ValueError, KeyError):
        return template


def _level(value: object, default: str | None = "error") -> str | None:
    if not isinstance(value, str):
        return default
    level = value.lower()
    level = LEVEL_ALIASES.get(level, level)
    return level if level in LEVELS else default


def _hex_id(value: object, pattern: re.Pattern[str]) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.replace("-", "").lower()
    return text if pattern.fullmatch(text) else None


def _event_time(payload: dict[str, Any], received_ms: int) -> int:
    value = timestamp_ms(payload.get("timestamp"))
    if value is None or value > received_ms + MAX_FUTURE_MS or value < received_ms - MAX_AGE_MS:
        return received_ms
    return value


def _fallback_id(payload: dict[str, Any]) -> str:
    """An id derived from the payload (for an SDK that sent none): a resend stays the same event."""
    return hashlib.md5(json.dumps(payload, sort_keys=True, default=str).encode(), usedforsecurity=False).hexdigest()


def _user(raw: object, n: _Normaliser) -> tuple[str | None, str | None, str | None]:
    if not isinstance(raw, dict):
        return None, None, None
    ident = raw.get("id") if raw.get("id") not in (None, "") else raw.get("username")
    user_id = n.text(ident, 128, scrub=False) if isinstance(ident, str | int) and not isinstance(ident, bool) else None
    email = n.text(raw.get("email"), 256, scrub=False) if n.privacy.keep_user_email else None
    ip = n.text(raw.get("ip_address"), 64, scrub=False) if n.privacy.keep_user_ip else None
    return user_id, email, ip


def _request(raw: object, n: _Normaliser) -> tuple[str | None, str | None]:
    if not isinstance(raw, dict):
        return None, None
    url = raw.get("url")
    if isinstance(url, str):
        url = url.split("#", 1)[0].split("?", 1)[0]  # the query string is data: dropped with the body
    method = raw.get("method")
    return n.text(url, 2048), n.text(method.upper(), 16, scrub=False) if isinstance(method, str) else None


def _fingerprint(raw: object) -> tuple[str, ...] | None:
    if not isinstance(raw, list) or not raw:
        return None
    parts = [str(p)[:256] for p in raw[:32] if isinstance(p, str | int | float) and not isinstance(p, bool)]
    return tuple(parts) or None


def normalize_event(
    payload: dict[str, Any],
    *,
    project: str,
    received_ms: int,
    event_id: str | None = None,
    scrubber: ValueScrubber | None = None,
    privacy: Privacy | None = None,
) -> StoredEvent:
    """The stored form of an event payload; ``event_id`` (the envelope header's) wins over the payload's."""
    if not isinstance(payload, dict):
        raise EventError("an event must be a JSON object")
    n = _Normaliser(scrubber or LocalScrubber(), privacy or Privacy())
    contexts = payload.get("contexts")
    found = contexts.get("trace") if isinstance(contexts, dict) else None
    trace: dict[str, Any] = found if isinstance(found, dict) else {}
    react = contexts.get("react") if isinstance(contexts, dict) else None
    component_stack = react.get("componentStack") if isinstance(react, dict) else None
    message, template = n.message(payload)
    user_id, email, ip = _user(payload.get("user"), n)
    url, method = _request(payload.get("request"), n)
    given = payload.get("sdk")
    sdk: dict[str, Any] = given if isinstance(given, dict) else {}
    sdk_name = f"{sdk.get('name')}/{sdk.get('version')}" if isinstance(sdk.get("name"), str) else None
    return StoredEvent(
        event_id=_hex_id(event_id, _HEX32) or _hex_id(payload.get("event_id"), _HEX32) or _fallback_id(payload),
        project=project,
        received_ms=received_ms,
        timestamp_ms=_event_time(payload, received_ms),
        level=_level(payload.get("level")) or "error",
        platform=n.text(payload.get("platform"), 64, scrub=False) or "other",
        release=n.text(payload.get("release"), 200, scrub=False),
        environment=n.text(payload.get("environment"), 64, scrub=False),
        transaction=n.text(payload.get("transaction") or payload.get("culprit"), 200),
        logger=n.text(payload.get("logger"), 128, scrub=False),
        exceptions=n.exceptions(payload.get("exception")),
        stacktrace=n.frames(payload.get("stacktrace")),
        message=message,
        message_template=template,
        tags=n.tags(payload.get("tags")),
        user_id=user_id,
        user_email=email,
        user_ip=ip,
        request_url=url,
        request_method=method,
        breadcrumbs=n.breadcrumbs(payload.get("breadcrumbs")),
        trace_id=_hex_id(trace.get("trace_id"), _HEX32),
        span_id=_hex_id(trace.get("span_id"), _HEX16),
        fingerprint=_fingerprint(payload.get("fingerprint")),
        sdk=sdk_name[:128] if sdk_name else None,
        component_stack=n.text(component_stack) if isinstance(component_stack, str) else None,
    )

"""Which issue an event belongs to: Sentry's grouping, as its documentation describes it.

In order: a custom fingerprint (``{{ default }}`` expands to what the default grouping would use,
``{{ type }}``, ``{{ error.value }}``, ``{{ transaction }}``, ``{{ function }}``, ``{{ module }}``,
``{{ level }}``, ``{{ message }}`` to those values); else the stack trace of the last exception of
the chain (the newest, which the protocol lists last), or the event's own stack trace: its type and
its in-app frames (all frames when none is in-app), each frame as its module (or file basename
without revision hashes), function and normalised context line, never its line number; else the
exception's type and value; else the message without parameters (the ``logentry`` template, or
the formatted text with numbers, ids, addresses and dates replaced by placeholders); else one
fallback group. The hash is the MD5 hex of the components, as Sentry's group hashes are.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

from .events import ExceptionInfo, Frame, StoredEvent

MAX_CONTEXT_LINE = 120  # longer context lines are minified code: Sentry ignores them for grouping
MAX_TITLE = 200


class GroupedBy(StrEnum):
    FINGERPRINT = "fingerprint"
    STACKTRACE = "stacktrace"
    EXCEPTION = "exception"
    MESSAGE = "message"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Grouping:
    hash: str
    grouped_by: GroupedBy
    components: tuple[str, ...]  # what went into the hash, for "why are these one issue?"


_REVISION = re.compile(r"[.-](?:[0-9a-f]{7,}|[0-9]{5,})(?=\.)", re.IGNORECASE)
_ADDRESS = re.compile(r"0x[0-9a-f]++", re.IGNORECASE)
_SPACES = re.compile(r"\s++")
_VARIABLE = re.compile(r"\{\{\s*+([a-z_.]++)\s*+\}\}", re.IGNORECASE)
_DATE = r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]++)?+)?+(?:Z|[+-][0-9]{2}:?[0-9]{2})?+)?+"
# Parameters of a formatted message, most specific first (each pattern runs in linear time).
_PARAMETERS = (
    ("<email>", re.compile(r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}+\.)+[A-Za-z]{2,63}+")),
    ("<uuid>", re.compile(r"\b[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\b", re.IGNORECASE)),
    ("<date>", re.compile(_DATE + _TIME)),
    ("<ip>", re.compile(r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b")),
    ("<hex>", re.compile(r"\b0x[0-9a-f]++\b|\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,}+\b", re.IGNORECASE)),
    ("<float>", re.compile(r"(?<![\w.])-?[0-9]++\.[0-9]++(?![\w.])")),
    ("<int>", re.compile(r"(?<![\w.])-?[0-9]++(?![\w.])")),
)  # fmt: skip


def parameterize(text: str) -> str:
    """'order 1001 for ana@example.com at 10.0.0.1' -> 'order <int> for <email> at <ip>'."""
    for placeholder, pattern in _PARAMETERS:
        text = pattern.sub(placeholder, text)
    return text


def _basename(path: str) -> str:
    name = path.split("?", 1)[0].split("#", 1)[0].replace("\\", "/").rsplit("/", 1)[-1]
    return _REVISION.sub("", name)


def _function(name: str | None) -> str:
    if not name or name in ("?", "<anonymous>", "[anonymous]"):
        return ""
    return _ADDRESS.sub("0x", name)


def _context(line: str | None) -> str:
    if not line:
        return ""
    text = _SPACES.sub(" ", line.strip())
    return "" if len(text) > MAX_CONTEXT_LINE else text


def frame_component(frame: Frame) -> str:
    where = frame.module or (_basename(frame.filename) if frame.filename else "")
    return f"frame:{where}|{_function(frame.function)}|{_context(frame.context_line)}"


def primary_exception(event: StoredEvent) -> ExceptionInfo | None:
    return event.exceptions[-1] if event.exceptions else None


def grouping_frames(event: StoredEvent) -> tuple[Frame, ...]:
    """The frames that group: the in-app ones of the primary stack trace, or all when none is."""
    exc = primary_exception(event)
    frames = exc.frames if exc is not None and exc.frames else event.stacktrace
    in_app = tuple(f for f in frames if f.in_app)
    return in_app or frames


def default_components(event: StoredEvent) -> tuple[GroupedBy, tuple[str, ...]]:
    exc = primary_exception(event)
    frames = grouping_frames(event)
    kind = f"type:{exc.type or ''}" if exc is not None else "type:"
    if frames:
        return GroupedBy.STACKTRACE, (kind, *(frame_component(f) for f in frames))
    if exc is not None and (exc.type or exc.value):
        return GroupedBy.EXCEPTION, (kind, f"value:{parameterize(exc.value or '')}")
    if event.message_template:
        return GroupedBy.MESSAGE, (f"message:{event.message_template}",)
    if event.message:
        return GroupedBy.MESSAGE, (f"message:{parameterize(event.message)}",)
    return GroupedBy.FALLBACK, ("fallback",)


def _top_frame(event: StoredEvent) -> Frame | None:
    frames = grouping_frames(event)
    return frames[-1] if frames else None  # frames are ordered outermost first


def _variable(name: str, event: StoredEvent, default: tuple[str, ...]) -> tuple[str, ...]:
    exc = primary_exception(event)
    top = _top_frame(event)
    values: dict[str, str | None] = {
        "type": exc.type if exc else None,
        "error.type": exc.type if exc else None,
        "error.value": exc.value if exc else None,
        "transaction": event.transaction,
        "level": event.level,
        "message": event.message,
        "function": top.function if top else None,
        "module": top.module if top else None,
    }
    if name == "default":
        return default
    if name in values:
        return (values[name] or f"<no {name}>",)
    return (f"{{{{ {name} }}}}",)  # an unknown variable stays as written, as Sentry keeps it


def expand_fingerprint(parts: tuple[str, ...], event: StoredEvent, default: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for part in parts:
        match = _VARIABLE.fullmatch(part.strip())
        out.extend(_variable(match.group(1).lower(), event, default) if match else (part,))
    return tuple(out)


def _hash(components: tuple[str, ...]) -> str:
    return hashlib.md5("\x00".join(components).encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def group_event(event: StoredEvent, fingerprint: tuple[str, ...] | None = None) -> Grouping:
    """The event's group; ``fingerprint`` (a server-side rule's) wins over the event's own."""
    kind, default = default_components(event)
    parts = fingerprint or event.fingerprint
    if parts and not all(_is_default(p) for p in parts):
        components = expand_fingerprint(parts, event, default)
        return Grouping(_hash(("fingerprint", *components)), GroupedBy.FINGERPRINT, components)
    return Grouping(_hash(default), kind, default)


def _is_default(part: str) -> bool:
    match = _VARIABLE.fullmatch(part.strip())
    return match is not None and match.group(1).lower() == "default"


def describe(event: StoredEvent) -> tuple[str, str]:
    """(title, culprit) as Sentry shows them: 'ValueError: order 7 has no card', 'shop.handlers in charge'."""
    exc = primary_exception(event)
    if exc is not None and (exc.type or exc.value):
        value = (exc.value or "").split("\n", 1)[0]
        title = f"{exc.type}: {value}" if exc.type and value else exc.type or value
    else:
        title = (event.message or "").split("\n", 1)[0] or "<unlabeled event>"
    top = _top_frame(event)
    if event.transaction:
        culprit = event.transaction
    elif top is not None:
        where = top.module or (_basename(top.filename) if top.filename else "?")
        culprit = f"{where} in {top.function or '?'}"
    else:
        culprit = ""
    return title[:MAX_TITLE], culprit[:MAX_TITLE]

"""The body of ``POST /alerts/trigger``: one alert from a script, a deploy or a curl.

``{"type": "critical", "title": "...", "message": "...", "source": "api", "component": "db",
"labels": {...}, "resolve": true}``. ``type`` is the severity (info, warning, critical);
``title`` names the alert (label ``alertname``); ``source`` and ``component`` become labels (and
``source`` the ``service`` label unless ``labels`` sets one), ``message`` the description. The
alert fires until the same body is sent with ``"resolve": true`` (it has no resolve timeout: a
person or a script raised it and says when it is over).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .amapi import AmFieldError
from .matchers import LABEL_NAME
from .model import Alert, Severity, label_set

MAX_TEXT = 4_000
MAX_LABEL_VALUE = 1_000
MAX_LABELS = 30
RESERVED = frozenset({"alertname", "severity"})
_KEYS = frozenset({"type", "title", "message", "source", "component", "labels", "resolve"})


def _text(body: Mapping[str, Any], key: str, *, required: bool, limit: int = MAX_LABEL_VALUE) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise AmFieldError(key, "required, a non-empty string" if required else "must be a string")
    if len(value) > limit:
        raise AmFieldError(key, f"at most {limit} characters")
    return value.strip()


def _labels(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AmFieldError("labels", "must be an object of string values")
    if len(value) > MAX_LABELS:
        raise AmFieldError("labels", f"at most {MAX_LABELS} labels")
    for name, item in value.items():
        if not isinstance(name, str) or not LABEL_NAME.fullmatch(name) or name.startswith("__"):
            raise AmFieldError("labels", f"invalid label name {str(name)[:100]!r}")
        if name in RESERVED:
            raise AmFieldError(f"labels.{name}", "is set from the body's title and type")
        if not isinstance(item, str) or len(item) > MAX_LABEL_VALUE:
            raise AmFieldError(f"labels.{name}", f"must be a string of at most {MAX_LABEL_VALUE} characters")
    return dict(value)


def parse_trigger(body: Any, now_ms: int) -> Alert:
    """The alert of a trigger body; AmFieldError names the field."""
    if not isinstance(body, Mapping):
        raise AmFieldError("body", "must be a JSON object")
    unknown = sorted(set(body) - _KEYS)
    if unknown:
        raise AmFieldError(str(unknown[0])[:100], f"unknown field; expected {', '.join(sorted(_KEYS))}")
    severity = body.get("type")
    if not isinstance(severity, str) or severity not in {s.value for s in Severity}:  # [] is unhashable
        raise AmFieldError("type", f"must be one of {', '.join(s.value for s in Severity)}")
    title = _text(body, "title", required=True)
    message = _text(body, "message", required=False, limit=MAX_TEXT)
    source, component = _text(body, "source", required=False), _text(body, "component", required=False)
    resolve = body.get("resolve", False)
    if not isinstance(resolve, bool):
        raise AmFieldError("resolve", "must be true or false")
    extra = _labels(body.get("labels"))
    labels = {"service": source, **extra, "source": source, "component": component}
    labels.update(alertname=title, severity=str(severity))
    annotations = label_set({"summary": title, "description": message})
    return Alert(label_set(labels), annotations, now_ms, now_ms if resolve else None, "", now_ms)

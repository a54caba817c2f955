"""Method and path routing, decided without any I/O.

A route is a method and a path pattern; ``{name}`` captures one path segment and a trailing
``{name:path}`` captures the rest. ``Router.resolve`` returns the handler name and captured
parameters, or raises NotFound / MethodNotAllowed with the allowed methods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .errors import MethodNotAllowed, NotFound

H = TypeVar("H")

_PARAM = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(:path)?\}")


def _compile(pattern: str) -> re.Pattern[str]:
    if not pattern.startswith("/"):
        raise ValueError(f"route pattern {pattern!r} must start with '/'")
    out, pos = [], 0
    for match in _PARAM.finditer(pattern):
        out.append(re.escape(pattern[pos : match.start()]))
        name, is_path = match.group(1), match.group(2)
        out.append(f"(?P<{name}>.+)" if is_path else f"(?P<{name}>[^/]+)")
        pos = match.end()
    out.append(re.escape(pattern[pos:]))
    return re.compile("".join(out) + r"\Z", re.DOTALL)


@dataclass(frozen=True)
class Match(Generic[H]):
    handler: H
    params: dict[str, str]
    pattern: str = ""  # the route as declared (``/logs/{id}``), a low-cardinality name for traces


@dataclass
class Router(Generic[H]):
    _routes: list[tuple[re.Pattern[str], str, dict[str, H]]] = field(default_factory=list)

    def add(self, method: str, pattern: str, handler: H) -> None:
        method = method.upper()
        for _regex, existing, handlers in self._routes:
            if existing == pattern:
                if method in handlers:
                    raise ValueError(f"duplicate route {method} {pattern}")
                handlers[method] = handler
                return
        self._routes.append((_compile(pattern), pattern, {method: handler}))

    def entries(self) -> list[tuple[str, str, H]]:
        """(pattern, method, handler) of every route, in the order they were added."""
        return [(pattern, method, h) for _regex, pattern, handlers in self._routes for method, h in handlers.items()]

    def resolve(self, method: str, path: str) -> Match[H]:
        method = method.upper()
        allowed: list[str] = []
        for regex, pattern, handlers in self._routes:
            found = regex.match(path)
            if not found:
                continue
            if method in handlers:
                return Match(handlers[method], found.groupdict(), pattern)
            if method == "HEAD" and "GET" in handlers:
                return Match(handlers["GET"], found.groupdict(), pattern)
            allowed.extend(m for m in handlers if m not in allowed)
        if allowed:
            if "GET" in allowed and "HEAD" not in allowed:
                allowed.append("HEAD")
            raise MethodNotAllowed(method, path, sorted(allowed))
        raise NotFound(f"no route for {path}")

    def routes(self) -> list[tuple[str, str]]:
        return [(method, pattern) for _r, pattern, handlers in self._routes for method in handlers]

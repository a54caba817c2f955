"""What the spans of a Worker say, in OpenTelemetry's semantic-convention names: the server span of
a request or a cron, and the client spans of an outgoing fetch, a service-binding call or a Durable
Object call. Query strings are never recorded (they carry tokens); only the path."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

RPC_SYSTEM = "cloudflare_workers_rpc"


def server_span_name(method: str, route: str | None) -> str:
    """``GET /orders/:id`` with a route; the method alone without one (a path would make every
    distinct URL its own endpoint)."""
    return f"{method} {route}" if route else method


def server_attributes(method: str, url: str, route: str | None = None) -> dict[str, Any]:
    parts = urlsplit(url)
    attributes: dict[str, Any] = {
        "http.request.method": method,
        "url.path": parts.path or "/",
        "url.scheme": parts.scheme or "https",
    }
    if parts.hostname:
        attributes["server.address"] = parts.hostname
    if route:
        attributes["http.route"] = route
    return attributes


def server_failed(status: int) -> bool:
    """A server span is an error on 5xx only: a 4xx is the client's mistake, not the server's."""
    return status >= 500


def client_failed(status: int) -> bool:
    """A client span is an error on 4xx and 5xx: the call did not get what it asked for."""
    return status >= 400


def client_target(url: str, peer: str | None) -> str:
    return peer or urlsplit(url).hostname or "fetch"


def client_span_name(method: str, url: str, peer: str | None = None) -> str:
    return f"{method} {client_target(url, peer)}"


def client_attributes(method: str, url: str, peer: str | None = None) -> dict[str, Any]:
    parts = urlsplit(url)
    attributes: dict[str, Any] = {"http.request.method": method, "url.path": parts.path or "/"}
    if parts.hostname:
        attributes["server.address"] = parts.hostname
        attributes["url.full"] = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{parts.path}"
    if parts.port is not None:
        attributes["server.port"] = parts.port
    if peer:
        attributes["peer.service"] = peer
    return attributes


def rpc_client_attributes(peer: str, method: str) -> dict[str, Any]:
    return {"rpc.system": RPC_SYSTEM, "rpc.method": method, "peer.service": peer}


def rpc_server_attributes(service: str, method: str) -> dict[str, Any]:
    return {"rpc.system": RPC_SYSTEM, "rpc.service": service, "rpc.method": method}


def cron_attributes(cron: str, scheduled_ms: int | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {"faas.trigger": "timer", "faas.cron": cron}
    if scheduled_ms is not None:
        attributes["faas.time_ms"] = scheduled_ms
    return attributes

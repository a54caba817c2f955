"""A small request/job dispatcher shared by every Worker entry.

Adapter modules declare their routes, jobs and health parts on a module-level ``Routes`` with short
top-level handler functions; the entry builds one WorkerApp and ``include``s them. ``handle`` turns
a Request into a call of the handler and the result into a JSON Response. Errors become JSON bodies
with the right status; an unexpected exception is logged with an id and answered as a 500 JSON body
with no trace.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from workers import Response

from edgewatch import __version__
from edgewatch.access import Principal, Role, authorize, dashboard_cors, dashboard_preflight
from edgewatch.codec import encode
from edgewatch.config import ConfigError
from edgewatch.errors import ApiError, PayloadTooLarge, internal_error_body
from edgewatch.health import CheckResult, HealthReport, describe_error
from edgewatch.routing import Router
from edgewatch.schedule import JobAnswer
from edgewatch.services import BY_CONCERN, service

from .access import principal_for
from .audit import append_later, record_of
from .bindings import probe_durable_object, probe_kv, probe_r2, probe_service
from .clock import now_ms
from .console import Console
from .settings import stack_config


@dataclass
class Incoming:
    request: Any
    env: Any
    ctx: Any
    method: str
    path: str
    query: dict[str, str]
    params: dict[str, str]
    console: Console  # the Worker's log lines (JSON), at the level LOG_LEVEL asks for
    principal: Principal | None = None  # who is asking, on a route that needs a role

    def header(self, name: str) -> str | None:
        value = self.request.headers.get(name)
        return None if value is None else str(value)

    async def body(self, max_bytes: int) -> bytes:
        """The raw body; over max_bytes is a 413. A body declared far larger (over 4x) is refused
        before it is read, to protect the isolate's memory; a moderately larger one is read first so
        that simple clients, still sending, can read the 413."""
        declared = self.header("content-length")
        if declared is not None and declared.isdigit() and int(declared) > 4 * max_bytes:
            raise PayloadTooLarge(f"body of {declared} bytes exceeds the limit of {max_bytes}")
        data = bytes(await self.request.bytes())
        if len(data) > max_bytes:
            raise PayloadTooLarge(f"body of {len(data)} bytes exceeds the limit of {max_bytes}")
        return data


@dataclass
class Reply:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raw: bool = False  # body is already text (e.g. Prometheus exposition), sent as is


Handler = Callable[[Incoming], Awaitable[Reply]]


@dataclass(frozen=True)
class Open:
    """A route that needs no role: it has a rule of its own (an ingest token, a project key, a
    heartbeat id) or none (health, the public status page). ``dashboard`` routes also answer the
    dashboard's origins' CORS requests, as role routes do (the Overview reads every health)."""

    reason: str
    dashboard: bool = False


Access = Role | Open


@dataclass(frozen=True)
class Endpoint:
    handler: Handler
    access: Access


ExtraCheck = Callable[[Any], Awaitable[CheckResult]]
Job = Callable[[Any, int], Awaitable[object]]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    merged = {"content-type": "application/json; charset=utf-8", "cache-control": "no-store"}
    merged.update(headers or {})
    return Response(json.dumps(body, separators=(",", ":"), default=str), status=status, headers=merged)


def _respond(method: str, reply: Reply) -> Response:
    if method == "HEAD" or reply.status in (204, 304) or reply.body is None:
        return Response(None, status=reply.status, headers=reply.headers)
    if reply.raw:  # bytes go out as bytes (a protobuf answer), anything else as text
        body = reply.body if isinstance(reply.body, bytes) else str(reply.body)
        return Response(body, status=reply.status, headers=reply.headers)
    return json_response(reply.body, reply.status, reply.headers)


class Routes:
    """What one adapter module serves: routes, cron jobs, health checks and health sections."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, str, Handler, Access]] = []
        self.jobs: dict[str, Job] = {}
        self.checks: list[ExtraCheck] = []
        self.sections: dict[str, Callable[[Any], Awaitable[Any]]] = {}

    def route(self, method: str, pattern: str, *, access: Access) -> Callable[[Handler], Handler]:
        """Every route declares who may call it: the least role (``Role.VIEWER``...), or ``Open``
        with the rule it keeps instead."""

        def register(handler: Handler) -> Handler:
            self.routes.append((method, pattern, handler, access))
            return handler

        return register

    def job(self, name: str) -> Callable[[Job], Job]:
        def register(fn: Job) -> Job:
            self.jobs[name] = fn
            return fn

        return register

    def health_check(self, check: ExtraCheck) -> ExtraCheck:
        self.checks.append(check)
        return check

    def health_section(self, name: str) -> Callable[[Callable[[Any], Awaitable[Any]]], Callable[[Any], Awaitable[Any]]]:
        def register(fn: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
            self.sections[name] = fn
            return fn

        return register


@dataclass(frozen=True)
class BindingSpec:
    name: str
    kind: str  # kv | r2 | durable_object | service
    target: str = ""  # object name for a DO probe, concern for a service


async def check_binding(env: Any, spec: BindingSpec) -> CheckResult:
    """One binding's round-trip probe (health, and pitchey-infra's samples)."""
    binding = getattr(env, spec.name, None)
    if binding is None:
        return CheckResult(spec.name, spec.kind, False, 0.0, "binding is not configured")
    if spec.kind == "kv":
        return await probe_kv(spec.name, binding)
    if spec.kind == "r2":
        return await probe_r2(spec.name, binding)
    if spec.kind == "durable_object":
        return await probe_durable_object(spec.name, binding, spec.target)
    return await probe_service(spec.name, binding, BY_CONCERN[spec.target].worker_name)


class WorkerApp:
    def __init__(self, concern: str, bindings: list[BindingSpec], include: tuple[Routes, ...] = ()) -> None:
        self.service = service(concern)
        self.router: Router[Endpoint] = Router()
        self.jobs: dict[str, Job] = {}
        self.bindings = bindings
        self.extra_checks: list[ExtraCheck] = []
        # Extra sections of the health body (e.g. monitoring's summary of every uptime check).
        self.health_sections: dict[str, Callable[[Any], Awaitable[Any]]] = {}
        self.console = Console(self.service.worker_name)
        self.router.add("GET", f"{self.service.prefix}/health", Endpoint(self._health, Open("health", dashboard=True)))
        self.router.add("GET", f"{self.service.prefix}/_routes", Endpoint(self._routes, Role.VIEWER))
        self.router.add("GET", f"{self.service.prefix}/_whoami", Endpoint(self._whoami, Role.VIEWER))
        for routes in include:
            self.include(routes)

    def include(self, routes: Routes) -> None:
        for method, pattern, handler, access in routes.routes:
            self.router.add(method, pattern, Endpoint(handler, access))
        self.jobs.update(routes.jobs)
        self.extra_checks.extend(routes.checks)
        self.health_sections.update(routes.sections)

    # -- HTTP -----------------------------------------------------------------------------
    async def handle(self, request: Any, env: Any, ctx: Any) -> Response:
        self.console.minimum = str(getattr(env, "LOG_LEVEL", None) or "info")
        parts = urlsplit(str(request.url))
        method = str(request.method).upper()
        try:
            if method == "OPTIONS" and request.headers.get("access-control-request-method"):
                preflight = self._preflight(env, request, parts.path)
                if preflight is not None:
                    return preflight
            match = self.router.resolve(method, parts.path)
            incoming = Incoming(
                request,
                env,
                ctx,
                method,
                parts.path,
                dict(parse_qsl(parts.query, keep_blank_values=True)),
                match.params,
                self.console,
            )
            endpoint = match.handler
            if not isinstance(endpoint.access, Role):
                reply = await endpoint.handler(incoming)
                if endpoint.access.dashboard:  # health must answer even with a broken config
                    reply.headers = {**reply.headers, **self._cors_or_none(env, request)}
                return _respond(method, reply)
            cors = self._cors(env, request)
            try:
                reply = await self._audited(incoming, endpoint.handler, endpoint.access)
            except ApiError as exc:
                exc.headers = {**exc.headers, **cors}  # the dashboard can read a 401 or 403 too
                raise
            reply.headers = {**reply.headers, **cors}
            return _respond(method, reply)
        except ApiError as exc:
            return json_response(exc.body(), exc.status, {**self._cors_or_none(env, request), **exc.headers})
        except ConfigError as exc:
            self.console.error("invalid_configuration", source=exc.source, problems=exc.problems)
            body = {
                "error": {"code": "invalid_configuration", "message": str(exc).splitlines()[0], "details": exc.problems}
            }
            return json_response(body, 500)
        except Exception as exc:
            request_id = uuid.uuid4().hex[:16]
            self.console.error(
                "unhandled_exception",
                request_id=request_id,
                method=method,
                path=parts.path,
                error=f"{type(exc).__name__}: {exc}",
            )
            body = internal_error_body(request_id)
            if str(getattr(env, "ENVIRONMENT", "")) == "test":  # tests see the cause; nobody else does
                body["error"]["debug"] = f"{type(exc).__name__}: {exc}"[:2000]
            return json_response(body, 500)

    def _cors_or_none(self, env: Any, request: Any) -> dict[str, str]:
        """The dashboard may read any refusal (an unknown path, a wrong method) too; a broken
        config answers its own 500 elsewhere."""
        try:
            return self._cors(env, request)
        except ConfigError:
            return {}

    def _cors(self, env: Any, request: Any) -> dict[str, str]:
        origin = request.headers.get("origin")
        if origin is None:
            return {}
        return dashboard_cors(str(origin), stack_config(env).monitoring.access.dashboard_origins)

    def _preflight(self, env: Any, request: Any, path: str) -> Response | None:
        """A dashboard's preflight for a role route, an open route the dashboard reads, or an unknown
        path (so it can read the 404); None lets the route's own OPTIONS answer."""
        wanted = str(request.headers.get("access-control-request-method")).upper()
        try:
            endpoint = self.router.resolve(wanted, path).handler
        except ApiError:
            endpoint = None  # a dashboard may still read the 404 or 405 that follows
        if endpoint is not None and not isinstance(endpoint.access, Role) and not endpoint.access.dashboard:
            return None
        origin = request.headers.get("origin")
        allowed = stack_config(env).monitoring.access.dashboard_origins
        headers = dashboard_preflight(None if origin is None else str(origin), allowed, [wanted, "GET"])
        if headers is None:
            return None if endpoint is None else Response(None, status=403)
        return Response(None, status=204, headers=headers)

    async def _audited(self, req: Incoming, handler: Handler, role: Role) -> Reply:
        """A role route: who is asking, whether they may, the answer; and the audit record of it
        (refusals included), appended after the answer."""
        status = 500
        try:
            req.principal = await principal_for(req.env, req.request.headers)
            authorize(req.principal, role)
            reply = await handler(req)
            status = reply.status
            return reply
        except ApiError as exc:
            status = exc.status
            raise
        finally:
            record = record_of(req.request, req.method, req.path, req.params, principal=req.principal, status=status)
            append_later(req.env, req.ctx, record, self.console)

    def route_of(self, request: Any) -> str | None:
        """The declared route a request matches (``/logs/{id}``), for trace span names."""
        try:
            return self.router.resolve(str(request.method), urlsplit(str(request.url)).path).pattern or None
        except ApiError:
            return None

    # -- health ---------------------------------------------------------------------------
    async def check_bindings(self, env: Any) -> list[CheckResult]:
        return list(await asyncio.gather(*(check_binding(env, spec) for spec in self.bindings)))

    def check_config(self, env: Any) -> CheckResult:
        start = time.perf_counter()
        try:
            stack_config(env)
        except ConfigError as exc:
            problems = "; ".join(exc.problems)
            return CheckResult("config", "config", False, (time.perf_counter() - start) * 1000, problems[:500])
        return CheckResult("config", "config", True, (time.perf_counter() - start) * 1000)

    async def _health(self, req: Incoming) -> Reply:
        report = HealthReport(
            self.service.worker_name,
            __version__,
            str(getattr(req.env, "ENVIRONMENT", None) or "unknown"),
            [
                self.check_config(req.env),
                *await self.check_bindings(req.env),
                *[await check(req.env) for check in self.extra_checks],
            ],
        )
        body = report.to_json()
        for name, section in self.health_sections.items():
            try:
                body[name] = await section(req.env)
            except Exception as exc:
                body[name] = {"error": describe_error(exc)}
        return Reply(body, report.http_status)

    async def _routes(self, req: Incoming) -> Reply:
        """Every route of this Worker and who may call it (the access table the tests walk)."""
        table = [
            {"method": method, "pattern": pattern,
             "access": endpoint.access.label if isinstance(endpoint.access, Role) else "open",
             **({"reason": endpoint.access.reason} if isinstance(endpoint.access, Open) else {})}
            for pattern, method, endpoint in self.router.entries()
        ]  # fmt: skip
        return Reply({"worker": self.service.worker_name, "routes": table})

    async def _whoami(self, req: Incoming) -> Reply:
        """Who the Worker takes the caller for: the dashboard shows only what this role may do."""
        principal = req.principal
        assert principal is not None  # a role route always has one
        return Reply({"name": principal.name, "role": principal.role.label, "via": principal.via.value})

    # -- RPC --------------------------------------------------------------------------------
    def ping(self) -> dict[str, Any]:
        return {"name": self.service.worker_name, "version": __version__, "at_ms": now_ms()}

    async def run_job(self, name: str, env: Any, scheduled_ms: int) -> str:
        """Run a registered job; the answer is an encoded JobAnswer (errors cross as data)."""
        fn = self.jobs.get(name)
        if fn is None:
            return encode(JobAnswer(unknown_job=f"{self.service.worker_name} has no job {name!r}"))
        started = time.time()
        try:
            result = await fn(env, int(scheduled_ms))
        except Exception as exc:
            # Errors cross the RPC boundary as data: a clean message instead of a remote traceback.
            error = f"{type(exc).__name__}: {exc}"
            self.console.error("job_failed", job=name, scheduled_ms=int(scheduled_ms), error=error)
            return encode(JobAnswer(error=error))
        took_ms = round((time.time() - started) * 1000, 3)
        self.console.info("job_done", job=name, scheduled_ms=int(scheduled_ms), took_ms=took_ms)
        return encode(JobAnswer(result=result))

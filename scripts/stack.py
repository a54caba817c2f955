"""Start the whole stack locally: the six Workers in one wrangler session on real workerd, plus the
dashboard. Used by `./dev up` and by the end-to-end test fixture.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgewatch.apm import parse_project_keys
from edgewatch.services import SERVICES

from .dashboard import build as build_dashboard
from .dashboard import handler_for
from .devvars import dev_vars
from .localconfig import write_extra_local_config, write_local_configs, write_router_config
from .toolchain import LOCAL, ROOT, ensure_toolchain, wrangler_command, wrangler_env
from .vendor import vendor

EXAMPLE_API_NAME = "pitchey-platform-api-example"
EXAMPLE_API_ENTRY = ROOT / "examples" / "platform_api" / "entry.py"
# The second example Worker, behind the example API's INVENTORY binding, with a Durable Object.
EXAMPLE_INVENTORY_NAME = "pitchey-inventory-api-example"
EXAMPLE_INVENTORY_ENTRY = ROOT / "examples" / "inventory_api" / "entry.py"

MONITORING_DEFAULTS = ROOT / "shared" / "edgewatch" / "defaults" / "monitoring-config.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare() -> None:
    """Install and build whatever is missing (idempotent)."""
    ensure_toolchain()
    vendor()
    build_dashboard()


class StackError(RuntimeError):
    pass


@dataclass
class Stack:
    port: int = 0
    persist_dir: Path = LOCAL / "state"
    log_path: Path = LOCAL / "logs" / "wrangler.log"
    extra_vars: dict[str, str] = field(default_factory=dict)
    environment: str = "development"
    dashboard_port: int | None = 0
    extra_workers: list[tuple[str, str, Path, str]] = field(default_factory=list)  # prefix, binding, entry, name
    # The example platform API (examples/platform_api), routed at /api/ and protected by the guard.
    example_api: bool = True
    # Its vars; SENTRY_DSN defaults to this stack's own pitchey-apm ingest (project 1).
    example_api_vars: dict[str, str] = field(default_factory=dict)
    # The Worker behind the examples' APM binding (their spans' way out); tests may point it at a
    # Worker without export_spans to see that a failing export never fails a request.
    example_apm_service: str = "pitchey-apm"
    # Where this stack's own local Wrangler configs go (default: beside persist_dir). Never shared:
    # a running `wrangler dev` reloads when its config changes.
    config_dir: Path | None = None
    # Local secrets from .dev.vars (git-ignored) are added to every Worker's vars; extra_vars win.
    read_dev_vars: bool = True
    process: subprocess.Popen[bytes] | None = None
    dashboard: http.server.ThreadingHTTPServer | None = None
    started_s: float = 0.0
    ready_s: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dashboard_url(self) -> str | None:
        return None if self.dashboard is None else f"http://127.0.0.1:{self.dashboard.server_address[1]}/"

    def cron_url(self, cron: str, scheduled_ms: int | None = None) -> str:
        from urllib.parse import urlencode

        query = {"cron": cron, "format": "json"}
        if scheduled_ms is not None:
            query["time"] = str(scheduled_ms)
        return f"{self.base_url}/cdn-cgi/handler/scheduled?{urlencode(query)}"

    def vars(self) -> dict[str, str]:
        merged = {**(dev_vars() if self.read_dev_vars else {}), **self.extra_vars}
        if self.dashboard is not None:
            merged["MONITORING_CONFIG_JSON"] = self._with_dashboard_origin(merged.get("MONITORING_CONFIG_JSON"))
            # the dashboard (and the demo page beside it) report their own vitals and errors
            origin = (self.dashboard_url or "").rstrip("/")
            for name in ("VITALS_ALLOWED_ORIGINS", "SENTRY_ALLOWED_ORIGINS"):
                listed = [o for o in merged.get(name, "").split(",") if o.strip()]
                merged[name] = ",".join([*listed, origin] if origin not in listed else listed)
        return merged

    def _with_dashboard_origin(self, document: str | None) -> str:
        """The monitoring config with this stack's dashboard among `access.dashboardOrigins`, so
        the Workers answer its CORS requests as they would the Pages origin in production."""
        config = json.loads(document if document is not None else MONITORING_DEFAULTS.read_text())
        origins = config.setdefault("access", {}).setdefault("dashboardOrigins", [])
        origin = self.dashboard_url.rstrip("/") if self.dashboard_url else ""
        if origin and origin not in origins:
            origins.append(origin)
        return json.dumps(config)

    def own_apm_dsn(self, project: str = "1") -> str:
        """A DSN for this stack's pitchey-apm: the project's key from SENTRY_PROJECT_KEYS, else any
        key (a development stack without keys accepts any)."""
        keys = parse_project_keys(self.vars().get("SENTRY_PROJECT_KEYS", ""))
        key = next((k for k, p in keys.items() if p == project), "development")
        return f"http://{key}@127.0.0.1:{self.port}/apm/{project}"

    def command(self) -> list[str]:
        target = self.config_dir or (self.persist_dir.parent / "wrangler-configs")
        extra_routes = {prefix: (binding, name) for prefix, binding, _entry, name in self.extra_workers}
        extras = [
            write_extra_local_config(name, entry, target_dir=target) for _p, _b, entry, name in self.extra_workers
        ]
        if self.example_api:
            extra_routes["api"] = ("PLATFORM_API", EXAMPLE_API_NAME)
            extras += self._example_configs(target)
        configs = [
            write_router_config(extra_routes, target_dir=target),
            *write_local_configs(self.vars(), self.environment, target_dir=target),
            *extras,
        ]
        cmd = [*wrangler_command(), "dev"]
        for config in configs:
            cmd += ["-c", str(config)]
        inspector = free_port()
        cmd += [
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--inspector-port",
            str(inspector),
            "--persist-to",
            str(self.persist_dir),
            "--log-level",
            "info",
        ]
        return cmd

    def _example_configs(self, target: Path) -> list[Path]:
        api = write_extra_local_config(
            EXAMPLE_API_NAME,
            EXAMPLE_API_ENTRY,
            self.environment,
            target_dir=target,
            services={
                "SECURITY": "pitchey-security",
                "INVENTORY": EXAMPLE_INVENTORY_NAME,
                "APM": self.example_apm_service,
            },
            extra_vars={"SENTRY_DSN": self.own_apm_dsn(), **self.example_api_vars},
        )
        inventory = write_extra_local_config(
            EXAMPLE_INVENTORY_NAME,
            EXAMPLE_INVENTORY_ENTRY,
            self.environment,
            target_dir=target,
            services={"APM": self.example_apm_service},
            durable_objects={"STOCK_COUNTER": "StockCounter"},
        )
        return [api, inventory]

    def start(self, timeout_s: float = 240.0) -> Stack:
        prepare()
        if not self.port:
            self.port = free_port()
        if self.dashboard_port is not None and self.dashboard is None:
            self._start_dashboard(self.dashboard_port)  # first: the config names its origin
        self.persist_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.started_s = time.monotonic()
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=wrangler_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            self.wait_ready(timeout_s)
        except BaseException:
            self.stop()
            raise
        self.ready_s = time.monotonic()
        return self

    def _start_dashboard(self, port: int) -> None:
        self.dashboard = http.server.ThreadingHTTPServer(
            ("127.0.0.1", port), handler_for(self.base_url, self.own_apm_dsn(), self.environment)
        )
        threading.Thread(target=self.dashboard.serve_forever, daemon=True).start()

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        pending = {svc.concern for svc in SERVICES}
        while pending:
            if self.process is not None and self.process.poll() is not None:
                raise StackError(
                    f"wrangler exited with {self.process.returncode}; see {self.log_path}:\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise StackError(f"not ready after {timeout_s:.0f}s: {sorted(pending)}; log:\n{self.log_tail()}")
            for concern in sorted(pending):
                with contextlib.suppress(OSError, ValueError, urllib.error.URLError):
                    status, body = self.request("GET", f"/{concern}/health", timeout=10)
                    if status in (200, 503) and isinstance(body, dict) and body.get("name") == f"pitchey-{concern}":
                        pending.discard(concern)
            if pending:
                time.sleep(0.5)

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> tuple[int, Any]:
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def trigger_cron(self, cron: str, scheduled_ms: int | None = None, timeout: float = 60) -> dict[str, Any]:
        """Deliver a cron as Cloudflare would; returns workerd's outcome ({"outcome": "ok", ...})."""
        try:
            with urllib.request.urlopen(self.cron_url(cron, scheduled_ms), timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as err:
            raw = err.read()
        result: dict[str, Any] = json.loads(raw)
        return result

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.dashboard is not None:
            self.dashboard.shutdown()
            self.dashboard.server_close()
            self.dashboard = None
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

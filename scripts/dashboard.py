"""Build the dashboard (Cloudflare Pages, static) and serve a build locally as Pages would.

`dashboard/src` (ES modules, the uPlot charts and the webVitalsMonitor module from npm) is bundled
by esbuild into `dashboard/dist`: the HTML pages, `main.js`/`main.css`, `status.js`/`status.css`,
`config.json` (where the Workers are) and `_headers` (the Content-Security-Policy and the other
security headers, which Pages applies). `wrangler pages deploy dashboard/dist` deploys it.

The local server applies the same headers, computed by the same function, for the local stack's
origin, so the tests run the page under the CSP that production gets.
"""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .toolchain import NODE_MODULES, ROOT, SetupError, say, stamp_ok, write_stamp

DASHBOARD = ROOT / "dashboard"
SOURCE = DASHBOARD / "src"
PUBLIC = DASHBOARD / "public"
DIST = DASHBOARD / "dist"
ENTRIES = ("main.js", "status.js")
# The local demo's page of the pretend platform (./dev up): only in local builds, never deployed.
DEMO_FILES = ("demo.js", "demo.html")
# The module the platform's React app and the dashboard share (packages/web-vitals-monitor).
PACKAGES = ROOT / "packages"


def origin_of(url: str) -> str:
    """scheme://host[:port] of an http(s) URL; a SetupError names anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise SetupError(f"--api must be an http(s) origin like https://obs.example.com, not {url!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


def security_headers(api_origins: list[str]) -> dict[str, str]:
    """The headers of every dashboard response: no inline script, no eval, HTML only through the
    DOM (Trusted Types with no policy), data only from the dashboard's own origin and the Workers'."""
    connect = " ".join(["'self'", *sorted(set(api_origins))])
    csp = "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "require-trusted-types-for 'script'",
            "trusted-types 'none'",
        ]
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }


def headers_file(api_origins: list[str]) -> str:
    """Cloudflare Pages' `_headers`: one rule for every path."""
    lines = ["/*", *(f"  {k}: {v}" for k, v in security_headers(api_origins).items())]
    lines += ["/config.json", "  Cache-Control: no-store"]
    return "\n".join(lines) + "\n"


def config_file(
    api_origin: str, sentry_dsn: str = "", environment: str = "production", refresh_seconds: int = 15
) -> str:
    """Where the dashboard finds the Workers, and how it reports its own Web Vitals and errors."""
    config: dict[str, Any] = {"api": api_origin, "refreshSeconds": refresh_seconds, "selfMonitoring": True}
    if sentry_dsn:
        config["sentryDsn"] = sentry_dsn
        config["environment"] = environment
    return json.dumps(config, indent=2) + "\n"


def _sources() -> list[Path]:
    files = [p for p in sorted(SOURCE.rglob("*")) if p.is_file()]
    files += [p for p in sorted(PUBLIC.rglob("*")) if p.is_file()]
    files += [p for p in sorted(PACKAGES.rglob("*")) if p.is_file() and "node_modules" not in p.parts]
    return files


def _digest(extra: str) -> str:
    import hashlib

    h = hashlib.sha256(extra.encode())
    for path in _sources():
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def build(out: Path = DIST, api_origin: str = "", *, sentry_dsn: str = "", force: bool = False) -> Path:
    """Bundle the dashboard into `out`; skipped when nothing changed since the last build. A build
    for an API origin is a production build (no demo page); without one it is the local build."""
    api = origin_of(api_origin) if api_origin else ""
    if sentry_dsn and urlsplit(sentry_dsn).scheme not in ("http", "https"):
        raise SetupError(f"--sentry-dsn must be http(s)://KEY@host/apm/<project>, not {sentry_dsn!r}")
    entries = ENTRIES if api else (*ENTRIES, "demo.js")
    value = _digest(f"{out}|{api}|{sentry_dsn}")
    stamp = "dashboard" if out == DIST else None
    if stamp and not force and stamp_ok(stamp, value) and (out / "main.js").is_file():
        return out
    esbuild = NODE_MODULES / "esbuild" / "bin" / "esbuild"
    if not esbuild.is_file():
        raise SetupError(f"{esbuild} is missing: run `npm ci`")
    say(f"building the dashboard into {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    cmd = [
        str(esbuild),
        *(str(SOURCE / e) for e in entries),
        "--bundle",
        "--format=esm",
        "--target=es2022",
        "--minify",
        "--legal-comments=external",
        f"--outdir={out}",
        "--log-level=warning",
    ]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SetupError(f"esbuild failed:\n{result.stderr}")
    for page in sorted(PUBLIC.iterdir()):
        if page.is_file() and not (api and page.name in DEMO_FILES):
            shutil.copy2(page, out / page.name)
    (out / "_headers").write_text(headers_file([api] if api else []))
    (out / "config.json").write_text(config_file(api, sentry_dsn))
    if stamp:
        write_stamp(stamp, value)
    return out


class DashboardHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a build as Pages does: the files, `_headers` applied (here for the local stack's
    Workers' origin), and `config.json` naming that origin. The `_headers` file itself is not served."""

    api_origin = ""
    sentry_dsn = ""
    environment = "development"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(DIST), **kwargs)

    def end_headers(self) -> None:
        for name, value in security_headers([self.api_origin] if self.api_origin else []).items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/config.json":
            body = config_file(self.api_origin, self.sentry_dsn, self.environment).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path.startswith("/_headers"):
            self.send_error(404)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def handler_for(api_origin: str, sentry_dsn: str = "", environment: str = "development") -> type[DashboardHandler]:
    attributes = {"api_origin": api_origin, "sentry_dsn": sentry_dsn, "environment": environment}
    return type("LocalDashboard", (DashboardHandler,), attributes)

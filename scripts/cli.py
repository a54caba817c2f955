"""Developer commands behind ./dev: setup, up, test, bench, check-config, deploy-check."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .toolchain import ROOT, SetupError


def cmd_setup(_: argparse.Namespace) -> int:
    from .stack import prepare

    prepare()
    print("[setup] ready: toolchain, Pyodide bundle, workerd wrapper and python_modules are in place")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_up(args: argparse.Namespace) -> int:
    from .stack import Stack

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)

    for flag, port in (("--port", args.port), ("--dashboard-port", args.dashboard_port)):
        if port and not port_free(port):
            print(f"[up] error: port {port} is already in use (another ./dev up?); pick another with {flag} N")
            return 2
    stack = Stack(port=args.port, dashboard_port=args.dashboard_port)
    print("[up] starting six Workers on workerd (first start of Pyodide takes a few seconds each) ...", flush=True)
    stack.start()
    took = stack.ready_s - stack.started_s
    print(f"\nAll six Workers answer (start-up {took:.1f}s). Ctrl-C stops everything.\n")
    for concern in ("monitoring", "logs", "apm", "infra", "alerts", "security"):
        print(f"  pitchey-{concern:<11} {stack.base_url}/{concern}/health")
    print(f"  example platform API {stack.base_url}/api/auth/login  (guarded by pitchey-security; local only)")
    print(f"  status page          {stack.base_url}/monitoring/status")
    print(f"\n  dashboard            {stack.dashboard_url}")
    print(f"  cron trigger         {stack.base_url}/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*")
    print(f"  state                {stack.persist_dir}")
    print(f"  wrangler log         {stack.log_path}\n", flush=True)
    demo = None
    if args.demo:
        from .demo import DemoTraffic

        demo = DemoTraffic(stack).start()
        print("[up] demo traffic is running against the example API (--no-demo to run the stack bare)", flush=True)
    try:
        while stack.process is not None and stack.process.poll() is None:
            time.sleep(1)
        print(f"[up] wrangler stopped unexpectedly:\n{stack.log_tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n[up] stopping ...")
        return 0
    finally:
        if demo is not None:
            demo.stop()
        stack.stop()


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _run(step: str, cmd: list[str]) -> None:
    print(f"\n=== {step}: {' '.join(cmd)}", flush=True)
    started = time.monotonic()
    result = subprocess.run(cmd, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"=== {step} failed (exit {result.returncode})")
    print(f"=== {step} passed in {time.monotonic() - started:.1f}s", flush=True)


# The runtime calls Worker handlers with JS proxies, so an entry's handlers and Durable Object
# methods keep unannotated parameters: their folders are checked with these relaxations (the
# core and edgewatch_cf are checked strictly by the project-wide run).
ADAPTER_MYPY_FLAGS = [
    "--allow-untyped-defs",
    "--allow-incomplete-defs",
    "--allow-untyped-calls",
    "--allow-subclassing-any",
    "--allow-untyped-decorators",
    "--no-warn-unused-ignores",  # edgewatch_cf's ignores are for the strict run
]


def cmd_test(args: argparse.Namespace) -> int:
    py = sys.executable
    if not args.unit:
        from .stack import prepare
        from .toolchain import PEERS, ensure_peers

        prepare()
        for name, path in ensure_peers().items():  # the browser and the real peers the tests drive
            os.environ[PEERS[name][0]] = str(path)
    _run("lint", [py, "-m", "ruff", "check", "."])
    _run("format", [py, "-m", "ruff", "format", "--check", "."])
    _run("types", [py, "-m", "mypy"])
    found = [*sorted((ROOT / "workers").glob("*/entry.py")), *sorted((ROOT / "examples").glob("*/entry.py"))]
    entries = [str(p.relative_to(ROOT)) for p in found]
    for entry in entries:  # each entry is a module named `entry`: one mypy run each, with its folder
        _run(f"types {entry}", [py, "-m", "mypy", *ADAPTER_MYPY_FLAGS, entry])
    _run("unit tests", [py, "-m", "pytest", "tests/unit", "-q", *args.pytest_args])
    if args.unit:
        print("\nlint, types and unit tests passed (no workerd, no browser)")
        return 0
    _run("end-to-end tests (real workerd)", [py, "-m", "pytest", "tests/e2e", "-q", *args.pytest_args])
    print("\nall checks passed")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    from edgewatch.config import ConfigError
    from edgewatch.stack import load_stack_config

    def read(path: str | None) -> str | None:
        return None if path is None else Path(path).read_text(encoding="utf-8")

    try:
        config = load_stack_config(read(args.monitoring), read(args.security), read(args.vitals))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    rules = len(config.monitoring.alerting.rules)
    print(f"configuration is valid: {rules} alert rules, {len(config.security_rules)} security rules")
    return 0


def cmd_deploy_check(_: argparse.Namespace) -> int:
    from edgewatch.services import SERVICES

    from .stack import prepare
    from .toolchain import wrangler_command, wrangler_env

    prepare()
    for svc in SERVICES:
        with tempfile.TemporaryDirectory() as out:
            cmd = [*wrangler_command(), "deploy", "--dry-run", "--outdir", out, "-c", f"wrangler/{svc.concern}.toml"]
            result = subprocess.run(cmd, cwd=ROOT, env=wrangler_env(), capture_output=True, text=True)
            status = "ok" if result.returncode == 0 else "FAILED"
            print(f"{svc.worker_name:<20} dry-run {status}")
            if result.returncode != 0:
                print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
                return 1
    return 0


def cmd_dashboard_build(args: argparse.Namespace) -> int:
    """Build the dashboard for Cloudflare Pages, its CSP and config.json naming the Workers' origin."""
    from .dashboard import build
    from .toolchain import ensure_npm_packages

    ensure_npm_packages()
    out = build(Path(args.out).resolve(), args.api, sentry_dsn=args.sentry_dsn, force=True)
    print(f"[dashboard] built {out} for the Workers at {args.api}; deploy it with:")
    print(f"  npx wrangler pages deploy {out} --project-name pitchey-dashboard")
    return 0


BENCHES = {
    "health": ["bench.bench_health"],
    "log-pipeline": ["bench.bench_log_pipeline"],
    "log-ingest": ["bench.bench_log_workerd", "ingest"],
    "log-search": ["bench.bench_log_workerd", "search"],
    "log-cost": ["bench.bench_log_cost"],
    "sketch": ["bench.bench_sketch"],
    "ratelimit": ["bench.bench_ratelimit"],
    "threats": ["bench.bench_threats"],
    "uptime": ["bench.bench_uptime"],
    "alert-rules": ["bench.bench_alert_rules"],
    "alert-rules-workerd": ["bench.bench_alert_rules_workerd"],
    "alert-storm": ["bench.bench_alert_storm"],
    "otlp-decode": ["bench.bench_otlp_decode"],
    "sentry-core": ["bench.bench_sentry_core"],
    "trace-ingest": ["bench.bench_traces_workerd", "ingest"],
    "trace-archive": ["bench.bench_traces_workerd", "archive"],
    "dashboard": ["bench.bench_dashboard"],
}


def cmd_bench(args: argparse.Namespace) -> int:
    from .stack import prepare

    prepare()
    targets = list(BENCHES) if args.name == "all" else [args.name]
    for name in targets:
        module, *rest = BENCHES[name]
        _run(f"bench {name}", [sys.executable, "-m", module, *rest, *args.bench_args])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="install and build everything the local runtime needs").set_defaults(fn=cmd_setup)
    up = sub.add_parser("up", help="set up, then run all six Workers and the dashboard")
    up.add_argument("--port", type=int, default=8787)
    up.add_argument("--dashboard-port", type=int, default=8788)
    up.add_argument("--no-demo", dest="demo", action="store_false", help="no demo traffic (requests, logs, crons)")
    up.set_defaults(fn=cmd_up)
    test = sub.add_parser("test", help="lint, types, unit tests and end-to-end tests on real workerd")
    test.add_argument("--unit", action="store_true", help="lint, types and unit tests only (no workerd, no browser)")
    test.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
    test.set_defaults(fn=cmd_test)
    check = sub.add_parser("check-config", help="validate configuration files (defaults for those not given)")
    check.add_argument("--monitoring", help="path to monitoring-config.json")
    check.add_argument("--security", help="path to security-rules.json")
    check.add_argument("--vitals", help="path to web-vitals.json")
    check.set_defaults(fn=cmd_check_config)
    sub.add_parser("deploy-check", help="wrangler deploy --dry-run for every Worker").set_defaults(fn=cmd_deploy_check)
    dash = sub.add_parser("dashboard-build", help="build the dashboard for Cloudflare Pages")
    dash.add_argument("--api", required=True, help="the Workers' origin, e.g. https://obs.example.com")
    dash.add_argument("--sentry-dsn", default="", help="a DSN of pitchey-apm for the dashboard's own errors")
    dash.add_argument("--out", default=str(ROOT / "dashboard" / "dist"), help="output folder (dashboard/dist)")
    dash.set_defaults(fn=cmd_dashboard_build)
    bench = sub.add_parser("bench", help="run a benchmark (results in bench/results/)")
    bench.add_argument("name", choices=[*BENCHES, "all"])
    bench.add_argument("bench_args", nargs="*", help="extra arguments for the benchmark")
    bench.set_defaults(fn=cmd_bench)
    args = parser.parse_args(argv)
    try:
        return int(args.fn(args))
    except SetupError as exc:
        print(f"[setup] error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

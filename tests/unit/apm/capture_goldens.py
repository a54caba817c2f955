"""Capture what the real ``sentry-sdk`` (PyPI) sends, as golden files for the envelope parser and grouping.

Runs the unmodified SDK with its own HTTP transport against a recorder on 127.0.0.1, with gzip,
with brotli (the SDK's default whenever the ``brotli`` module is importable) and uncompressed, and
writes each request's headers and raw body under ``golden/``. The application code that raises
lives in real files under a temporary project root (so the SDK marks its frames in-app and reads
their context lines), in two copies that differ only in blank lines (same group, other line numbers).

    .venv/bin/python -m tests.unit.apm.capture_goldens
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import sentry_sdk

if TYPE_CHECKING:
    from sentry_sdk.consts import Experiments

GOLDEN = Path(__file__).resolve().parent / "golden"

HANDLERS = """\
class PaymentDeclined(Exception):
    pass


def charge(order_id):
{pad}    raise ValueError(f"order {{order_id}} has no card")


def refund(order_id):
    raise ValueError(f"order {{order_id}} has no card")


def settle(order_id):
    raise PaymentDeclined(f"order {{order_id}} declined")


def wrapped(order_id):
    try:
        charge(order_id)
    except ValueError as exc:
        raise RuntimeError("checkout failed") from exc
"""


# The SDK's own switch: brotli is its default when importable; level 0 turns compression off.
# Strings, as the SDK compares them (its type hints name an Enum that would not compare equal).
EXPERIMENTS: dict[str, dict[str, Any]] = {
    "gzip": {"transport_compression_algo": "gzip"},
    "br": {"transport_compression_algo": "br"},
    "none": {"transport_compression_level": 0},
}


class Recorder(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id":"ok"}')

    def log_message(self, *args: object) -> None:
        return None


def write_app(root: Path, pad_lines: int) -> None:
    package = root / "shop"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(HANDLERS.format(pad="\n" * pad_lines))


def run_sdk(port: int, root: Path, algo: str) -> None:
    """One SDK session: every scenario is one envelope, in a fixed order."""
    sys.path.insert(0, str(root))
    try:
        for name in [m for m in sys.modules if m == "shop" or m.startswith("shop.")]:
            del sys.modules[name]
        handlers = importlib.import_module("shop.handlers")
        sentry_sdk.init(
            dsn=f"http://publickey123@127.0.0.1:{port}/42",
            release="shop@1.4.0+build.7",
            environment="production",
            project_root=str(root),
            default_integrations=False,
            send_client_reports=False,
            traces_sample_rate=1.0,
            _experiments=cast("Experiments", EXPERIMENTS[algo]),
        )
        sentry_sdk.set_user({"id": "user-7", "email": "ana@example.com", "ip_address": "203.0.113.9"})
        sentry_sdk.set_tag("service", "checkout")
        sentry_sdk.add_breadcrumb(category="http", message="GET /cart", level="info")
        for func, arg in ((handlers.charge, 1001), (handlers.charge, 2002), (handlers.refund, 1001),
                          (handlers.settle, 1001), (handlers.wrapped, 7)):  # fmt: skip
            try:
                func(arg)
            except Exception as exc:
                sentry_sdk.capture_exception(exc)
        fingerprints = (
            (handlers.charge, ["payment-failures"]),
            (handlers.settle, ["payment-failures"]),
            (handlers.charge, ["{{ default }}", "eu-west"]),
        )
        for func, fingerprint in fingerprints:
            try:
                func(3)
            except Exception as exc:
                with sentry_sdk.new_scope() as scope:
                    scope.fingerprint = fingerprint
                    sentry_sdk.capture_exception(exc)
        sentry_sdk.capture_message("cache miss for key %s", level="warning")
        with (
            sentry_sdk.start_transaction(name="POST /checkout", op="http.server"),
            sentry_sdk.start_span(op="db.query", name="SELECT cart"),
        ):
            pass
        sentry_sdk.flush()
        sentry_sdk.get_client().close()
    finally:
        sys.path.remove(str(root))


def capture(algo: str, pad_lines: int) -> list[dict[str, Any]]:
    Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            write_app(Path(tmp), pad_lines)
            run_sdk(server.server_address[1], Path(tmp), algo)
    finally:
        server.shutdown()
        server.server_close()
    return list(Recorder.requests)


PADDING = {"gzip": 0, "br": 3, "none": 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=GOLDEN)
    parser.add_argument("--algos", nargs="*", default=list(PADDING))
    args = parser.parse_args()
    args.out.mkdir(exist_ok=True)
    for algo in args.algos:
        requests = capture(algo, PADDING[algo])
        index = []
        for n, request in enumerate(requests):
            name = f"sdk_{algo}_{n:02d}.bin"
            (args.out / name).write_bytes(request["body"])
            headers = {k: v for k, v in request["headers"].items() if k.lower() != "host"}
            index.append({"file": name, "path": request["path"], "headers": headers})
        (args.out / f"sdk_{algo}.json").write_text(json.dumps(index, indent=2) + "\n")
        print(f"{algo}: {len(requests)} requests")


if __name__ == "__main__":
    main()

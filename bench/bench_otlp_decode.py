"""Benchmark: decoding OTLP/HTTP protobuf bodies to the OTLP/JSON dict, option (a) against (b).

(a) the `protobuf` package with the `opentelemetry-proto` message classes: ParseFromString, then
    MessageToDict (integer enums) and the OTLP hex ids. In a Worker only protobuf's pure-Python
    implementation exists (PyPI has no upb build for Pyodide), so "protobuf-python" is the figure
    that counts; "protobuf-upb" (CPython's C extension) is shown for reference.
(b) ours: a table-driven wire-format decoder (edgewatch.wire.protobuf + otlp_proto).
The floor is `json.loads` of the equivalent OTLP/JSON body; "ours + parse" / "json + parse" run the
whole ingest parser (entries / points) from protobuf and from JSON.

Same bodies for all (logs, metrics and traces as the OpenTelemetry SDK shapes them). Each
implementation runs in its own fresh process (the protobuf implementation is chosen at import), in
interleaved rounds; figures are medians over rounds. Import time is measured in each fresh process.
Bundle size: what each option adds to python_modules/ (unpacked wheels vs our modules).

    .venv/bin/python -m bench.bench_otlp_decode [--events 1000 --rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WHEELS = ROOT / ".local" / "bench-wheels"
SIGNALS = ("logs", "metrics", "traces")
IMPLEMENTATIONS = ("ours", "protobuf-python", "protobuf-upb", "json")
WHEEL_PINS = ("protobuf==7.36.2", "opentelemetry-proto==1.45.2")
ID_FIELDS = frozenset({"traceId", "spanId", "parentSpanId"})


# -- bodies (built with the real opentelemetry-proto classes) ----------------------------------------


def _attrs(target: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        kv = target.add(key=key)
        if isinstance(value, bool):
            kv.value.bool_value = value
        elif isinstance(value, int):
            kv.value.int_value = value
        elif isinstance(value, float):
            kv.value.double_value = value
        else:
            kv.value.string_value = value


RESOURCE = {
    "service.name": "checkout",
    "service.version": "1.4.2",
    "telemetry.sdk.language": "python",
    "telemetry.sdk.name": "opentelemetry",
    "telemetry.sdk.version": "1.45.2",
    "host.name": "web-7f9c",
}


def logs_body(n: int) -> Any:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    request = ExportLogsServiceRequest()
    resource_logs = request.resource_logs.add()
    _attrs(resource_logs.resource.attributes, RESOURCE)
    scope = resource_logs.scope_logs.add()
    scope.scope.name = "checkout.payments"
    t0 = 1_764_000_000_000_000_000
    for i in range(n):
        record = scope.log_records.add()
        record.time_unix_nano = t0 + i * 1_000_000
        record.observed_time_unix_nano = t0 + i * 1_000_000 + 20_000
        record.severity_number = (9, 13, 17)[i % 3]
        record.severity_text = ("INFO", "WARN", "ERROR")[i % 3]
        record.body.string_value = f"payment {i} for order {i * 7919 % 100000} took {i % 900} ms via provider stripe"
        record.trace_id = (i * 2654435761).to_bytes(16, "big")
        record.span_id = (i * 40503 + 1).to_bytes(8, "big")
        record.flags = 1
        _attrs(
            record.attributes,
            {"code.filepath": "app/payments.py", "code.function": "charge", "code.lineno": 120 + i % 40},
        )
        _attrs(record.attributes, {"http.status_code": (200, 402, 500)[i % 3], "user.id": f"u{i % 97}"})
    return request


def metrics_body(n: int) -> Any:
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

    request = ExportMetricsServiceRequest()
    resource_metrics = request.resource_metrics.add()
    _attrs(resource_metrics.resource.attributes, RESOURCE)
    scope = resource_metrics.scope_metrics.add()
    scope.scope.name = "checkout.metrics"
    t0 = 1_764_000_000_000_000_000
    per_metric = 20
    bounds = [0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0, 10000.0]
    for m in range(max(1, n // per_metric)):
        metric = scope.metrics.add()
        metric.name = f"checkout.metric_{m}"
        kind = m % 3
        for p in range(per_metric):
            labels = {"http.route": f"/api/v{p % 3}/items", "http.method": ("GET", "POST")[p % 2], "shard": p}
            if kind == 0:
                point = metric.gauge.data_points.add(as_double=0.25 * p, time_unix_nano=t0)
            elif kind == 1:
                metric.sum.aggregation_temporality = 2
                metric.sum.is_monotonic = True
                point = metric.sum.data_points.add(as_int=1000 + p, start_time_unix_nano=t0 - 60, time_unix_nano=t0)
            else:
                metric.histogram.aggregation_temporality = 2
                point = metric.histogram.data_points.add(start_time_unix_nano=t0 - 60, time_unix_nano=t0)
                point.explicit_bounds.extend(bounds)
                point.bucket_counts.extend([(p * b) % 7 for b in range(len(bounds) + 1)])
                point.count = sum(point.bucket_counts)
                point.sum, point.min, point.max = 1234.5, 0.4, 9000.0
            _attrs(point.attributes, labels)
    return request


def traces_body(n: int) -> Any:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    _attrs(resource_spans.resource.attributes, RESOURCE)
    scope = resource_spans.scope_spans.add()
    scope.scope.name = "opentelemetry.instrumentation.flask"
    scope.scope.version = "0.66b2"
    t0 = 1_764_000_000_000_000_000
    for i in range(n):
        span = scope.spans.add()
        span.trace_id = (i // 10 * 2654435761 + 1).to_bytes(16, "big")
        span.span_id = (i * 40503 + 1).to_bytes(8, "big")
        if i % 10:
            span.parent_span_id = ((i - i % 10) * 40503 + 1).to_bytes(8, "big")
        span.name = f"GET /api/items/{{id}} {i % 5}"
        span.kind = 2 if i % 10 == 0 else 3
        span.flags = 0x101
        span.start_time_unix_nano = t0 + i * 1000
        span.end_time_unix_nano = t0 + i * 1000 + 5_000_000 + i
        _attrs(
            span.attributes,
            {
                "http.request.method": "GET",
                "url.path": f"/api/items/{i}",
                "http.response.status_code": (200, 404, 500)[i % 3],
                "server.address": "api.pitchey.example",
                "network.protocol.version": "1.1",
            },
        )
        if i % 10 == 3:
            event = span.events.add(name="exception", time_unix_nano=t0 + i * 1000 + 10)
            _attrs(event.attributes, {"exception.type": "ValueError", "exception.message": f"bad item {i}"})
        span.status.code = 2 if i % 3 == 2 else 0
    return request


BUILDERS = {"logs": logs_body, "metrics": metrics_body, "traces": traces_body}


def events_in(signal: str, doc: dict[str, Any]) -> int:
    """Log records, data points or spans in an OTLP/JSON document."""
    if signal == "logs":
        return sum(len(s.get("logRecords", [])) for r in doc["resourceLogs"] for s in r["scopeLogs"])
    if signal == "traces":
        return sum(len(s.get("spans", [])) for r in doc["resourceSpans"] for s in r["scopeSpans"])
    return sum(
        len(next(iter(v for k, v in m.items() if isinstance(v, dict))).get("dataPoints", []))
        for r in doc["resourceMetrics"]
        for s in r["scopeMetrics"]
        for m in s["metrics"]
    )


def hex_ids(value: Any) -> Any:
    """MessageToDict gives bytes as base64; OTLP/JSON gives trace and span ids as hex."""
    import base64

    if isinstance(value, dict):
        return {k: base64.b64decode(v).hex() if k in ID_FIELDS else hex_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [hex_ids(v) for v in value]
    return value


def write_bodies(folder: Path, events: int) -> dict[str, dict[str, int]]:
    from google.protobuf.json_format import MessageToDict  # type: ignore[import-untyped]

    sizes = {}
    for signal, build in BUILDERS.items():
        message = build(events)
        data = message.SerializeToString()
        doc = hex_ids(MessageToDict(message, use_integers_for_enums=True))
        text = json.dumps(doc, separators=(",", ":")).encode()
        (folder / f"{signal}.pb").write_bytes(data)
        (folder / f"{signal}.json").write_bytes(text)
        sizes[signal] = {"events": events_in(signal, doc), "protobuf_bytes": len(data), "json_bytes": len(text)}
    return sizes


# -- one measuring process -----------------------------------------------------------------------


def _decoder(impl: str) -> tuple[float, dict[str, Any]]:
    """(import seconds, signal -> decode function), imported inside this fresh process. The standard
    modules every Worker isolate has loaded already (our adapters import them) are loaded first, so
    the time is what the decoder adds."""
    for name in ("base64", "dataclasses", "enum", "math", "re", "struct", "typing", "edgewatch"):
        __import__(name)
    start = time.perf_counter()
    if impl == "ours":
        from edgewatch.wire.otlp_proto import LOGS_REQUEST, METRICS_REQUEST, TRACES_REQUEST, decode_request

        took = time.perf_counter() - start
        tables = {"logs": LOGS_REQUEST, "metrics": METRICS_REQUEST, "traces": TRACES_REQUEST}
        return took, {s: (lambda body, t=t: decode_request(body, t)) for s, t in tables.items()}
    if impl == "json":
        return time.perf_counter() - start, dict.fromkeys(SIGNALS, json.loads)
    from google.protobuf.internal import api_implementation  # type: ignore[import-untyped]
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    took = time.perf_counter() - start
    assert api_implementation.Type() == impl.split("-")[1], api_implementation.Type()
    classes: dict[str, Any] = {"logs": ExportLogsServiceRequest, "metrics": ExportMetricsServiceRequest}
    classes["traces"] = ExportTraceServiceRequest

    def make(cls: Any) -> Any:
        def run(body: bytes) -> Any:
            message = cls()
            message.ParseFromString(body)
            return hex_ids(MessageToDict(message, use_integers_for_enums=True))

        return run

    return took, {s: make(c) for s, c in classes.items()}


def _parse_to_entries(impl: str) -> dict[str, Any]:
    """The whole ingest parse (entries / points) from protobuf (ours) or from JSON."""
    from edgewatch.logs.otlp import parse_otlp_logs
    from edgewatch.metrics.otlp import parse_otlp_metrics
    from edgewatch.wire.otlp_body import OtlpEncoding

    encoding = OtlpEncoding.PROTOBUF if impl == "ours" else OtlpEncoding.JSON
    return {
        "logs": lambda body: parse_otlp_logs(body, 0, 100_000, encoding),
        "metrics": lambda body: parse_otlp_metrics(body, 0, 1_000_000, encoding),
    }


def _best_rate(fn: Any, body: bytes, events: int, min_s: float = 0.4) -> float:
    """Events per second: the best of repeated timings within about ``min_s``."""
    best = float("inf")
    spent = 0.0
    while spent < min_s:
        start = time.perf_counter()
        fn(body)
        took = time.perf_counter() - start
        spent += took
        best = min(best, took)
    return events / best


def measure(impl: str, folder: Path, parse: bool = True) -> dict[str, Any]:
    import_s, decoders = _decoder(impl)
    sizes = json.loads((folder / "sizes.json").read_text())
    ext = "json" if impl == "json" else "pb"
    reference = {s: json.loads((folder / f"{s}.json").read_bytes()) for s in SIGNALS}
    out: dict[str, Any] = {"import_ms": import_s * 1000, "decode_events_per_s": {}, "parse_events_per_s": {}}
    for signal in SIGNALS:
        body = (folder / f"{signal}.{ext}").read_bytes()
        assert decoders[signal](body) == reference[signal], f"{impl} decodes {signal} differently"
        out["decode_events_per_s"][signal] = _best_rate(decoders[signal], body, sizes[signal]["events"])
    if parse and impl in ("ours", "json"):
        for signal, fn in _parse_to_entries(impl).items():
            body = (folder / f"{signal}.{ext}").read_bytes()
            out["parse_events_per_s"][signal] = _best_rate(fn, body, sizes[signal]["events"])
    return out


def run_measure(impl: str, folder: Path) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "shared"), str(ROOT)]))
    if impl.startswith("protobuf-"):
        env["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = impl.split("-")[1]
    cmd = [sys.executable, "-m", "bench.bench_otlp_decode", "--measure", impl, "--bodies", str(folder)]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# -- the same measurement in Pyodide (the Workers' runtime), run by Node --------------------------

PYODIDE_IMPLEMENTATIONS = ("ours", "protobuf-python", "json")
PYODIDE_RUNNER = """
import { loadPyodide } from "%(index)s/pyodide.mjs";
const [impl, dir] = process.argv.slice(2);
const py = await loadPyodide({ indexURL: "%(index)s/" });
py.FS.mkdirTree("/bench");
py.FS.mount(py.FS.filesystems.NODEFS, { root: dir }, "/bench");
console.log(py.runPython(`
import json, os, sys
os.environ["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
sys.path[:0] = ["/bench/site"]
from pathlib import Path
from bench.bench_otlp_decode import measure
json.dumps(measure("${impl}", Path("/bench/bodies"), parse=False))
`));
"""


def pyodide_site(folder: Path) -> Path:
    """Our core, this bench and the two Pyodide wheels of option (a), unpacked as python_modules/ would be."""
    import shutil

    site = folder / "site"
    shutil.copytree(ROOT / "shared" / "edgewatch", site / "edgewatch", ignore=shutil.ignore_patterns("__pycache__"))
    (site / "bench").mkdir()
    for name in ("__init__.py", "bench_otlp_decode.py"):
        shutil.copy(ROOT / "bench" / name, site / "bench" / name)
    ensure_wheels()
    for wheel in sorted(WHEELS.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)
    return site


def run_pyodide(impl: str, folder: Path) -> dict[str, Any]:
    """One fresh Pyodide interpreter (Node + the npm pyodide package the stack's bundle is built from)."""
    from scripts.toolchain import NODE_MODULES, node_binary

    runner = folder / "runner.mjs"
    runner.write_text(PYODIDE_RUNNER % {"index": NODE_MODULES / "pyodide"})
    done = subprocess.run([str(node_binary()), str(runner), impl, str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pyodide run of {impl} failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- bundle sizes ----------------------------------------------------------------------------------


def bundle_sizes() -> dict[str, Any]:
    """Bytes each option adds to python_modules/: the Pyodide wheels unpacked, or our modules."""
    wheels: dict[str, Any] = {}
    for wheel in ensure_wheels():
        with zipfile.ZipFile(wheel) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            wheels[wheel.name] = {"files": len(infos), "unpacked_bytes": sum(i.file_size for i in infos)}
            wheels[wheel.name]["wheel_bytes"] = wheel.stat().st_size
    ours = ["protobuf.py", "otlp_proto.py", "otlp_body.py"]
    ours_bytes = {name: (ROOT / "shared" / "edgewatch" / "wire" / name).stat().st_size for name in ours}
    return {
        "protobuf_option_a": {
            "wheels": wheels,
            "unpacked_bytes": sum(w["unpacked_bytes"] for w in wheels.values()),
        },
        "ours_option_b": {"modules": ours_bytes, "unpacked_bytes": sum(ours_bytes.values())},
    }


def ensure_wheels() -> list[Path]:
    """The Pyodide (pyemscripten) wheels of option (a), downloaded once into .local/bench-wheels."""
    if not all(any(WHEELS.glob(pin.split("==")[0].replace("-", "_") + "-*.whl")) for pin in WHEEL_PINS):
        WHEELS.mkdir(parents=True, exist_ok=True)
        platform = ["--only-binary=:all:", "--platform", "pyemscripten_2026_0_wasm32", "--python-version", "3.14"]
        platform += ["--implementation", "cp", "--abi", "cp314"]
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", *WHEEL_PINS, *platform, "-d", str(WHEELS)]
        subprocess.run(cmd, check=True, env=dict(os.environ, PIP_CONSTRAINT=""))
    return sorted(WHEELS.glob("*.whl"))


# -- report ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pyodide-rounds", type=int, default=3, help="0 skips the Pyodide measurement")
    parser.add_argument("--measure", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--bodies", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.bodies)))
        return 0

    from bench.loadgen import machine

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bodies"
        folder.mkdir()
        sizes = write_bodies(folder, args.events)
        (folder / "sizes.json").write_text(json.dumps(sizes))
        runs: dict[str, list[dict[str, Any]]] = {impl: [] for impl in IMPLEMENTATIONS}
        for _ in range(args.rounds):
            for impl in IMPLEMENTATIONS:
                runs[impl].append(run_measure(impl, folder))
        pyodide_runs: dict[str, list[dict[str, Any]]] = {impl: [] for impl in PYODIDE_IMPLEMENTATIONS}
        if args.pyodide_rounds:
            pyodide_site(Path(tmp))
        for _ in range(args.pyodide_rounds):
            for impl in PYODIDE_IMPLEMENTATIONS:
                pyodide_runs[impl].append(run_pyodide(impl, Path(tmp)))
    report = summarise(runs, sizes)
    if args.pyodide_rounds:
        report["pyodide"] = summarise_pyodide(pyodide_runs)
    report = {
        "benchmark": "OTLP protobuf decode to the OTLP/JSON dict: (a) protobuf + opentelemetry-proto vs (b) ours",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "events_per_body": args.events,
        "rounds": args.rounds,
        "bodies": sizes,
        **report,
        "bundle": bundle_sizes(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "otlp_decode.json").write_text(json.dumps(report, indent=2) + "\n")
    shown = ("decode_events_per_s", "ratios", "import_ms", "pyodide")
    print(json.dumps({k: report[k] for k in shown if k in report}, indent=2))
    return 0


def summarise(runs: dict[str, list[dict[str, Any]]], sizes: dict[str, Any]) -> dict[str, Any]:
    def median(impl: str, key: str, signal: str) -> float:
        return float(statistics.median(run[key][signal] for run in runs[impl]))

    decode = {impl: {s: round(median(impl, "decode_events_per_s", s)) for s in SIGNALS} for impl in IMPLEMENTATIONS}
    parsed = ("logs", "metrics")
    parse = {impl: {s: round(median(impl, "parse_events_per_s", s)) for s in parsed} for impl in ("ours", "json")}
    ratios = {
        s: {
            "ours_over_protobuf_python": round(decode["ours"][s] / decode["protobuf-python"][s], 2),
            "ours_over_protobuf_upb": round(decode["ours"][s] / decode["protobuf-upb"][s], 2),
            "ours_over_json_loads": round(decode["ours"][s] / decode["json"][s], 2),
        }
        for s in SIGNALS
    }
    imports = {impl: round(statistics.median(r["import_ms"] for r in runs[impl]), 2) for impl in IMPLEMENTATIONS}
    return {
        "decode_events_per_s": decode,
        "ratios": ratios,
        "parse_to_entries_events_per_s": {
            "note": "the whole ingest parser (log entries / metric points): from protobuf with ours, and from JSON",
            **parse,
        },
        "import_ms": imports,
    }


def summarise_pyodide(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    def median(impl: str, signal: str) -> float:
        return float(statistics.median(run["decode_events_per_s"][signal] for run in runs[impl]))

    decode = {impl: {s: round(median(impl, s)) for s in SIGNALS} for impl in PYODIDE_IMPLEMENTATIONS}
    return {
        "note": "Pyodide 314.0.6 (CPython 3.14, wasm32) under Node: the Workers' runtime; protobuf has only its "
        "pure-Python implementation there",
        "decode_events_per_s": decode,
        "ratios": {
            s: {
                "ours_over_protobuf_python": round(decode["ours"][s] / decode["protobuf-python"][s], 2),
                "ours_over_json_loads": round(decode["ours"][s] / decode["json"][s], 2),
            }
            for s in SIGNALS
        },
        "import_ms": {
            impl: round(statistics.median(r["import_ms"] for r in runs[impl]), 1) for impl in PYODIDE_IMPLEMENTATIONS
        },
    }


if __name__ == "__main__":
    raise SystemExit(main())

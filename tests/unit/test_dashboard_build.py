"""The dashboard build: its security headers and config for a given Workers' origin, the local
stack's CORS origin, and a source scan that keeps HTML parsing out of the dashboard."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from edgewatch.stack import load_stack_config
from scripts.dashboard import DASHBOARD, build, config_file, headers_file, origin_of, security_headers
from scripts.stack import Stack
from scripts.toolchain import NODE_MODULES, SetupError

SOURCES = sorted((DASHBOARD / "src").rglob("*.js"))
# Every way a string becomes markup or code in a browser. The dashboard builds DOM with
# dashboard/src/lib/dom.js only (text nodes and vetted attributes).
SINKS = re.compile(
    r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|srcdoc|"
    r"createContextualFragment|DOMParser|setHTMLUnsafe|\.href\s*=[^=]|setAttribute\(\s*[\"'](on|href|src|style)"
)


def test_the_csp_allows_only_our_scripts_and_the_workers_origin() -> None:
    csp = security_headers(["https://obs.example.com"])["Content-Security-Policy"]
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'self' https://obs.example.com"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["require-trusted-types-for"] == "'script'" and directives["trusted-types"] == "'none'"
    assert "unsafe" not in csp


def test_the_headers_file_is_the_pages_format() -> None:
    text = headers_file(["https://obs.example.com"])
    lines = text.splitlines()
    assert lines[0] == "/*" and all(line.startswith("  ") for line in lines[1:7])
    assert "  X-Content-Type-Options: nosniff" in lines and "  Referrer-Policy: no-referrer" in lines
    assert "connect-src 'self' https://obs.example.com;" in text


@pytest.mark.parametrize(
    "bad", ["obs.example.com", "ftp://x.example", "https://x.example/path", "https://x.example?q=1", ""]
)
def test_the_api_must_be_an_origin(bad: str) -> None:
    with pytest.raises(SetupError):
        origin_of(bad)


def test_origin_is_normalised() -> None:
    assert origin_of("HTTPS://Obs.Example.com/") == "https://obs.example.com"
    assert json.loads(config_file("https://obs.example.com"))["api"] == "https://obs.example.com"


@pytest.mark.skipif(
    not (NODE_MODULES / "esbuild" / "bin" / "esbuild").is_file(), reason="esbuild comes with npm ci (./dev setup)"
)
def test_a_production_build_names_the_workers_origin(tmp_path: Path) -> None:
    out = build(tmp_path / "dist", "https://obs.example.com")
    assert {"index.html", "status.html", "main.js", "main.css", "status.js", "_headers", "config.json"} <= {
        p.name for p in out.iterdir()
    }
    assert json.loads((out / "config.json").read_text())["api"] == "https://obs.example.com"
    assert "connect-src 'self' https://obs.example.com" in (out / "_headers").read_text()
    assert "<script>" not in (out / "index.html").read_text()  # no inline script
    assert not (out / "demo.html").exists() and not (out / "demo.js").exists()  # the local demo stays local
    assert "sentryDsn" not in json.loads((out / "config.json").read_text())
    shutil.rmtree(out)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(DASHBOARD)))
def test_no_dashboard_source_turns_strings_into_markup(source: Path) -> None:
    found = [m.group(0) for m in SINKS.finditer(source.read_text())]
    # dom.h sets href only to what safeUrl returned (http(s), or the dashboard's own routes)
    allowed = ['setAttribute("href'] if source == DASHBOARD / "src" / "lib" / "dom.js" else []
    assert found == allowed, f"{source}: {found}"


def test_the_local_stack_adds_its_dashboard_to_the_cors_origins() -> None:
    stack = Stack(port=8787, read_dev_vars=False, dashboard_port=0)
    stack._start_dashboard(0)
    try:
        config = json.loads(stack.vars()["MONITORING_CONFIG_JSON"])
        origin = (stack.dashboard_url or "").rstrip("/")
        assert config["access"]["dashboardOrigins"] == [origin]
        assert load_stack_config(json.dumps(config)).monitoring.access.dashboard_origins == [origin]
        own = {"access": {"dashboardOrigins": ["https://dash.example"]}, "metrics": {}}
        stack.extra_vars["MONITORING_CONFIG_JSON"] = json.dumps(own)
        merged = json.loads(stack.vars()["MONITORING_CONFIG_JSON"])
        assert merged["access"]["dashboardOrigins"] == ["https://dash.example", origin] and merged["metrics"] == {}
    finally:
        stack.stop()

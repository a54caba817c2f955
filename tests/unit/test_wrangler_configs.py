from __future__ import annotations

import ast
import copy
import re
import shutil
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from edgewatch.schedule import SCHEDULES
from edgewatch.services import BY_CONCERN, SERVICES
from scripts import localconfig
from scripts.toolchain import SetupError

ROOT = Path(__file__).resolve().parents[2]
WRANGLER = ROOT / "wrangler"
CONCERNS = ["monitoring", "logs", "apm", "infra", "alerts", "security"]
DEPLOY_FLAGS = ["python_workers", "python_workers_314"]
DEV_FLAGS = ["python_workers", "python_workers_development", "no_python_workers_20250116"]
WORKER_NAMES = {f"pitchey-{c}" for c in CONCERNS}
AUDIT_REF = {"name": "AUDIT_LOG", "class_name": "AuditLog", "script_name": "pitchey-infra"}
SECRET_NAMES = ("SENTRY_DSN", "SLACK_WEBHOOK_URL", "PAGERDUTY_INTEGRATION_KEY")


def _load(concern: str) -> dict[str, Any]:
    with (WRANGLER / f"{concern}.toml").open("rb") as f:
        return tomllib.load(f)


def test_one_config_per_service() -> None:
    assert [s.concern for s in SERVICES] == CONCERNS
    assert sorted(p.name for p in WRANGLER.glob("*.toml") if not p.name.endswith(".local.toml")) == sorted(
        f"{c}.toml" for c in CONCERNS
    )


@pytest.mark.parametrize("concern", CONCERNS)
def test_common_settings(concern: str) -> None:
    config = _load(concern)
    assert config["name"] == f"pitchey-{concern}" == BY_CONCERN[concern].worker_name
    assert config["main"] == f"../workers/{concern}/entry.py"
    assert (WRANGLER / config["main"]).resolve().is_file()
    assert date.fromisoformat(config["compatibility_date"]) >= date(2026, 11, 1)
    assert config["compatibility_flags"] == DEPLOY_FLAGS
    assert config["vars"]["ENVIRONMENT"] == "production"
    assert config["vars"]["LOG_LEVEL"] in ("debug", "info", "warn", "error", "fatal")
    assert [kv["binding"] for kv in config["kv_namespaces"]] == ["KV"]


@pytest.mark.parametrize("concern", CONCERNS)
def test_only_monitoring_has_crons(concern: str) -> None:
    config = _load(concern)
    if concern == "monitoring":
        assert config["triggers"]["crons"] == list(SCHEDULES)
    else:
        assert "triggers" not in config


@pytest.mark.parametrize(
    ("concern", "has_r2"),
    [("monitoring", True), ("logs", True), ("apm", True), ("infra", True), ("alerts", False), ("security", False)],
)
def test_r2_bucket(concern: str, has_r2: bool) -> None:
    buckets = _load(concern).get("r2_buckets", [])
    expected = [{"binding": "R2_BUCKET", "bucket_name": "pitchey-monitoring-logs"}] if has_r2 else []
    assert buckets == expected


def test_security_defines_its_durable_objects_with_migrations() -> None:
    config = _load("security")
    assert config["durable_objects"]["bindings"] == [
        {"name": "RATE_LIMITER", "class_name": "RateLimiter"},
        {"name": "BLOCK_LEDGER", "class_name": "BlockLedger"},
        AUDIT_REF,
    ]
    assert config["migrations"] == [
        {"tag": "v1", "new_sqlite_classes": ["RateLimiter"]},
        {"tag": "v2", "new_sqlite_classes": ["BlockLedger"]},
    ]
    # ... and the classes exist in the security Worker's modules.
    for module, cls in [("rate_limiter", "RateLimiter"), ("block_ledger", "BlockLedger")]:
        tree = ast.parse((ROOT / "workers" / "security" / f"{module}.py").read_text())
        assert cls in {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def test_apm_defines_the_issue_and_trace_stores() -> None:
    config = _load("apm")
    assert config["durable_objects"]["bindings"] == [
        {"name": "ISSUE_STORE", "class_name": "IssueStore"},
        {"name": "TRACE_STORE", "class_name": "TraceStore"},
        AUDIT_REF,
    ]
    assert config["migrations"] == [
        {"tag": "v1", "new_sqlite_classes": ["IssueStore"]},
        {"tag": "v2", "new_sqlite_classes": ["TraceStore"]},
    ]
    for module, cls in [("issue_store", "IssueStore"), ("trace_store", "TraceStore")]:
        tree = ast.parse((ROOT / "workers" / "apm" / f"{module}.py").read_text())
        assert cls in {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def test_infra_binds_the_rate_limiter_of_security() -> None:
    config = _load("infra")
    assert config["durable_objects"]["bindings"] == [
        {"name": "RATE_LIMITER", "class_name": "RateLimiter", "script_name": "pitchey-security"},
        {"name": "LOG_BUFFER", "class_name": "LogBuffer", "script_name": "pitchey-logs"},
        {"name": "AUDIT_LOG", "class_name": "AuditLog"},
    ]
    # infra defines the audit log: only the defining Worker migrates a class
    assert config["migrations"] == [{"tag": "v1", "new_sqlite_classes": ["AuditLog"]}]
    tree = ast.parse((ROOT / "workers" / "infra" / "audit_log.py").read_text())
    assert "AuditLog" in {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def test_logs_defines_the_log_buffer() -> None:
    config = _load("logs")
    assert config["durable_objects"]["bindings"] == [{"name": "LOG_BUFFER", "class_name": "LogBuffer"}, AUDIT_REF]
    assert config["migrations"] == [{"tag": "v1", "new_sqlite_classes": ["LogBuffer"]}]
    tree = ast.parse((ROOT / "workers" / "logs" / "log_buffer.py").read_text())
    assert "LogBuffer" in {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def test_monitoring_defines_its_durable_objects() -> None:
    config = _load("monitoring")
    assert config["durable_objects"]["bindings"] == [
        {"name": "METRICS_STORE", "class_name": "MetricsStore"},
        {"name": "VITALS_STORE", "class_name": "VitalsStore"},
        {"name": "CHECK_RUNNER", "class_name": "CheckRunner"},
        AUDIT_REF,
    ]
    # Migrations are append-only: a deployed tag is never edited.
    assert config["migrations"] == [
        {"tag": "v1", "new_sqlite_classes": ["MetricsStore", "VitalsStore"]},
        {"tag": "v2", "new_sqlite_classes": ["CheckRunner"]},
    ]
    for module, cls in [
        ("metrics_store", "MetricsStore"),
        ("vitals_store", "VitalsStore"),
        ("check_runner", "CheckRunner"),
    ]:
        tree = ast.parse((ROOT / "workers" / "monitoring" / f"{module}.py").read_text())
        assert cls in {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def test_alerts_defines_its_durable_objects() -> None:
    config = _load("alerts")
    assert config["durable_objects"]["bindings"] == [
        {"name": "ALERT_CENTER", "class_name": "AlertCenter"},
        {"name": "OUTBOX", "class_name": "Outbox"},
        AUDIT_REF,
    ]
    assert config["migrations"] == [{"tag": "v1", "new_sqlite_classes": ["AlertCenter", "Outbox"]}]
    for module, cls in [("alert_center", "AlertCenter"), ("notify_outbox", "Outbox")]:
        tree = ast.parse((ROOT / "workers" / "alerts" / f"{module}.py").read_text())
        assert cls in {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


@pytest.mark.parametrize(
    ("concern", "peers"),
    [
        ("monitoring", ["logs", "apm", "infra", "alerts", "security"]),
        ("infra", ["monitoring", "logs", "apm", "alerts", "security"]),
        ("logs", ["apm"]),  # every Worker but apm itself sends its own spans to pitchey-apm
        ("apm", ["alerts", "monitoring"]),
        ("alerts", ["logs", "monitoring", "security", "apm"]),
        ("security", ["apm"]),
    ],
)
def test_service_bindings_point_at_existing_workers(concern: str, peers: list[str]) -> None:
    services = _load(concern).get("services", [])
    assert services == [{"binding": BY_CONCERN[p].binding, "service": BY_CONCERN[p].worker_name} for p in peers]
    for svc in services:
        assert svc["service"] in WORKER_NAMES
        assert svc["service"] != f"pitchey-{concern}"


def _literal_binding_specs(concern: str) -> set[tuple[str, str]]:
    """The BindingSpec literals of the Worker's modules (its entry and the modules beside it)."""
    specs = set()
    nodes = [
        n for path in sorted((ROOT / "workers" / concern).glob("*.py")) for n in ast.walk(ast.parse(path.read_text()))
    ]
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "BindingSpec":
            args = node.args[:2]
            if all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                specs.add((args[0].value, args[1].value))  # type: ignore[attr-defined]
    return specs


@pytest.mark.parametrize("concern", CONCERNS)
def test_bindings_checked_by_health_are_configured(concern: str) -> None:
    config = _load(concern)
    configured = {
        "kv": {b["binding"] for b in config.get("kv_namespaces", [])},
        "r2": {b["binding"] for b in config.get("r2_buckets", [])},
        "durable_object": {b["name"] for b in config.get("durable_objects", {}).get("bindings", [])},
        "service": {b["binding"] for b in config.get("services", [])},
    }
    specs = _literal_binding_specs(concern)
    assert ("KV", "kv") in specs
    for name, kind in specs:
        assert name in configured[kind], (name, kind)


@pytest.mark.parametrize("concern", CONCERNS)
def test_no_secrets_in_config(concern: str) -> None:
    text = (WRANGLER / f"{concern}.toml").read_text()
    config = _load(concern)
    for name in SECRET_NAMES:
        assert name not in config["vars"]
        assert name not in text
    for needle in ("hooks.slack.com", "sentry.io", "pagerduty.com"):
        assert needle not in text
    assert not re.search(r"https?://[^/\s\"]+@", text)  # no credentials inside a URL


# -- local copies -----------------------------------------------------------------------------


@pytest.fixture
def wrangler_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The deployable configs copied to a temporary directory, so a test run never rewrites
    the wrangler/*.local.toml a running local stack uses."""
    for concern in CONCERNS:
        shutil.copy(WRANGLER / f"{concern}.toml", tmp_path / f"{concern}.toml")
    monkeypatch.setattr(localconfig, "WRANGLER_DIR", tmp_path)
    return tmp_path


def _without(config: dict[str, Any], var_names: list[str]) -> dict[str, Any]:
    out = copy.deepcopy(config)
    out.pop("compatibility_flags")
    for name in var_names:
        out["vars"].pop(name)
    return out


def test_write_local_configs(wrangler_copy: Path) -> None:
    extra = {"SINK_URL": "http://127.0.0.1:8788/sink", "WEB_VITALS_JSON": '{"lcp": {"good": 4000, "poor": 2500}}'}
    written = localconfig.write_local_configs(extra, environment="test")

    assert written == [wrangler_copy / f"{c}.local.toml" for c in CONCERNS]
    for concern, path in zip(CONCERNS, written, strict=True):
        local = tomllib.loads(path.read_text())
        deployable = tomllib.loads((wrangler_copy / f"{concern}.toml").read_text())
        assert local["compatibility_flags"] == DEV_FLAGS
        assert local["vars"]["ENVIRONMENT"] == "test"
        for key, value in extra.items():
            assert local["vars"][key] == value
        assert _without(local, ["ENVIRONMENT", *extra]) == _without(deployable, ["ENVIRONMENT"])
        assert path.read_text().startswith(f"# GENERATED by scripts/localconfig.py from {concern}.toml")
    # The deployable files themselves are untouched.
    for concern in CONCERNS:
        assert (wrangler_copy / f"{concern}.toml").read_bytes() == (WRANGLER / f"{concern}.toml").read_bytes()


def test_write_local_configs_defaults(wrangler_copy: Path) -> None:
    for concern, path in zip(CONCERNS, localconfig.write_local_configs(), strict=True):
        local = tomllib.loads(path.read_text())
        assert local["vars"]["ENVIRONMENT"] == "development"
        assert _without(local, ["ENVIRONMENT"]) == _without(_load(concern), ["ENVIRONMENT"])


@pytest.mark.parametrize(
    "value",
    [
        "C:\\logs\\b",  # backslashes must survive as backslashes
        '{"pattern": "\\\\d+"}',  # a JSON config holding a regex
        "line one\nline two",  # a newline
        "Haute latence \u00e9",  # non-ASCII (JSON-escaped as \u00e9)
    ],
)
def test_write_local_configs_keeps_var_values_exactly(wrangler_copy: Path, value: str) -> None:
    for path in localconfig.write_local_configs({"EXTRA": value}):
        assert tomllib.loads(path.read_text())["vars"]["EXTRA"] == value


@pytest.mark.parametrize("name", ["lower", "1ABC", "A-B", "A B", ""])
def test_write_local_configs_rejects_bad_var_names(wrangler_copy: Path, name: str) -> None:
    with pytest.raises(SetupError, match="invalid var name"):
        localconfig.write_local_configs({name: "x"})


def test_write_local_configs_refuses_a_config_without_deploy_flags(wrangler_copy: Path) -> None:
    path = wrangler_copy / "logs.toml"
    path.write_text(path.read_text().replace('"python_workers_314"', '"python_workers_development"'))
    with pytest.raises(SetupError, match="compatibility_flags must be"):
        localconfig.write_local_configs()


def test_write_extra_local_config_adds_its_vars(tmp_path: Path) -> None:
    path = localconfig.write_extra_local_config(
        "pitchey-example", tmp_path / "entry.py", "test", target_dir=tmp_path,
        services={"SECURITY": "pitchey-security"}, extra_vars={"SENTRY_DSN": "http://k@127.0.0.1:1/apm/1"},
    )  # fmt: skip
    local = tomllib.loads(path.read_text())
    assert local["vars"] == {"ENVIRONMENT": "test", "SENTRY_DSN": "http://k@127.0.0.1:1/apm/1"}
    assert local["services"] == [{"binding": "SECURITY", "service": "pitchey-security"}]
    with pytest.raises(SetupError, match="invalid var name"):
        localconfig.write_extra_local_config(
            "x", tmp_path / "e.py", target_dir=tmp_path, extra_vars={"ENVIRONMENT": "p"}
        )

from __future__ import annotations

import json

from edgewatch.codec import decode, encode
from edgewatch.config import HealthChecksConfig
from edgewatch.uptime.heartbeats import HeartbeatSpec
from edgewatch.uptime.maintenance import RecurringWindow, ScheduledMaintenance
from edgewatch.uptime.messages import ConfigMonitors, MonitorKind
from edgewatch.uptime.spec import CheckSpec
from edgewatch.uptime.sync import config_digest, config_monitors, plan_sync

API = CheckSpec(id="api", url="https://x.example/health")
WEB = CheckSpec(id="web", url="https://x.example/")
JOB = HeartbeatSpec("job", every_ms=300_000)
WINDOW = ScheduledMaintenance("deploy", RecurringWindow(0, 3_600_000), ("api",), "deploys")


def test_config_monitors_reads_checks_heartbeats_and_maintenance() -> None:
    config = HealthChecksConfig.model_validate(
        {
            "endpoints": ["/health", "https://other.example/up"],
            "heartbeats": [{"id": "job", "every": "5m"}],
            "maintenance": [{"id": "deploy", "start": 0, "end": 3_600_000, "checks": ["api"], "reason": "deploys"}],
        }
    )
    monitors, waiting = config_monitors(config, None)
    assert [c.id for c in monitors.checks] == ["other.example-up"]
    assert waiting == ["health"]  # a path waits for a base URL
    assert monitors.heartbeats == [JOB]
    assert monitors.maintenance == [WINDOW]
    with_base, waiting = config_monitors(config, "https://base.example")
    assert [c.url for c in with_base.checks] == ["https://base.example/health", "https://other.example/up"]
    assert waiting == []


def test_config_monitors_cross_rpc_unchanged() -> None:
    monitors = ConfigMonitors([API, WEB], [JOB], [WINDOW])
    assert decode(ConfigMonitors, encode(monitors)) == monitors


def test_config_digest_is_stable_and_tells_configs_apart() -> None:
    one, two = encode(ConfigMonitors([API])), encode(ConfigMonitors([WEB]))
    assert config_digest(one) == config_digest(one)
    assert config_digest(one) != config_digest(two)
    assert len(config_digest(one)) == 64


def test_plan_sync_upserts_the_config_and_forgets_what_left_it() -> None:
    plan = plan_sync(ConfigMonitors([API, WEB], [JOB], [WINDOW]), stored_config_ids=["api", "gone", "job"])
    assert plan.forget == ["gone"]
    assert [(m.id, m.kind) for m in plan.monitors] == [
        ("api", MonitorKind.HTTP),
        ("web", MonitorKind.HTTP),
        ("job", MonitorKind.HEARTBEAT),
    ]
    assert json.loads(plan.monitors[0].spec_json) == API.to_json()  # the stored spec column, unredacted
    assert json.loads(plan.monitors[2].spec_json) == JOB.to_json()
    assert [(m.id, json.loads(m.spec_json)) for m in plan.maintenance] == [("deploy", WINDOW.to_json())]


def test_plan_sync_of_an_empty_config_forgets_every_config_monitor() -> None:
    plan = plan_sync(ConfigMonitors(), stored_config_ids=["a", "b"])
    assert (plan.forget, plan.monitors, plan.maintenance) == (["a", "b"], [], [])


def test_plan_sync_a_heartbeat_wins_over_a_check_of_the_same_id() -> None:
    plan = plan_sync(ConfigMonitors([CheckSpec(id="job", url="https://x.example/")], [JOB]), [])
    assert [(m.id, m.kind) for m in plan.monitors] == [("job", MonitorKind.HEARTBEAT)]

"""End-to-end fixtures: the whole stack on real workerd, started once per test session.

Outbound services are one real local HTTP server (the sink); the Workers get its address
through their vars, as they would get the real Slack/PagerDuty/Sentry addresses from secrets.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import Stack
from tests.support.sink import Sink
from tests.support.targets import Targets

INGEST_TOKEN = "test-ingest-token-0001"
SERVICE_TOKEN = "checkout-token-000001"
READ_TOKEN = "test-read-token-000001"
ALLOWED_ORIGIN = "https://pitchey.example"
ADMIN_TOKEN = "test-admin-token-00001"
OPERATOR_TOKEN = "test-operator-token-01"
SENTRY_KEY = "5e57b0c4e2a54f5c9d3c4b2a1f0e9d8c"  # project 1 of the session stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def sink_server() -> Iterator[Sink]:
    sink = Sink().start()
    yield sink
    sink.stop()


@pytest.fixture
def sink(sink_server: Sink) -> Sink:
    sink_server.reset()
    return sink_server


@pytest.fixture(scope="session")
def targets() -> Iterator[Targets]:
    """The platform's endpoints as uptime checks see them (MONITORED_BASE_URL points here)."""
    servers = Targets().start()
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, sink_server: Sink, targets: Targets) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("stack")
    url = sink_server.url
    running = Stack(
        port=0,
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=0,
        extra_vars={
            "SLACK_WEBHOOK_URL": f"{url}/slack/hooks/T000/B000/XXXX",
            "PAGERDUTY_EVENTS_URL": f"{url}/pagerduty/v2/enqueue",
            "EMAIL_API_URL": f"{url}/email/send",
            "SENTRY_DSN": f"http://public@127.0.0.1:{url.rsplit(':', 1)[1]}/sentry/1",
            "LOG_INGEST_TOKENS": json.dumps({INGEST_TOKEN: "*", SERVICE_TOKEN: "checkout"}),
            "READ_TOKENS": READ_TOKEN,
            # The browser test's page is served by the targets server.
            "VITALS_ALLOWED_ORIGINS": f"{ALLOWED_ORIGIN},{targets.url}",
            "ADMIN_TOKENS": ADMIN_TOKEN,
            "OPERATOR_TOKENS": OPERATOR_TOKEN,
            # Threats are monitored everywhere except /api/admin/*, which blocks.
            "SECURITY_CONFIG_JSON": json.dumps(
                {"threats": {"routes": [{"endpoint": "/api/admin/*", "mode": "block"}]}}
            ),
            "MONITORED_BASE_URL": targets.url,
            # Browser error tracking: the test pages are served by the targets server.
            "SENTRY_PROJECT_KEYS": f"1:{SENTRY_KEY}",
            "SENTRY_ALLOWED_ORIGINS": targets.url,
        },
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium the browser tests drive through Playwright (./dev test installs it)."""
    path = os.environ.get("EDGEWATCH_CHROMIUM") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail(f"Chromium not found at {path}: run the tests through ./dev test, which installs it")
    return path

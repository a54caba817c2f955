"""pitchey-alerts against real peers, unchanged: Debian's Prometheus 2.42 evaluating a rule file and
sending to our Alertmanager API v2; amtool 0.25 listing alerts and adding, listing and expiring a
silence; and the real Alertmanager 0.25 side by side with us, one route tree written in both
configs, one scripted sequence of alerts fed to both at the same moments, and the webhook
notifications each sends compared per receiver and group.

The stack is its own (environment "development": no tokens), with short group timers and two
webhook receivers pointing at this module's sink, ours under /ours/, Alertmanager's under /am/.
"""

from __future__ import annotations

import functools
import json
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scripts.stack import Stack, free_port
from scripts.toolchain import ensure_peers
from tests.support.peer_process import PeerProcess
from tests.support.sink import Sink
from tests.support.targets import Step, Targets
from tests.support.waiting import poll, wait_until

JSON = {"content-type": "application/json"}
EXTERNAL_URL = "http://alerts.peers.example"  # ours and Alertmanager's, so their payloads can be equal

# One route tree, in Alertmanager's snake_case; `ours()` writes it in our camelCase.
ROUTE: dict[str, Any] = {
    "receiver": "primary",
    "group_by": ["alertname", "service"],
    "group_wait": "1s",
    "group_interval": "3s",
    "repeat_interval": "1h",
    "routes": [
        {"matchers": ['team="db"'], "receiver": "second", "group_by": ["team"], "continue": True},
        {"matchers": ['severity="critical"'], "receiver": "primary", "group_by": ["alertname"]},
    ],
}
RECEIVERS = ("primary", "second")


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def ours(route: dict[str, Any]) -> dict[str, Any]:
    """The route in our config's words (receiver, matchers and continue are the same)."""
    return {camel(key): [ours(r) for r in value] if key == "routes" else value for key, value in route.items()}


def iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def epoch_ms(text: str) -> int:
    """An RFC 3339 time of any precision (Prometheus writes nanoseconds) as epoch milliseconds."""
    head, _, fraction = text.rstrip("Z").partition(".")
    whole = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return int(whole.timestamp()) * 1000 + int((fraction + "000")[:3])


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def binaries() -> dict[str, Path]:
    return ensure_peers(("prometheus", "alertmanager", "amtool"))


@pytest.fixture(scope="module")
def hooks() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


@pytest.fixture
def sink(hooks: Sink) -> Sink:
    hooks.reset()
    return hooks


@pytest.fixture(scope="module")
def alerts_stack(tmp_path_factory: pytest.TempPathFactory, hooks: Sink) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("alerts-peers")
    alerting = {
        "receivers": [{"name": name, "type": "webhook", "url": f"{hooks.url}/ours/{name}"} for name in RECEIVERS],
        "route": ours(ROUTE),
        "inhibitRules": [],  # Alertmanager's config has none; ours would mute a service's warning by its critical
        "externalUrl": EXTERNAL_URL,
    }
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="development",
        dashboard_port=None,
        example_api=False,
        extra_vars={"MONITORING_CONFIG_JSON": json.dumps({"healthChecks": {"endpoints": []}, "alerting": alerting})},
    )
    stack.start()
    yield stack
    stack.stop()


def our_alerts(stack: Stack) -> dict[str, dict[str, Any]]:
    """GET /alerts by fingerprint."""
    status, body = stack.request("GET", "/alerts")
    assert status == 200, body
    return {a["fingerprint"]: a for a in body["alerts"]}


def our_v2_alerts(stack: Stack, query: str = "") -> dict[str, dict[str, Any]]:
    status, body = stack.request("GET", "/alerts/api/v2/alerts" + query)
    assert status == 200, body
    return {a["fingerprint"]: a for a in body}


def payloads(sink: Sink, prefix: str, alertname: str) -> list[dict[str, Any]]:
    return [
        r.json()
        for r in sink.requests(prefix)
        if any(a["labels"].get("alertname") == alertname for a in r.json()["alerts"])
    ]


# -- 1. Prometheus 2.42 ----------------------------------------------------------------------------

RULES = {
    "groups": [
        {
            "name": "peers",
            "interval": "1s",
            "rules": [
                {
                    "alert": "PromAlways",
                    "expr": "vector(1)",
                    "labels": {"severity": "warning", "service": "prom"},
                    "annotations": {"summary": "always firing", "description": "the value is {{ $value }}"},
                },
                {
                    "alert": "PromSwitch",
                    "expr": "peer_switch > 0",
                    "labels": {"severity": "critical"},
                    "annotations": {"summary": "the switch of {{ $labels.job }} is on"},
                },
            ],
        }
    ]
}


def prometheus_config(stack: Stack, switch: str, rules: Path) -> dict[str, Any]:
    target = urllib.parse.urlsplit(switch)
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "external_labels": {"monitor": "peers"}},
        "rule_files": [str(rules)],
        "scrape_configs": [
            {"job_name": "switch", "metrics_path": target.path, "static_configs": [{"targets": [target.netloc]}]}
        ],
        "alerting": {
            "alertmanagers": [
                {
                    "static_configs": [{"targets": [urllib.parse.urlsplit(stack.base_url).netloc]}],
                    "path_prefix": "/alerts",
                    "api_version": "v2",
                }
            ]
        },
    }


def _prometheus_alerts(url: str) -> dict[str, dict[str, Any]]:
    with urllib.request.urlopen(f"{url}/api/v1/alerts", timeout=10) as answer:
        return {a["labels"]["alertname"]: a for a in json.load(answer)["data"]["alerts"]}


def _by_name(alerts: dict[str, dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((a for a in alerts.values() if a["labels"].get("alertname") == name), None)


def _named(alerts: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    found = _by_name(alerts, name)
    assert found is not None, (name, alerts)
    return found


def test_prometheus_sends_its_alerts_and_their_resolution(
    alerts_stack: Stack, sink: Sink, binaries: dict[str, Path], tmp_path: Path
) -> None:
    targets = Targets().start()
    try:
        switch = targets.script("/switch", Step(200, b"peer_switch 1\n", content_type="text/plain; version=0.0.4"))
        rules = tmp_path / "rules.yml"
        rules.write_text(json.dumps(RULES))  # JSON is YAML
        config = tmp_path / "prometheus.yml"
        config.write_text(json.dumps(prometheus_config(alerts_stack, switch, rules)))
        port = free_port()
        prom_url = f"http://127.0.0.1:{port}"
        command = [
            str(binaries["prometheus"]),
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--web.external-url={prom_url}/",
            "--rules.alert.resend-delay=2s",
        ]
        with PeerProcess(command, f"{prom_url}/-/ready", tmp_path / "prometheus.log"):
            _check_prometheus(alerts_stack, sink, prom_url, targets)
    finally:
        targets.stop()


def _check_prometheus(stack: Stack, sink: Sink, prom_url: str, targets: Targets) -> None:
    wait_until(
        "Prometheus's two alerts in GET /alerts",
        lambda: all(
            (found := _by_name(our_alerts(stack), name)) and found["state"] == "firing"
            for name in ("PromAlways", "PromSwitch")
        ),
        timeout_s=60,
    )
    theirs = _prometheus_alerts(prom_url)
    listed, v2 = our_alerts(stack), our_v2_alerts(stack)
    for name, expr in (("PromAlways", "vector(1)"), ("PromSwitch", "peer_switch > 0")):
        prom = theirs[name]
        assert prom["state"] == "firing"
        row = _named(listed, name)
        assert row["labels"] == {**prom["labels"], "monitor": "peers"}  # the external label is added on sending
        assert row["annotations"] == prom["annotations"]
        assert abs(epoch_ms(row["since"]) - epoch_ms(prom["activeAt"])) <= 1
        api = v2[row["fingerprint"]]
        assert (api["labels"], api["annotations"], api["startsAt"]) == (row["labels"], row["annotations"], row["since"])
        assert api["generatorURL"] == f"{prom_url}/graph?g0.expr={urllib.parse.quote_plus(expr)}&g0.tab=1"
        assert (api["status"]["state"], api["receivers"]) == ("active", [{"name": "primary"}])
    assert _named(listed, "PromAlways")["annotations"]["description"] == "the value is 1"
    assert _named(listed, "PromSwitch")["labels"]["instance"] == urllib.parse.urlsplit(targets.url).netloc
    # Each reaches the webhook receiver once, with what Prometheus sent.
    for name in ("PromAlways", "PromSwitch"):
        [note] = wait_until(f"the notification of {name}", functools.partial(payloads, sink, "/ours/primary", name))
        [alert] = note["alerts"]
        row = _named(listed, name)
        assert (note["status"], alert["status"], alert["labels"]) == ("firing", "firing", row["labels"])
        assert (alert["generatorURL"], alert["fingerprint"]) == (
            v2[row["fingerprint"]]["generatorURL"],
            row["fingerprint"],
        )
        assert epoch_ms(alert["startsAt"]) == epoch_ms(row["since"])
    # Switched off in Prometheus: resolved with us and told to the receiver.
    targets.script("/switch", Step(200, b"peer_switch 0\n", content_type="text/plain; version=0.0.4"))
    switch_fp = _named(listed, "PromSwitch")["fingerprint"]
    wait_until("PromSwitch resolved", lambda: our_alerts(stack)[switch_fp]["state"] == "resolved", timeout_s=30)
    assert "PromSwitch" not in _prometheus_alerts(prom_url)
    assert switch_fp not in our_v2_alerts(stack)  # the v2 API lists unresolved alerts only, as Alertmanager
    resolved = wait_until(
        "the resolved notification",
        lambda: [p for p in payloads(sink, "/ours/primary", "PromSwitch") if p["status"] == "resolved"],
    )
    [alert] = resolved[0]["alerts"]
    assert alert["status"] == "resolved" and alert["endsAt"] != "0001-01-01T00:00:00Z"
    assert epoch_ms(alert["endsAt"]) == epoch_ms(our_alerts(stack)[switch_fp]["ends_at"])
    assert _named(our_alerts(stack), "PromAlways")["state"] == "firing"  # still evaluated and resent
    assert len(payloads(sink, "/ours/primary", "PromAlways")) == 1  # and never told twice


# -- 2. amtool 0.25 --------------------------------------------------------------------------------


def amtool(binaries: dict[str, Path], stack: Stack, *args: str) -> str:
    """amtool's stdout (its stderr warns that our version is not Alertmanager's)."""
    out = subprocess.run(
        [str(binaries["amtool"]), f"--alertmanager.url={stack.base_url}/alerts", *args],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert out.returncode == 0, (args, out.stdout, out.stderr)
    return out.stdout


def table(text: str) -> list[dict[str, str]]:
    """amtool's simple output (a tabwriter table): rows as dicts, cut at the header's columns."""
    header, *rows = [line for line in text.splitlines() if line.strip()]
    names = [name for name in header.split("  ") if name.strip()]
    starts = [header.index(name.strip()) for name in names]
    bounds = list(zip(starts, [*starts[1:], None], strict=True))
    return [{n.strip(): row[a:b].strip() for n, (a, b) in zip(names, bounds, strict=True)} for row in rows]


def post_alerts(stack: Stack, alerts: list[dict[str, Any]]) -> None:
    status, body = stack.request("POST", "/alerts/api/v2/alerts", alerts, JSON)
    assert status == 200, body


def test_amtool_queries_alerts_and_adds_lists_and_expires_a_silence(
    alerts_stack: Stack, sink: Sink, binaries: dict[str, Path]
) -> None:
    def alert(name: str, summary: str) -> dict[str, Any]:
        return {
            "labels": {"alertname": name, "service": "amtool", "severity": "warning"},
            "annotations": {"summary": summary},
        }

    post_alerts(alerts_stack, [alert("AmtoolLoud", "the loud one")])
    loud = _by_name(our_v2_alerts(alerts_stack), "AmtoolLoud")
    assert loud is not None
    rows = {r["Alertname"]: r for r in table(amtool(binaries, alerts_stack, "alert", "query"))}
    started = datetime.fromtimestamp(epoch_ms(loud["startsAt"]) // 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert rows["AmtoolLoud"] == {
        "Alertname": "AmtoolLoud",
        "Starts At": started,
        "Summary": "the loud one",
        "State": "active",
    }
    only = json.loads(amtool(binaries, alerts_stack, "alert", "query", "-o", "json", "alertname=AmtoolLoud"))
    assert [(a["fingerprint"], a["labels"], a["status"]["state"]) for a in only] == [
        (loud["fingerprint"], loud["labels"], "active")
    ]

    add = ("silence", "add", "alertname=AmtoolMuted", "--comment=peer test", "--author=e2e", "--duration=10m")
    silence_id = amtool(binaries, alerts_stack, *add).strip()
    assert str(uuid.UUID(silence_id)) == silence_id, silence_id
    status, listed = alerts_stack.request("GET", "/alerts/silences")
    assert status == 200, listed
    mine = next(s for s in listed["silences"] if s["id"] == silence_id)
    assert (mine["createdBy"], mine["comment"], mine["status"]["state"]) == ("e2e", "peer test", "active")
    assert mine["matchers"] == [{"name": "alertname", "value": "AmtoolMuted", "isRegex": False, "isEqual": True}]
    assert abs(epoch_ms(mine["endsAt"]) - epoch_ms(mine["startsAt"]) - 600_000) < 5_000

    post_alerts(alerts_stack, [alert("AmtoolMuted", "the muted one")])
    wait_until("the loud one's notification", lambda: payloads(sink, "/ours/primary", "AmtoolLoud"))
    muted = _by_name(our_v2_alerts(alerts_stack), "AmtoolMuted")
    assert muted is not None and muted["status"] == {
        "inhibitedBy": [],
        "silencedBy": [silence_id],
        "state": "suppressed",
    }
    assert our_alerts(alerts_stack)[muted["fingerprint"]]["silenced_by"] == [silence_id]
    # amtool asks for active alerts without the silenced ones, or (-s) for the silenced ones only
    names = {
        a["labels"]["alertname"] for a in json.loads(amtool(binaries, alerts_stack, "alert", "query", "-o", "json"))
    }
    assert "AmtoolLoud" in names and "AmtoolMuted" not in names
    silenced = json.loads(amtool(binaries, alerts_stack, "alert", "query", "-s", "-o", "json"))
    assert [a["fingerprint"] for a in silenced] == [muted["fingerprint"]]
    assert table(amtool(binaries, alerts_stack, "alert", "query", "-s"))[0]["State"] == "suppressed"

    [row] = [r for r in table(amtool(binaries, alerts_stack, "silence", "query")) if r["ID"] == silence_id]
    assert (row["Matchers"], row["Created By"], row["Comment"]) == ('alertname="AmtoolMuted"', "e2e", "peer test")
    assert amtool(binaries, alerts_stack, "silence", "query", "-q", "alertname=AmtoolMuted").split() == [silence_id]
    assert amtool(binaries, alerts_stack, "silence", "query", "-q", "alertname=Nobody").split() == []
    time.sleep(2.5)  # past the group's wait and into its interval: the silence holds
    assert payloads(sink, "/ours/primary", "AmtoolMuted") == []

    amtool(binaries, alerts_stack, "silence", "expire", silence_id)
    status, listed = alerts_stack.request("GET", "/alerts/silences")
    assert next(s for s in listed["silences"] if s["id"] == silence_id)["status"]["state"] == "expired"
    assert silence_id not in amtool(binaries, alerts_stack, "silence", "query", "-q").split()
    assert silence_id in amtool(binaries, alerts_stack, "silence", "query", "-q", "--expired").split()
    # no longer muted: the group's next flush tells the receiver
    [note] = wait_until(
        "the muted one's notification", lambda: payloads(sink, "/ours/primary", "AmtoolMuted"), timeout_s=10
    )
    assert note["alerts"][0]["fingerprint"] == muted["fingerprint"]
    now = iso(time.time())
    post_alerts(
        alerts_stack,
        [{**alert(n, s), "endsAt": now} for n, s in (("AmtoolLoud", "the loud one"), ("AmtoolMuted", "the muted one"))],
    )


# -- 3. side by side with Alertmanager 0.25 ---------------------------------------------------------


@pytest.fixture
def alertmanager(binaries: dict[str, Path], hooks: Sink, tmp_path: Path) -> Iterator[str]:
    config = {
        "route": ROUTE,
        "receivers": [
            {"name": name, "webhook_configs": [{"url": f"{hooks.url}/am/{name}", "send_resolved": True}]}
            for name in RECEIVERS
        ],
    }
    path = tmp_path / "alertmanager.yml"
    path.write_text(json.dumps(config))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(binaries["alertmanager"]),
        "--cluster.listen-address=",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--storage.path={tmp_path / 'am-data'}",
        f"--config.file={path}",
        f"--web.external-url={EXTERNAL_URL}",
    ]
    with PeerProcess(command, f"{url}/-/ready", tmp_path / "alertmanager.log"):
        yield url


class Script:
    """Alerts of one run (a label of their own), posted to both with the same explicit times."""

    def __init__(self, stack: Stack, alertmanager: str) -> None:
        self.stack, self.alertmanager = stack, alertmanager
        self.run = uuid.uuid4().hex[:8]
        self.started: dict[str, float] = {}

    def labels(self, name: str, service: str, **extra: str) -> dict[str, str]:
        return {"alertname": name, "service": service, "run": self.run, **extra}

    def _body(self, labels: dict[str, str], starts: float, ends: float) -> dict[str, Any]:
        summary = f"{labels['alertname']} on {labels['service']}"
        return {"labels": labels, "annotations": {"summary": summary}, "startsAt": iso(starts),
                "endsAt": iso(ends), "generatorURL": f"http://rules.example/{labels['alertname']}"}  # fmt: skip

    def fire(self, *alerts: dict[str, str]) -> None:
        now = time.time()
        for labels in alerts:
            self.started[json.dumps(labels, sort_keys=True)] = now
        self._post([self._body(labels, now, now + 3600) for labels in alerts])

    def resolve(self, *alerts: dict[str, str]) -> None:
        now = time.time()
        self._post([self._body(labels, self.started[json.dumps(labels, sort_keys=True)], now) for labels in alerts])

    def _post(self, body: list[dict[str, Any]]) -> None:
        errors: list[BaseException] = []

        def to_alertmanager() -> None:
            try:
                request = urllib.request.Request(
                    f"{self.alertmanager}/api/v2/alerts", json.dumps(body).encode(), JSON, method="POST"
                )
                with urllib.request.urlopen(request, timeout=10) as answer:
                    assert answer.status == 200
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        thread = threading.Thread(target=to_alertmanager)
        thread.start()
        post_alerts(self.stack, body)
        thread.join()
        assert not errors, errors


def notifications(sink: Sink, side: str, run: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """One side's webhook payloads of this run, by (receiver, group labels), in arrival order."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in sink.requests(f"/{side}/"):
        body = record.json()
        if all(a["labels"].get("run") == run for a in body["alerts"]):
            key = (body["receiver"], json.dumps(body["groupLabels"], sort_keys=True))
            out.setdefault(key, []).append(body)
    return out


def _short(alert: dict[str, Any]) -> str:
    kind = {"PeerLatency": "", "PeerDisk": "disk ", "PeerDown": "down "}[alert["labels"]["alertname"]]
    return f"{alert['status']} {kind}{alert['labels'].get('instance') or alert['labels']['service']}"


def summary(found: dict[tuple[str, str], list[dict[str, Any]]]) -> dict[tuple[str, str], list[list[str]]]:
    """Per group, each notification as its alerts in order: "firing a1", "resolved disk db1"..."""
    return {key: [[_short(a) for a in n["alerts"]] for n in notes] for key, notes in found.items()}


def _group(receiver: str, **labels: str) -> tuple[str, str]:
    return (receiver, json.dumps(labels, sort_keys=True))


# What the script must produce (and Alertmanager 0.25 does): per receiver and group labels, each
# notification's alerts in Alertmanager's order (an alert with an instance label first; fewer labels
# first; resolved and firing together).
EXPECTED = {
    _group("primary", alertname="PeerLatency", service="api"): [
        ["firing a1"],
        ["firing a1", "firing a2"],  # a2 joins the group
        ["resolved a1", "firing a2"],  # a1 resolves
        ["firing a1", "firing a2"],  # a1 fires again
        ["resolved a1", "resolved a2"],
    ],
    _group("primary", alertname="PeerLatency", service="web"): [
        ["firing web"],
        ["resolved web"],  # the group is left empty ...
        ["firing web"],  # ... and the alert fires again: a new notification, not a repeat
        ["resolved web"],
    ],
    _group("primary", alertname="PeerDown"): [  # the critical route, grouped by alertname only
        ["firing down api"],
        ["firing down web", "firing down api"],  # four labels before five
        ["resolved down web", "resolved down api"],
    ],
    _group("second", team="db"): [  # team=db with continue: the critical PeerDown of api is here too
        ["firing disk db1", "firing down api"],
        ["firing disk db1", "firing disk db2", "firing down api"],
        ["resolved disk db1", "firing disk db2", "firing down api"],
        ["resolved disk db2", "resolved down api"],
    ],
}
STEP_S = 5.0  # more than group_interval (3 s) plus the time to post: each step is its own notification


def test_side_by_side_with_alertmanager_the_same_notifications(
    alerts_stack: Stack, sink: Sink, alertmanager: str
) -> None:
    script = Script(alerts_stack, alertmanager)
    a1 = script.labels("PeerLatency", "api", instance="a1", severity="warning")
    a2 = script.labels("PeerLatency", "api", instance="a2", severity="warning")
    web = script.labels("PeerLatency", "web", severity="warning")
    db1 = script.labels("PeerDisk", "db1", team="db", severity="warning")
    db2 = script.labels("PeerDisk", "db2", team="db", severity="warning")
    down_api = script.labels("PeerDown", "api", team="db", severity="critical")
    down_web = script.labels("PeerDown", "web", severity="critical")
    steps: list[Callable[[], None]] = [
        lambda: script.fire(a1, web, db1, down_api),  # four groups start (two for down_api: continue)
        lambda: script.fire(a2, db2),  # new alerts join two of them
        lambda: script.resolve(a1, db1, web),  # one resolves in each of three groups
        lambda: script.fire(a1, web),  # and two fire again
        lambda: script.fire(down_web),  # only the critical route's group hears of this one
        lambda: script.resolve(a1, a2, web, db2, down_api, down_web),  # all clear
    ]
    for step in steps:
        started = time.monotonic()
        step()
        time.sleep(max(0.0, STEP_S - (time.monotonic() - started)))

    def settled() -> bool:
        return all(
            len(found.get(key, [])) >= len(notes)
            for found in (notifications(sink, "am", script.run), notifications(sink, "ours", script.run))
            for key, notes in EXPECTED.items()
        )

    poll(settled, timeout_s=20)  # then compare whatever came, to show any difference
    time.sleep(3.5)  # a group interval more: nothing else may arrive
    theirs, mine = notifications(sink, "am", script.run), notifications(sink, "ours", script.run)
    assert summary(theirs) == EXPECTED  # the script did what it means to, in Alertmanager
    assert summary(mine) == summary(theirs)
    # Not only the same alerts in the same order: the same payloads, byte for byte in content,
    # group keys included (ours are Alertmanager's: the route's matchers path and the group labels).
    for key, notes in theirs.items():
        assert mine[key] == notes, key

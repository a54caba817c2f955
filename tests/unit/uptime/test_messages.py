"""RPC payloads keep their JSON shape (what the API shows) and come back as their types."""

from __future__ import annotations

import json

import pytest

from edgewatch.codec import CodecError, decode, encode, to_plain
from edgewatch.uptime.messages import (
    ChangeView,
    DueChecks,
    IncidentView,
    MonitorDetail,
    MonitorKind,
    MonitorPut,
    MonitorView,
    PingOutcome,
    ProbeOutcome,
    RecentProbe,
    RunResults,
    Source,
    StateChange,
    UptimeCounts,
    WriteOutcome,
)
from edgewatch.uptime.probe import ProbeReason, ProbeResult
from edgewatch.uptime.record import LastResult
from edgewatch.uptime.spec import CheckSpec
from edgewatch.uptime.states import Incident, State, TransitionReason

LAST = LastResult(1_000, True, False, ProbeReason.OK, "HTTP 200 in 12ms", 200, 12.3)
VIEW = MonitorView(
    id="api",
    kind=MonitorKind.HTTP,
    source=Source.CONFIG,
    spec={"id": "api"},
    state=State.UP,
    since_ms=500,
    consecutive_failures=0,
    last_result=LAST,
    last_ping_ms=None,
    open_incident=Incident("api", 400, None, "HTTP 503"),
    uptime={"24h": UptimeCounts(1.0, 3, 0, 1, 0)},
)


def test_run_results_decode_as_typed_probes() -> None:
    """The run's probes used to be positional [id, ok, degraded, reason, detail, status, latency] rows."""
    run = RunResults(
        60_000,
        [
            ProbeOutcome("api", True, True, ProbeReason.SLOW, "HTTP 200 in 2500ms", 200, 2500.5),
            ProbeOutcome.of("down", ProbeResult(False, False, ProbeReason.TIMEOUT, "no response"), None, None),
        ],
    )
    text = encode(run)
    assert json.loads(text)["probes"][1] == {
        "id": "down",
        "ok": False,
        "degraded": False,
        "reason": "timeout",
        "detail": "no response",
        "status": None,
        "latency_ms": None,
    }
    back = decode(RunResults, text)
    assert back == run
    assert back.probes[0].result == ProbeResult(True, True, ProbeReason.SLOW, "HTTP 200 in 2500ms")


def test_a_probe_with_an_unknown_reason_is_refused() -> None:
    with pytest.raises(ValueError):
        decode(ProbeOutcome, json.dumps({"id": "a", "ok": True, "degraded": False, "reason": "nope", "detail": ""}))
    with pytest.raises(CodecError):
        decode(RunResults, json.dumps({"now_ms": "soon", "probes": []}))


def test_state_change_keeps_its_from_and_to_keys() -> None:
    change = StateChange("api", State.UP, State.DOWN, TransitionReason.WENT_DOWN)
    assert to_plain(change) == {"id": "api", "from": "up", "to": "down", "reason": "went_down"}
    assert decode(list[StateChange], encode([change])) == [change]


def test_change_view_keys() -> None:
    change = ChangeView(7, "api", 1_000, State.DOWN, State.UP, TransitionReason.CAME_UP, "HTTP 200")
    assert to_plain(change) == {
        "seq": 7, "check_id": "api", "ts": 1_000, "from": "down", "to": "up", "reason": "came_up", "detail": "HTTP 200",
    }  # fmt: skip
    assert decode(ChangeView, encode(change)) == change


def test_monitor_view_shape() -> None:
    plain = to_plain(VIEW)
    assert list(plain) == [
        "id", "kind", "source", "spec", "state", "since_ms", "consecutive_failures", "last_result",
        "last_ping_ms", "open_incident", "uptime",
    ]  # fmt: skip
    assert plain["last_result"] == {
        "ts": 1_000, "ok": True, "degraded": False, "reason": "ok", "detail": "HTTP 200 in 12ms", "status": 200,
        "latency_ms": 12.3,
    }  # fmt: skip
    assert plain["open_incident"] == {
        "check_id": "api", "start_ms": 400, "end_ms": None, "duration_ms": None, "cause": "HTTP 503"
    }  # fmt: skip
    assert plain["uptime"] == {"24h": {"ratio": 1.0, "up": 3, "down": 0, "excluded": 1, "pending": 0}}
    assert decode(MonitorView, encode(VIEW)) == VIEW


def test_monitor_detail_is_the_view_with_its_recent_probes() -> None:
    recent = [RecentProbe(1_000, True, State.UP, ProbeReason.OK, 200, 12.0, False, "HTTP 200")]
    detail = MonitorDetail(VIEW, recent)
    plain = to_plain(detail)
    assert plain == {**to_plain(VIEW), "recent": [to_plain(recent[0])]}
    assert plain["recent"][0]["in_maintenance"] is False
    assert decode(MonitorDetail | None, encode(detail)) == detail
    assert decode(MonitorDetail | None, encode(None)) is None


def test_other_payloads_round_trip() -> None:
    put = MonitorPut(MonitorKind.HEARTBEAT, "job", {"id": "job", "every": "5m"}, True, 1_000)
    assert decode(MonitorPut, encode(put)) == put
    due = DueChecks([CheckSpec(id="api", url="https://x.example/", headers=(("a", "b"),))], 3)
    assert decode(DueChecks, encode(due)) == due
    incident = IncidentView("api", 100, 400, 300, False, "HTTP 503", ProbeReason.BAD_STATUS)
    assert to_plain(incident)["reason"] == "bad_status"
    assert decode(IncidentView, encode(incident)) == incident


@pytest.mark.parametrize("outcome", list(WriteOutcome))
def test_write_outcomes_keep_their_strings(outcome: WriteOutcome) -> None:
    assert decode(WriteOutcome, encode(outcome)) is outcome
    assert encode(WriteOutcome.CONFIG_OWNED) == '"config_owned"'
    assert decode(PingOutcome, '"missing"') is PingOutcome.MISSING


def test_last_result_round_trip() -> None:
    assert LastResult.from_json(LAST.to_json()) == LAST
    assert LastResult.from_json({**LAST.to_json(), "status": None, "latency_ms": None}).latency_ms is None

from __future__ import annotations

import json

import pytest

from edgewatch.alerts.matchers import parse_matchers
from edgewatch.alerts.model import Alert, label_set
from edgewatch.alerts.silences import (
    Silence,
    SilenceError,
    SilenceNotFoundError,
    SilenceState,
    expire_silence,
    maintenance_silences,
    silenced_by,
    upsert_silence,
)

M = 60_000
NOW = 1_000 * M


def silence(matchers: str = 'service="api"', start: int = NOW - M, end: int = NOW + M, id: str = "s1") -> Silence:
    return Silence(id, parse_matchers(matchers), start, end, "ops@example.com", "deploy", start)


def test_state_by_time() -> None:
    s = silence(start=NOW, end=NOW + M)
    # Pending before the start, active from the start, expired at the end.
    assert s.state(NOW - 1) is SilenceState.PENDING
    assert s.state(NOW) is SilenceState.ACTIVE
    assert s.state(NOW + M - 1) is SilenceState.ACTIVE
    assert s.state(NOW + M) is SilenceState.EXPIRED


def test_silenced_by_only_active_matching_silences() -> None:
    alert = Alert(label_set({"alertname": "X", "service": "api"}))
    silences = [
        silence(id="b"),
        silence(id="a"),
        silence(id="pending", start=NOW + 1, end=NOW + M),
        silence(id="expired", start=NOW - 2 * M, end=NOW),
        silence('service="web"', id="other"),
    ]
    assert silenced_by(alert, silences, NOW) == ["a", "b"]


INVALID = [
    # No matchers.
    (Silence("", (), NOW, NOW + M, "me", "c"), "at least one matcher required"),
    # Only matchers that match the empty string would silence everything.
    (silence('a=~".*",b=""', id=""), "must not match the empty string"),
    # End before start.
    (silence(start=NOW + M, end=NOW, id=""), "end time must not be before start time"),
    # Ending in the past.
    (silence(start=NOW - 2 * M, end=NOW - M, id=""), "end time can't be in the past"),
]


@pytest.mark.parametrize(("incoming", "message"), INVALID)
def test_invalid_silences(incoming: Silence, message: str) -> None:
    with pytest.raises(SilenceError, match=message):
        upsert_silence({}, incoming, NOW, "new")


def test_a_negative_matcher_alone_is_valid_as_in_alertmanager() -> None:
    change = upsert_silence({}, silence('env!="prod"', id=""), NOW, "new")
    assert change.created and change.silence.id == "new"


def test_create_clamps_the_start_to_now() -> None:
    change = upsert_silence({}, silence(start=NOW - 5 * M, id=""), NOW, "new")
    assert (change.silence.starts_at_ms, change.silence.updated_at_ms, change.replaced) == (NOW, NOW, None)


def test_updates() -> None:
    active = silence()
    store = {"s1": active}
    # Same matchers, longer end: updated in place, same id.
    longer = upsert_silence(store, silence(end=NOW + 10 * M), NOW, "new")
    assert (longer.silence.id, longer.silence.ends_at_ms, longer.created) == ("s1", NOW + 10 * M, False)
    # Changed matchers on an active silence: a new silence, and the old one expires now.
    changed = upsert_silence(store, silence('service="web"'), NOW, "s2")
    assert changed.created and changed.silence.id == "s2"
    assert changed.replaced is not None and changed.replaced.ends_at_ms == NOW
    assert changed.replaced.state(NOW) is SilenceState.EXPIRED
    # Moving the start of an active silence is not an in-place update either.
    moved = upsert_silence(store, silence(start=NOW - 30_000), NOW, "s3")
    assert moved.silence.id == "s3" and moved.silence.starts_at_ms == NOW
    # An expired silence is never updated in place; it stays as it was.
    old = silence(start=NOW - 3 * M, end=NOW - M)
    revived = upsert_silence({"s1": old}, silence(), NOW, "s4")
    assert revived.silence.id == "s4" and revived.replaced == old
    # Unknown id.
    with pytest.raises(SilenceNotFoundError):
        upsert_silence({}, silence(id="nope"), NOW, "x")


def test_expire() -> None:
    assert expire_silence(silence(), NOW).ends_at_ms == NOW
    pending = expire_silence(silence(start=NOW + M, end=NOW + 2 * M), NOW)
    assert (pending.starts_at_ms, pending.ends_at_ms) == (NOW, NOW)
    with pytest.raises(SilenceError, match="already expired"):
        expire_silence(silence(start=NOW - 2 * M, end=NOW - M), NOW)


def test_json_round_trip() -> None:
    s = silence('a=~"x|y",b!="z"')
    assert Silence.from_json(json.loads(json.dumps(s.to_json()))) == s


def test_maintenance_windows_mute_their_checks() -> None:
    windows = [("api-health", NOW - M, NOW + M), ("web", NOW + M, NOW + 2 * M), ("old", NOW - 2 * M, NOW - M)]
    synthetic = maintenance_silences(windows, NOW)
    assert [s.id for s in synthetic] == [f"maintenance-api-health-{NOW - M}", f"maintenance-web-{NOW + M}"]
    down = Alert(label_set({"alertname": "CheckDown", "check_id": "api-health"}))
    web = Alert(label_set({"alertname": "CheckDown", "check_id": "web"}))
    assert silenced_by(down, synthetic, NOW) == [synthetic[0].id]
    assert silenced_by(web, synthetic, NOW) == []  # its window has not begun
    assert silenced_by(web, synthetic, NOW + M) == [synthetic[1].id]

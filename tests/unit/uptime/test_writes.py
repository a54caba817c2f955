from __future__ import annotations

import pytest

from edgewatch.errors import ApiError
from edgewatch.uptime.messages import MonitorKind, Source, WriteOutcome
from edgewatch.uptime.writes import (
    Existing,
    delete_maintenance_outcome,
    delete_monitor_outcome,
    outcome_status,
    put_maintenance_outcome,
    put_monitor_outcome,
    with_path_id,
)

HTTP, BEAT = MonitorKind.HTTP, MonitorKind.HEARTBEAT
API_CHECK = Existing(Source.API, HTTP)
CONFIG_CHECK = Existing(Source.CONFIG, HTTP)


@pytest.mark.parametrize(
    ("existing", "kind", "replace", "expected"),
    [
        (None, HTTP, False, WriteOutcome.CREATED),  # POST of a new id
        (None, HTTP, True, WriteOutcome.CREATED),  # PUT of a new id creates it
        (API_CHECK, HTTP, True, WriteOutcome.REPLACED),
        (API_CHECK, HTTP, False, WriteOutcome.CONFLICT),  # POST of an existing id
        (API_CHECK, BEAT, True, WriteOutcome.CONFLICT),  # PUT may not change the kind
        (CONFIG_CHECK, HTTP, True, WriteOutcome.CONFIG_OWNED),
        (CONFIG_CHECK, BEAT, False, WriteOutcome.CONFIG_OWNED),  # config ownership is said first
    ],
)
def test_put_monitor_outcome(
    existing: Existing | None, kind: MonitorKind, replace: bool, expected: WriteOutcome
) -> None:
    assert put_monitor_outcome(existing, kind, replace) is expected


@pytest.mark.parametrize(
    ("existing", "kind", "expected"),
    [
        (None, HTTP, WriteOutcome.MISSING),
        (API_CHECK, BEAT, WriteOutcome.MISSING),  # a check is not deleted as a heartbeat
        (API_CHECK, HTTP, WriteOutcome.DELETED),
        (CONFIG_CHECK, HTTP, WriteOutcome.CONFIG_OWNED),
    ],
)
def test_delete_monitor_outcome(existing: Existing | None, kind: MonitorKind, expected: WriteOutcome) -> None:
    assert delete_monitor_outcome(existing, kind) is expected


@pytest.mark.parametrize(
    ("existing", "put", "delete"),
    [
        (None, WriteOutcome.CREATED, WriteOutcome.MISSING),
        (Existing(Source.API), WriteOutcome.REPLACED, WriteOutcome.DELETED),
        (Existing(Source.CONFIG), WriteOutcome.CONFIG_OWNED, WriteOutcome.CONFIG_OWNED),
    ],
)
def test_maintenance_outcomes(existing: Existing | None, put: WriteOutcome, delete: WriteOutcome) -> None:
    assert put_maintenance_outcome(existing) is put
    assert delete_maintenance_outcome(existing) is delete


@pytest.mark.parametrize(
    ("outcome", "status"), [(WriteOutcome.CREATED, 201), (WriteOutcome.REPLACED, 200), (WriteOutcome.DELETED, 204)]
)
def test_outcome_status_of_a_done_write(outcome: WriteOutcome, status: int) -> None:
    assert outcome_status(outcome, "check", "api") == status


@pytest.mark.parametrize(
    ("outcome", "status", "message"),
    [
        (WriteOutcome.CONFIG_OWNED, 409, "check 'api' is defined in the config file; change it there"),
        (WriteOutcome.CONFLICT, 409, "check 'api' already exists; use PUT to replace it"),
        (WriteOutcome.MISSING, 404, "no check 'api'"),
    ],
)
def test_outcome_status_of_a_refused_write(outcome: WriteOutcome, status: int, message: str) -> None:
    with pytest.raises(ApiError) as raised:
        outcome_status(outcome, "check", "api")
    assert raised.value.status == status
    assert str(raised.value) == message


def test_with_path_id() -> None:
    assert with_path_id({"url": "https://x.example/"}, "api") == {"url": "https://x.example/", "id": "api"}
    assert with_path_id({"id": "api"}, "api") == {"id": "api"}
    with pytest.raises(ApiError, match="'other' in the body differs from 'api' in the path") as raised:
        with_path_id({"id": "other"}, "api")
    assert raised.value.status == 422

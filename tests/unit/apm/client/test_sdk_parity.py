"""Our client and the real sentry-sdk, capturing the same exception at the same call site, send
events our ingest stores alike and groups as one issue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from edgewatch.apm import group_event, normalize_event
from edgewatch.apm.client.breadcrumbs import Breadcrumbs
from edgewatch.apm.client.event_builder import exception_event
from edgewatch.apm.client.options import client_options
from edgewatch.apm.client.scope import Scope

NOW = 1_800_000_000_000


class Keep(Transport):
    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


class InvoiceError(Exception):
    pass


def issue_invoice(n: int) -> None:
    raise InvoiceError(f"invoice {n} has no customer")


@pytest.fixture
def sdk() -> Iterator[Keep]:
    transport = Keep()
    sentry_sdk.init(dsn="http://key@127.0.0.1:9/1", transport=transport, default_integrations=False)
    yield transport
    sentry_sdk.init()  # off again


def ours_and_theirs(sdk: Keep) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        issue_invoice(7)
    except InvoiceError as exc:
        sentry_sdk.capture_exception(exc)
        sentry_sdk.flush()
        ours = exception_event(
            exc, event_id="a" * 32, now_ms=NOW, options=client_options(dsn="http://k@h/1"), scope=Scope(Breadcrumbs())
        )
    (envelope,) = sdk.envelopes
    theirs = envelope.get_event()
    assert theirs is not None
    return ours, dict(theirs)


def test_one_issue_for_the_same_call_site(sdk: Keep) -> None:
    ours, theirs = ours_and_theirs(sdk)
    a = normalize_event(ours, project="1", received_ms=NOW)
    b = normalize_event(theirs, project="1", received_ms=NOW)
    assert a.exceptions == b.exceptions
    assert group_event(a) == group_event(b)


def test_our_frames_carry_the_sdk_fields_but_never_variables(sdk: Keep) -> None:
    ours, theirs = ours_and_theirs(sdk)
    (mine,) = ours["exception"]["values"]
    (real,) = theirs["exception"]["values"]
    assert (mine["type"], mine["value"], mine["module"]) == (real["type"], real["value"], real["module"])
    for frame, their in zip(mine["stacktrace"]["frames"], real["stacktrace"]["frames"], strict=True):
        assert set(frame) == set(their) - {"vars"}
        assert {k: frame[k] for k in frame} == {k: their[k] for k in frame}

"""A per-request Sentry client without I/O: it decides what to send, and reads each answer.

``capture_exception`` and ``capture_message`` build the event, apply the sample rate, then
``before_send`` (which may change the event or return None to drop it), then the rate limits, and
return a ``Capture`` saying what happened and, when something is to be sent, the ``Outgoing``
request. The adapter performs it and hands the answer back to ``on_answer`` (or ``on_failure``),
which updates the shared rate limits. A client without a DSN (or with a bad one) captures nothing.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..dsn import DsnError
from .breadcrumbs import Breadcrumbs, breadcrumb
from .discards import Discard, Discards
from .envelope_writer import event_envelope
from .event_builder import exception_event, message_event
from .options import ClientOptions, Event, Hint
from .rate_limits import RateLimits
from .request_info import RequestFacts
from .scope import Scope
from .target import Target, target_of

CATEGORY = "error"  # the data category of an event item


class Outcome(StrEnum):
    QUEUED = "queued"  # an Outgoing request to perform
    DISABLED = "disabled"  # no usable DSN
    SAMPLED_OUT = "sampled_out"
    DROPPED = "dropped"  # before_send returned None
    RATE_LIMITED = "rate_limited"  # the server asked us to stop sending errors for now


class Delivery(StrEnum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"  # 429
    REFUSED = "refused"  # another non-2xx answer
    FAILED = "failed"  # no answer (network error, timeout)


@dataclass(frozen=True)
class Outgoing:
    url: str
    headers: dict[str, str]
    body: bytes
    reported: dict[tuple[str, str], int] = field(default_factory=dict)  # the client report it carries


@dataclass(frozen=True)
class Capture:
    event_id: str | None
    outcome: Outcome
    outgoing: Outgoing | None = None
    until_ms: int | None = None  # with RATE_LIMITED: when sending may resume
    problem: str | None = None  # why, when the user's before_send raised


class Client:
    def __init__(
        self,
        options: ClientOptions,
        *,
        limits: RateLimits,
        discards: Discards,
        request: RequestFacts | None = None,
        sample: Callable[[], float] = random.random,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.options = options
        self.limits = limits
        self.discards = discards
        self.request = request
        self.scope = Scope(Breadcrumbs(options.max_breadcrumbs))
        self._sample = sample
        self._new_id = new_id
        self.problem: str | None = None
        self.target: Target | None = None
        if options.dsn:
            try:
                self.target = target_of(options.dsn)
            except DsnError as exc:
                self.problem = str(exc)

    def add_breadcrumb(self, now_ms: int, message: str | None = None, **fields: Any) -> None:
        self.scope.breadcrumbs.add(breadcrumb(now_ms, message, **fields))

    def capture_exception(
        self, exc: BaseException, now_ms: int, *, handled: bool = True, mechanism: str = "generic"
    ) -> Capture:
        if self.target is None:
            return Capture(None, Outcome.DISABLED)
        event_id = self._new_id()
        event = exception_event(
            exc, event_id=event_id, now_ms=now_ms, options=self.options, scope=self.scope,
            request=self.request, handled=handled, mechanism=mechanism,
        )  # fmt: skip
        return self.capture_event(event, {"exception": exc}, now_ms)

    def capture_message(self, message: str, level: str, now_ms: int) -> Capture:
        if self.target is None:
            return Capture(None, Outcome.DISABLED)
        event_id = self._new_id()
        event = message_event(
            message, level, event_id=event_id, now_ms=now_ms, options=self.options, scope=self.scope,
            request=self.request,
        )  # fmt: skip
        return self.capture_event(event, {"message": message}, now_ms)

    def capture_event(self, event: Event, hint: Hint, now_ms: int) -> Capture:
        target = self.target
        event_id = str(event.get("event_id") or "")
        if target is None:
            return Capture(None, Outcome.DISABLED)
        if self.options.sample_rate < 1.0 and self._sample() >= self.options.sample_rate:
            self.discards.record(Discard.SAMPLE_RATE, CATEGORY)
            return Capture(event_id, Outcome.SAMPLED_OUT)
        if self.options.before_send is not None:
            try:
                changed = self.options.before_send(event, hint)
            except Exception as exc:  # dropped, as sentry-python does: the hook may be what scrubs
                self.discards.record(Discard.BEFORE_SEND, CATEGORY)
                return Capture(event_id, Outcome.DROPPED, problem=f"before_send raised {type(exc).__name__}")
            if changed is None:
                self.discards.record(Discard.BEFORE_SEND, CATEGORY)
                return Capture(event_id, Outcome.DROPPED)
            event = changed
        decision = self.limits.decide(CATEGORY, now_ms)
        if not decision.send:
            self.discards.record(Discard.RATELIMIT_BACKOFF, CATEGORY)
            return Capture(event_id, Outcome.RATE_LIMITED, until_ms=decision.until_ms)
        reported = self.discards.take() if self.limits.decide("internal", now_ms).send else {}
        body = event_envelope(event, dsn=target.dsn, now_ms=now_ms, discarded=reported)
        return Capture(event_id, Outcome.QUEUED, Outgoing(target.url, target.headers(), body, reported))

    def on_answer(self, outgoing: Outgoing, status: int, headers: Mapping[str, str], now_ms: int) -> Delivery:
        self.limits.update(status, headers, now_ms)
        if 200 <= status < 300:
            return Delivery.SENT
        self.discards.give_back(outgoing.reported)
        if status == 429:  # the server counted what it refused; the SDKs do not report it again
            return Delivery.RATE_LIMITED
        self.discards.record(Discard.SEND_ERROR, CATEGORY)
        return Delivery.REFUSED

    def on_failure(self, outgoing: Outgoing) -> Delivery:
        self.discards.give_back(outgoing.reported)
        self.discards.record(Discard.NETWORK_ERROR, CATEGORY)
        return Delivery.FAILED

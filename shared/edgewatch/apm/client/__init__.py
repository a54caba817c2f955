"""A Sentry client for the platform's Python Workers, without I/O (the adapter is ``edgewatch_cf.sentry``).

Events from exceptions (``stacktrace``, ``in_app``) and messages (``event_builder``) with the
request's scope (``scope``, ``breadcrumbs``, ``request_info``), written as envelopes
(``envelope_writer``) for a DSN's endpoint (``target``); the server's rate limits (``rate_limits``)
and the client reports of what was dropped (``discards``). ``client.Client`` joins them.
"""

from __future__ import annotations

from .breadcrumbs import Breadcrumb, Breadcrumbs, breadcrumb
from .client import Capture, Client, Delivery, Outcome, Outgoing
from .discards import Discard, Discards
from .envelope_writer import event_envelope, serialise
from .event_builder import exception_event, message_event
from .in_app import InAppRules
from .options import SDK_NAME, SDK_VERSION, BeforeSend, ClientOptions, Event, Hint, OptionsError, client_options
from .rate_limits import RateLimits, SendDecision, Verdict, parse_rate_limits, parse_retry_after
from .request_info import RequestFacts, RequestPolicy, request_context
from .scope import Scope
from .stacktrace import exception_values
from .target import Target, target_of

__all__ = [
    "SDK_NAME",
    "SDK_VERSION",
    "BeforeSend",
    "Breadcrumb",
    "Breadcrumbs",
    "Capture",
    "Client",
    "ClientOptions",
    "Delivery",
    "Discard",
    "Discards",
    "Event",
    "Hint",
    "InAppRules",
    "OptionsError",
    "Outcome",
    "Outgoing",
    "RateLimits",
    "RequestFacts",
    "RequestPolicy",
    "Scope",
    "SendDecision",
    "Target",
    "Verdict",
    "breadcrumb",
    "client_options",
    "event_envelope",
    "exception_event",
    "exception_values",
    "message_event",
    "parse_rate_limits",
    "parse_retry_after",
    "request_context",
    "serialise",
    "target_of",
]

"""Error tracking, Sentry-compatible: the pure core behind ``/api/{project}/envelope/`` and ``/store/``.

It reads who sent a request (``sentry_auth``, ``dsn``), undoes its content coding (``compression``),
parses envelopes and store bodies (``envelope``), normalises and scrubs each event into what we
store (``events``, ``scrubbing``), groups it as Sentry does (``grouping``), keeps issues with their
counts, facets, status and regressions (``issues``, ``releases``, ``distinct``), and protects each
project from spikes with answers SDKs back off from (``spike``). Nothing here touches the Workers
runtime; time comes in as ``now_ms``. Adapters and other packages use the names exported here.
"""

from __future__ import annotations

from .compression import BodyError, BodyProblem, BrotliDecoder, decode_body, system_brotli
from .cors import allowed_origins, cors_headers
from .dsn import Dsn, DsnError, Endpoint, PathError, parse_dsn, parse_ingest_path
from .envelope import (
    Envelope,
    EnvelopeError,
    Item,
    ItemType,
    Limits,
    check_content_type,
    discarded_events,
    parse_envelope,
    parse_store,
)
from .events import EventError, Privacy, StoredEvent, normalize_event
from .grouping import GroupedBy, Grouping, describe, group_event
from .ingest_plan import IngestPlan, accepted_body, limits_for, parse_spike_limits, plan_ingest
from .issue_api import (
    IssueUpdate,
    apply_update,
    event_cursor,
    event_view,
    issue_id_for,
    issue_query,
    issue_view,
    page_issues,
    parse_issue_update,
    project_of,
)
from .issue_digest import PeriodIssue, issues_digest
from .issues import (
    Issue,
    IssueError,
    IssueQuery,
    IssueSort,
    IssueStatus,
    Recorded,
    ResolveMode,
    Seen,
    ignore,
    new_issue,
    record_event,
    reopen,
    resolve,
    search_issues,
)
from .messages import (
    EventPage,
    EventSearch,
    IngestAnswer,
    IngestRequest,
    IssueChange,
    IssueChanged,
    IssuePage,
    IssueSearch,
    StoreStats,
)
from .regression_alert import regression_alert
from .releases import compare_releases
from .scrubbing import LocalScrubber, ValueScrubber
from .sentry_auth import AuthError, AuthProblem, SentryAuth, auth_from_request, authorize, parse_project_keys
from .spike import SpikeDecision, SpikeGuard, SpikeLimit

__all__ = [
    "AuthError",
    "AuthProblem",
    "BodyError",
    "BodyProblem",
    "BrotliDecoder",
    "Dsn",
    "DsnError",
    "Endpoint",
    "Envelope",
    "EnvelopeError",
    "EventError",
    "EventPage",
    "EventSearch",
    "GroupedBy",
    "Grouping",
    "IngestAnswer",
    "IngestPlan",
    "IngestRequest",
    "Issue",
    "IssueChange",
    "IssueChanged",
    "IssueError",
    "IssuePage",
    "IssueQuery",
    "IssueSearch",
    "IssueSort",
    "IssueStatus",
    "IssueUpdate",
    "Item",
    "ItemType",
    "Limits",
    "LocalScrubber",
    "PathError",
    "PeriodIssue",
    "Privacy",
    "Recorded",
    "ResolveMode",
    "Seen",
    "SentryAuth",
    "SpikeDecision",
    "SpikeGuard",
    "SpikeLimit",
    "StoreStats",
    "StoredEvent",
    "ValueScrubber",
    "accepted_body",
    "allowed_origins",
    "apply_update",
    "auth_from_request",
    "authorize",
    "check_content_type",
    "compare_releases",
    "cors_headers",
    "decode_body",
    "describe",
    "discarded_events",
    "event_cursor",
    "event_view",
    "group_event",
    "ignore",
    "issue_id_for",
    "issue_query",
    "issue_view",
    "issues_digest",
    "limits_for",
    "new_issue",
    "normalize_event",
    "page_issues",
    "parse_dsn",
    "parse_envelope",
    "parse_ingest_path",
    "parse_issue_update",
    "parse_project_keys",
    "parse_spike_limits",
    "parse_store",
    "plan_ingest",
    "project_of",
    "record_event",
    "regression_alert",
    "reopen",
    "resolve",
    "search_issues",
    "system_brotli",
]

"""Sentry ingest: ``POST /api/{project}/envelope/`` and ``/store/`` (also under ``/apm/api/``), and
their CORS preflight. The request is read, decoded and authorised by the core; the project's
IssueStore applies spike protection and records the event; a regression raises an alert through
pitchey-alerts. Every refusal is a JSON body naming the problem, and is counted in the store."""

from __future__ import annotations

from typing import Any

import apm_settings as settings
from edgewatch.apm import (
    AuthError,
    AuthProblem,
    BodyError,
    Endpoint,
    Envelope,
    EventError,
    IngestAnswer,
    IngestRequest,
    Issue,
    PathError,
    accepted_body,
    auth_from_request,
    authorize,
    check_content_type,
    cors_headers,
    decode_body,
    group_event,
    normalize_event,
    parse_envelope,
    parse_ingest_path,
    parse_store,
    plan_ingest,
    regression_alert,
)
from edgewatch.apm.traces.sentry_spans import transaction_spans
from edgewatch.apm.traces.span import ParsedSpans
from edgewatch.codec import decode, encode
from edgewatch.errors import ApiError, error_line
from edgewatch_cf.app import Incoming, Open, Reply, Routes
from edgewatch_cf.clock import now_ms
from sentry_forward import schedule_forward
from trace_ingest import store_spans

routes = Routes()
MAX_BODY = 20 * 1024 * 1024
PATTERNS = tuple(f"{p}{{project}}/{{endpoint}}{s}" for p in ("/api/", "/apm/api/") for s in ("/", ""))


def _error(status: int, code: str, message: str, headers: dict[str, str]) -> Reply:
    return Reply({"error": {"code": code, "message": message}}, status, headers)


def _auth(req: Incoming, project: str, envelope: Envelope) -> None:
    auth = auth_from_request(req.header("x-sentry-auth"), req.query, envelope.dsn)
    keys = settings.project_keys(req.env)
    if not keys and settings.development(req.env):
        return  # a local development stack without keys accepts any key, as other ingest does
    if not keys:
        raise AuthError(AuthProblem.UNKNOWN_KEY, "no Sentry project keys are configured; set SENTRY_PROJECT_KEYS")
    authorize(auth, project, keys)


async def _read(req: Incoming, project: str, endpoint: Endpoint) -> Envelope:
    check_content_type(req.header("content-type"), endpoint)
    raw = await req.body(MAX_BODY)
    body = decode_body(raw, req.header("content-encoding"), max_bytes=MAX_BODY, brotli=settings.brotli())
    envelope = parse_envelope(body) if endpoint is Endpoint.ENVELOPE else parse_store(body)
    _auth(req, project, envelope)
    return envelope


def _request(req: Incoming, project: str, envelope: Envelope, now: int) -> tuple[IngestRequest, dict[str, Any] | None]:
    """What the IssueStore records, and the transaction whose spans the trace store keeps."""
    plan = plan_ingest(envelope)
    transaction = None if plan.transaction is None else plan.transaction.data
    if plan.event is None or plan.event.data is None:
        return IngestRequest(project, now, plan.categories, None, None, plan.discarded, plan.skipped), transaction
    header_id = plan.event.headers.get("event_id")
    event = normalize_event(
        plan.event.data,
        project=project,
        received_ms=now,
        event_id=envelope.event_id or (header_id if isinstance(header_id, str) else None),
        scrubber=settings.scrubber(req.env),
    )
    grouping = group_event(event, event.fingerprint)
    return IngestRequest(project, now, plan.categories, event, grouping, plan.discarded, plan.skipped), transaction


def _event_data(envelope: Envelope) -> dict[str, Any]:
    return next(item.data for item in envelope.items if item.data is not None and item.category == "error")


async def _store_transaction(req: Incoming, project: str, data: dict[str, Any], event_id: str | None) -> None:
    """The transaction's spans into the trace store (a retried envelope is stored once, by its id)."""
    converted = transaction_spans(data, project)
    if converted.skipped:
        req.console.warn("transaction_spans_skipped", project=project, skipped=converted.skipped)
    if converted.spans:
        parsed = ParsedSpans(converted.spans, [], len(converted.spans))
        await store_spans(req.env, parsed, None if event_id is None else f"sentry:{event_id}")


async def _raise_regression(req: Incoming, issue: Issue, reason: str, now: int) -> None:
    req.console.warn("issue_regressed", issue=issue.id, project=issue.project, reason=reason[:200])
    try:
        await req.env.ALERTS.apm_alerts(encode([regression_alert(issue, reason, now)]))
    except Exception as exc:  # the event is stored; the failure is logged and counted
        req.console.error("regression_alert_failed", issue=issue.id, error=error_line(exc))
        await settings.issue_store(req.env, issue.project).count_refusal("alert_failed")


async def _refused(req: Incoming, project: str, status: int, code: str, message: str, *, cors: dict[str, str]) -> Reply:
    req.console.info("sentry_refused", project=project, status=status, reason=code, message=message[:200])
    try:
        known = set(settings.project_keys(req.env).values())
    except ApiError:
        known = set()
    if project not in known and not settings.development(req.env):
        return _error(status, code, message, cors)  # no store is created for a project nobody configured
    try:
        await settings.issue_store(req.env, project).count_refusal(code)
    except Exception as exc:
        req.console.error("refusal_count_failed", project=project, error=error_line(exc))
    return _error(status, code, message, cors)


async def ingest(req: Incoming) -> Reply:
    cors = cors_headers(req.header("origin"), settings.origins(req.env))
    try:
        project, endpoint = parse_ingest_path(req.path)
    except PathError as exc:
        return _error(404, "not_found", str(exc), cors)
    now = now_ms()
    try:
        envelope = await _read(req, project, endpoint)
        payload, transaction = _request(req, project, envelope, now)
    except (BodyError, AuthError) as exc:
        return await _refused(req, project, exc.status, str(exc.problem), str(exc), cors=cors)
    except EventError as exc:
        return await _refused(req, project, 400, "invalid_event", error_line(exc), cors=cors)
    except ApiError as exc:  # the body over its limit before decoding, a misconfiguration
        return await _refused(req, project, exc.status, exc.code, exc.message, cors=cors)
    try:
        answer = decode(IngestAnswer, str(await settings.issue_store(req.env, project).ingest(encode(payload))))
    except ApiError as exc:
        return _error(exc.status, exc.code, exc.message, cors)
    except Exception as exc:
        req.console.error("issue_store_failed", project=project, error=error_line(exc))
        return _error(503, "unavailable", "the issue store is unavailable; retry", {**cors, "Retry-After": "5"})
    if answer.regressed is not None:
        await _raise_regression(req, answer.regressed, answer.reason, now)
    headers = {**cors, **answer.decision.headers()}
    if answer.decision.status == 429:
        return _error(429, "rate_limited", f"spike protection: {answer.decision.rate_limits}", headers)
    event_id = payload.event.event_id if payload.event is not None else envelope.event_id
    if payload.event is not None:
        schedule_forward(req, project, _event_data(envelope))
    if transaction is not None:
        try:
            await _store_transaction(req, project, transaction, envelope.event_id)
        except ApiError as exc:  # the trace store is down: the SDK retries, the batch id dedupes
            return _error(exc.status, exc.code, exc.message, {**cors, **exc.headers})
    return Reply(accepted_body(event_id), 200, headers)


async def preflight(req: Incoming) -> Reply:
    cors = cors_headers(req.header("origin"), settings.origins(req.env), preflight=True)
    try:
        parse_ingest_path(req.path)
    except PathError as exc:
        return _error(404, "not_found", str(exc), cors)
    return Reply(None, 204, cors)


def _register(table: Any) -> None:
    for pattern in PATTERNS:
        table.route("POST", pattern, access=Open("a Sentry project key"))(ingest)
        table.route("OPTIONS", pattern, access=Open("a Sentry project key"))(preflight)


_register(routes)

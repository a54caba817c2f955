"""Reports through the alert receivers: which receivers take one, and the notifications a report
becomes (one per receiver; the Slack and email builders send its rendering as it is).

A report is delivered by the same Outbox as alerts (recorded before it is sent, retried, paced,
in the delivery history). Its notification's id is derived from the receiver, the report's key
(``weekly:2026-W49``) and its delivery slot, so the same report enqueued twice is sent once.
Only Slack and email receivers take reports: PagerDuty pages people and a webhook expects
Alertmanager's alert payload.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config import AlertingConfig, FieldProblem
from .model import Notification, NotifyReason, ReportMessage
from .receivers import Receiver, ReceiverType
from .setup import configured_receivers

REPORT_RECEIVER_TYPES = (ReceiverType.SLACK, ReceiverType.EMAIL)


@dataclass(frozen=True)
class SendReport:
    """The RPC payload of pitchey-alerts' ``send_report``."""

    receivers: tuple[str, ...]
    key: str  # what makes the report one report: "weekly:2026-W49"
    created_ms: int  # the delivery slot (the scheduled day's start): with key and receiver, the item's id
    message: ReportMessage
    now_ms: int


@dataclass(frozen=True)
class ReportRefusal:
    receiver: str
    problem: str


@dataclass(frozen=True)
class ReportEnqueued:
    added: int  # notifications newly recorded in the Outbox
    duplicates: int  # already recorded for this key: not sent again
    refused: tuple[ReportRefusal, ...] = ()


def report_receiver_problem(name: str, receivers: Mapping[str, Receiver]) -> str | None:
    """Why ``name`` cannot take a report, or None."""
    receiver = receivers.get(name)
    if receiver is None:
        return f"{name!r} is not a configured alerting receiver"
    if receiver.type not in REPORT_RECEIVER_TYPES:
        return f"{name!r} is a {receiver.type.value} receiver; reports go to slack or email receivers"
    return None


def report_notifications(
    request: SendReport, receivers: Mapping[str, Receiver]
) -> tuple[list[Notification], list[ReportRefusal]]:
    """One notification per receiver that takes reports; a refusal for each other one."""
    out, refused = [], []
    for name in request.receivers:
        problem = report_receiver_problem(name, receivers)
        if problem is not None:
            refused.append(ReportRefusal(name, problem))
            continue
        out.append(
            Notification(
                receiver=name,
                group_key=f"report:{request.key}",
                group_labels=(("report", request.key),),
                firing=(),
                resolved=(),
                reason=NotifyReason.REPORT,
                created_at_ms=request.created_ms,
                report=request.message,
            )
        )
    return out, refused


def check_report_receivers(config: AlertingConfig, names: Sequence[str]) -> None:
    """The configuration's check of a report's receivers; a FieldProblem names the one at fault."""
    receivers = configured_receivers(config)
    for index, name in enumerate(names):
        problem = report_receiver_problem(name, receivers)
        if problem is not None:
            raise FieldProblem(f"reports.weekly.receivers.{index}", problem)

"""OTLP logs in protobuf, as the real OpenTelemetry SDK sends them, parse to the same entries as
their OTLP/JSON equivalent; bad protobuf is a 400 and a bad record is rejected alone."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from edgewatch.errors import ApiError, BadRequest
from edgewatch.logs.otlp import otlp_response, parse_otlp_logs
from edgewatch.wire.otlp_body import OtlpEncoding
from tests.unit.wire.otlp_reference import add_attributes, reference, set_value
from tests.unit.wire.test_otlp_proto import logs_request

NOW = 1_795_737_600_000
PROTOBUF = OtlpEncoding.PROTOBUF


def both(message: Any) -> tuple[Any, Any]:
    """The batch parsed from the protobuf body and from its OTLP/JSON equivalent."""
    import json

    from_protobuf = parse_otlp_logs(message.SerializeToString(), NOW, 10_000, PROTOBUF)
    from_json = parse_otlp_logs(json.dumps(reference(message)).encode(), NOW)
    return from_protobuf, from_json


def sdk_export() -> Any:
    """Records made by Python logging through the SDK's LoggingHandler, inside a span, encoded by the
    OTLP exporter's own encoder."""
    memory = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    provider = LoggerProvider(resource=Resource.create({"service.name": "checkout", "deployment.environment": "prod"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
    logger = logging.getLogger("checkout.payments.test")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = LoggingHandler(level=logging.DEBUG, logger_provider=provider)
    logger.addHandler(handler)
    tracer = TracerProvider().get_tracer("t")
    try:
        with tracer.start_as_current_span("charge") as span:
            logger.error("card declined for order %s", 42, extra={"order.id": 42, "retry": False})
            logger.info("done")
        context = span.get_span_context()
    finally:
        logger.removeHandler(handler)
    return encode_logs(memory.get_finished_logs()), context


@pytest.mark.filterwarnings("ignore:.*LoggingHandler.*:DeprecationWarning")
def test_sdk_records_parse_as_their_json_equivalent() -> None:
    message, context = sdk_export()
    from_protobuf, from_json = both(message)
    assert from_protobuf == from_json
    assert not from_protobuf.errors and from_protobuf.total == 2
    declined, done = from_protobuf.entries
    assert (declined.message, declined.level, declined.service) == ("card declined for order 42", "error", "checkout")
    assert declined.trace_id == format(context.trace_id, "032x") and declined.span_id == format(context.span_id, "016x")
    assert declined.attributes["order.id"] == 42 and declined.attributes["retry"] is False
    assert declined.attributes["resource.deployment.environment"] == "prod"
    assert declined.attributes["otel.scope.name"] == "checkout.payments.test"
    assert (done.message, done.level) == ("done", "info")


def test_a_bad_record_is_rejected_alone_in_protobuf_too() -> None:
    message = ExportLogsServiceRequest()
    scope = message.resource_logs.add().scope_logs.add()
    scope.log_records.add(severity_number=9).body.string_value = "fine"
    scope.log_records.add(severity_number=9, trace_id=b"\x01\x02\x03").body.string_value = "short trace id"
    scope.log_records.add(severity_number=99).body.string_value = "bad severity"
    from_protobuf, from_json = both(message)
    assert from_protobuf == from_json
    assert [e.message for e in from_protobuf.entries] == ["fine"]
    assert [e.index for e in from_protobuf.errors] == [1, 2]
    assert "traceId must be 32 hex characters" in from_protobuf.errors[0].error
    assert otlp_response(from_protobuf)["partialSuccess"]["rejectedLogRecords"] == 2


def test_bad_protobuf_is_a_400_naming_message_and_field() -> None:
    message = ExportLogsServiceRequest()
    message.resource_logs.add().scope_logs.add().log_records.add()
    body = message.SerializeToString()
    where = r"not a valid protobuf ExportLogsServiceRequest: ExportLogsServiceRequest.resourceLogs \(Export"
    with pytest.raises(BadRequest, match=where):
        parse_otlp_logs(body[:-1], NOW, 10_000, PROTOBUF)


def test_an_empty_protobuf_request_is_a_full_success() -> None:
    batch = parse_otlp_logs(b"", NOW, 10_000, PROTOBUF)
    assert batch.entries == [] and batch.errors == [] and otlp_response(batch) == {}


_values = st.recursive(
    st.one_of(
        st.text(max_size=10), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), st.binary(max_size=4)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(tuple), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(
        st.tuples(
            st.integers(0, 30),
            st.integers(0, 2**64 - 1),
            _values,
            st.dictionaries(st.text(max_size=8), _values, max_size=4),
        ),
        max_size=6,
    ),
    service=st.text(max_size=10),
)
def test_generated_requests_parse_the_same_in_both_encodings(records: list[Any], service: str) -> None:
    message = ExportLogsServiceRequest()
    resource_logs = message.resource_logs.add()
    add_attributes(resource_logs.resource.attributes, {"service.name": service})
    scope = resource_logs.scope_logs.add()
    for severity, nanos, body, attributes in records:
        record = scope.log_records.add(severity_number=severity, time_unix_nano=nanos)
        set_value(record.body, body)
        add_attributes(record.attributes, attributes)
    from_protobuf, from_json = both(message)
    assert from_protobuf == from_json


RICH_BODY = logs_request().SerializeToString()  # every field and AnyValue kind


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=300))
def test_arbitrary_bytes_give_a_batch_or_a_clear_api_error(body: bytes) -> None:
    try:
        batch = parse_otlp_logs(body, NOW, 10_000, PROTOBUF)
    except ApiError as exc:
        assert exc.status in (400, 413) and exc.message
    else:
        assert len(batch.entries) + len(batch.errors) == batch.total


@settings(max_examples=300, deadline=None)
@given(cuts=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=3))
def test_mutated_rich_bodies_give_a_batch_or_a_clear_api_error(cuts: list[tuple[int, int]]) -> None:
    data = bytearray(RICH_BODY)
    for where, value in cuts:
        data[where % len(data)] = value
    try:
        batch = parse_otlp_logs(bytes(data), NOW, 10_000, PROTOBUF)
    except ApiError as exc:
        assert exc.status in (400, 413) and exc.message
    else:
        assert len(batch.entries) + len(batch.errors) == batch.total

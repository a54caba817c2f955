"""OTLP/HTTP bodies in either encoding: Content-Type, the request document, the answer."""

from __future__ import annotations

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse

from edgewatch.errors import BadRequest, UnsupportedMediaType
from edgewatch.wire.otlp_body import OtlpAnswer, OtlpEncoding, otlp_answer, otlp_document, otlp_encoding


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("application/json", OtlpEncoding.JSON),
        ("application/json; charset=utf-8", OtlpEncoding.JSON),
        ("application/x-protobuf", OtlpEncoding.PROTOBUF),
        (
            "Application/X-Protobuf ; proto=opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest",
            OtlpEncoding.PROTOBUF,
        ),
    ],
)
def test_the_content_type_picks_the_encoding(content_type: str, encoding: OtlpEncoding) -> None:
    assert otlp_encoding(content_type) is encoding


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/protobuf", "application/grpc"])
def test_other_content_types_are_a_415_naming_both(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaType, match="application/json, application/x-protobuf"):
        otlp_encoding(content_type)


def test_an_empty_protobuf_body_is_an_empty_request() -> None:
    """Zero bytes is a valid empty message; the OTLP spec answers an empty request with success."""
    document = otlp_document(b"", OtlpEncoding.PROTOBUF, "ExportLogsServiceRequest")
    assert document.request == {} and not document.may_hold_surrogates


@pytest.mark.parametrize(
    ("body", "encoding", "message"),
    [
        (
            b"\x0a\x05\x12",
            OtlpEncoding.PROTOBUF,
            "body is not a valid protobuf ExportMetricsServiceRequest: "
            "ExportMetricsServiceRequest.resourceMetrics (ExportMetricsServiceRequest field 1 resourceMetrics): "
            "a length of 5 bytes runs past the end of its message (1 bytes left)",
        ),
        (b'{"resourceMetrics": []', OtlpEncoding.JSON, "body is not valid JSON"),
        (b"[]", OtlpEncoding.JSON, "OTLP body must be a JSON object (ExportMetricsServiceRequest), not an array"),
        (b"", OtlpEncoding.JSON, "empty body"),
    ],
)
def test_undecodable_bodies_are_a_400_naming_the_problem(body: bytes, encoding: OtlpEncoding, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        otlp_document(body, encoding, "ExportMetricsServiceRequest")
    assert caught.value.status == 400
    assert caught.value.message.startswith(message), caught.value.message


def test_json_documents_say_when_they_may_hold_surrogates() -> None:
    assert otlp_document(b'{"a": "\\ud800"}', OtlpEncoding.JSON, "ExportLogsServiceRequest").may_hold_surrogates
    assert not otlp_document(b'{"a": "x"}', OtlpEncoding.JSON, "ExportLogsServiceRequest").may_hold_surrogates


PARTIAL = {"partialSuccess": {"rejectedLogRecords": 2, "errorMessage": "log record 0: bad"}}


def test_answers_are_in_the_request_encoding() -> None:
    assert otlp_answer({}, OtlpEncoding.JSON) == OtlpAnswer({})
    assert otlp_answer(PARTIAL, OtlpEncoding.JSON) == OtlpAnswer(PARTIAL)
    # Full success in protobuf: an empty ExportLogsServiceResponse, which is no bytes at all.
    assert otlp_answer({}, OtlpEncoding.PROTOBUF) == OtlpAnswer(None, {"content-type": "application/x-protobuf"})
    partial = otlp_answer(PARTIAL, OtlpEncoding.PROTOBUF)
    assert partial.raw and partial.headers == {"content-type": "application/x-protobuf"}
    assert isinstance(partial.body, bytes)
    decoded = ExportLogsServiceResponse.FromString(partial.body)
    assert decoded.partial_success.rejected_log_records == 2
    assert decoded.partial_success.error_message == "log record 0: bad"


def test_refusals_are_a_google_rpc_status_in_the_request_encoding() -> None:
    from google.rpc import status_pb2  # type: ignore[import-untyped]

    from edgewatch.wire.otlp_body import grpc_code, otlp_error_answer

    body = {"error": {"code": "bad_request", "message": "body is not a valid protobuf: truncated"}}
    answer = otlp_error_answer(400, body, "application/x-protobuf")
    assert answer.raw and answer.headers == {"content-type": "application/x-protobuf"}
    assert isinstance(answer.body, bytes)
    status = status_pb2.Status.FromString(answer.body)
    assert (status.code, status.message) == (3, "body is not a valid protobuf: truncated")  # INVALID_ARGUMENT
    as_json = otlp_error_answer(503, {"error": {"code": "unavailable", "message": "retry"}}, "application/json")
    assert as_json.body == {"code": 14, "message": "retry", "error": {"code": "unavailable", "message": "retry"}}
    assert [grpc_code(s) for s in (401, 403, 413, 429, 500)] == [16, 7, 8, 8, 13]

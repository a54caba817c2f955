from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from edgewatch.apm.traces.otlp_traces import otlp_traces_response, parse_otlp_traces
from edgewatch.errors import BadRequest, PayloadTooLarge
from edgewatch.wire.otlp_body import OtlpEncoding

TRACE = "5b8efff798038103d269b633813fc60c"
NOW_NS = 1_767_225_600_000_000_000


def doc(*spans: dict[str, Any], service: str = "checkout", resource: Any = None) -> bytes:
    res = (
        resource
        if resource is not None
        else {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}
    )
    return json.dumps(
        {
            "resourceSpans": [
                {"resource": res, "scopeSpans": [{"scope": {"name": "lib", "version": "2"}, "spans": list(spans)}]}
            ]
        }
    ).encode()


def good(**over: Any) -> dict[str, Any]:
    base = {
        "traceId": TRACE,
        "spanId": "eee19b7ec3c1b174",
        "name": "GET /cart",
        "kind": 2,
        "startTimeUnixNano": str(NOW_NS),
        "endTimeUnixNano": str(NOW_NS + 2_500_000),
        "attributes": [{"key": "http.route", "value": {"stringValue": "/cart"}}],
    }
    base.update(over)
    return base


def test_a_server_span_with_resource_scope_and_status() -> None:
    parsed = parse_otlp_traces(doc(good(status={"code": 2, "message": "boom"}, parentSpanId="")))
    (span,) = parsed.spans
    assert span.trace_id == TRACE and span.parent_id is None and span.kind == "server"
    assert span.service == "checkout" and span.duration_us == 2500 and span.start_us == NOW_NS // 1000
    assert span.status == "error" and span.status_message == "boom" and span.is_error
    assert span.attributes == {"otel.scope.name": "lib", "otel.scope.version": "2", "http.route": "/cart"}
    assert otlp_traces_response(parsed) == {}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"traceId": None}, "traceId is required"),  # missing
        ({"traceId": "0" * 32}, "traceId is required"),  # OTLP's "no id"
        ({"traceId": "zz" * 16}, "traceId must be 32 hex"),
        ({"spanId": "abc"}, "spanId must be 16 hex"),
        ({"spanId": None}, "spanId is required"),
        ({"name": 5}, "name must be a string"),
        ({"kind": 9}, "kind must be one of"),
        ({"kind": "SPAN_KIND_BOGUS"}, "kind must be one of"),
        ({"status": {"code": 7}}, "status.code must be one of"),
        ({"status": "bad"}, "status must be an object"),
        ({"startTimeUnixNano": None}, "startTimeUnixNano is required"),
        ({"endTimeUnixNano": str(NOW_NS - 1)}, "ends"),
        ({"events": {}}, "events must be an array"),
        ({"events": [{"name": 3}]}, "events[0].name must be a string"),
        ({"links": [5]}, "links[0] must be an object"),
        ({"attributes": "x"}, "attributes must be an array"),
        ({"flags": -1}, "flags must be an unsigned integer"),
    ],
)
def test_bad_spans_are_rejected_one_by_one_with_the_reason(change: dict[str, Any], reason: str) -> None:
    bad = {k: v for k, v in good(**{"spanId": "1111111111111111", **change}).items() if v is not None}
    parsed = parse_otlp_traces(doc(good(), bad))
    assert len(parsed.spans) == 1 and parsed.rejected == 1 and parsed.total == 2
    assert parsed.errors[0].index == 1 and reason in parsed.errors[0].error
    partial = otlp_traces_response(parsed)["partialSuccess"]
    assert partial["rejectedSpans"] == 1 and partial["errorMessage"].startswith("span 1: ")


def test_enum_names_numbers_for_times_and_upper_case_ids_are_taken() -> None:
    (span,) = parse_otlp_traces(
        doc(
            good(
                traceId=TRACE.upper(),
                kind="SPAN_KIND_CLIENT",
                status={"code": "STATUS_CODE_OK"},
                startTimeUnixNano=NOW_NS,
            )
        )
    ).spans
    assert span.trace_id == TRACE and span.kind == "client" and span.status == "ok"


def test_the_python_sdks_flags_do_not_drop_spans() -> None:
    # 0x100: "has is_remote" without the W3C trace flags, as opentelemetry-python sends.
    assert len(parse_otlp_traces(doc(good(flags=0x100), good(spanId="1" * 16, flags=0x301))).spans) == 2


def test_events_and_links() -> None:
    event = {
        "name": "exception",
        "timeUnixNano": str(NOW_NS + 1000),
        "attributes": [{"key": "exception.type", "value": {"stringValue": "E"}}],
    }
    link = {"traceId": "1" * 32, "spanId": "2" * 16}
    (span,) = parse_otlp_traces(doc(good(events=[event], links=[link, {"traceId": ""}]))).spans
    assert span.events == [{"name": "exception", "time_us": NOW_NS // 1000 + 1, "attributes": {"exception.type": "E"}}]
    assert span.links == [{"trace_id": "1" * 32, "span_id": "2" * 16}]


def test_bad_resource_attributes_reject_its_spans_and_a_bad_envelope_is_a_400() -> None:
    parsed = parse_otlp_traces(doc(good(), resource={"attributes": 3}))
    assert not parsed.spans and "resource.attributes" in parsed.errors[0].error
    with pytest.raises(BadRequest, match="resourceSpans"):
        parse_otlp_traces(b'{"resourceSpans": {}}')
    with pytest.raises(BadRequest):
        parse_otlp_traces(b"[1]")
    with pytest.raises(PayloadTooLarge):
        parse_otlp_traces(doc(good(), good(spanId="1" * 16)), max_spans=1)


def test_a_lone_surrogate_rejects_the_span() -> None:
    body = doc(good()).replace(b'"GET /cart"', b'"bad \\ud800"')
    parsed = parse_otlp_traces(body)
    assert not parsed.spans and "surrogate" in parsed.errors[0].error


def test_protobuf_and_json_give_the_same_spans() -> None:
    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    rs.resource.attributes.add(key="service.name").value.string_value = "checkout"
    s = rs.scope_spans.add().spans.add()
    s.trace_id, s.span_id, s.name, s.kind = bytes.fromhex(TRACE), bytes.fromhex("eee19b7ec3c1b174"), "GET /cart", 2
    s.start_time_unix_nano, s.end_time_unix_nano = NOW_NS, NOW_NS + 2_500_000
    s.attributes.add(key="http.route").value.string_value = "/cart"
    from_proto = parse_otlp_traces(request.SerializeToString(), encoding=OtlpEncoding.PROTOBUF).spans
    body = json.dumps(
        {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
                            "scopeSpans": [{"spans": [good()]}]}]}
    ).encode()  # fmt: skip
    assert from_proto == parse_otlp_traces(body).spans
    with pytest.raises(BadRequest, match="protobuf"):
        parse_otlp_traces(gzip.compress(b"x"), encoding=OtlpEncoding.PROTOBUF)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_protobuf_bodies_parse_or_are_a_400(data: bytes) -> None:
    try:
        parsed = parse_otlp_traces(data, encoding=OtlpEncoding.PROTOBUF)
    except BadRequest:
        return
    assert parsed.rejected + len(parsed.spans) == parsed.total


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
_span_field = st.sampled_from(
    ["traceId", "spanId", "parentSpanId", "name", "kind", "startTimeUnixNano", "endTimeUnixNano", "status", "events",
     "links", "attributes", "flags"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_span_field, _json, max_size=6))
def test_fuzz_json_spans_are_kept_or_rejected_never_an_exception(changes: dict[str, Any]) -> None:
    try:
        parsed = parse_otlp_traces(doc(good(**changes)))
    except BadRequest:
        return
    assert parsed.rejected + len(parsed.spans) == 1
    for span in parsed.spans:
        json.dumps(span.to_json(), ensure_ascii=False).encode("utf-8")

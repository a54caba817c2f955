"""OTLP/HTTP bodies in either encoding: the Content-Type that picks it, the request as its OTLP/JSON
document, and the Export*ServiceResponse answered in the request's encoding (the OTLP
specification: "The server MUST use the same Content-Type in the response as it received")."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..errors import BadRequest
from .body import check_content_type, decode_text
from .items import json_type
from .jsondoc import may_hold_surrogates, parse_json

JSON_TYPE = "application/json"
PROTOBUF_TYPE = "application/x-protobuf"


class OtlpEncoding(StrEnum):
    JSON = "json"
    PROTOBUF = "protobuf"


def otlp_encoding(content_type: str | None) -> OtlpEncoding:
    """The encoding a Content-Type names; any other type is a 415."""
    check_content_type(content_type, (JSON_TYPE, PROTOBUF_TYPE))
    media = str(content_type).split(";", 1)[0].strip().lower()
    return OtlpEncoding.PROTOBUF if media == PROTOBUF_TYPE else OtlpEncoding.JSON


@dataclass(frozen=True)
class OtlpDocument:
    request: dict[str, Any]
    may_hold_surrogates: bool  # only JSON escapes can hold lone surrogates; protobuf strings are UTF-8


def otlp_document(body: bytes, encoding: OtlpEncoding, message: str) -> OtlpDocument:
    """The Export*ServiceRequest ``message`` as its OTLP/JSON document, or a BadRequest (400)."""
    if encoding is OtlpEncoding.PROTOBUF:
        from .otlp_proto import MESSAGES, decode_request  # imported on first protobuf request

        try:
            return OtlpDocument(decode_request(body, MESSAGES[message]), False)
        except ValueError as exc:
            raise BadRequest(f"body is not a valid protobuf {message}: {exc}") from None
    text = decode_text(body)
    request = parse_json(text)
    if type(request) is not dict:
        raise BadRequest(f"OTLP body must be a JSON object ({message}), not {json_type(request)}")
    return OtlpDocument(request, may_hold_surrogates(text))


@dataclass(frozen=True)
class OtlpAnswer:
    """An Export*ServiceResponse ready to send: a JSON body, or protobuf bytes sent raw (None when
    empty: a full success in protobuf is a response with no bytes)."""

    body: dict[str, Any] | bytes | None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bool = False


def otlp_answer(response: dict[str, Any], encoding: OtlpEncoding) -> OtlpAnswer:
    if encoding is OtlpEncoding.JSON:
        return OtlpAnswer(response)
    from .otlp_proto import encode_export_response

    data = encode_export_response(response)
    return OtlpAnswer(data or None, {"content-type": PROTOBUF_TYPE}, raw=bool(data))


# gRPC status codes for the HTTP statuses we answer (OTLP/HTTP carries a google.rpc.Status body).
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 413: 8, 415: 3, 422: 3, 429: 8, 503: 14}
_UNKNOWN = 2


def grpc_code(http_status: int) -> int:
    return _GRPC_CODES.get(http_status, 13 if http_status >= 500 else _UNKNOWN)


def otlp_error_answer(http_status: int, error_body: dict[str, Any], content_type: str | None) -> OtlpAnswer:
    """An OTLP/HTTP failure as the spec asks: a google.rpc.Status in the request's encoding. For
    protobuf, the Status bytes; for JSON (and an unusable Content-Type), our usual
    ``{"error": {...}}`` with the Status's ``code`` and ``message`` beside it, which OTLP/JSON
    readers take and ignore the rest of."""
    error = error_body.get("error", {})
    message = str(error.get("message", ""))
    code = grpc_code(http_status)
    media = str(content_type or "").split(";", 1)[0].strip().lower()
    if media == PROTOBUF_TYPE:
        from .otlp_proto import encode_status

        return OtlpAnswer(encode_status(code, message), {"content-type": PROTOBUF_TYPE}, raw=True)
    return OtlpAnswer({"code": code, "message": message, **error_body})

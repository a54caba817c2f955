"""Request bodies: Content-Type checks, Content-Encoding undone within a size limit, UTF-8 text."""

from __future__ import annotations

import zlib

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from .items import show

JSON_WHITESPACE = " \t\n\r"
GZIP_ENCODINGS = frozenset({"gzip", "x-gzip"})


def decode_body(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """The body with its Content-Encoding undone, never longer than ``max_bytes``."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("", "identity"):
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"body is {len(body)} bytes; the limit is {max_bytes} bytes")
        return body
    if encoding in GZIP_ENCODINGS:
        return _gunzip(body, max_bytes)
    raise UnsupportedMediaType(
        f"Content-Encoding {show(content_encoding)} is not supported; send gzip or no Content-Encoding"
    )


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    # Each call inflates at most the bytes still allowed plus one, so a zip bomb costs at most
    # max_bytes + 1 of memory before it is refused. Concatenated gzip members are one valid stream.
    parts: list[bytes] = []
    produced = 0
    data = body
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            part = inflater.decompress(data, max_bytes + 1 - produced)
        except zlib.error as exc:
            raise BadRequest(f"body is not valid gzip ({exc})") from None
        produced += len(part)
        if produced > max_bytes:
            raise PayloadTooLarge(f"body decompresses to more than the limit of {max_bytes} bytes")
        if not inflater.eof:
            # Output stayed below the cap, so all input was read: the stream ended early.
            raise BadRequest("body is not valid gzip (the stream is truncated)")
        parts.append(part)
        data = inflater.unused_data
        if not data.strip(b"\x00"):  # trailing zero padding is tolerated, as gzip(1) does
            break
    return b"".join(parts)


def check_content_type(content_type: str | None, allowed: tuple[str, ...]) -> None:
    """Accept only the listed media types; parameters such as charset are ignored."""
    wanted = ", ".join(allowed)
    if not content_type or not content_type.strip():
        raise UnsupportedMediaType(f"Content-Type is missing; send one of: {wanted}")
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in {item.lower() for item in allowed}:
        raise UnsupportedMediaType(f"Content-Type {show(content_type)} is not supported; send one of: {wanted}")


def decode_text(body: bytes) -> str:
    """The body as text: UTF-8 (a leading byte-order mark is dropped), not blank."""
    if not body:
        raise BadRequest("empty body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"body is not valid UTF-8 (invalid byte at offset {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip(JSON_WHITESPACE):
        raise BadRequest("empty body")
    return text

"""Request bodies as SDKs send them: ``Content-Encoding`` gzip, deflate (zlib or raw) and brotli.

Every decoder stops at ``max_bytes`` of output, so a small compressed bomb costs at most that much
memory and answers 413. Brotli is decoded by an injected decoder: under CPython the ``brotli``
module when it is importable (``system_brotli``). The Workers' Pyodide has no brotli wheel on PyPI
and PyPI has no pure-Python brotli decoder, so in a Worker a ``br`` body answers 415 naming the
SDK option that switches it to gzip (sentry-python drops an event on any non-2xx answer: it never
retries, so the refusal is counted on our side and in the SDK's client reports, and the fix is the
SDK option, documented in the README).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from enum import StrEnum

# (compressed body, max output bytes) -> the decoded body; ValueError if corrupt, BodyError if too large.
BrotliDecoder = Callable[[bytes, int], bytes]

MAX_ENCODINGS = 3
CHUNK = 64 * 1024
BROTLI_HINT = (
    "brotli request bodies cannot be decoded here; in sentry-python set "
    "_experiments={'transport_compression_algo': 'gzip'} (or uninstall the brotli module)"
)


class BodyProblem(StrEnum):
    UNSUPPORTED_ENCODING = "unsupported_encoding"
    UNSUPPORTED_CONTENT_TYPE = "unsupported_content_type"
    CORRUPT = "corrupt"
    MALFORMED = "malformed"  # decoded, but not an envelope or an event
    TOO_LARGE = "too_large"


STATUS = {
    BodyProblem.UNSUPPORTED_ENCODING: 415,
    BodyProblem.UNSUPPORTED_CONTENT_TYPE: 415,
    BodyProblem.CORRUPT: 400,
    BodyProblem.MALFORMED: 400,
    BodyProblem.TOO_LARGE: 413,
}


class BodyError(Exception):
    """A body we refuse; ``status`` is the HTTP status (400, 413 or 415), the message says why."""

    def __init__(self, problem: BodyProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.status = STATUS[problem]


def too_large(limit: int) -> BodyError:
    return BodyError(BodyProblem.TOO_LARGE, f"body exceeds {limit} bytes after decompression")


def system_brotli() -> BrotliDecoder | None:
    """A decoder backed by the ``brotli`` module, or None where it is not importable (a Worker)."""
    try:
        import brotli  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return None

    def decode(data: bytes, max_bytes: int) -> bytes:
        decompressor = brotli.Decompressor()
        try:
            try:
                out = decompressor.process(data, output_buffer_limit=max_bytes + 1)
            except TypeError:  # brotli < 1.2 has no output limit: bounded only by max_bytes after
                out = decompressor.process(data)
            if len(out) > max_bytes:
                raise too_large(max_bytes)
            if not decompressor.is_finished():
                raise ValueError("brotli stream is truncated")
        except brotli.error as exc:
            raise ValueError(f"brotli: {exc}") from None
        return bytes(out)

    return decode


def _inflate(data: bytes, wbits: int, max_bytes: int) -> bytes:
    """zlib, raw deflate or gzip (concatenated gzip members too), at most ``max_bytes`` out."""
    out = bytearray()
    rest = data
    while True:
        stream = zlib.decompressobj(wbits)
        out += stream.decompress(rest, max_bytes + 1 - len(out))
        if len(out) > max_bytes or stream.unconsumed_tail:
            raise too_large(max_bytes)
        if not stream.eof:
            raise zlib.error("compressed stream is truncated")
        rest = stream.unused_data
        if not rest or wbits != 31 or not rest.lstrip(b"\0"):
            return bytes(out)  # trailing NUL padding after a gzip member is tolerated, as gzip(1) does


def _decode_one(data: bytes, encoding: str, max_bytes: int, brotli: BrotliDecoder | None) -> bytes:
    try:
        if encoding in ("gzip", "x-gzip"):
            return _inflate(data, 31, max_bytes)
        if encoding == "deflate":
            try:  # RFC 9110 says zlib-wrapped; some clients send raw deflate
                return _inflate(data, 15, max_bytes)
            except zlib.error:
                return _inflate(data, -15, max_bytes)
        if encoding == "br":
            if brotli is None:
                raise BodyError(BodyProblem.UNSUPPORTED_ENCODING, BROTLI_HINT)
            return brotli(data, max_bytes)
    except (zlib.error, ValueError) as exc:
        raise BodyError(BodyProblem.CORRUPT, f"body is not valid {encoding}: {exc}") from None
    raise BodyError(
        BodyProblem.UNSUPPORTED_ENCODING,
        f"Content-Encoding {encoding[:40]!r} is not supported (gzip, deflate, br or identity)",
    )


def decode_body(
    body: bytes, content_encoding: str | None, *, max_bytes: int, brotli: BrotliDecoder | None = None
) -> bytes:
    """The body with its content codings undone (the last one applied is undone first)."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > MAX_ENCODINGS:
        raise BodyError(BodyProblem.UNSUPPORTED_ENCODING, f"more than {MAX_ENCODINGS} content codings")
    for coding in reversed(codings):
        body = _decode_one(body, coding, max_bytes, brotli)
    if len(body) > max_bytes:
        raise too_large(max_bytes)
    return body

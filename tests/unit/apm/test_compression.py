from __future__ import annotations

import gzip
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgewatch.apm.compression import BROTLI_HINT, BodyError, BodyProblem, decode_body, system_brotli

DATA = b'{"event_id":"x"}\n{"type":"event"}\n{}\n' * 50
BROTLI = system_brotli()
assert BROTLI is not None  # Brotli is in requirements/dev.txt
import brotli  # type: ignore[import-untyped]  # noqa: E402


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-15)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        (None, DATA),
        ("identity", DATA),
        ("gzip", gzip.compress(DATA)),
        ("x-gzip", gzip.compress(DATA)),
        ("GZIP", gzip.compress(DATA)),  # codings are case-insensitive
        ("deflate", zlib.compress(DATA)),  # zlib-wrapped, as RFC 9110 says
        ("deflate", raw_deflate(DATA)),  # raw, as some clients send
        ("br", brotli.compress(DATA)),
        ("gzip, br", brotli.compress(gzip.compress(DATA))),  # the last applied is undone first
        ("gzip", gzip.compress(DATA[:100]) + gzip.compress(DATA[100:])),  # two gzip members
        ("gzip", gzip.compress(DATA) + b"\0\0\0"),  # NUL padding after the member
    ],
)
def test_decodes(encoding: str | None, body: bytes) -> None:
    assert decode_body(body, encoding, max_bytes=10_000, brotli=BROTLI) == DATA


@pytest.mark.parametrize(
    ("encoding", "body", "problem", "status"),
    [
        ("gzip", b"not gzip", BodyProblem.CORRUPT, 400),
        ("gzip", gzip.compress(DATA)[:-12], BodyProblem.CORRUPT, 400),  # truncated
        ("deflate", b"\xff\xfe garbage", BodyProblem.CORRUPT, 400),
        ("br", b"\xff" * 20, BodyProblem.CORRUPT, 400),
        ("br", brotli.compress(DATA)[:-3], BodyProblem.CORRUPT, 400),
        ("zstd", b"x", BodyProblem.UNSUPPORTED_ENCODING, 415),
        ("gzip, gzip, gzip, gzip", b"x", BodyProblem.UNSUPPORTED_ENCODING, 415),
        (None, DATA * 10, BodyProblem.TOO_LARGE, 413),
        ("gzip", gzip.compress(b"\0" * 5_000_000), BodyProblem.TOO_LARGE, 413),  # a small bomb
        ("deflate", zlib.compress(b"\0" * 5_000_000), BodyProblem.TOO_LARGE, 413),
        ("br", brotli.compress(b"\0" * 5_000_000), BodyProblem.TOO_LARGE, 413),
    ],
)
def test_refusals(encoding: str | None, body: bytes, problem: BodyProblem, status: int) -> None:
    with pytest.raises(BodyError) as caught:
        decode_body(body, encoding, max_bytes=10_000, brotli=BROTLI)
    assert (caught.value.problem, caught.value.status) == (problem, status)


def test_brotli_without_a_decoder_is_415_naming_the_sdk_option() -> None:
    """As in a Worker: no brotli wheel for Pyodide. sentry-python drops what we refuse (it never
    retries), so the answer says how to make it send gzip."""
    with pytest.raises(BodyError) as caught:
        decode_body(brotli.compress(DATA), "br", max_bytes=10_000, brotli=None)
    assert caught.value.status == 415
    assert str(caught.value) == BROTLI_HINT
    assert "transport_compression_algo" in BROTLI_HINT


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(["gzip", "deflate", "br", "x-gzip", "gzip, br", "zstd", None]))
def test_arbitrary_bodies_only_raise_our_error(body: bytes, encoding: str | None) -> None:
    try:
        out = decode_body(body, encoding, max_bytes=1_000, brotli=BROTLI)
    except BodyError as exc:
        assert exc.status in (400, 413, 415)
    else:
        assert len(out) <= 1_000

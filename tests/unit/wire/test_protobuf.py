"""The wire-format decoder under fuzzing: arbitrary bytes only ever raise ProtobufError (a
ValueError), and mutated real encodings are read exactly as the real protobuf library reads them
(accepted with the same document, or refused)."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from edgewatch.wire.otlp_proto import decode_request
from edgewatch.wire.protobuf import ProtobufError
from tests.unit.wire.otlp_reference import CLASSES, reference
from tests.unit.wire.test_otlp_proto import logs_request, metrics_request, traces_request

SEEDS = {
    "ExportLogsServiceRequest": logs_request().SerializeToString(),
    "ExportMetricsServiceRequest": metrics_request().SerializeToString(),
    "ExportTraceServiceRequest": traces_request().SerializeToString(),
}
_names = st.sampled_from(sorted(CLASSES))


def ours_or_error(name: str, body: bytes) -> dict[str, Any] | ProtobufError:
    try:
        return decode_request(body, CLASSES[name][1])
    except ProtobufError as exc:
        assert str(exc)
        return exc


def theirs_or_error(name: str, body: bytes) -> dict[str, Any] | DecodeError:
    try:
        return reference(CLASSES[name][0].FromString(body))
    except DecodeError as exc:
        return exc


@settings(max_examples=400, deadline=None)
@given(name=_names, body=st.binary(max_size=200))
@example(name="ExportLogsServiceRequest", body=b"\x0a\xff\xff\xff\xff\x0f")
def test_arbitrary_bytes_only_ever_raise_a_value_error(name: str, body: bytes) -> None:
    ours = ours_or_error(name, body)
    theirs = theirs_or_error(name, body)
    if isinstance(theirs, DecodeError):
        assert isinstance(ours, ProtobufError), f"the real library refuses ({theirs}), ours accepts {ours}"
    else:
        assert ours == theirs


_mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10**6), st.integers(0, 0)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("drop"), st.integers(0, 10**6), st.integers(1, 8)),
)


def mutate(body: bytes, mutations: list[tuple[str, int, int]]) -> bytes:
    data = bytearray(body)
    for kind, where, value in mutations:
        if not data:
            break
        at = where % len(data)
        if kind == "flip":
            data[at] = value
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data.insert(at, value)
        else:
            del data[at : at + value]
    return bytes(data)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_names, mutations=st.lists(_mutation, min_size=1, max_size=4))
def test_mutated_real_encodings_are_read_as_the_real_library_reads_them(
    name: str, mutations: list[tuple[str, int, int]]
) -> None:
    body = mutate(SEEDS[name], mutations)
    ours = ours_or_error(name, body)
    theirs = theirs_or_error(name, body)
    if isinstance(theirs, DecodeError):
        assert isinstance(ours, ProtobufError), f"the real library refuses ({theirs}), ours accepts"
    else:
        assert not isinstance(ours, ProtobufError), f"the real library accepts, ours refuses: {ours}"
        assert ours == theirs


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_prefix_of_a_real_encoding_is_read_or_refused_cleanly(name: str) -> None:
    body = SEEDS[name]
    for end in range(len(body)):
        ours = ours_or_error(name, body[:end])
        theirs = theirs_or_error(name, body[:end])
        assert isinstance(ours, ProtobufError) == isinstance(theirs, DecodeError), end
        if not isinstance(ours, ProtobufError):
            assert ours == theirs, end

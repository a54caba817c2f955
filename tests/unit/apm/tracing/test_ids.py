from __future__ import annotations

import random
import re

from edgewatch.apm.tracing import RandomIds


class Zeros(random.Random):
    """Draws zero first: an all-zero id is invalid, so the source must draw again."""

    def __init__(self) -> None:
        super().__init__(3)
        self.calls = 0

    def getrandbits(self, k: int) -> int:
        self.calls += 1
        return 0 if self.calls == 1 else super().getrandbits(k)


def test_ids_are_lowercase_hex_of_the_w3c_lengths() -> None:
    ids = RandomIds(random.Random(5))
    assert re.fullmatch(r"[0-9a-f]{32}", ids.trace_id())
    assert re.fullmatch(r"[0-9a-f]{16}", ids.span_id())
    assert len({ids.span_id() for _ in range(1_000)}) == 1_000


def test_an_all_zero_draw_is_never_an_id() -> None:
    rng = Zeros()
    span = RandomIds(rng).span_id()
    assert span != "0" * 16 and rng.calls == 2

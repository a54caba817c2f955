"""Where trace and span ids come from: random bits, never all zeros (the W3C rule). Tests pass a
seeded ``random.Random`` or ids of their own."""

from __future__ import annotations

import random
from typing import Protocol


class IdSource(Protocol):
    def trace_id(self) -> str: ...

    def span_id(self) -> str: ...


class RandomIds:
    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.SystemRandom()

    def _bits(self, bits: int) -> str:
        value = 0
        while value == 0:
            value = self.rng.getrandbits(bits)
        return f"{value:0{bits // 4}x}"

    def trace_id(self) -> str:
        return self._bits(128)

    def span_id(self) -> str:
        return self._bits(64)

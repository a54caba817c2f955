"""A Bloom filter over strings: the index that lets search skip archived objects that cannot match."""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass


def _hash_pair(item: str) -> tuple[int, int]:
    digest = hashlib.blake2b(item.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little") | 1


@dataclass
class BloomFilter:
    bits: bytearray
    m: int  # number of bits
    k: int  # hash functions

    @classmethod
    def for_capacity(cls, n: int, fp_rate: float = 0.01) -> BloomFilter:
        n = max(1, n)
        m = max(64, math.ceil(-n * math.log(fp_rate) / (math.log(2) ** 2)))
        m = (m + 7) // 8 * 8
        k = max(1, round(m / n * math.log(2)))
        return cls(bytearray(m // 8), m, min(k, 16))

    @classmethod
    def build(cls, items: Iterable[str], fp_rate: float = 0.01) -> BloomFilter:
        unique = set(items)
        bloom = cls.for_capacity(len(unique), fp_rate)
        for item in unique:
            bloom.add(item)
        return bloom

    def add(self, item: str) -> None:
        h1, h2 = _hash_pair(item)
        m, bits = self.m, self.bits
        for i in range(self.k):
            bit = (h1 + i * h2) % m
            bits[bit >> 3] |= 1 << (bit & 7)

    def __contains__(self, item: str) -> bool:
        h1, h2 = _hash_pair(item)
        m, bits = self.m, self.bits
        for i in range(self.k):
            bit = (h1 + i * h2) % m
            if not bits[bit >> 3] & (1 << (bit & 7)):
                return False
        return True

    def might_contain_all(self, items: Iterable[str]) -> bool:
        return all(item in self for item in items)

    def encode(self) -> str:
        return f"{self.m}:{self.k}:" + base64.b64encode(bytes(self.bits)).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> BloomFilter:
        m, k, data = text.split(":", 2)
        bits = bytearray(base64.b64decode(data))
        if len(bits) * 8 != int(m):
            raise ValueError("bloom filter size does not match its header")
        return cls(bits, int(m), int(k))

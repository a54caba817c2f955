"""Users affected: a distinct count in bounded memory (exact up to K, then an estimate).

A K-minimum-values sketch: each id hashes to 52 bits (JSON- and JavaScript-safe integers) and the
K smallest hashes are kept. Below K distinct ids the count is exact; above, the estimate is
(K - 1) / (the K-th smallest hash as a fraction of the hash space), with a relative standard
error of about 1 / sqrt(K - 2) (13% at K = 64). Two sketches merge by keeping the K smallest of
both, so per-shard counts combine into a project's.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field

K = 64
HASH_BITS = 52
SPACE = 1 << HASH_BITS


def id_hash(value: str) -> int:
    digest = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> (64 - HASH_BITS)


@dataclass
class DistinctCount:
    hashes: list[int] = field(default_factory=list)  # sorted, distinct, at most k
    k: int = K

    def add(self, value: str) -> None:
        h = id_hash(value)
        hashes = self.hashes
        if len(hashes) >= self.k and h >= hashes[-1]:
            return
        at = bisect.bisect_left(hashes, h)
        if at < len(hashes) and hashes[at] == h:
            return
        hashes.insert(at, h)
        if len(hashes) > self.k:
            hashes.pop()

    def merge(self, other: DistinctCount) -> None:
        self.hashes = sorted(set(self.hashes) | set(other.hashes))[: min(self.k, other.k)]
        self.k = min(self.k, other.k)

    @property
    def exact(self) -> bool:
        return len(self.hashes) < self.k

    def estimate(self) -> int:
        if self.exact:
            return len(self.hashes)
        return round((self.k - 1) * SPACE / (self.hashes[-1] + 1))

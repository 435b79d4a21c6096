"""64-bit simhash of word 3-shingles (Charikar 2002; Manku et al., WWW 2007), vectorised.

Written here rather than taken from PyPI: the ``simhash`` package hashes every
shingle in a Python loop with md5 (~10x slower per page) and would be the only
user of its dependencies. Word hashes (blake2b, stable across processes, unlike
``hash()``) are cached because catalog pages share most of their vocabulary;
shingle hashes and the bit vote are numpy operations.
"""

from __future__ import annotations

import hashlib

import numpy as np

_CACHE_LIMIT = 50_000  # words; ~8 MB at most, then the cache starts over
_cache: dict[str, int] = {}
_R1 = np.uint64(21)
_R2 = np.uint64(42)


def _word_hashes(words: list[str]) -> np.ndarray:
    """The words' 64-bit hashes. A page's new words are hashed once (set difference, in C);
    the rest are dict lookups mapped in C: no Python call per word."""
    missing = set(words).difference(_cache)
    if missing:
        if len(_cache) + len(missing) > _CACHE_LIMIT:
            _cache.clear()
            missing = set(words)
        for word in missing:
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            _cache[word] = int.from_bytes(digest, "little")
    return np.fromiter(map(_cache.__getitem__, words), dtype=np.uint64, count=len(words))


def _rotl(x: np.ndarray, r: np.uint64) -> np.ndarray:
    return (x << r) | (x >> (np.uint64(64) - r))


def simhash(words: list[str]) -> int:
    """Signed 64-bit fingerprint (int64 for Parquet); near-duplicate texts differ in few bits."""
    if not words:
        return 0
    hashes = _word_hashes(list(map(str.lower, words)))
    if len(hashes) >= 3:
        hashes = hashes[:-2] ^ _rotl(hashes[1:-1], _R1) ^ _rotl(hashes[2:], _R2)
    bits = np.unpackbits(
        hashes.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little"
    )
    majority = bits.sum(axis=0, dtype=np.int64) * 2 > len(hashes)
    return int(np.packbits(majority, bitorder="little").view("<i8")[0])


def hamming(a: int, b: int) -> int:
    """Bits that differ between two fingerprints (<= 3 of 64: near duplicates, Manku et al.)."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()

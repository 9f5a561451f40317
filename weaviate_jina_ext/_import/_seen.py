"""The ids an import has seen, held compactly: exact duplicate detection in about 20 bytes an id.

Why not a ``set``: a set of the ids' 128-bit integers costs about 80 bytes per object (the
int object and the set's slot), 80 MB for a million objects, and an import must stay flat
in memory however long its input is. Here each id is kept as its 16 raw bytes inside one of
many ``bytearray`` buckets; a look-up scans one bucket with ``bytearray.find`` (C speed)
and only accepts a match that starts on a 16-byte boundary, so detection is exact (no
false positives, unlike a Bloom filter, and no false negatives).

The bucket of an id is chosen by Python's salted ``hash`` of its bytes (SipHash, seeded per
process), so ids chosen to share a bucket (sequential ids, ids with a common prefix) still
spread evenly, and an adversary cannot aim ids at one bucket without knowing the seed. The
number of buckets grows fourfold whenever the mean bucket holds more than
``_MAX_LOAD`` ids, so a scan stays short at any size.
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

__all__ = ["SeenIds"]

_ID_BYTES: Final = 16
#: Mean ids per bucket above which the table grows (a scan reads at most about 1 KiB).
_MAX_LOAD: Final = 48
_INITIAL_BUCKETS: Final = 1024
_GROWTH: Final = 4


class SeenIds:
    """A set of UUIDs with exact membership, about 20 bytes per id at scale."""

    __slots__ = ("_buckets", "_count", "_mask")

    def __init__(self) -> None:
        self._buckets: list[bytearray | None] = [None] * _INITIAL_BUCKETS
        self._mask = _INITIAL_BUCKETS - 1
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, uid: object) -> bool:
        if not isinstance(uid, UUID):
            return False
        key = uid.bytes
        bucket = self._buckets[hash(key) & self._mask]
        return bucket is not None and _aligned_find(bucket, key)

    def add(self, uid: UUID) -> bool:
        """Add ``uid``; return ``False`` if it was already there."""
        key = uid.bytes  # always 16 bytes
        slot = hash(key) & self._mask
        bucket = self._buckets[slot]
        if bucket is None:
            self._buckets[slot] = bytearray(key)
        elif _aligned_find(bucket, key):
            return False
        else:
            bucket += key
        self._count += 1
        if self._count > _MAX_LOAD * len(self._buckets):
            self._grow()
        return True

    def _grow(self) -> None:
        size = len(self._buckets) * _GROWTH
        mask = size - 1
        buckets: list[bytearray | None] = [None] * size
        old_buckets = self._buckets
        for index, old in enumerate(old_buckets):
            if old is None:
                continue
            old_buckets[index] = None  # freed as it is moved: the peak stays near the size
            view = memoryview(old)
            for start in range(0, len(old), _ID_BYTES):
                key = bytes(view[start : start + _ID_BYTES])
                slot = hash(key) & mask
                bucket = buckets[slot]
                if bucket is None:
                    buckets[slot] = bytearray(key)
                else:
                    bucket += key
            view.release()
        self._buckets = buckets
        self._mask = mask


def _aligned_find(bucket: bytearray, key: bytes) -> bool:
    """Whether ``key`` is one of the 16-byte records of ``bucket`` (not a straddling match)."""
    position = bucket.find(key)
    while position != -1:
        if position % _ID_BYTES == 0:
            return True
        position = bucket.find(key, position + 1)
    return False

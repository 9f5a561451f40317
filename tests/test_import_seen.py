"""The compact id set behind the importer's duplicate check: exact, whatever the ids look like."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from weaviate_jina_ext._import._seen import SeenIds

ids = st.binary(min_size=16, max_size=16).map(lambda b: uuid.UUID(bytes=b))


@settings(max_examples=200, deadline=None)
@given(st.lists(ids, max_size=400))
def test_add_agrees_with_a_set(keys: list[uuid.UUID]) -> None:
    seen = SeenIds()
    reference: set[uuid.UUID] = set()
    for key in keys:
        assert seen.add(key) is (key not in reference)
        reference.add(key)
    assert len(seen) == len(reference)
    for key in keys:
        assert key in seen


def test_sequential_ids_across_growth_are_exact() -> None:
    """UUID(int=i) share 14 leading zero bytes; the table grows several times on the way."""
    seen = SeenIds()
    count = 200_000
    for i in range(count):
        assert seen.add(uuid.UUID(int=i))
    assert len(seen) == count
    for i in range(0, count, 997):
        assert not seen.add(uuid.UUID(int=i))
    assert uuid.UUID(int=count) not in seen
    assert seen.add(uuid.UUID(int=count))


def test_a_match_straddling_two_ids_is_not_a_duplicate() -> None:
    """The bytes of a new id can appear inside the concatenation of two stored ones."""
    first = uuid.UUID(bytes=bytes(range(16)))
    second = uuid.UUID(bytes=bytes(range(16, 32)))
    straddling = uuid.UUID(bytes=first.bytes[8:] + second.bytes[:8])
    seen = SeenIds()
    seen.add(first)
    seen.add(second)
    assert straddling not in seen
    assert seen.add(straddling)
    assert not seen.add(straddling)


def test_straddling_match_inside_one_bucket() -> None:
    """The aligned search itself: bytes found at an unaligned offset are not a member."""
    from weaviate_jina_ext._import._seen import _aligned_find  # noqa: PLC0415

    stored = bytearray(bytes(range(16)) + bytes(range(16, 32)))
    assert not _aligned_find(stored, bytes(range(8, 24)))
    assert _aligned_find(stored, bytes(range(16, 32)))
    # A key that occurs unaligned first and aligned later is still found.
    key = bytes([1] * 16)
    stored = bytearray(b"\x00" + key[:15] + key)  # unaligned prefix match, then the real one
    assert _aligned_find(stored, key)


def test_only_uuids_are_members() -> None:
    seen = SeenIds()
    seen.add(uuid.UUID(int=1))
    assert uuid.UUID(int=1).bytes not in seen
    assert "00000000-0000-0000-0000-000000000001" not in seen
    assert uuid.UUID(int=1) in seen

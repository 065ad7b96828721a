"""Document sets as Python ints (bit n set = document n matches).

Python's big-int AND/OR/popcount run in C over the whole machine word array, so intersecting,
counting and faceting tens of thousands of matches costs microseconds; only turning a posting
list into a bitset, once per term (then cached), walks documents one by one.
"""

import re
from collections.abc import Iterable

_BIT = bytes(1 << i for i in range(8))
_BYTE_BITS = [tuple(i for i in range(8) if byte >> i & 1) for byte in range(256)]
_NONZERO = re.compile(rb"[^\x00]+")


def from_ids(ids: Iterable[int], size: int) -> int:
    """The bitset of document numbers `ids` (all below `size`)."""
    buf = bytearray((size + 7) >> 3)
    bit = _BIT
    for doc in ids:
        buf[doc >> 3] |= bit[doc & 7]
    return int.from_bytes(buf, "little")


def to_ids(bits: int) -> list[int]:
    """Document numbers in a bitset, ascending."""
    data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    ids = []
    for run in _NONZERO.finditer(data):
        for index in range(run.start(), run.end()):
            base = index << 3
            ids.extend(base + bit for bit in _BYTE_BITS[data[index]])
    return ids


def all_of(bitsets: Iterable[int], universe: int) -> int:
    """Intersection (the universe when there is nothing to intersect)."""
    result = universe
    for bits in bitsets:
        result &= bits
    return result


def any_of(bitsets: Iterable[int]) -> int:
    """Union."""
    result = 0
    for bits in bitsets:
        result |= bits
    return result


class Membership:
    """Constant-time `doc in bitset` for walking a long ordered list of documents."""

    def __init__(self, bits: int):
        """Freeze `bits` into bytes."""
        self.data = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")

    def __contains__(self, doc: int) -> bool:
        """True when document `doc` is in the set."""
        index = doc >> 3
        return index < len(self.data) and bool(self.data[index] >> (doc & 7) & 1)

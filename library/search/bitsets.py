"""Document sets as Python ints (bit n set = document n matches), and ranking over them.

Python's big-int AND/OR/popcount run in C over the whole machine word array, so intersecting,
counting and faceting tens of thousands of matches costs microseconds; only turning a posting
list into a bitset, once per term (then cached), walks documents one by one.
"""

import re
from collections.abc import Iterable, Iterator

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


class Scores:
    """Small integer scores for every document at once, kept as bit planes (bit-sliced).

    Adding a weighted bitset is a few big-int operations per plane, whatever the number of
    documents; `groups` then yields documents by descending score without scoring them one
    by one.
    """

    def __init__(self):
        """Start with every score at zero."""
        self.planes: list[int] = []  # planes[i] holds bit i of every document's score

    def add(self, bits: int, weight: int) -> None:
        """Add `weight` to the score of every document in `bits`."""
        level = 0
        while weight and bits:
            if weight & 1:
                self._carry(bits, level)
            weight >>= 1
            level += 1

    def _carry(self, carry: int, level: int) -> None:
        """Add 1 << level to the documents in `carry`, propagating carries upwards."""
        planes = self.planes
        planes.extend([0] * (level - len(planes)))
        while carry:
            if level == len(planes):
                planes.append(carry)
                return
            plane = planes[level]
            planes[level] = plane ^ carry
            carry &= plane
            level += 1

    def score(self, doc: int) -> int:
        """The score of one document."""
        return sum(1 << level for level, plane in enumerate(self.planes) if plane >> doc & 1)

    def groups(self, candidates: int, first: int = 0) -> Iterator[tuple[int, int]]:
        """(score, bitset) groups of `candidates`, highest score first.

        `first`, a bitset, is a tier above every score: its members come before the others.
        """
        levels = range(len(self.planes) - 1, -1, -1)
        keys = [(self.planes[level], 1 << level) for level in levels]
        if first:
            keys.insert(0, (first, 0))
        stack = [(candidates, 0, 0)]
        while stack:
            bits, depth, score = stack.pop()
            if depth == len(keys):
                yield score, bits
                continue
            plane, weight = keys[depth]
            high = bits & plane
            low = bits ^ high
            if low:
                stack.append((low, depth + 1, score))
            if high:
                stack.append((high, depth + 1, score + weight))

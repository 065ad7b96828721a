"""BM25F ranking over the document sets a backend found, for every document at once.

The index records whether a word occurs in a field (not how often), so this is BM25F with a
term frequency of one: per query clause, the weighted sum over fields of "the clause is in this
field", each normalised by the field's length (a word in a short title counts more than the
same word somewhere in a long Wikipedia article), saturated with k1 and scaled by the clause's
IDF. Title > tags > summary > body; matching the diacritics as typed adds to a field's weight;
function words count for a tenth; an adjacent pair of the query's words found together adds
like a clause of its own. Scores are multiplied by the square of the share of the query's
clauses a document covers, and two tiers come before any score: documents having every
meaningful clause (for queries of up to TIER_WORDS of them), then current documents before
superseded ones.

Everything is a numpy vector over document numbers, so scoring 100,000 documents is a few dozen
vector operations, whatever the number of matches.
"""

import math

import numpy as np

from library.search.base import TEXT_FIELDS

K1 = 1.2
# Field: (weight, b). Short fields are normalised less (a title's length says little).
FIELDS = dict(zip(TEXT_FIELDS, ((4.0, 0.4), (2.5, 0.4), (1.5, 0.6), (1.0, 0.75)), strict=True))
EXACT_SHARE = 0.6  # extra weight, as a share of the field's, when the diacritics match
# Weight taken off, as a share of the field's, where the words typed with diacritics are only
# found with other ones (lương typed, lượng found).
MISMATCH = 0.5
# Documents having every meaningful word come first for queries of up to this many words;
# beyond, a question's every word is rarely in the answer, and the coverage factor decides.
TIER_WORDS = 3
COORD = 2  # scores are multiplied by (share of the clauses covered) ** COORD
PREFIX_WEIGHT = 1.5  # the last word as the start of a title or tag word
FUNCTION_SHARE = 0.1  # what a function word's score counts
PAIR_SHARE = 1.0  # an adjacent pair of query words found together, as a share of a word
TIER = 1e6  # above any score: the tiers (every clause, current) come first


def vector(bits: int, size: int) -> np.ndarray:
    """A bitset as a float32 vector of 0 and 1 over `size` documents."""
    data = np.frombuffer(bits.to_bytes((size + 7) >> 3, "little"), dtype=np.uint8)
    return np.unpackbits(data, bitorder="little", count=size).astype(np.float32)


def inverse_norm(lengths: np.ndarray, b: float, average: float | None = None) -> np.ndarray:
    """1 / (1 - b + b * length / average length), per document (the average of the documents
    having the field unless given: a backend ranking a few candidates knows the index's)."""
    if average is None:
        present = lengths[lengths > 0]
        average = float(present.mean()) if present.size else 1.0
    average = average or 1.0
    return (1.0 / (1.0 - b + b * lengths / average)).astype(np.float32)


def idf(docs: int, total: int) -> float:
    """BM25's inverse document frequency (never negative)."""
    return math.log(1.0 + (total - docs + 0.5) / (docs + 0.5))


class Ranker:
    """Accumulates clause scores over every document of a view."""

    def __init__(self, size: int, total: int, norms: dict[str, np.ndarray]):
        """`size`: document numbers; `total`: live documents (for IDF); `norms`: per field,
        the inverse length norm of every document."""
        self.size, self.total, self.norms = size, total, norms
        # BM25 of a term occurring once: (k1 + 1) / (1 + k1 * (1 - b + b * length / average))
        self.saturated = {name: (K1 + 1) * n / (n + K1) for name, n in norms.items()}
        self.scores = np.zeros(size, dtype=np.float32)
        self.covered = np.zeros(size, dtype=np.int16)
        self.clauses = 0

    def add_clause(self, match, function: bool, counts: dict | None = None) -> None:
        """Score one clause from its match (see whoosh_backend._Match): `fields`/`exact` map
        field names to the bitsets where it matches (folded, and with the diacritics typed),
        `mismatch` where the words typed are found only with other diacritics, `prefix` where
        its last word starts a title or tag word. The IDF of each is counted in those bitsets,
        or taken from `counts` ({"fields": {name: documents}, "exact": ..., "prefix": n}) when
        the bitsets cover only some candidates."""
        share = FUNCTION_SHARE if function else 1.0
        score = np.zeros(self.size, dtype=np.float32)
        mismatch = match.mismatch or {}
        fields, exact = match.fields, match.exact
        folded_docs = counts["fields"] if counts else _bit_counts(fields)
        exact_docs = counts["exact"] if counts else _bit_counts(exact)
        for name, (weight, _b) in FIELDS.items():
            self._field(score, fields.get(name, 0), name, weight, folded_docs.get(name, 0))
            self._field(
                score, exact.get(name, 0), name, weight * EXACT_SHARE, exact_docs.get(name, 0)
            )
            self._field(
                score, mismatch.get(name, 0), name, -weight * MISMATCH, folded_docs.get(name, 0)
            )
        if match.prefix:
            prefix = match.prefix
            docs = counts["prefix"] if counts else prefix.bit_count()
            score += PREFIX_WEIGHT * idf(docs, self.total) * vector(prefix, self.size)
        if not function:
            self.clauses += 1
            self.covered += score > 0
        self.scores += share * score

    def _field(self, score, bits: int, name: str, weight: float, docs: int):
        """Add to `score` the BM25 of a term (frequency one) found in field `name` in `bits`,
        its IDF that of `docs` documents having it in that field (a word few titles have makes
        a title match worth a lot, as BM25F summed over fields does)."""
        if bits and docs:
            norm = self.saturated[name]
            score += weight * idf(docs, self.total) * vector(bits, self.size) * norm

    def add_pair(self, bits: dict[str, int], counts: dict[str, int] | None = None) -> None:
        """Score an adjacent pair of the query's words, per field where it occurs (its IDF
        counted in `bits`, or taken from `counts` per field)."""
        score = np.zeros(self.size, dtype=np.float32)
        docs = counts if counts is not None else _bit_counts(bits)
        for name, (weight, _b) in FIELDS.items():
            self._field(score, bits.get(name, 0), name, weight * PAIR_SHARE, docs.get(name, 0))
        self.scores += score

    def keys(self, current: np.ndarray) -> np.ndarray:
        """Each document's ranking key: tiers (every clause, current), then the score scaled
        by the share of clauses covered."""
        keys = self.scores.astype(np.float64)
        if self.clauses:
            keys *= (self.covered / self.clauses) ** COORD
            if 1 < self.clauses <= TIER_WORDS:
                keys += TIER * 2 * (self.covered >= self.clauses)
        return keys + TIER * current


def _bit_counts(bits: dict[str, int]) -> dict[str, int]:
    """The number of documents of each bitset."""
    return {name: value.bit_count() for name, value in bits.items()}


def top(keys: np.ndarray, hits: np.ndarray, ties: list[np.ndarray], start: int, count: int):
    """Document numbers `start`..`start+count` of `hits` by descending key, equal keys by the
    descending `ties` columns in turn (so the order never depends on the index's layout)."""
    members = np.flatnonzero(hits)
    wanted = start + count
    if wanted < members.size:
        threshold = np.partition(keys[members], members.size - wanted)[members.size - wanted]
        members = members[keys[members] >= threshold]
    order = np.lexsort([-column[members] for column in reversed(ties)] + [-keys[members]])
    return members[order][start:wanted].tolist()

"""Ranking of the PostgreSQL backend: the same BM25F as the Whoosh backend (`ranking.Ranker`),
computed in Python over a bounded set of candidates.

PostgreSQL finds the candidates; for each one it sends the entries of its vector that the
query's words can match (position and field of every occurrence, see postgres_rows), and the
words table gives each word's documents per field (the IDF). From these, every clause gets the
bitsets the Ranker reads — per field where it matches, with the diacritics typed, only with
other diacritics, as a prefix — over candidate numbers 0..n-1, and adjacent query words found
next to each other in a field (the pair lexemes of the vector) add as a pair, with the pair's
own documents per field for its IDF: the order is the Whoosh backend's.
"""

import re
from dataclasses import dataclass, field

import numpy as np

from library.search import ranking
from library.search.analysis import folded_word
from library.search.base import TEXT_FIELDS
from library.search.postgres_rows import EXACT_MARK
from library.search.query import Clause

FIELD_OF = {"A": "title", "B": "tags", "C": "summary", "D": "body"}
WEIGHT_OF = {"title": "A", "tags": "B", "summary": "C", "body": ""}
LEXEME = re.compile(r"'((?:[^']|'')*)'(?::([0-9A-D,]+))?")  # in a tsvector's text
ENTRY = re.compile(r"(\d+)([A-C]?)")  # one position and its weight letter
BODY_ENTRY = re.compile(r"\d(?:,|$)")  # a position of weight D (printed without a letter)
FIELD_NAMES = TEXT_FIELDS  # the order of `lengths` and word counts


@dataclass
class Candidate:
    """One candidate document: what ranking reads of its row."""

    id: int
    published: int  # seconds since the epoch (0 when never published)
    superseded: bool
    lengths: tuple[int, ...]  # words per field, in FIELD_NAMES order
    prefixes: tuple[bool, ...]  # per prefix clause, whether a title or tag word starts so
    # lexeme -> its positions as PostgreSQL prints them ("1A,7"), read when asked
    entries: dict[str, str] = field(default_factory=dict)
    _fields: dict[str, frozenset[str]] = field(default_factory=dict)

    def add_vector(self, literal: str) -> None:
        """Record the lexemes of a tsvector as PostgreSQL prints it (`'lua dao':3 'luong':1A,7`;
        weight D is not printed)."""
        for lexeme, entries in LEXEME.findall(literal):
            self.entries[lexeme.replace("''", "'").replace("\\\\", "\\")] = entries

    def fields(self, lexeme: str) -> frozenset[str]:
        """The fields where a lexeme occurs (none if it does not)."""
        found = self._fields.get(lexeme)
        if found is None:
            entries = self.entries.get(lexeme)
            found = frozenset()
            if entries:
                letters = {FIELD_OF[letter] for letter in "ABC" if letter in entries}
                if BODY_ENTRY.search(entries):
                    letters.add("body")
                found = frozenset(letters)
            self._fields[lexeme] = found
        return found

    def positions(self, lexeme: str, name: str) -> set[int]:
        """The positions of a lexeme in one field."""
        letter = WEIGHT_OF[name]
        return {
            int(number)
            for number, weight in ENTRY.findall(self.entries.get(lexeme, ""))
            if weight == letter
        }


@dataclass
class _Match:
    """A clause over the candidates (the attributes ranking.Ranker.add_clause reads)."""

    fields: dict[str, int]
    exact: dict[str, int]
    prefix: int = 0
    mismatch: dict[str, int] | None = None


def exact_lexeme(word: str) -> str:
    """The lexeme of a word as typed: its marked exact form, or itself without diacritics."""
    return word if word == folded_word(word) else EXACT_MARK + word


def lexemes(clauses: list[Clause]) -> list[str]:
    """Every lexeme ranking needs to see in a candidate's vector."""
    wanted = set()
    for clause in clauses:
        for words, _adjacent in forms(clause):
            wanted.update(words)
            wanted.update(pairs_of(words))
        if clause.accented:
            wanted.update(exact_lexeme(word) for word in clause.exact)
    for first, second in adjacent_clauses(clauses):
        wanted.add(f"{first.folded[-1]} {second.folded[0]}")
    return sorted(wanted)


def pairs_of(words: tuple[str, ...]) -> list[str]:
    """The pair lexemes of words in a row (postgres_rows: "lua dao")."""
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def adjacent_clauses(clauses: list[Clause]):
    """Adjacent clauses of the query whose words can score as a pair (not quoted phrases:
    within a clause, its form or its synonyms already tell adjacency)."""
    for first, second in zip(clauses, clauses[1:], strict=False):
        if not first.phrase and not second.phrase:
            yield first, second


def forms(clause: Clause):
    """(words, adjacent) forms of a clause: its own words, and its synonyms' (phrases)."""
    yield clause.folded, clause.phrase
    for form in clause.synonyms:
        yield form, len(form) > 1


def form_fields(candidate: Candidate, words: tuple[str, ...], adjacent: bool) -> set[str]:
    """The fields of a candidate having `words` (in a row if `adjacent`)."""
    fields = set(candidate.fields(words[0]))
    for word in words[1:]:
        if not fields:
            break
        fields &= candidate.fields(word)
    if not adjacent or len(words) < 2 or not fields:
        return fields
    return {
        name for name in fields if _in_a_row([candidate.positions(word, name) for word in words])
    }


def _in_a_row(positions: list[set[int]]) -> bool:
    """True when some position of the first word is followed by the others, one by one."""
    starts = positions[0]
    for step, later in enumerate(positions[1:], 1):
        starts = starts.intersection(p - step for p in later)
        if not starts:
            return False
    return True


def rank(
    candidates: list[Candidate],
    clauses: list[Clause],
    prefix_clauses: list[int],
    counts: dict[str, tuple[int, ...]],
    prefix_counts: list[int],
    total: int,
    averages: tuple[float, ...],
    start: int,
    count: int,
) -> tuple[list[int], np.ndarray]:
    """Positions in `candidates` of ranks `start`..`start+count` (see the module docstring),
    and every candidate's ranking key.

    `counts`: documents per field of each lexeme; `prefix_counts`: documents having a title or
    tag word starting like each prefix clause; `total`: documents indexed; `averages`: the
    index's average words per field."""
    size = len(candidates)
    lengths = np.array([c.lengths for c in candidates], dtype=np.float32).reshape(size, 4)
    norms = {
        name: ranking.inverse_norm(lengths[:, number], ranking.FIELDS[name][1], averages[number])
        for number, name in enumerate(FIELD_NAMES)
    }
    ranker = ranking.Ranker(size, max(total, 1), norms)
    per_clause = []
    for index, clause in enumerate(clauses):
        match, docs = _clause(candidates, clause, counts, total)
        if index in prefix_clauses:
            at = prefix_clauses.index(index)
            match.prefix = _bits(c.prefixes[at] for c in candidates)
            docs["prefix"] = prefix_counts[at]
        ranker.add_clause(match, clause.function, docs)
        per_clause.append(match)
    for first, second in adjacent_clauses(clauses):
        pair = f"{first.folded[-1]} {second.folded[0]}"
        bits = {name: _bits(name in c.fields(pair) for c in candidates) for name in FIELD_NAMES}
        if any(bits.values()):
            docs = {name: _docs(counts, (pair,), name, total) for name in FIELD_NAMES}
            ranker.add_pair(bits, docs)
    current = np.array([not c.superseded for c in candidates], dtype=np.float64)
    keys = ranker.keys(current)
    ties = [
        np.array([c.published for c in candidates], dtype=np.int64),
        np.array([c.id for c in candidates], dtype=np.int64),
    ]
    return ranking.top(keys, np.ones(size, dtype=bool), ties, start, count), keys


def _clause(candidates, clause: Clause, counts, total: int) -> tuple[_Match, dict]:
    """The clause's bitsets over the candidates, and its documents per field in the index."""
    per_field = {name: 0 for name in FIELD_NAMES}
    typed = {name: 0 for name in FIELD_NAMES}
    docs = {name: 0 for name in FIELD_NAMES}
    for words, adjacent in forms(clause):
        found = [form_fields(c, words, adjacent) for c in candidates]
        for name in FIELD_NAMES:
            bits = _bits(name in fields for fields in found)
            per_field[name] |= bits
            if words == clause.folded:
                typed[name] |= bits
            # Words that must all be in a field are mostly there as the phrase they make:
            # their pairs' documents estimate the form's (a word's alone would be far more).
            lexemes = pairs_of(words) if adjacent else (*words, *pairs_of(words))
            docs[name] += _docs(counts, lexemes, name, total)
    match = _Match(per_field, {})
    exact_docs = {}
    if clause.accented:
        marked = tuple(exact_lexeme(word) for word in clause.exact)
        found = [form_fields(c, marked, False) for c in candidates]
        match.exact = {
            name: _bits(name in fields for fields in found) & per_field[name]
            for name in FIELD_NAMES
        }
        match.mismatch = {name: typed[name] & ~match.exact[name] for name in FIELD_NAMES}
        exact_docs = {name: _docs(counts, marked, name, total) for name in FIELD_NAMES}
    folded_docs = {name: min(total, docs[name]) for name in FIELD_NAMES}
    return match, {"fields": folded_docs, "exact": exact_docs}


def _docs(counts, words, name: str, total: int) -> int:
    """Documents of the index having every lexeme of `words` in field `name` (at most the
    rarest one's: the index keeps counts of single words and pairs)."""
    number = FIELD_NAMES.index(name)
    return min([total, *(counts.get(word, (0, 0, 0, 0))[number] for word in words)])


def _bits(flags) -> int:
    """A bitset of the candidates whose flag is true."""
    bits = 0
    for number, flag in enumerate(flags):
        if flag:
            bits |= 1 << number
    return bits

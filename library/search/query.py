"""Turn what a user typed into a list of clauses, without any query syntax.

A quoted phrase must match; the other clauses are optional, and a document matching more of
them ranks higher. Function and question words (`understanding.function_spans`) are clauses
marked `function`: they add a little to a score and never make a document match. A clause is
one word, a "quoted phrase", or a run of words that forms a synonym (`bao hiem xa hoi`), and
may also match its synonyms' other forms (`BHXH`). Words
match with or without diacritics; the last word also matches as a word prefix (the user may
still be typing). Operators (`AND OR NOT * field:value`) are not syntax: punctuation separates
words and the upper-case operator words are dropped, so nothing a user types can fail.
"""

import re
from dataclasses import dataclass, replace

from library.search.analysis import WORD, canonical_word, folded_word, normalize
from library.search.synonyms import Synonyms
from library.search.understanding import function_spans

MAX_CHARS = 500  # a real query is a few words; the rest of a pasted page is ignored
MAX_CLAUSES = 16  # each clause costs a few posting-list reads (function words included)
OPERATORS = frozenset({"AND", "OR", "NOT"})
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})
_PHRASE = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class Clause:
    """One AND-ed part of a query."""

    exact: tuple[str, ...]  # canonical lowercase words, diacritics kept
    folded: tuple[str, ...]  # the same words folded
    phrase: bool = False  # words must be adjacent, in order
    prefix: bool = False  # the (single) word may also be the start of a word
    synonyms: tuple[tuple[str, ...], ...] = ()  # other folded forms that also match
    group: str | None = None  # the index term of the synonym group (see Synonyms.keys_in)
    function: bool = False  # a function or question word (gì, bao nhiêu, không...)

    @property
    def accented(self) -> bool:
        """True when the user typed diacritics, so exact matches deserve a bonus."""
        return self.exact != self.folded

    @property
    def text(self) -> str:
        """The clause as the user typed it (normalised)."""
        words = " ".join(self.exact)
        return f'"{words}"' if self.phrase else words


def parse(text: str, synonyms: Synonyms | None = None) -> list[Clause]:
    """Split query text into clauses (see the module docstring)."""
    text = normalize(text[:MAX_CHARS]).translate(_QUOTES)
    clauses: list[Clause] = []
    for index, part in enumerate(_PHRASE.split(text)):
        words = [w for w in WORD.findall(part) if w not in OPERATORS]
        if index % 2:
            clauses.extend(_phrase(words, synonyms))
        else:
            clauses.extend(_words(words, synonyms))
    if clauses and _typing_last_word(text) and _single_word(clauses[-1]):
        clauses[-1] = replace(clauses[-1], prefix=True)
    return clauses[:MAX_CLAUSES]


def _phrase(words: list[str], synonyms: Synonyms | None) -> list[Clause]:
    """The clause of one quoted phrase (a one-word phrase is a plain word)."""
    if not words:
        return []
    exact = tuple(canonical_word(w) for w in words)
    folded = tuple(folded_word(w) for w in exact)
    spans = synonyms.spans(folded) if synonyms else []
    whole = spans[0] if spans and (spans[0].start, spans[0].end) == (0, len(folded)) else None
    others, group = (whole.others, whole.key) if whole else ((), None)
    return [Clause(exact, folded, phrase=len(words) > 1, synonyms=others, group=group)]


def _words(words: list[str], synonyms: Synonyms | None) -> list[Clause]:
    """Clauses for unquoted words: one per word, one per synonym run."""
    exact = [canonical_word(w) for w in words]
    folded = [folded_word(w) for w in exact]
    spans = {s.start: s for s in synonyms.spans(folded)} if synonyms else {}
    functions = function_spans(exact, folded)
    clauses, i = [], 0
    while i < len(exact):
        span = spans.get(i)
        if span is None and i in functions:
            end = functions[i]
            clauses.append(Clause(tuple(exact[i:end]), tuple(folded[i:end]), function=True))
            i = end
            continue
        end = span.end if span else i + 1
        others, group = (span.others, span.key) if span else ((), None)
        clauses.append(
            Clause(tuple(exact[i:end]), tuple(folded[i:end]), synonyms=others, group=group)
        )
        i = end
    return clauses


def _typing_last_word(text: str) -> bool:
    """True when the text ends inside a word (no space or quote after it)."""
    stripped = text.rstrip()
    return bool(stripped) and stripped == text and stripped[-1] != '"'


def _single_word(clause: Clause) -> bool:
    """True for a clause of one unquoted word."""
    return len(clause.exact) == 1 and not clause.phrase and not clause.function


def folded_terms(clauses: list[Clause]) -> set[str]:
    """Every folded word the clauses (and their synonyms) can match."""
    terms = set()
    for clause in clauses:
        terms.update(clause.folded)
        for form in clause.synonyms:
            terms.update(form)
    return terms

"""What a search answers, the same on every backend: the query as the worker meant it and,
when no document has every word, the corrected query instead.

A backend supplies `plan(clauses)`, its search of a list of clauses (a `Plan`); the steps and
the rules of when a correction replaces what was typed live here, once.
"""

from collections.abc import Callable
from typing import Protocol

from library.search.analysis import normalize
from library.search.base import SearchQuery, SearchResults
from library.search.query import Clause, parse
from library.search.synonyms import Synonyms
from library.search.understanding import corrected_text, rewrite


class Plan(Protocol):
    """One backend's search of a list of clauses."""

    clauses: list[Clause]

    def complete(self) -> bool:
        """True when some document (within the filters) has every meaningful clause."""

    def docs(self, word: str) -> int:
        """Documents having a folded word."""

    def pair_docs(self, first: str, second: str) -> int:
        """Documents having two folded words next to each other."""

    def results(self, suggestion: str | None = None) -> SearchResults:
        """The SearchResults of the clauses."""


def answer(
    query: SearchQuery, synonyms: Synonyms, plan: Callable[[list[Clause]], Plan]
) -> SearchResults:
    """Search for what the user meant (input-method leftovers decoded, abbreviations spelled
    out); when no document has every word, for the corrected query instead (or only suggest
    it, if the literal query was asked for)."""
    rewritten = None if query.literal else rewrite(query.text)
    text = rewritten.text if rewritten else normalize(query.text)
    search = plan(parse(text, synonyms))
    corrected = None
    if search.clauses and not search.complete():
        corrected = corrected_text(text, search.docs, search.pair_docs)
    if corrected is not None:
        # The trailing space: a corrected last word is complete, not a prefix.
        better = plan(parse(corrected + " ", synonyms))
        if better.complete():
            if query.literal:
                return search.results(suggestion=corrected)
            results = better.results()
            results.query_used = corrected
            return results
    results = search.results()
    if rewritten is not None and rewritten.repaired:
        results.query_used = text
    return results

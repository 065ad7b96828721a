"""How a library document becomes a row of the PostgreSQL search table, and how query clauses
become tsqueries.

The words come from the same Python analysis as the Whoosh backend (analysis.py): PostgreSQL
only stores and matches the terms, with the 'simple' behaviour (no stemming, no stop words).
Each document gets one tsvector, `folded`:

* every word without diacritics (what matching uses), with positions (for quoted phrases) and
  weights: A for the title, B for tags, C for the summary, D for the body;
* for each word written with diacritics, that word as written (canonical form) marked with
  EXACT_MARK (`=bảo`), with its first positions: only ranking reads these, so that a query typed
  with the right diacritics ranks exact matches above folded ones;
* every pair of adjacent folded words of a text (`lua dao`, the words of analysis.word_pairs),
  with its first position in each field: ranking reads where a query's adjacent words occur
  together and, from the words table, in how many documents (the pair's IDF); a pair's lexeme
  has a space, which no word has, so no query word matches it;
* and every folded word of the title and tags marked with HEAD_MARK (`^bao`), without
  positions: a prefix of the last word typed matches there (`'^ba':*`), a tsquery with no
  weight nor position to check, which the GIN index answers alone.

The texts and the vector go to TOAST (postgres_backend sets the table's toast_tuple_target):
what stays in the row is what a search reads of every match, the facet values and each field's
number of distinct words (`lengths`: title, tags, summary, body, for BM25's length norm,
postgres_rank.py), a few dozen bytes. A search reads whole vectors only of the candidates it
ranks.

Positions leave a gap between two texts, so a phrase never spans the title and the body, nor
two tags. The vectors are written as tsvector literals, so PostgreSQL's parser never re-splits
a word.
"""

from datetime import UTC, date, datetime

from library.search.analysis import (
    MAX_BODY_CHARS,
    MAX_PAIR_WORDS,
    clean,
    exact_words,
    folded_word,
    folded_words,
)
from library.search.base import TEXT_FIELDS, stamp_of
from library.search.query import Clause

MAX_WORD = 100  # longer "words" are not indexed (PostgreSQL refuses lexemes over 2 KB)
MAX_POSITION = 16383  # PostgreSQL's largest position
MAX_POSITIONS = 256  # PostgreSQL keeps at most this many positions per lexeme
EXACT_POSITIONS = 3  # ranking needs only the first (highest-weighted) occurrences
EXACT_MARK = "="  # never in a word: "=bảo" is the exact form of "bao"
HEAD_MARK = "^"  # never in a word: "^bao", without positions, is "bao" in a title or tag
PREFIX_WEIGHTS = "AB"  # a word prefix matches in titles and tags (as Whoosh's prefix field)
WEIGHTS = tuple(zip(TEXT_FIELDS, "ABCD", strict=True))  # PostgreSQL's weight of each field
COLUMNS = (
    "id",
    "title",
    "summary",
    "body",
    "title_key",
    "areas",
    "kind",
    "org",
    "year",
    "published_at",
    "views",
    "superseded",
    "folded",
    "stamp",
    "lengths",
)


def prepare(doc: dict) -> tuple:
    """The row (in COLUMNS order) of one library document (see base.DOCUMENT_KEYS)."""
    title = clean(str(doc.get("title") or ""))
    summary = clean(str(doc.get("summary") or ""))
    tags = [clean(str(tag)) for tag in doc.get("tags") or ()]
    body = clean(str(doc.get("body") or ""))[:MAX_BODY_CHARS]
    texts = {"title": [title], "tags": tags, "summary": [summary], "body": [body]}
    folded = _vector(texts)
    published = _aware(doc.get("published_at"))
    return (
        int(doc["id"]),
        title,
        summary,
        body,
        title_key(title),
        [str(area) for area in doc.get("areas") or ()],
        str(doc["kind"]) if doc.get("kind") else None,
        str(doc["org"]) if doc.get("org") else None,
        published.year if published else None,
        published,
        max(0, int(doc.get("views") or 0)),
        bool(doc.get("superseded")),
        folded,
        stamp_of(doc),
        [_length([title]), _length(tags), _length([summary]), _length([body])],
    )


def _length(texts: list[str]) -> int:
    """A field's length for BM25's norm: its distinct folded words (as the Whoosh index keeps
    field lengths, so that both backends rank alike)."""
    return len({word for text in texts for word in folded_words(text)})


def title_key(title: str) -> str:
    """The folded words of a title between spaces (" phap luat lao dong "), for autocomplete:
    `LIKE ' phap l%'` finds titles starting so, `LIKE '% phap l%'` any run of its words."""
    words = folded_words(title)
    return f" {' '.join(words)} " if words else ""


def _vector(texts: dict[str, list[str]]) -> str:
    """The tsvector literal of a document's texts (see the module docstring)."""
    vector: dict[str, list[str]] = {}
    last: dict[str, int] = {}
    position = 1
    found: dict[str, dict[str, int]] = {}  # pair -> {weight: its first position}
    for name, weight in WEIGHTS:
        for text in texts[name]:
            before = None
            for number, word in enumerate(exact_words(text) if text else ()):
                fold = folded_word(word)
                at = min(position, MAX_POSITION)
                if len(word) <= MAX_WORD:
                    if last.get(fold) != at:  # past MAX_POSITION every word sits at the end
                        last[fold] = at
                        _add(vector, fold, f"{at}{weight}", MAX_POSITIONS)
                        if word != fold:
                            _add(vector, EXACT_MARK + word, f"{at}{weight}", EXACT_POSITIONS)
                    if weight in PREFIX_WEIGHTS:
                        vector.setdefault(HEAD_MARK + fold, [])
                    if before is not None and number < MAX_PAIR_WORDS:
                        found.setdefault(f"{before} {fold}", {}).setdefault(weight, at - 1)
                before = fold if len(word) <= MAX_WORD else None
                position += 1
            position += 1  # the gap between two texts
    for pair, first in found.items():
        vector[pair] = [f"{max(at, 1)}{weight}" for weight, at in first.items()]
    return _literal(vector)


def _add(vector: dict[str, list[str]], lexeme: str, position: str, cap: int) -> None:
    """Record a position of a lexeme, up to `cap` positions."""
    positions = vector.setdefault(lexeme, [])
    if len(positions) < cap:
        positions.append(position)


def _literal(vector: dict[str, list[str]]) -> str:
    """A tsvector literal ('word':1A,5D ...)."""
    return " ".join(
        f"{quote(lexeme)}:{','.join(ps)}" if ps else quote(lexeme) for lexeme, ps in vector.items()
    )


def quote(lexeme: str) -> str:
    """A lexeme quoted for tsvector and tsquery input."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _aware(value):
    """A timezone-aware datetime (naive ones are UTC; a date is its midnight), or None."""
    if value is None:
        return None
    if not isinstance(value, datetime) and isinstance(value, date):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Queries ------------------------------------------------------------------------------------


def too_long(clauses: list[Clause]) -> bool:
    """True when a clause holds a word no document can have (longer than MAX_WORD)."""
    return any(len(word) > MAX_WORD for clause in clauses for word in clause.folded)


def clause_query(clause: Clause) -> str:
    """The tsquery of one clause on the folded vector: its words (adjacent for a phrase), or
    any of its synonyms' forms (always phrases)."""
    forms = [_form(clause.folded, clause.phrase)]
    forms += [_form(form, True) for form in clause.synonyms]
    return "(" + " | ".join(forms) + ")"


def prefix_query(clause: Clause) -> str:
    """The tsquery, on the folded vector, of a title or tag word starting with the clause's
    word (as Whoosh's prefix field): a prefix of the marked words, with no weight to check, so
    that the GIN index answers it without reading the vectors."""
    return f"{quote(HEAD_MARK + clause.folded[0])}:*"


def title_query(clause: Clause, prefixed: bool) -> str:
    """The tsquery, on the folded vector, of the clause in a title or tag: all the words of its
    form or of a synonym's (marked, see the module docstring), or, if `prefixed`, a word
    starting like it."""
    forms = [clause.folded, *clause.synonyms]
    terms = ["(" + " & ".join(quote(HEAD_MARK + word) for word in form) + ")" for form in forms]
    if prefixed:
        terms.append(prefix_query(clause))
    return "(" + " | ".join(terms) + ")"


def _form(words: tuple[str, ...], adjacent: bool) -> str:
    """Words in a row (<->) or all anywhere (&)."""
    joiner = " <-> " if adjacent else " & "
    return "(" + joiner.join(quote(word) for word in words) + ")"

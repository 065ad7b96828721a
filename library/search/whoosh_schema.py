"""The Whoosh schema, and how a library document becomes the values of its fields.

Every text is indexed twice: an exact field (canonical words, diacritics kept) and a folded
field (no diacritics). The fields only record whether a word occurs (Existence format): the
backend answers queries with bitsets built from posting lists and ranks by field, so it never
reads frequencies or positions, and leaving them out makes the index smaller and faster to
build and to read. A quoted phrase is checked in a column holding each document's folded
words; the phrases of synonym groups (bảo hiểm xã hội = BHXH) are found at indexing time and
recorded as one term, the group's key.
"""

import unicodedata
from datetime import UTC, date, datetime

from whoosh import columns, fields, formats
from whoosh.analysis import IDTokenizer, Token, Tokenizer

from library.search.analysis import (
    MAX_BODY_CHARS,
    SUGGEST_WORDS,
    WORD,
    canonical_word,
    clean,
    exact_words,
    folded_word,
    folded_words,
    word_pairs,
)
from library.search.base import TEXT_FIELDS  # also the order of the "folded" parts
from library.search.synonyms import Synonyms

FIELD_BREAK = " | "  # between fields in the folded column: "|" is never part of a word
CODE_FIELDS = {"area": "areas", "kind": "kind", "org": "org", "year": "year"}
MAX_PREFIX = 10  # longest word prefix indexed for search-as-you-type
TITLE_START = "^"  # never in a folded word, so "^phap luat" only matches a title's start


def _prefixes(text: str) -> set[str]:
    """Every prefix (up to MAX_PREFIX letters) of every folded word."""
    return {word[:n] for word in set(folded_words(text)) for n in range(1, MAX_PREFIX + 1)}


def _title_runs(text: str) -> set[str]:
    """Runs of up to SUGGEST_WORDS folded words starting at each word of a title; the run at
    the title's start is also entered marked with TITLE_START, to rank those first."""
    words = folded_words(text)
    runs = {" ".join(words[i : i + SUGGEST_WORDS]) for i in range(len(words))}
    if words:
        runs.add(TITLE_START + " ".join(words[:SUGGEST_WORDS]))
    return runs


def _folded_terms(value: str | tuple[str, frozenset]) -> set[str]:
    """Folded words of a text, plus the synonym keys `prepare` found in it."""
    if isinstance(value, tuple):
        text, keys = value
        return set(folded_words(text)) | keys
    return set(folded_words(value))


def _pairs(texts: tuple[str, ...]) -> set[str]:
    """Adjacent folded word pairs of each text (analysis.word_pairs)."""
    return {pair for text in texts for pair in word_pairs(text)}


class VietnameseTokenizer(Tokenizer):
    """Whoosh tokenizer: normalise, split on \\w+, lowercase, and fold if `mode` is "folded"."""

    def __init__(self, mode: str = "exact"):
        """`mode` is "exact" (canonical words) or "folded" (diacritics removed)."""
        if mode not in ("exact", "folded"):
            raise ValueError(mode)
        self.mode = mode

    def __eq__(self, other):
        """Tokenizers are equal when they emit the same forms (Whoosh compares schemas)."""
        return isinstance(other, VietnameseTokenizer) and other.mode == self.mode

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        """Yield Whoosh tokens for `value` (the signature Whoosh calls tokenizers with)."""
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        # canonical_word places tones per token (cached), so clean() is all the text needs.
        text = clean(value) if tokenize else value
        matches = WORD.finditer(text) if tokenize else [_Whole(text)]
        form = folded_word if self.mode == "folded" else str
        for pos, match in enumerate(matches, start_pos):
            token.text = token.original = form(canonical_word(match.group()))
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


class _Whole:
    """A stand-in for a regex match covering a whole untokenized value."""

    def __init__(self, text: str):
        """Wrap `text`."""
        self.text = text

    def group(self) -> str:
        """The whole text."""
        return self.text

    def start(self) -> int:
        """Always 0."""
        return 0

    def end(self) -> int:
        """The text's length."""
        return len(self.text)


def exact_analyzer() -> VietnameseTokenizer:
    """Analyzer for exact matching: normalise, split on \\w+, lowercase."""
    return VietnameseTokenizer("exact")


def folded_analyzer() -> VietnameseTokenizer:
    """Analyzer for diacritic-free matching: as `exact_analyzer`, then fold."""
    return VietnameseTokenizer("folded")


_TERMS = {
    "pairs": _pairs,
    "exact": lambda value: set(exact_words(value)),
    "folded": _folded_terms,
    "prefix": _prefixes,
    "suggest": _title_runs,
    "codes": lambda value: {value} if isinstance(value, str) else set(value),
}


class TermsField(fields.FieldType):
    """An indexed-only field recording which terms a document has (no frequency, no position)."""

    def __init__(self, terms: str, unique: bool = False, stored: bool = False):
        """`terms` names how a value becomes terms (a key of _TERMS)."""
        # Whoosh keeps an analyzer per field; `index` below is the fast path doing the same.
        analyzer = (
            IDTokenizer()
            if terms == "codes"
            else VietnameseTokenizer("folded" if terms in ("folded", "pairs") else "exact")
        )
        # scorable: Whoosh then keeps a length column, which spares its commit an os.stat()
        # per posting looking for a missing one.
        super().__init__(formats.Existence(), analyzer, scorable=True, stored=stored, unique=unique)
        self.terms = terms

    def __eq__(self, other):
        """Fields are equal when they make the same terms."""
        return super().__eq__(other) and getattr(other, "terms", None) == self.terms

    def index(self, value, **kwargs):
        """(term bytes, frequency, weight, value bytes) for each distinct term of `value`."""
        return [(t.encode("utf-8"), 1, 1.0, b"") for t in _TERMS[self.terms](value) if t]


def make_schema() -> fields.Schema:
    """The schema of the library's search index."""
    schema = fields.Schema(
        id=TermsField("codes", unique=True, stored=True),
        title=fields.STORED(),
        summary=fields.STORED(),
        tags=fields.STORED(),
        body=fields.STORED(),
        # The folded words of every text field, for phrase checks: a column of its own (and
        # compressed per document), so a check does not unpickle the stored fields.
        folded=fields.COLUMN(columns.CompressedBytesColumn()),
        prefix=TermsField("prefix"),
        suggest=TermsField("suggest"),
        doc_id=fields.COLUMN(columns.NumericColumn("q", default=0)),
        published_at=fields.COLUMN(columns.NumericColumn("q", default=0)),
        views=fields.COLUMN(columns.NumericColumn("q", default=0)),
        superseded=TermsField("codes"),
        pairs=TermsField("pairs"),
    )
    for name in TEXT_FIELDS:
        schema.add(f"{name}_e", TermsField("exact"))
        schema.add(f"{name}_f", TermsField("folded"))
    for name in CODE_FIELDS.values():
        schema.add(name, TermsField("codes"))
    return schema


def prepare(doc: dict, synonyms: Synonyms | None = None) -> dict:
    """The Whoosh field values of one library document (see base.DOCUMENT_KEYS); folded
    fields also get the keys of the `synonyms` groups whose phrases occur in them."""
    title = clean(str(doc.get("title") or ""))
    summary = clean(str(doc.get("summary") or ""))
    tags = "\n".join(clean(str(tag)) for tag in doc.get("tags") or ())
    body = clean(str(doc.get("body") or ""))[:MAX_BODY_CHARS]
    published = doc.get("published_at")
    doc_id = int(doc["id"])
    values = {
        "id": str(doc_id),
        "doc_id": doc_id,
        # Shown in results and suggestions exactly as the material has it (its terms come from
        # the cleaned title): an editor's soft hyphen stays, as on the material's page.
        "title": unicodedata.normalize("NFC", str(doc.get("title") or "")),
        "summary": summary,
        "tags": tags,
        "body": body,  # Whoosh compresses stored fields
        "folded": _folded_text((title, tags, summary, body)),
        "prefix": f"{title}\n{tags}",
        "suggest": title,
        "published_at": _epoch(published),
        "views": max(0, int(doc.get("views") or 0)),
        "superseded": ["1"] if doc.get("superseded") else [],
        "pairs": (title, tags, summary, body),
        "areas": [str(a) for a in doc.get("areas") or ()],
        "kind": [str(doc["kind"])] if doc.get("kind") else [],
        "org": [str(doc["org"])] if doc.get("org") else [],
        "year": [str(published.year)] if published else [],
    }
    for name, text in (("title", title), ("tags", tags), ("summary", summary), ("body", body)):
        keys = frozenset(synonyms.keys_in(folded_words(text))) if synonyms else frozenset()
        values[f"{name}_e"] = text
        values[f"{name}_f"] = (text, keys) if keys else text
    return values


def _folded_text(texts) -> bytes:
    """The folded words of each text field, space-separated, fields separated by FIELD_BREAK
    (what phrase checks search in)."""
    return FIELD_BREAK.join(" ".join(folded_words(text)) for text in texts).encode("utf-8")


def folded_fields(value: bytes) -> dict[str, str]:
    """Per text field, its folded words (" word word ... "), from the folded column."""
    texts = value.decode("utf-8").split(FIELD_BREAK)
    return {name: f" {text} " for name, text in zip(TEXT_FIELDS, texts, strict=True)}


def _epoch(value) -> int:
    """Seconds since 1970 for a datetime or date (naive datetimes are taken as UTC); 0 if None."""
    if value is None:
        return 0
    if not isinstance(value, datetime) and isinstance(value, date):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())

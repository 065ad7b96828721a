"""HTML snippets: a short window of a document's text with the matching words in <mark>.

Everything but the <mark> tags is HTML-escaped, so a snippet is safe to insert as HTML whatever
the document contains. Matching ignores diacritics and case, like the search itself.
"""

import html
import re
import threading
import unicodedata
from collections import Counter, OrderedDict

from library.search.analysis import normalize
from library.search.query import Clause

WIDTH = 200
# Characters of each text a snippet is looked for in: normalising and stripping Markdown from a
# whole book for each hit cost more than the search itself.
MAX_SOURCE = 20_000
_LEAD = 40  # characters of context kept before the first match
_MAX_MATCHES = 200
_SPACES = re.compile(r"\s+")
_LONE_I = re.compile(r"^((?:ng|[cgknpt]h|tr|qu|[bcdghklmnqrstvx]))i$")


def _fold_table() -> dict[int, str]:
    """Length-preserving diacritic removal for Latin letters (đ→d included); case is kept."""
    table = {ord("đ"): "d", ord("Đ"): "D"}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        decomposed = unicodedata.normalize("NFD", chr(code))
        base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        if len(base) == 1 and base != chr(code):
            table[code] = base
    return table


_FOLD_TABLE = _fold_table()


def pattern(clauses: list[Clause]) -> re.Pattern | None:
    """A regex finding, in folded text, any word or phrase the clauses match (function words
    only when the query has nothing else: marking every "không" helps nobody)."""
    forms = set()
    meaningful = [clause for clause in clauses if not clause.function] or clauses
    for clause in meaningful:
        for form in (clause.folded, *clause.synonyms):
            body = r"\W+".join(_word_pattern(word) for word in form)
            forms.add(rf"\b{body}\w*" if clause.prefix else rf"\b{body}\b")
    if not forms:
        return None
    return re.compile("|".join(sorted(forms, key=len, reverse=True)), re.IGNORECASE)


def _word_pattern(word: str) -> str:
    """Regex for a folded word; a lone final i after a consonant also matches y (see fold)."""
    lone = _LONE_I.match(word)
    return f"{re.escape(lone.group(1))}[iy]" if lone else re.escape(word)


# Snippets made lately, by texts and query: the same popular query over the same documents is
# answered again without normalising and stripping their texts again. Keyed by each text's
# length and hash (never the text, which can be a whole book).
_KEPT: OrderedDict = OrderedDict()
_KEPT_SIZE = 4096
_KEPT_LOCK = threading.Lock()


def snippet(texts: list[str], regex: re.Pattern | None) -> str:
    """The snippet of the first text with a match (or the start of the first non-empty one),
    as plain text: Markdown and table syntax are left out."""
    sources = [t[:MAX_SOURCE] for t in texts]
    key = (
        tuple((len(t), hash(t)) for t in sources),
        (regex.pattern, regex.flags) if regex else None,
    )
    with _KEPT_LOCK:
        found = _KEPT.get(key)
        if found is not None:
            _KEPT.move_to_end(key)
            return found
    made = _snippet(sources, regex)
    with _KEPT_LOCK:
        _KEPT[key] = made
        if len(_KEPT) > _KEPT_SIZE:
            _KEPT.popitem(last=False)
    return made


def _snippet(texts: list[str], regex: re.Pattern | None) -> str:
    texts = [plain(normalize(t)) for t in texts if t]
    texts = [t for t in texts if t]
    for text in texts:
        spans = _matches(text, regex)
        if spans:
            return _render(text, spans)
    return _render(texts[0], []) if texts else ""


# Markdown that a snippet should not show: images, links (their text stays), table rules and
# pipes, heading marks, list bullets and quote marks at a line's start, emphasis and code marks.
_MARKDOWN = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", re.M), " "),
    (re.compile(r"[ \t]*\|[ \t]*"), " · "),
    (re.compile(r"^\s{0,3}(?:#{1,6}|>+|[-*+]|\d+[.)])\s+", re.M), ""),
    (re.compile(r"(\*\*|__|\*|`+|~~)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"^\s*(?:[-*_]\s*){3,}$", re.M), " "),
]
_SEPARATORS = re.compile(r"(?:\s*·\s*)+")


def plain(text: str) -> str:
    """`text` without Markdown syntax (a legal digest is written in Markdown)."""
    for regex, replacement in _MARKDOWN:
        text = regex.sub(replacement, text)
    return _SEPARATORS.sub(" · ", _SPACES.sub(" ", text)).strip(" ·")


def _matches(text: str, regex: re.Pattern | None) -> list[tuple[int, int]]:
    """Spans of `text` that match `regex` once diacritics are folded away."""
    if regex is None:
        return []
    folded = text.translate(_FOLD_TABLE)
    spans = []
    for match in regex.finditer(folded):
        spans.append(match.span())
        if len(spans) >= _MAX_MATCHES:
            break
    return spans


def _render(text: str, spans: list[tuple[int, int]]) -> str:
    """Escape the best window of `text` and wrap the spans inside it in <mark>."""
    start, end = _window(text, spans)
    parts, cursor = [], start
    for left, right in spans:
        if left >= cursor and right <= end:
            parts.append(_escape(text[cursor:left]))
            # One mark per word, so that a matched phrase reads like matched words.
            words = _escape(text[left:right]).split(" ")
            parts.append(" ".join(f"<mark>{word}</mark>" for word in words if word))
            cursor = right
    parts.append(_escape(text[cursor:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return (prefix + "".join(parts).strip() + suffix).strip()


def _window(text: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """The WIDTH-character window holding the most distinct matched words, on word bounds."""
    best = max(0, _best_start(text, spans) - _LEAD) if spans else 0
    start = _word_start(text, best)
    end = _word_end(text, min(len(text), start + WIDTH))
    return start, end


def _best_start(text: str, spans: list[tuple[int, int]]) -> int:
    """Start of the span after which the most distinct words match (a sliding window)."""
    words = [text[a:b].lower() for a, b in spans]
    inside: Counter = Counter()
    best, best_count, j = spans[0][0], 0, 0
    for i, (left, _) in enumerate(spans):
        j = max(j, i)
        while j < len(spans) and spans[j][1] <= left + WIDTH - _LEAD:
            inside[words[j]] += 1
            j += 1
        if len(inside) > best_count:
            best, best_count = left, len(inside)
        if i < j:
            inside[words[i]] -= 1
            if not inside[words[i]]:
                del inside[words[i]]
    return best


def _word_start(text: str, index: int) -> int:
    """Move `index` forward to the start of a word (unless it is at the text's start)."""
    if index == 0:
        return 0
    space = text.find(" ", index)
    return space + 1 if 0 <= space < index + 20 else index


def _word_end(text: str, index: int) -> int:
    """Move `index` back to the end of a word (unless it is at the text's end)."""
    if index >= len(text):
        return len(text)
    space = text.rfind(" ", index - 20, index)
    return space if space > 0 else index


def _escape(text: str) -> str:
    """HTML-escape, collapsing runs of whitespace into single spaces."""
    return html.escape(_SPACES.sub(" ", text))

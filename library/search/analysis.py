r"""Vietnamese text normalisation, the words of a text, and the limits of what is indexed
(backend-free: both search backends analyse texts with these functions).

Canonical form (what `normalize` produces):

* Unicode NFC, with control and invisible format characters removed (tab and newline are kept);
* one tone placement, the "new style" (kiểu mới) of the 1980s spelling rules: in the open
  syllables ``oa``, ``oe``, ``uy`` the tone mark sits on the second vowel (``hoà``, ``khoẻ``,
  ``thuỷ``, ``uỷ ban``), never on the first (``hòa``, ``khỏe``, ``thủy``). The other rules are the
  same in both styles and are applied too, which also repairs common typos: after ``qu``/``gi``
  the tone goes on the vowel that follows (``qủa`` → ``quả``, ``gìa`` → ``già``), a vowel with
  a hat, breve or horn carries the tone (``ngừơi`` → ``người``), a closed syllable carries it on
  its last vowel (``hòang`` → ``hoàng``), a three-vowel open syllable on its middle one.

Words that are not one Vietnamese syllable (``café``, ``José``) are left as they are.

Folded form (what `fold` produces, for matching typed-without-diacritics text): lowercase, no
diacritics, đ→d, and a lone final y after a consonant written i (``kỹ``/``kĩ`` → ``ki``).
Words are runs of ``\w`` characters.
"""

import re
import unicodedata
from functools import lru_cache

# Tab, newline and carriage return stay; other C0/C1 controls, soft hyphen, zero-width and
# bidi marks, BOM and lone surrogates go (zero-width characters would split words).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
    "\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufe00-\ufe0f\ud800-\udfff]"
)
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_VOWELS = "aăâeêioôơuưy"
_MODIFIED = "ăâêôơư"
_BASES = _VOWELS + _VOWELS.upper()

# (toneless vowel, tone mark) -> precomposed letter, and back.
_TONED = {
    (base, mark): unicodedata.normalize("NFC", base + mark)
    for base in _BASES
    for mark in _TONE_MARKS
}
_SPLIT = {toned: key for key, toned in _TONED.items()}
_TONED_CLASS = "".join(_SPLIT)

# Only a word with a toned vowel next to another vowel can have its tone misplaced.
_NEEDS_PLACING = re.compile(
    rf"\w*(?:[{_TONED_CLASS}][{_BASES}{_TONED_CLASS}]|[{_BASES}][{_TONED_CLASS}])\w*"
)
_COMBINING = re.compile("[\u0300-\u036f]")
_D_STROKE = str.maketrans("đĐ", "dD")
_LONE_Y = re.compile(r"\b((?:ng|[cgknpt]h|tr|qu|[bcdghklmnqrstvx]))y\b")
WORD = re.compile(r"\w+")
MAX_BODY_CHARS = 300_000  # a long book's text; beyond this the words add little but cost
# Pairs are many distinct terms: beyond this many words of a text they cost more to index than
# they add (an article's own words come first; a book's thousandth page adds little).
MAX_PAIR_WORDS = 1500
SUGGEST_WORDS = 6  # words of a title kept in each autocomplete entry


def normalize(text: str) -> str:
    """Return `text` in the canonical form described in the module docstring."""
    return _NEEDS_PLACING.sub(_place_match, clean(text)) if text else ""


def clean(text: str) -> str:
    """Return `text` in NFC without invisible characters (tones left where they are)."""
    text = _INVISIBLE.sub("", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def fold(text: str) -> str:
    """Return `text` lowercased without diacritics (đ→d): the form typed on a bare keyboard.

    A lone final y after a consonant becomes i, as both spellings are in use for the same
    syllable (kỹ/kĩ năng, lý/lí do, quy/qui định).
    """
    text = unicodedata.normalize("NFD", _INVISIBLE.sub("", text).lower())
    return _LONE_Y.sub(r"\1i", _COMBINING.sub("", text).translate(_D_STROKE))


def _place_match(match: re.Match) -> str:
    """re.sub callback: the matched word with its tone mark in the canonical place."""
    return place_tone(match.group())


@lru_cache(maxsize=65536)
def place_tone(word: str) -> str:
    """Return one NFC word with its single tone mark moved to the canonical vowel."""
    chars = list(word)
    toned = [i for i, ch in enumerate(chars) if ch in _SPLIT]
    if len(toned) != 1:
        return word
    index = toned[0]
    base, mark = _SPLIT[chars[index]]
    chars[index] = base
    target = _tone_position("".join(chars).lower())
    if target is None:
        return word
    chars[target] = _TONED[(chars[target], mark)]
    return "".join(chars)


def _tone_position(word: str) -> int | None:
    """Index of the vowel that carries the tone in a toneless lowercase syllable, or None."""
    start = next((i for i, ch in enumerate(word) if ch in _VOWELS), None)
    if start is None:
        return None
    end = start
    while end < len(word) and word[end] in _VOWELS:
        end += 1
    if any(ch in _VOWELS for ch in word[end:]):
        return None  # two vowel groups: not a single Vietnamese syllable
    if end - start > 1 and word[:start] in ("q", "g") and word[start] in "ui":
        start += 1  # the u of "qu" and the i of "gi" belong to the initial consonant
    return _nucleus_position(word[start:end], closed=end < len(word), start=start)


def _nucleus_position(vowels: str, closed: bool, start: int) -> int | None:
    """Position (offset by `start`) of the toned vowel within a vowel group."""
    if len(vowels) == 1:
        return start
    modified = [i for i, ch in enumerate(vowels) if ch in _MODIFIED]
    if modified:
        return start + modified[-1]
    if len(vowels) == 3:
        return start + 1
    if len(vowels) > 3:
        return None
    if closed or vowels in ("oa", "oe", "uy"):
        return start + 1
    return start


@lru_cache(maxsize=262144)
def canonical_word(token: str) -> str:
    """Return the indexed (exact) form of one token: lowercase, canonical tone placement."""
    return place_tone(token.lower())


@lru_cache(maxsize=262144)
def folded_word(token: str) -> str:
    """Return the folded form of one token (already canonical or not)."""
    return fold(token)


@lru_cache(maxsize=16)
def exact_words(text: str) -> tuple[str, ...]:
    """The exact (canonical, lowercase) words of a text; cached because while indexing, each
    text feeds several fields in a row."""
    return tuple(canonical_word(w) for w in WORD.findall(clean(text)))


@lru_cache(maxsize=16)
def folded_words(text: str) -> tuple[str, ...]:
    """The folded words of a text (cached like `exact_words`)."""
    return tuple(folded_word(w) for w in exact_words(text))


def word_pairs(text: str) -> list[str]:
    """Adjacent folded word pairs ("lua dao") of a text, in order (of a long one, its first
    MAX_PAIR_WORDS words): a query's adjacent words found together rank first, and typo
    correction prefers a word that forms a known pair."""
    words = folded_words(text)[:MAX_PAIR_WORDS]
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def suggest_key(prefix: str) -> str:
    """The folded autocomplete key of what the user typed (its last SUGGEST_WORDS words)."""
    text = normalize(prefix[:200])
    words = folded_words(text)[-SUGGEST_WORDS:]
    key = " ".join(words)
    return key + " " if key and text[-1:].isspace() and len(words) < SUGGEST_WORDS else key

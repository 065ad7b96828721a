"""Query understanding shared by every backend: what a worker typed, read as what was meant.

Workers type questions on phones without a Vietnamese keyboard, so before a query is parsed:

* leftovers of the Telex, VNI and VIQR input methods are decoded (``luowng`` → ``lương``,
  ``nghir`` → ``nghỉ``, ``luong5`` → ``luọng``, ``tie^`` → ``tiê``), but only for a token that is
  not a Vietnamese syllable and becomes one when decoded (``zalo``, ``email`` stay);
* chat abbreviations are spelled out (``ko``/``k``/``hok`` → không, ``dc``/``đc`` → được,
  ``cty`` → công ty, ``dk``/``đk`` → đăng ký or điều kiện by the words around it);
* function and question words (bao nhiêu, mấy, gì, thế nào, không, có, được, thì, là...) are
  recognised, so that a backend counts them for little and never requires them.

Spelling correction needs the index's vocabulary, so it is a function of two look-ups the
backend supplies (`correct`, `corrected_text`): how many documents have a word, and a pair of
adjacent words.
Nothing here knows an engine.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from library.search.analysis import WORD, canonical_word, fold, folded_word, normalize, place_tone

# A folded Vietnamese syllable: an initial consonant (or none) and a rhyme. Permissive (it
# accepts a few rhymes no word uses) because it only has to tell syllables from input-method
# leftovers and typos.
_INITIAL = "(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?"
_OPEN = (
    "a|ai|ao|au|ay|e|eo|eu|i|ia|iu|ieu|o|oa|oai|oay|oao|oe|oeo|oi|u|ua|uay|ue|ui|uo|uoi|uou|"
    "uu|uy|uya|uyu|y|yeu|oo"
)
_CLOSED = "a|e|i|o|u|y|ie|ye|oa|oe|uo|ua|ue|uy|uye|oo|uyu"
_FINAL = "c|ch|m|n|ng|nh|p|t"
_SYLLABLE = re.compile(rf"{_INITIAL}(?:{_OPEN}|(?:{_CLOSED})(?:{_FINAL}))")

# Tokens as typed, keeping the VIQR marks that follow a letter (^ hat, ( breve, + horn,
# ' sắc, ` huyền, ~ ngã; ? and . are left out: they end questions and sentences).
_TOKEN = re.compile(r"\w+(?:[\^(+'`~]\w*)*")
_TONES = {"sắc": "\u0301", "huyền": "\u0300", "hỏi": "\u0309", "ngã": "\u0303", "nặng": "\u0323"}
_TONE_KEYS = {
    **dict(zip("sfrxj", _TONES.values(), strict=True)),  # Telex
    **dict(zip("12345", _TONES.values(), strict=True)),  # VNI
    "'": _TONES["sắc"],  # VIQR
    "`": _TONES["huyền"],
    "~": _TONES["ngã"],
}
_HAT = {"a": "â", "e": "ê", "o": "ô"}
_BREVE_HORN = {"a": "ă", "o": "ơ", "u": "ư"}
_VOWELS = set("aăâeêioôơuưy")

# Chat abbreviations (folded) → the words they stand for.
ABBREVIATIONS = {
    "ko": "không",
    "k": "không",
    "kh": "không",
    "kg": "không",
    "khg": "không",
    "hok": "không",
    "hong": "không",
    "dc": "được",
    "dk": None,  # đăng ký or điều kiện: see _dk
    "cty": "công ty",
    "nv": "nhân viên",
    "sdld": "người sử dụng lao động",
    "nsdld": "người sử dụng lao động",
    "nld": "người lao động",
    "ntn": "như thế nào",
    "j": "gì",
    "bn": "bao nhiêu",
    "bnh": "bao nhiêu",
    "vs": "với",
    "mk": "mình",
    "ng": "người",
    "hd": "hợp đồng",
    "hdld": "hợp đồng lao động",
    "bh": "bảo hiểm",
    "sx": "sản xuất",
    "tg": "thời gian",
    "lm": "làm",
    "lg": "lương",
}
# Words near "dk" that mean "điều kiện" (otherwise it is "đăng ký").
_CONDITION_WORDS = {"du", "co", "khong", "nhung", "gi", "huong", "lam", "de", "kien"}

# Function and question words: as typed with diacritics, and folded for queries typed without
# (a folded form is only taken for one when the word was typed without diacritics). Longest
# forms are tried first.
FUNCTION_WORDS = """
bao nhiêu, mấy, gì, nào, thế nào, như thế nào, ra sao, làm sao, tại sao, vì sao, sao, không,
có, có được, được, được không, có phải, phải không, hay không, có không, thì, là, của, những,
các, một, khi nào, lúc nào, bao giờ, bao lâu, ở đâu, đâu, và, với, cho, này, đó, ấy, mà, nhé,
nhỉ, vậy, ạ, à, ơi, hả, hở, chứ, mình, tôi, tớ, em, ai, nếu, thì sao, rồi, chưa, đã, sẽ, đang,
cần, muốn, hỏi, xin, ơi, nên, vẫn, cũng, nhưng, hay, hoặc, bị, về, khi, nhiêu, gì vậy, làm gì
"""
MIN_CORRECTION_DOCS = 3  # a correction must be in at least this many documents,
CORRECTION_RATIO = 10  # and in this many times more than the word it replaces;
RARE_DOCS = 2  # only a word in at most this many documents is corrected


def _forms(text: str) -> dict[tuple[str, ...], bool]:
    """Function-word forms: (words) → True when the form has diacritics to compare exactly."""
    forms: dict[tuple[str, ...], bool] = {}
    for phrase in text.replace("\n", " ").split(","):
        words = tuple(normalize(phrase).split())
        if words:
            forms[words] = True
            forms.setdefault(tuple(fold(w) for w in words), False)
    return forms


_FUNCTION_FORMS = _forms(FUNCTION_WORDS)
_LONGEST = max(len(form) for form in _FUNCTION_FORMS)


# The longest syllable typed with its keys has 9 letters (`nghieengf`, `dduwowngf`); decoding
# costs the square of the length, so a long run of letters (`aaaa…`) is not tried at all.
_LONGEST_KEYED = 12


def is_syllable(word: str) -> bool:
    """True when `word` (any case, diacritics or not) is spelled like a Vietnamese syllable."""
    return bool(_SYLLABLE.fullmatch(fold(word)))


def decode_input_method(token: str) -> str:
    """The word a Telex, VNI or VIQR leftover stands for (`token` itself when it is a syllable
    already or does not decode into one)."""
    if not token.isascii() or len(token) > _LONGEST_KEYED or is_syllable(token) or token.isdigit():
        return token
    decoded = _decode(token.lower())
    if decoded is None or not is_syllable(decoded):
        return token
    return decoded.upper() if token.isupper() and len(token) > 1 else decoded


def _decode(word: str) -> str | None:
    """Apply input-method keys to a lowercase ASCII word (None when it has none)."""
    letters: list[str] = []
    tone, keyed = None, False
    for ch in word:
        seen_vowel = any(c in _VOWELS for c in letters)
        if ch in _TONE_KEYS and seen_vowel:
            tone, keyed = _TONE_KEYS[ch], True
        elif ch == "z" and seen_vowel:
            tone, keyed = None, True
        elif ch in "w7+(8":
            keyed |= _breve_or_horn(letters, ch)
        elif ch in "^6" or (ch in _HAT and letters and letters[-1] == ch):
            keyed |= _hat(letters, ch)
        elif ch in "9d" and letters and letters[-1] == "d" and (ch == "9" or len(letters) == 1):
            letters[-1], keyed = "đ", True
        elif ch.isdigit() or ch in "^(+'`~":
            return None
        else:
            letters.append(ch)
    if not keyed:
        return None
    text = "".join(letters)
    return _with_tone(text, tone) if tone else text


def _vowel_run(letters: list[str]) -> list[int]:
    """Indexes of the last run of vowels in `letters`."""
    run: list[int] = []
    for index in range(len(letters) - 1, -1, -1):
        if letters[index] in _VOWELS:
            run.insert(0, index)
        elif run:
            break
    return run


def _breve_or_horn(letters: list[str], key: str) -> bool:
    """Telex w / VNI 7, 8 / VIQR + ( on the last vowels: uo → ươ, a → ă, o → ơ, u → ư."""
    run = _vowel_run(letters)
    if not run:
        if key == "w":
            letters.append("ư")
            return True
        return False
    vowels = "".join(letters[i] for i in run)
    if "uo" in vowels and key != "8" and key != "(":
        start = run[vowels.index("uo")]
        letters[start : start + 2] = ["ư", "ơ"]
        return True
    wanted = "a" if key in "8(" else ("ou" if key in "7+" else "aou")
    for index in reversed(run):
        if letters[index] in wanted:
            letters[index] = _BREVE_HORN[letters[index]]
            return True
    return False


def _hat(letters: list[str], key: str) -> bool:
    """Telex aa/ee/oo, VNI 6, VIQR ^: the last a, e or o gets a hat."""
    for index in reversed(_vowel_run(letters)):
        if letters[index] in _HAT:
            letters[index] = _HAT[letters[index]]
            return True
    return False


def _with_tone(text: str, mark: str) -> str:
    """`text` with the tone `mark` on its canonical vowel."""
    run = _vowel_run(list(text))
    if not run:
        return text
    index = run[0]
    toned = unicodedata.normalize("NFC", text[index] + mark)
    return place_tone(text[:index] + toned + text[index + 1 :])


def expand(words: list[str]) -> list[str]:
    """The words with chat abbreviations spelled out (see ABBREVIATIONS); "dk" is read from
    the words next to it."""
    folded = [fold(w) for w in words]
    out = []
    for index, word in enumerate(words):
        key = folded[index]
        if key not in ABBREVIATIONS or word.isupper() and len(word) > 2:
            out.append(word)  # an acronym in capitals (HĐLĐ) is the synonyms' business
        elif key == "dk":
            near = set(folded[max(0, index - 1) : index]) | set(folded[index + 1 : index + 2])
            out.append("điều kiện" if near & _CONDITION_WORDS else "đăng ký")
        else:
            out.append(ABBREVIATIONS[key])
    return out


@dataclass(frozen=True)
class Rewritten:
    """A query after input-method decoding and abbreviation expansion."""

    text: str
    repaired: bool  # an input-method leftover was decoded (worth telling the user)


def rewrite(text: str) -> Rewritten:
    """Decode input-method leftovers and spell out abbreviations, keeping the rest as typed
    (quotes and punctuation included, so phrases still parse)."""
    text = normalize(text)
    matches = list(_TOKEN.finditer(text))
    decoded = [decode_input_method(m.group()) for m in matches]
    expanded = expand(decoded)
    parts, last = [], 0
    for match, word in zip(matches, expanded, strict=True):
        parts.append(text[last : match.start()])
        parts.append(word)
        last = match.end()
    parts.append(text[last:])
    repaired = any(d != m.group() for d, m in zip(decoded, matches, strict=True))
    return Rewritten("".join(parts), repaired)


def function_spans(exact: list[str], folded: list[str]) -> dict[int, int]:
    """Start → end of the function-word runs of a query's words, longest first."""
    spans, index = {}, 0
    while index < len(exact):
        for size in range(min(_LONGEST, len(exact) - index), 0, -1):
            if _is_function(exact[index : index + size], folded[index : index + size]):
                spans[index] = index + size
                index += size
                break
        else:
            index += 1
    return spans


def _is_function(exact: list[str], folded: list[str]) -> bool:
    """True when these words are a function-word form (exactly, or folded if typed so)."""
    if _FUNCTION_FORMS.get(tuple(exact)) is True:
        return True
    typed_plain = exact == folded
    return typed_plain and tuple(folded) in _FUNCTION_FORMS


# Spelling ---------------------------------------------------------------------------------

_LETTERS = "abcdeghiklmnopqrstuvxy"


def near_syllables(word: str) -> set[str]:
    """Folded syllables one edit (insert, delete, replace, swap) away from folded `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    edits |= {a + c + b for a, b in splits for c in _LETTERS}
    return {w for w in edits if w != word and _SYLLABLE.fullmatch(w)}


def correct(
    words: list[str], docs: Callable[[str], int], pair_docs: Callable[[str, str], int]
) -> list[str] | None:
    """Folded `words` with each unknown or rare one replaced by two syllables typed together
    or by the nearest syllable the index knows well, preferring one that forms a known pair
    with its neighbours; None if unchanged.

    `docs(word)` and `pair_docs(a, b)` count the documents having a word, an adjacent pair.
    """
    fixed, changed = list(words), False
    for index, word in enumerate(words):
        if (word,) in _FUNCTION_FORMS or not word.isalpha() or len(word) > 12:
            continue  # function words are not worth correcting, nor long "words"
        if docs(word) > RARE_DOCS:
            continue
        best = _split(word, pair_docs) or _best_near(words, index, docs, pair_docs)
        if best is not None:
            fixed[index], changed = best, True
    return fixed if changed else None


def _split(word: str, pair_docs) -> str | None:
    """Two syllables typed together (`thaisan`) as the pair the index knows best, or None."""
    if _SYLLABLE.fullmatch(word):
        return None
    splits = [
        (pair_docs(word[:i], word[i:]), word[:i], word[i:])
        for i in range(1, len(word))
        if _SYLLABLE.fullmatch(word[:i]) and _SYLLABLE.fullmatch(word[i:])
    ]
    count, first, second = max(splits, default=(0, "", ""))
    return f"{first} {second}" if count >= MIN_CORRECTION_DOCS else None


def _best_near(words, index, docs, pair_docs) -> str | None:
    """The best correction of words[index] (see `correct`), or None."""
    before = words[index - 1] if index else None
    after = words[index + 1] if index + 1 < len(words) else None
    ranked = []
    wanted = max(MIN_CORRECTION_DOCS, CORRECTION_RATIO * docs(words[index]))
    for candidate in near_syllables(words[index]):
        count = docs(candidate)
        if count < wanted:
            continue
        pairs = (pair_docs(before, candidate) if before else 0) + (
            pair_docs(candidate, after) if after else 0
        )
        ranked.append((pairs, count, candidate))
    if not ranked:
        return None
    return max(ranked, key=lambda item: (item[0], item[1], [-ord(c) for c in item[2]]))[2]


def corrected_text(
    text: str, docs: Callable[[str], int], pair_docs: Callable[[str, str], int]
) -> str | None:
    """`text` with its unknown or rare words corrected (`correct`), the rest as typed; None
    when nothing changed."""
    matches = list(WORD.finditer(text))
    words = [folded_word(canonical_word(m.group())) for m in matches]
    fixed = correct(words, docs, pair_docs)
    if fixed is None:
        return None
    parts, last = [], 0
    for match, word, new in zip(matches, words, fixed, strict=True):
        parts.append(text[last : match.start()])
        parts.append(new if new != word else match.group())
        last = match.end()
    return "".join(parts) + text[last:]

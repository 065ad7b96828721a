"""Acronyms and synonyms: `BHXH` finds "bảo hiểm xã hội" and the other way round.

The list is plain text an administrator can edit: one group per line, the forms separated by
`=`, `#` starts a comment::

    BHXH = bảo hiểm xã hội
    ATVSLĐ = an toàn vệ sinh lao động = an toàn, vệ sinh lao động

Forms are compared word by word after folding (no diacritics, lowercase), so `bhxh`, `BHXH`,
`bảo hiểm xã hội` and `bao hiem xa hoi` all belong to the same group.
"""

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from library.search.analysis import folded_words

# The built-in list, with the origin of its groups: library/search/synonyms.txt.
DEFAULT_SYNONYMS = Path(__file__).with_name("synonyms.txt").read_text(encoding="utf-8")

MAX_FORM_WORDS = 8
# Part of the fingerprint: an index written with an older layout (no word pairs) is rebuilt.
INDEX_FORMAT = "pairs-1"
KEY_MARK = "~"  # never in a folded word, so a group's key cannot be mistaken for one


@dataclass(frozen=True)
class Span:
    """Words `start`..`end` of a query form one synonym group: its `key`, its `others` forms."""

    start: int
    end: int
    key: str
    others: tuple[tuple[str, ...], ...]


@dataclass
class Synonyms:
    """Synonym groups, looked up by folded word sequences."""

    groups: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _group_of: dict[tuple[str, ...], int] = field(default_factory=dict, repr=False)
    _starting: dict[str, list[tuple[str, ...]]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_text(cls, text: str | None) -> "Synonyms":
        """Parse the editable text format; bad lines are skipped and listed in `problems`."""
        synonyms = cls()
        for number, line in enumerate((text or "").splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if line:
                synonyms._add_line(number, line)
        return synonyms

    def _add_line(self, number: int, line: str) -> None:
        """Add the group on one (comment-free, non-blank) line."""
        forms = []
        for part in line.split("="):
            form = folded_words(part)
            if form and form not in forms:
                forms.append(form)
        if len(forms) < 2:
            self.problems.append(
                f"dòng {number}: một nhóm cần ít nhất hai cách viết, nối bằng dấu ="
            )
        elif any(len(form) > MAX_FORM_WORDS for form in forms):
            self.problems.append(f"dòng {number}: một cách viết dài quá {MAX_FORM_WORDS} từ")
        else:
            self._add_group(number, tuple(forms))

    def _add_group(self, number: int, forms: tuple[tuple[str, ...], ...]) -> None:
        """Index a group by each of its forms (a form already in a group is reported)."""
        taken = [form for form in forms if form in self._group_of]
        if taken:
            self.problems.append(f"dòng {number}: “{' '.join(taken[0])}” đã có trong một nhóm khác")
            return
        for form in forms:
            self._group_of[form] = len(self.groups)
            starting = self._starting.setdefault(form[0], [])
            starting.append(form)
            starting.sort(key=len, reverse=True)
        self.groups.append(forms)

    def key(self, group: int) -> str:
        """The term standing for a group in the index (see `keys_in`)."""
        return KEY_MARK + "_".join(self.groups[group][0])

    def spans(self, words: list[str] | tuple[str, ...]) -> list[Span]:
        """Longest non-overlapping synonym forms found in a list of folded words."""
        found, start = [], 0
        while start < len(words):
            form = next(self._forms_at(words, start), None)
            if form is None:
                start += 1
                continue
            group = self._group_of[form]
            others = tuple(f for f in self.groups[group] if f != form)
            found.append(Span(start, start + len(form), self.key(group), others))
            start += len(form)
        return found

    def _forms_at(self, words, start: int):
        """Forms occurring at `start` in `words`, longest first."""
        for form in self._starting.get(words[start], ()):
            if tuple(words[start : start + len(form)]) == form:
                yield form

    def keys_in(self, words: list[str] | tuple[str, ...]) -> set[str]:
        """Keys of the groups whose multi-word forms occur in `words`.

        The index records these keys as extra terms, so a search for `BHXH` finds the text
        "bảo hiểm xã hội" by one term lookup instead of checking the phrase document by document.
        """
        keys = set()
        for start, word in enumerate(words):
            if word in self._starting:
                for form in self._forms_at(words, start):
                    if len(form) > 1:
                        keys.add(self.key(self._group_of[form]))
        return keys

    def to_text(self) -> str:
        """The groups in the editable text format (folded forms)."""
        return "".join(" = ".join(" ".join(f) for f in forms) + "\n" for forms in self.groups)

    @property
    def fingerprint(self) -> str:
        """A short digest of the groups: an index built with other synonyms must be rebuilt."""
        text = INDEX_FORMAT + "\n" + self.to_text()
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@functools.cache
def default_synonyms() -> Synonyms:
    """The built-in list, parsed once per process: it is a file of the release, read only."""
    return Synonyms.from_text(DEFAULT_SYNONYMS)

"""Vietnamese normalisation, folding, query parsing, synonyms and snippets (no index)."""

import unicodedata

import pytest

from library.search.analysis import fold, normalize
from library.search.query import MAX_CLAUSES, parse
from library.search.snippets import pattern, snippet
from library.search.synonyms import Synonyms, default_synonyms
from library.search.whoosh_schema import TermsField, exact_analyzer, folded_analyzer


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("hòa bình", "hoà bình"),
        ("HÒA", "HOÀ"),
        ("thúy", "thuý"),
        ("khỏe mạnh", "khoẻ mạnh"),
        ("ủy ban", "uỷ ban"),
        ("qủa", "quả"),
        ("gìa", "già"),
        ("hòang", "hoàng"),
        ("ngòai", "ngoài"),
        ("xóay", "xoáy"),
        ("ngừơi", "người"),
        ("người của mùa", "người của mùa"),
        ("quyền giữa gìn", "quyền giữa gìn"),
        ("café José", "café José"),
    ],
)
def test_normalize_puts_tones_in_the_new_style_place(text, canonical):
    assert normalize(text) == canonical


def test_normalize_composes_and_drops_invisible_characters():
    typed = unicodedata.normalize("NFD", "Lao\u200b động\x00\ufeff")
    assert normalize(typed) == "Lao động"


def test_normalize_keeps_lines_and_tabs():
    assert normalize("a\tb\nc") == "a\tb\nc"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đường ĐỒNG", "duong dong"),
        ("Kỹ năng", "ki nang"),
        ("quy định", "qui dinh"),
        ("Uỷ ban y tế", "uy ban y te"),
        ("ngày", "ngay"),
    ],
)
def test_fold_removes_diacritics_and_unifies_i_y(text, folded):
    assert fold(text) == folded


def test_analyzers_make_the_terms_the_index_fields_write():
    text = unicodedata.normalize("NFD", "Hòa giải THUÝ Kĩ năng, qủa")
    exact = [t.text for t in exact_analyzer()(text)]
    folded = [t.text for t in folded_analyzer()(text)]
    assert exact == ["hoà", "giải", "thuý", "kĩ", "năng", "quả"]
    assert folded == ["hoa", "giai", "thuy", "ki", "nang", "qua"]
    assert {t.decode() for t, *_ in TermsField("exact").index(text)} == set(exact)
    assert {t.decode() for t, *_ in TermsField("folded").index(text)} == set(folded)


def test_parse_splits_words_phrases_and_marks_the_last_word_as_prefix():
    clauses = parse('"hợp đồng" lao độn')
    assert [(c.folded, c.phrase, c.prefix) for c in clauses] == [
        (("hop", "dong"), True, False),
        (("lao",), False, False),
        (("don",), False, True),
    ]


def test_parse_drops_operators_and_survives_anything():
    assert [c.folded for c in parse('lao AND "động OR ')] == [("lao",), ("dong",)]
    assert parse("") == parse("*:()") == []
    assert len(parse("từ " * 5000)) == MAX_CLAUSES


def test_parse_groups_synonym_runs():
    clauses = parse("luật bao hiem xa hoi", default_synonyms())
    assert [c.folded for c in clauses] == [("luat",), ("bao", "hiem", "xa", "hoi")]
    assert clauses[1].synonyms == (("bhxh",),)


def test_synonyms_parse_the_editable_format():
    synonyms = Synonyms.from_text("# comment\nBHXH = bảo hiểm xã hội\n\nATGT=an toàn giao thông")
    assert synonyms.groups == [
        (("bhxh",), ("bao", "hiem", "xa", "hoi")),
        (("atgt",), ("an", "toan", "giao", "thong")),
    ]
    assert synonyms.problems == []


def test_synonyms_report_bad_lines_and_keep_the_good_ones():
    synonyms = Synonyms.from_text("BHXH\nBHYT = bảo hiểm y tế\nbhyt = y tế")
    assert len(synonyms.groups) == 1
    assert [p.split(":")[0] for p in synonyms.problems] == ["dòng 1", "dòng 3"]


def test_default_synonyms_have_no_problems():
    synonyms = default_synonyms()
    assert synonyms.problems == [] and len(synonyms.groups) >= 26


def test_snippet_escapes_and_marks_folded_matches():
    html = snippet(["<i>Kĩ</i> năng & an toàn"], pattern(parse("ky nang ")))
    assert html == "&lt;i&gt;<mark>Kĩ</mark>&lt;/i&gt; <mark>năng</mark> &amp; an toàn"


def test_snippet_without_match_shows_the_start():
    assert snippet(["", "Một hai ba"], pattern(parse("xyz"))) == "Một hai ba"

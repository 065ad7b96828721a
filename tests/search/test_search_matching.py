"""Contract: how Vietnamese queries match documents, whatever the backend."""

import unicodedata

import pytest

from .search_support import corpus_docs, doc, ids, search


def nfd(text: str) -> str:
    """The decomposed (NFD) form of a text, as some sources and keyboards produce."""
    return unicodedata.normalize("NFD", text)


@pytest.fixture
def law(backend):
    """A small library about labour law and insurance."""
    backend.index(
        [
            doc(1, "Pháp luật lao động", "Quyền và nghĩa vụ của người lao động."),
            doc(2, "Bảo hiểm xã hội bắt buộc", "Mức đóng bảo hiểm hằng tháng."),
            doc(3, "Báo chí với công nhân", "Đọc báo mỗi ngày."),
            doc(4, "Phòng chống bão lũ", "Khi có bão, cần chằng chống nhà cửa."),
            doc(5, "Đồng phục bảo hộ", "Đồng phục và an toàn khi làm việc."),
        ]
    )
    return backend


def test_query_without_diacritics_finds_accented_title(law):
    assert ids(law, "phap luat lao dong")[0] == 1


def test_query_case_does_not_matter(law):
    assert ids(law, "Pháp Luật") == ids(law, "PHÁP LUẬT")
    assert ids(law, "Pháp Luật")[0] == 1


def test_decomposed_query_finds_composed_text(law):
    assert ids(law, nfd("Pháp luật lao động")) == ids(law, "Pháp luật lao động")
    assert ids(law, nfd("Pháp luật lao động"))[0] == 1


def test_decomposed_text_is_found_by_composed_query(backend):
    backend.index([doc(1, nfd("Hợp đồng lao động"), nfd("Người sử dụng lao động ký kết."))])
    assert ids(backend, "hợp đồng") == ids(backend, "nguoi su dung") == [1]


def test_real_decomposed_bodies_are_found(backend, corpus):
    decomposed = [r for r in corpus if not unicodedata.is_normalized("NFC", r["body"])]
    assert decomposed, "the sample should hold NFD bodies"
    backend.index(corpus_docs(decomposed))
    words = unicodedata.normalize("NFC", decomposed[0]["body"]).split()[:4]
    assert 1 in ids(backend, " ".join(words))


def test_d_and_đ_match_both_ways(law):
    assert ids(law, "dong phuc")[0] == ids(law, "đồng phục")[0] == ids(law, "đong phuc")[0] == 5


@pytest.mark.parametrize(
    ("indexed", "typed"),
    [
        ("Hoà giải tranh chấp", "hòa giải"),
        ("Hòa giải tranh chấp", "hoà giải"),
        ("Thuý Kiều đọc sách", "thúy kiều"),
        ("Thúy Kiều đọc sách", "thuý kiều"),
        ("Hoa quả sạch", "qủa"),
        ("Hoa qủa sạch", "quả"),
        ("Giữ gìn sức khoẻ", "sức khỏe"),
        ("Uỷ ban nhân dân", "ủy ban"),
        ("Kỹ năng sống", "kĩ năng"),
        ("Lý do nghỉ việc", "lí do"),
    ],
)
def test_old_and_new_tone_placement_match(backend, indexed, typed):
    backend.index([doc(1, indexed)])
    assert ids(backend, typed) == [1]


def test_exact_diacritics_rank_above_folded_matches(law):
    assert ids(law, "bảo")[0] == 2  # "bảo hiểm" before "báo chí" and "bão lũ"
    assert set(ids(law, "bảo")) >= {2, 3, 4}


def test_each_accented_word_ranks_its_own_documents_first(law):
    assert ids(law, "báo")[0] == 3
    assert ids(law, "bão")[0] == 4


def test_documents_with_every_word_come_first(law):
    # Any word finds a document, but those having them all rank first.
    found = ids(law, "bảo hộ đồng phục")
    assert found[0] == 5
    assert set(found) >= {2, 5}


def test_quoted_phrase_needs_adjacent_words(backend):
    backend.index([doc(1, "Người lao động"), doc(2, "Người đứng đầu và lao động")])
    assert ids(backend, '"người lao động"') == [1]
    assert sorted(ids(backend, "người lao động")) == [1, 2]


def test_quoted_phrase_ignores_diacritics_and_punctuation(backend):
    backend.index([doc(1, "Bảo hiểm, xã hội")])
    assert ids(backend, '"bao hiem xa hoi"') == [1]


@pytest.mark.parametrize("typed", ["BHXH", "bhxh", "bảo hiểm xã hội", "bao hiem xa hoi"])
def test_acronym_and_expansion_find_each_other(backend, typed):
    backend.index([doc(1, "Sổ BHXH điện tử"), doc(2, "Chế độ bảo hiểm xã hội một lần")])
    assert sorted(ids(backend, typed)) == [1, 2]


@pytest.mark.parametrize("typed", ["HĐLĐ", "hdld", "hợp đồng lao động"])
def test_acronym_with_đ_matches_with_and_without_diacritics(backend, typed):
    backend.index([doc(1, "Mẫu HĐLĐ"), doc(2, "Ký hợp đồng lao động")])
    assert sorted(ids(backend, typed)) == [1, 2]


def test_acronym_expansion_must_be_a_phrase(backend):
    backend.index([doc(1, "An toàn giao thông"), doc(2, "Giao lưu an toàn thông tin")])
    assert ids(backend, "ATGT") == [1]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("ph", {1, 4, 5}), ("bao h", {2, 5}), ("phap lu", {1}), ("Pháp l", {1}), ("đồng phụ", {5})],
)
def test_short_prefix_matches_title_words(law, typed, expected):
    assert set(ids(law, typed)[: len(expected)]) == expected


def test_prefix_of_last_word_finds_title(law):
    assert ids(law, "bảo hi")[0] == 2


def test_completed_word_is_not_a_prefix(law):
    assert ids(law, "phòng chốn") == [4]
    assert ids(law, "chốn ") == []


def test_misspelling_is_corrected_and_says_what_it_searched(backend, corpus):
    # A worker's typo finds the material at once, and the page says which words it used.
    backend.index(corpus_docs(corpus[:150]))
    results = search(backend, "giáo dụcc nghề nghiệp")
    assert results.total > 0
    assert results.query_used == "giáo duc nghề nghiệp"
    assert results.total == search(backend, "giáo dục nghề nghiệp").total


def test_correct_query_gets_no_suggestion(backend, corpus):
    backend.index(corpus_docs(corpus[:150]))
    assert search(backend, "giáo dục nghề nghiệp").suggestion is None


def test_phrase_in_real_legal_text(backend, corpus):
    backend.index(corpus_docs(corpus[:150]))
    phrase = search(backend, '"co so giao duc nghe nghiep"')
    words = search(backend, "co so giao duc nghe nghiep")
    assert 0 < phrase.total <= words.total

"""The questions workers type: function words, everyday words, chat abbreviations, Telex and
VNI leftovers, typos, syllables that fold together (on the embedded Whoosh backend)."""

import pytest

from library.search.understanding import decode_input_method, rewrite

from .search_support import doc, ids, make_whoosh, search


@pytest.fixture
def whoosh(tmp_path):
    """An empty Whoosh backend."""
    engine = make_whoosh(tmp_path)
    engine.clear()
    yield engine
    engine.close()


@pytest.fixture
def labour(whoosh):
    """A few articles of labour law and some that share their common words."""
    whoosh.index(
        [
            doc(1, "Thời gian thử việc", "Thời gian thử việc không quá 60 ngày."),
            doc(2, "Thụ lý ngay vụ việc", "Cơ quan thụ lý ngay khi nhận đủ hồ sơ trong ngày."),
            doc(3, "Làm thêm giờ", "Người sử dụng lao động được sử dụng người lao động làm thêm."),
            doc(4, "Đơn phương chấm dứt hợp đồng", "Người sử dụng lao động báo trước 30 ngày."),
            doc(5, "Bảo hiểm xã hội bắt buộc", "Mức đóng bảo hiểm xã hội hằng tháng."),
            doc(6, "Quỹ bảo hiểm xã hội", "Quỹ được quản lý tập trung."),
            doc(7, "Chế độ ốm đau", "Người lao động tham gia bảo hiểm xã hội được hưởng."),
            doc(8, "Đào tạo nghề", "Doanh nghiệp tổ chức đào tạo cho người lao động."),
            doc(9, "Cảnh giác lừa đảo", "Các thủ đoạn lừa đảo qua mạng xã hội."),
            doc(10, "Lựa chọn ngành học", "Chọn ngành theo năng lực."),
            doc(11, "Mức lương tối thiểu", "Mức lương tối thiểu vùng trả cho người lao động."),
            doc(12, "Nghỉ thai sản", "Lao động nữ sinh con được nghỉ thai sản sáu tháng."),
        ]
    )
    return whoosh


def test_a_question_with_function_words_finds_the_article(labour):
    assert ids(labour, "thử việc tối đa bao nhiêu ngày")[0] == 1


def test_function_words_never_exclude_a_document(labour):
    assert ids(labour, "nghỉ thai sản là gì vậy")[0] == 12
    assert 12 in ids(labour, "thai san duoc may thang")


def test_everyday_words_find_the_legal_ones(labour):
    assert ids(labour, "tăng ca")[0] == 3
    assert ids(labour, "nghi de duoc may thang")[0] == 12
    assert ids(labour, "sếp đuổi việc không báo trước")[0] == 4


def test_chat_abbreviations_are_spelled_out(labour):
    assert ids(labour, "cty bat tang ca ko tra tien")[0] == 3
    assert rewrite("ko dc nghi dk ket hon").text == "không được nghi đăng ký ket hon"
    assert rewrite("du dk huong").text == "du điều kiện huong"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("luowng", "lương"),
        ("nghir", "nghỉ"),
        ("nawm", "năm"),
        ("vieejc", "việc"),
        ("luong5", "luọng"),
        ("nghieengf", "nghiềng"),
        ("dduwowngf", "đường"),
    ],
)
def test_telex_and_vni_leftovers_are_decoded(typed, meant):
    assert decode_input_method(typed) == meant


@pytest.mark.parametrize("word", ["zalo", "email", "facebook", "covid", "lương", "luong"])
def test_words_that_are_not_leftovers_stay(word):
    assert decode_input_method(word) == word


def test_a_telex_query_finds_the_article_and_says_what_was_searched(labour):
    results = search(labour, "muwcs luowng toois thieeur")
    assert results.hits[0].id == 11
    assert results.query_used == "mức lương tối thiểu"


def test_a_typo_shows_the_corrected_results_at_once(labour):
    results = search(labour, "bao hiem xa hio")
    assert results.query_used == "bao hiem xa hoi"
    assert {hit.id for hit in results.hits[:2]} == {5, 6}


def test_the_literal_query_is_searched_when_asked_with_a_suggestion(labour):
    results = search(labour, "bao hiem xa hio", literal=True)
    assert results.query_used is None
    assert results.suggestion == "bao hiem xa hoi"


def test_a_query_with_every_word_found_is_not_corrected(labour):
    assert search(labour, "bao hiem xa hoi").query_used is None


def test_adjacent_syllables_rank_as_one_word(labour):
    # "lua dao" is lừa đảo (9), not lựa chọn (10) nor đào tạo (8).
    assert ids(labour, "lua dao")[0] == 9
    assert ids(labour, "dao tao")[0] == 8


def test_documents_with_every_word_come_first(labour):
    found = ids(labour, "bảo hiểm ốm đau")
    assert found[0] == 7
    assert {5, 6} <= set(found)


def test_total_counts_documents_with_any_meaningful_word(labour):
    results = search(labour, "bảo hiểm là gì")  # "là gì" matches no document by itself
    # bảo hiểm (5, 6, 7) and, folded, báo trước (4)
    assert results.total == 4 == sum(results.facets["kind"].values())


def test_title_beats_a_long_body_for_a_rare_word(labour):
    labour.index([doc(13, "Tổng hợp", "thai sản " + "lao động việc làm " * 200)])
    assert ids(labour, "thai san")[0] == 12


def test_two_syllables_typed_together_are_split(labour):
    labour.index([doc(20, "Chế độ thai sản", "Hưởng chế độ thai sản."), doc(21, "Thai sản", "")])
    results = search(labour, "nghi thaisan")
    assert results.query_used == "nghi thai san"
    assert results.hits[0].id in {12, 20, 21}


def test_the_last_word_being_typed_matches_body_words_too(labour):
    # "thủ đoạn" is only in the body of 9; "thu doa" is still being typed.
    assert ids(labour, "thu doa")[0] == 9
    assert search(labour, "doa ").total == 0  # a finished word is not a prefix

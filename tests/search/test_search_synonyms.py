"""The built-in synonym list (library/search/synonyms.txt): a worker's everyday words and chat
abbreviations find the articles written in the law's words, and no form folds into a common
word (on the embedded Whoosh backend; the articles are shortened from the shared corpus)."""

import pytest

from library.search.analysis import folded_words
from library.search.synonyms import DEFAULT_SYNONYMS, Synonyms, default_synonyms

from .search_support import doc, ids, make_whoosh

ARTICLES = [
    doc(
        1,
        "Hành vi người sử dụng lao động không được làm khi giao kết hợp đồng lao động",
        "Yêu cầu người lao động phải thực hiện biện pháp bảo đảm bằng tiền hoặc tài sản khác "
        "cho việc thực hiện hợp đồng lao động.",
    ),
    doc(
        2,
        "Tiền lương ngừng việc",
        "Nếu vì sự cố về điện, nước mà không do lỗi của người sử dụng lao động thì hai bên "
        "thỏa thuận về tiền lương ngừng việc.",
    ),
    doc(3, "Tạm ứng tiền lương", "Người lao động được tạm ứng tiền lương theo điều kiện."),
    doc(
        4,
        "Hợp đồng lao động đối với lao động là người giúp việc gia đình",
        "Người sử dụng lao động phải giao kết hợp đồng lao động bằng văn bản.",
    ),
    doc(
        5,
        "Nghĩa vụ của người lao động khi đơn phương chấm dứt hợp đồng lao động trái pháp luật",
        "Không được trợ cấp thôi việc và phải bồi thường cho người sử dụng lao động.",
    ),
    doc(6, "Nghỉ hưu ở tuổi thấp hơn", "Người lao động làm nghề nặng nhọc, độc hại."),
    doc(
        7,
        "Tiền lương làm thêm giờ, làm việc vào ban đêm",
        "Người lao động làm thêm giờ được trả lương ít nhất bằng 150%.",
    ),
    doc(
        8,
        "Điều kiện kết hôn",
        "Nam từ đủ 20 tuổi trở lên, nữ từ đủ 18 tuổi trở lên; việc kết hôn do nam và nữ tự "
        "nguyện quyết định.",
    ),
    doc(9, "Báo cáo cuối năm", "Báo cáo gửi đến cơ quan quản lý trước ngày 15 tháng 12."),
    doc(10, "Thời gian làm việc", "Thời giờ làm việc bình thường không quá 8 giờ trong 01 ngày."),
    doc(
        11,
        "Đăng ký khai tử",
        "Người thân của người chết có trách nhiệm đi đăng ký khai tử trong 15 ngày.",
    ),
    doc(12, "Công khai tài chính", "Đơn vị công khai tự chủ tài chính hằng năm."),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A Whoosh index of the articles, shared by the module's tests (they only search)."""
    engine = make_whoosh(tmp_path_factory.mktemp("synonyms"))
    engine.clear()
    engine.index(ARTICLES)
    yield engine
    engine.close()


def test_the_built_in_list_parses_whole_and_has_a_few_hundred_forms():
    synonyms = Synonyms.from_text(DEFAULT_SYNONYMS)
    assert synonyms.problems == []
    assert len(synonyms.groups) >= 150
    assert sum(len(forms) - 1 for forms in synonyms.groups) >= 500


@pytest.mark.parametrize(
    "word",
    ["cưới", "đền", "thưởng", "nhậu", "thợ", "phép", "đóng cửa", "khai tử", "làm thử", "có chửa"],
)
def test_no_form_folds_into_a_common_word(word):
    """cưới is cuối, đền is đến, thưởng is thường, nhậu is nhau, làm thử is làm thủ (tục)...:
    such words are only forms inside longer ones."""
    assert default_synonyms().spans(list(folded_words(word))) == []


@pytest.mark.parametrize(
    "query, article",
    [
        ("công ty bắt đóng tiền cọc khi vào làm", 1),
        ("cong ty cup dien cho nghi co duoc tra luong", 2),
        ("ứng trước lương được không", 3),
        ("thuê osin có phải ký hợp đồng không", 4),
        ("bo viec ngang co phai den tien khong", 5),
        ("làm chỗ độc hại có được về hưu sớm không", 6),
        ("bị ép cưới khi chưa đủ tuổi", 8),
        ("bo me mat lam giay bao tu o dau", 11),
    ],
)
def test_a_worker_query_finds_the_article_in_the_law_words(library, query, article):
    assert ids(library, query)[0] == article


@pytest.mark.parametrize(
    "query, article",
    [
        ("cty k tra tien tang ca", 7),
        ("tien OT tinh the nao", 7),
        ("sdld bat dong coc", 1),
    ],
)
def test_chat_abbreviations_find_the_article(library, query, article):
    assert ids(library, query)[0] == article


def test_a_folded_collision_does_not_bring_other_articles(library):
    """Cuối is not cưới, đến is not đền, công khai tự chủ is not khai tử."""
    assert ids(library, "cuối") == [9]
    assert ids(library, "cuoi") == [9]
    assert 5 not in ids(library, "gui den co quan")
    assert ids(library, "công khai tự chủ")[0] == 12
    assert ids(library, "cong khai tu chu")[0] == 12

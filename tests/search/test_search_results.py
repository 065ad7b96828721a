"""Contract: filters, facets, sorting, paging, ranking and snippets."""

from datetime import UTC, datetime

import pytest

from .search_support import doc, ids, search


def when(year: int, month: int = 1) -> datetime:
    """A publication date."""
    return datetime(year, month, 1, tzinfo=UTC)


@pytest.fixture
def shelf(backend):
    """Six materials on workers' safety across areas, kinds, organisations and years."""
    backend.index(
        [
            doc(
                1,
                "An toàn lao động",
                areas=["politics-law"],
                kind="leaflet",
                org="so-ldtbxh",
                published_at=when(2021),
                views=50,
            ),
            doc(
                2,
                "An toàn điện",
                areas=["vocational-skills"],
                kind="video",
                org="ldld-tinh",
                published_at=when(2023),
                views=500,
            ),
            doc(
                3,
                "An toàn giao thông",
                areas=["life-skills"],
                kind="poster",
                org="ldld-tinh",
                published_at=when(2024),
                views=5,
            ),
            doc(
                4,
                "An toàn trên mạng",
                areas=["digital-skills", "life-skills"],
                kind="video",
                org="so-tttt",
                published_at=when(2024, 6),
                views=120,
            ),
            doc(
                5,
                "An toàn hoá chất",
                areas=["vocational-skills"],
                kind="book",
                org="so-ldtbxh",
                published_at=when(2022),
                views=0,
            ),
            doc(
                6,
                "Sổ tay công đoàn",
                areas=["politics-law"],
                kind="book",
                org="ldld-tinh",
                published_at=when(2020),
                views=1000,
            ),
        ]
    )
    return backend


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("area", "life-skills", {3, 4}),
        ("kind", "video", {2, 4}),
        ("org", "so-ldtbxh", {1, 5}),
        ("year", 2024, {3, 4}),
        ("year", "2022", {5}),
        ("area", "learning-model", set()),
    ],
)
def test_filter_keeps_matching_documents(shelf, option, value, expected):
    assert set(ids(shelf, "an toan", **{option: value})) == expected


def test_filters_combine(shelf):
    assert ids(shelf, "an toan", kind="video", area="life-skills") == [4]


def test_facets_count_every_value(shelf):
    facets = search(shelf, "an toan").facets
    assert facets["area"] == {
        "life-skills": 2,
        "vocational-skills": 2,
        "digital-skills": 1,
        "politics-law": 1,
    }
    assert facets["kind"] == {"video": 2, "book": 1, "leaflet": 1, "poster": 1}
    assert facets["org"] == {"ldld-tinh": 2, "so-ldtbxh": 2, "so-tttt": 1}
    assert facets["year"] == {"2024": 2, "2021": 1, "2022": 1, "2023": 1}


def test_facet_ignores_its_own_filter_but_not_the_others(shelf):
    facets = search(shelf, "an toan", kind="video").facets
    assert facets["kind"] == {"video": 2, "book": 1, "leaflet": 1, "poster": 1}
    assert facets["area"] == {"digital-skills": 1, "life-skills": 1, "vocational-skills": 1}


def test_facets_can_be_skipped(shelf):
    assert search(shelf, "an toan", facets=False).facets == {}


def test_empty_query_lists_everything_for_browsing(shelf):
    results = search(shelf, "", area="politics-law")
    assert results.total == 2
    assert set(ids(shelf, "", area="politics-law")) == {1, 6}


def test_sort_newest(shelf):
    assert ids(shelf, "an toan", sort="newest") == [4, 3, 2, 5, 1]


def test_sort_popular(shelf):
    assert ids(shelf, "an toan", sort="popular") == [2, 4, 1, 3, 5]


def test_pages_cover_every_hit_once(shelf):
    pages = [ids(shelf, "an toan", sort="newest", page=p, per_page=2) for p in (1, 2, 3)]
    assert pages == [[4, 3], [2, 5], [1]]
    assert search(shelf, "an toan", page=3, per_page=2).total == 5


def test_page_beyond_the_end_is_empty_with_the_right_total(shelf):
    results = search(shelf, "an toan", page=40, per_page=10)
    assert (results.hits, results.total, results.page) == ([], 5, 40)


def test_relevance_paging_matches_the_full_ranking(shelf):
    full = ids(shelf, "an toan lao dong")
    paged = [h for p in (1, 2, 3) for h in ids(shelf, "an toan lao dong", page=p, per_page=1)]
    assert paged == full[:3]


def test_title_match_ranks_above_body_match(backend):
    backend.index([doc(1, "Nghỉ phép năm", "Công đoàn hỗ trợ."), doc(2, "Công đoàn cơ sở")])
    assert ids(backend, "công đoàn") == [2, 1]


def test_title_match_ranks_above_a_body_repeating_the_word(backend):
    body = "Quy định về an toàn. " + "Công đoàn cơ sở họp. " * 60
    backend.index([doc(1, "Nghỉ phép năm", body), doc(2, "Sổ tay công đoàn")])
    assert ids(backend, "cong doan") == [2, 1]


def test_superseded_ranks_below_current(backend):
    backend.index(
        [
            doc(1, "Bộ luật Lao động 2012", superseded=True, published_at=when(2013)),
            doc(2, "Hướng dẫn thi hành", "Theo bộ luật lao động.", published_at=when(2020)),
        ]
    )
    assert ids(backend, "bộ luật lao động") == [2, 1]


def test_snippet_marks_matches_and_escapes_everything_else(backend):
    body = "Người lao động được nghỉ & hưởng lương. <script>alert('x')</script>"
    backend.index([doc(1, "<b>Nghỉ</b> phép", body)])
    snippet = search(backend, "nghi huong").hits[0].snippet_html
    assert "<mark>nghỉ</mark>" in snippet and "<mark>hưởng</mark>" in snippet
    assert "&lt;script&gt;" in snippet and "&amp;" in snippet
    without_marks = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in without_marks and ">" not in without_marks


def test_snippet_shows_the_part_of_a_long_text_that_matches(backend):
    body = "Lời nói đầu. " * 80 + "Thời giờ làm việc không quá 8 giờ một ngày."
    backend.index([doc(1, "Bộ luật", body)])
    snippet = search(backend, "thoi gio lam viec").hits[0].snippet_html
    assert snippet.startswith("… ") and "<mark>Thời</mark> <mark>giờ</mark>" in snippet


def test_hits_carry_scores_in_ranking_order(shelf):
    scores = [hit.score for hit in search(shelf, "an toan lao dong").hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_suggest_completes_titles_typed_without_diacritics(shelf):
    assert shelf.suggest("an toan gi") == ["An toàn giao thông"]
    assert shelf.suggest("So tay c") == ["Sổ tay công đoàn"]


def test_suggest_puts_title_starts_then_popular_first(backend):
    backend.index(
        [
            doc(1, "Tìm hiểu pháp luật", views=900),
            doc(2, "Pháp luật lao động", views=10),
            doc(3, "Pháp lệnh dân số", views=100),
        ]
    )
    assert backend.suggest("phap l") == [
        "Pháp lệnh dân số",
        "Pháp luật lao động",
        "Tìm hiểu pháp luật",
    ]
    assert backend.suggest("phap l", limit=1) == ["Pháp lệnh dân số"]


def test_suggest_of_nothing_is_empty(shelf):
    assert shelf.suggest("") == [] and shelf.suggest("  ") == [] and shelf.suggest("zzz") == []


def test_hits_carry_what_a_result_list_shows(backend):
    # (what the API lists comes from here, without reading the database)
    backend.index(
        [
            doc(1, "Kỹ năng số", areas=["digital-skills", "politics-law"], kind="video"),
            doc(2, "Sổ tay an toàn", kind="book", areas=["life-skills"]),
        ]
    )
    hits = {hit.id: hit for hit in search(backend, "").hits}
    assert (hits[1].title, hits[1].kind, hits[1].areas) == (
        "Kỹ năng số",
        "video",
        ("politics-law", "digital-skills"),  # the areas' fixed order, not the order given
    )
    assert (hits[2].title, hits[2].kind) == ("Sổ tay an toàn", "book")
    assert hits[2].areas == ("life-skills",)


def test_hits_show_the_latest_version_of_a_document(backend):
    backend.index([doc(1, "Tờ gấp cũ", kind="leaflet", areas=["life-skills"])])
    backend.index([doc(1, "Tờ gấp mới", kind="poster", areas=["vocational-skills"])])
    (hit,) = search(backend, "to gap").hits
    assert (hit.title, hit.kind, hit.areas) == ("Tờ gấp mới", "poster", ("vocational-skills",))


def test_a_rare_pair_of_adjacent_words_outranks_common_words(backend):
    # "khai tử" is rare where "khai" and "tử" each are common: the pair's own documents, not
    # its words', make it count (both backends keep pairs with their counts).
    filler = [
        doc(10 + n, f"Khai báo số {n}", f"Tử số và mẫu số, khai trương cửa hàng {n}.")
        for n in range(12)
    ]
    backend.index(
        [
            doc(1, "Thủ tục đăng ký khai sinh", "Khai sinh cho trẻ; giấy tờ và tử số."),
            doc(2, "Thủ tục đăng ký khai tử", "Người thân khai tử trong hạn."),
            *filler,
        ]
    )
    assert ids(backend, "thu tuc dang ky khai tu")[0] == 2

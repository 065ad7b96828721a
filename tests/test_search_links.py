"""The search page's filter, sort and suggestion links, built without the URL map."""

import pytest
from bs4 import BeautifulSoup
from flask import url_for

from library.web import search_url

VALUES = [
    {},
    {"q": "hợp đồng lao động", "area": None, "page": None},
    {"q": '"người lao động" & BHXH', "kind": "poster", "sort": "newest", "literal": 1},
    {"q": "a/b?c=d#e", "org": "so-ldtbxh", "year": 2026, "page": 2},
    {"q": "  ", "area": "politics-law", "tags": ["an toàn", "điện"]},
]


@pytest.mark.parametrize("values", VALUES)
def test_search_links_are_what_url_for_gives(app, values):
    with app.test_request_context("/search?q=x"):
        assert search_url(values) == url_for("search.results", **values)


def test_a_search_pages_filter_links_keep_the_query_and_change_one_filter(client, make_material):
    make_material(title="Hợp đồng lao động", areas=["politics-law"])
    page = BeautifulSoup(client.get("/search?q=hop+dong&sort=newest").text, "html.parser")
    links = [a["href"] for a in page.select(".facets a")]
    assert "/search?q=hop+dong&area=politics-law&sort=newest" in links
    sorts = [a["href"] for a in page.select(".chips a")]
    assert sorts[0] == "/search?q=hop+dong&sort=relevance"

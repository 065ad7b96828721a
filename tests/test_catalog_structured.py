"""What machines read of the public pages (schema.org JSON-LD, read with extruct as a crawler
does), breadcrumbs of a material in two areas, and the language of pages and of their content."""

from pathlib import Path

import extruct
import pytest
from bs4 import BeautifulSoup
from support import png_bytes, upload

from library.accounts.permissions import SYSTEM
from library.extensions import db
from library.sharing import collections

LEAFLET = Path(__file__).parents[1] / "demo" / "files" / "to-gap-hop-dong-lao-dong.pdf"


def json_ld(response) -> list[dict]:
    """The schema.org items of a page, the @graph flattened."""
    found = extruct.extract(response.get_data(as_text=True), syntaxes=["json-ld"])["json-ld"]
    return [item for document in found for item in document.get("@graph", [document])]


def of_type(items, name):
    return [i for i in items if name == i["@type"] or name in i["@type"]]


def soup(response):
    return BeautifulSoup(response.data, "html.parser")


@pytest.mark.parametrize(
    "kind, content, own_type",
    [
        ("leaflet", "pdf", "DigitalDocument"),
        ("book", "pdf", "Book"),
        ("poster", "png", "ImageObject"),
        ("video", "youtube", "VideoObject"),
        ("legal_digest", "text", "DigitalDocument"),
    ],
)
def test_a_material_is_a_learning_resource_of_its_kind(
    client, make_material, kind, content, own_type
):
    fields = {"kind": kind, "body": ""}
    if content == "pdf":
        fields["upload"] = upload(LEAFLET.read_bytes(), "to-gap.pdf")
    elif content == "png":
        fields.update(upload=upload(png_bytes(), "a.png"), alt_text="Áp phích")
    elif content == "youtube":
        fields["video_url"] = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    else:
        fields["body"] = "## Điều 1\nNội dung."
    material = make_material(**fields)
    [resource] = of_type(json_ld(client.get(f"/materials/{material.id}")), "LearningResource")
    assert own_type in resource["@type"]
    assert resource["name"] == material.title
    assert resource["inLanguage"] == "vi"
    assert resource["publisher"] == {"@type": "Organization", "name": material.organisation.name}
    assert resource["datePublished"].startswith(str(material.published_at.date()))
    assert resource["thumbnailUrl"].endswith(f"/materials/{material.id}/preview.jpg")
    [alignment] = resource["educationalAlignment"]
    assert alignment["targetName"] == "Chính trị, pháp luật"
    assert "1268" in alignment["educationalFramework"]


def test_a_pdf_says_its_encoding_size_and_pages(client, make_material):
    material = make_material(kind="leaflet", body="", upload=upload(LEAFLET.read_bytes(), "t.pdf"))
    [resource] = of_type(json_ld(client.get(f"/materials/{material.id}")), "LearningResource")
    assert resource["encodingFormat"] == "application/pdf"
    assert resource["numberOfPages"] == 2
    encoding = resource["encoding"]
    assert encoding["contentSize"] == f"{material.file.size} B"
    assert client.get(encoding["contentUrl"].removeprefix("http://thuvien.test")).status_code == 200


def test_licence_is_a_creative_commons_address_or_named(client, make_material):
    open_one = make_material(license="CC-BY-SA-4.0")
    official = make_material(license="gov-work", title="Văn bản nhà nước")
    [first] = of_type(json_ld(client.get(f"/materials/{open_one.id}")), "LearningResource")
    [second] = of_type(json_ld(client.get(f"/materials/{official.id}")), "LearningResource")
    assert first["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert second["license"]["name"].startswith("Văn bản của cơ quan nhà nước")


def test_a_legal_digest_names_its_basis_as_legislation(client, make_material):
    material = make_material(legal_basis="Bộ luật Lao động 2019 (45/2019/QH14)")
    [resource] = of_type(json_ld(client.get(f"/materials/{material.id}")), "LearningResource")
    assert resource["isBasedOn"]["@type"] == "Legislation"
    assert resource["isBasedOn"]["name"] == "Bộ luật Lao động 2019 (45/2019/QH14)"


def test_a_material_in_two_areas_has_a_trail_through_each(client, make_material):
    material = make_material(areas=["politics-law", "life-skills"])
    response = client.get(f"/materials/{material.id}")
    trails = of_type(json_ld(response), "BreadcrumbList")
    names = [[step["name"] for step in t["itemListElement"]] for t in trails]
    assert names == [
        ["Trang chủ", "Chính trị, pháp luật", material.title],
        ["Trang chủ", "Kỹ năng sống", material.title],
    ]
    crumbs = soup(response).select_one(".crumbs")
    # Side by side, not one inside the other.
    assert crumbs.get_text(" ", strip=True).count("›") == 1
    assert "Chính trị, pháp luật · Kỹ năng sống" in crumbs.get_text("", strip=False)


def test_drafts_describe_nothing_to_machines(client, make_material, make_user, login):
    editor = make_user("editor")
    material = make_material(status="draft", org=editor.organisation)
    login(editor)
    assert json_ld(client.get(f"/materials/{material.id}")) == []


def test_a_collection_is_an_item_list_in_its_order(client, make_material, make_org):
    first, second = make_material(title="Thứ nhất"), make_material(title="Thứ hai")
    raw = {
        "slug": "ngay-sach",
        "title": "Ngày Sách",
        "summary": "Sách hay.",
        "status": "published",
        "materials": [second.id, first.id],
    }
    collections.create_collection(SYSTEM, make_org(code="so-vhttdl"), raw)
    db.session.commit()
    items = json_ld(client.get("/collections/ngay-sach"))
    [listing] = of_type(items, "ItemList")
    assert [i["name"] for i in listing["itemListElement"]] == ["Thứ hai", "Thứ nhất"]
    assert [i["position"] for i in listing["itemListElement"]] == [1, 2]
    assert listing["numberOfItems"] == 2
    assert of_type(items, "BreadcrumbList")


def test_json_ld_cannot_close_its_script_element(client, make_material):
    material = make_material(title="</script><script>alert(1)</script>")
    html = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert "</script><script>alert" not in html
    [resource] = of_type(json_ld(client.get(f"/materials/{material.id}")), "LearningResource")
    assert resource["name"] == "</script><script>alert(1)</script>"


def test_language_switch_keeps_the_page_query_and_filters(client):
    page = soup(client.get("/search?q=bhxh&area=politics-law&kind=leaflet"))
    href = page.select_one("a[data-lang=en]")["href"]
    assert href == "/search?q=bhxh&area=politics-law&kind=leaflet&lang=en"
    back = soup(client.get(href)).select_one("a[data-lang=vi]")["href"]
    assert back == "/search?q=bhxh&area=politics-law&kind=leaflet&lang=vi"


def test_vietnamese_content_keeps_its_language_on_an_english_page(client, make_material):
    material = make_material()
    page = soup(client.get(f"/materials/{material.id}?lang=en"))
    assert page.html["lang"] == "en"
    for selector in ("h1", ".summary", ".body"):
        assert page.select_one(selector)["lang"] == "vi", selector

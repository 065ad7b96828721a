"""sitemap.xml (sitemaps.org 0.9) and robots.txt."""

from flask import url_for
from lxml import etree

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Pages for signed-in people, and the JSON API: nothing there for a search engine. /oai stays
# open: some OAI-PMH harvesters obey robots.txt.
DISALLOWED = ("/manage", "/account", "/admin", "/login", "/logout", "/api/")


def build_sitemap(areas, materials) -> bytes:
    """The home page, each area page and each published material page."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    _url(root, url_for("catalog.home", _external=True))
    for area in areas:
        _url(root, url_for("catalog.area", code=area.code, _external=True))
    for material_id, updated_at in materials:
        page = url_for("catalog.material", material_id=material_id, _external=True)
        _url(root, page, updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _url(root, location: str, lastmod: str | None = None) -> None:
    """Add one <url> with its location and, if known, last change."""
    url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
    etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = location
    if lastmod:
        etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = lastmod


def robots_txt() -> str:
    """Crawl the public site; stay out of private pages; here is the sitemap."""
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in DISALLOWED]
    lines += ["", f"Sitemap: {url_for('feeds.sitemap', _external=True)}", ""]
    return "\n".join(lines)

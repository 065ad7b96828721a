"""sitemap.xml (sitemaps.org 0.9) and robots.txt."""

from datetime import UTC, datetime

from lxml import etree

from library.addresses import public_url
from library.feeds import services

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Pages for signed-in people, and the JSON API: nothing there for a search engine. /oai stays
# open: some OAI-PMH harvesters obey robots.txt.
DISALLOWED = ("/manage", "/account", "/admin", "/login", "/logout", "/api/")


def fixed_pages(areas) -> list[str]:
    """The pages listed before any collection or material: home, each area, the collections."""
    pages = [public_url("catalog.home")]
    pages += [public_url("catalog.area", code=area.code) for area in areas]
    pages.append(public_url("sharing.collection_list"))
    return pages


def file_entries(plan: services.SitemapPlan, number: int, fixed: list[str]):
    """(address, last change or None) of the entries of file `number` (from 1), read from the
    database a file's worth at a time: only this file's rows, by offset over the ids."""
    start = (number - 1) * plan.size
    end = start + plan.size
    entries = [(page, None) for page in fixed[start:end]]
    start, end = max(0, start - plan.fixed), end - plan.fixed
    for slug, updated_at in services.sitemap_collections(start, min(end, plan.collections) - start):
        entries.append((public_url("sharing.collection", slug=slug), updated_at))
    start, end = max(0, start - plan.collections), end - plan.collections
    for material_id, updated_at in services.sitemap_materials(start, end - start):
        entries.append((public_url("catalog.material", material_id=material_id), updated_at))
    return entries


def build_urlset(entries) -> bytes:
    """A sitemap file: one <url> per (address, last change or None)."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for location, changed in entries:
        _entry(root, "url", location, changed)
    return _xml(root)


def build_index(files) -> bytes:
    """A sitemap index: one <sitemap> per (file address, last change or None)."""
    root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    for location, changed in files:
        _entry(root, "sitemap", location, changed)
    return _xml(root)


def _entry(root, tag: str, location: str, changed: datetime | None) -> None:
    """Add one <url> or <sitemap> with its location and, if known, last change."""
    element = etree.SubElement(root, f"{{{SITEMAP_NS}}}{tag}")
    etree.SubElement(element, f"{{{SITEMAP_NS}}}loc").text = location
    if changed:
        stamp = changed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        etree.SubElement(element, f"{{{SITEMAP_NS}}}lastmod").text = stamp


def _xml(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def robots_txt() -> str:
    """Crawl the public site; stay out of private pages; here is the sitemap."""
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in DISALLOWED]
    lines += ["", f"Sitemap: {public_url('feeds.sitemap')}", ""]
    return "\n".join(lines)

"""Atom feeds of new materials, built with feedgen (which writes the XML with lxml)."""

from datetime import datetime

from feedgen.feed import FeedGenerator

from library.addresses import public_url
from library.models import Material
from library.models.base import utcnow
from library.xmlsafe import xml_text


def build_feed(title: str, page_url: str, self_url: str, materials: list[Material]) -> bytes:
    """An Atom document listing the given materials, newest first."""
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(xml_text(title))
    feed.link(href=page_url, rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.language("vi")
    feed.updated(_latest(materials))
    for material in materials:
        _add_entry(feed, material)
    return feed.atom_str(pretty=True)


def _add_entry(feed: FeedGenerator, material: Material) -> None:
    """One material as an Atom entry: link, summary, organisation, areas."""
    url = public_url("catalog.material", material_id=material.id)
    entry = feed.add_entry(order="append")
    entry.id(url)
    entry.title(xml_text(material.title))
    entry.link(href=url, rel="alternate")
    if material.summary:
        entry.summary(xml_text(material.summary))
    entry.author(name=xml_text(material.organisation.name))
    entry.published(material.published_at)
    entry.updated(material.updated_at)
    for area in material.areas:
        entry.category(term=area.code, label=xml_text(area.name_vi))


def _latest(materials: list[Material]) -> datetime:
    """When the feed last changed: its newest entry, or now for an empty feed."""
    return max((m.updated_at for m in materials), default=None) or utcnow()

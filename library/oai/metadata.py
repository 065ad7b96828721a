"""A material as unqualified Dublin Core (oai_dc)."""

from lxml import etree

from library.addresses import public_url
from library.models import Material
from library.xmlsafe import xml_text

PREFIX = "oai_dc"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# The DCMI Type Vocabulary term closest to each kind of material.
DCMI_TYPES = {
    "leaflet": "Text",
    "poster": "StillImage",
    "video": "MovingImage",
    "legal_digest": "Text",
    "book": "Text",
    "audio": "Sound",
}
LICENSE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC-BY-NC-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}


def oai_dc(material: Material):
    """The <oai_dc:dc> element describing a material."""
    root = etree.Element(
        f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
    )
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    for name, value in dc_fields(material):
        if value:
            etree.SubElement(root, f"{{{DC_NS}}}{name}").text = xml_text(value)
    return root


def dc_fields(material: Material) -> list[tuple[str, str]]:
    """(element, value) pairs in Dublin Core order; empty values are left out."""
    fields = [("title", material.title), ("description", material.summary)]
    fields += [("subject", area.name_vi) for area in material.areas]
    fields += [("subject", tag) for tag in material.tag_names]
    fields += [("type", DCMI_TYPES.get(material.kind, "Text")), ("type", material.kind)]
    fields += [("format", media_format(material)), ("language", "vi")]
    fields += [("rights", material.license), ("rights", LICENSE_URLS.get(material.license))]
    fields += [("publisher", material.organisation.name)]
    if material.published_at:
        fields.append(("date", material.published_at.date().isoformat()))
    page = public_url("catalog.material", material_id=material.id)
    fields.append(("identifier", page))
    return fields


def media_format(material: Material) -> str:
    """The MIME type of what a reader gets: the file, or the material's web page."""
    return material.file.mime_type if material.file else "text/html"

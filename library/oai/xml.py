"""The OAI-PMH envelope: namespaces, the response element, datestamps."""

from datetime import UTC, datetime

from lxml import etree

from library.xmlsafe import xml_text

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
DATESTAMP = "%Y-%m-%dT%H:%M:%SZ"


def oai(tag: str) -> str:
    """The qualified name of an element of the OAI-PMH namespace."""
    return f"{{{OAI_NS}}}{tag}"


def datestamp(moment: datetime) -> str:
    """A UTC datestamp at seconds granularity, as the protocol writes it."""
    return moment.astimezone(UTC).strftime(DATESTAMP)


def sub(parent, tag: str, text=None, **attrs):
    """Add a child element of the OAI namespace, its text made safe for XML."""
    element = etree.SubElement(parent, oai(tag), {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def envelope(base_url: str, request_args: dict, now: datetime):
    """The OAI-PMH root with responseDate and the request echoed; the caller adds the rest."""
    root = etree.Element(oai("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
    sub(root, "responseDate", datestamp(now))
    sub(root, "request", base_url, **request_args)
    return root


def serialize(root) -> bytes:
    """The document as UTF-8 bytes with its XML declaration."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

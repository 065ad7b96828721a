"""The six OAI-PMH verbs: each adds its answer to the response root or raises OaiError."""

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from library.models.base import row_id, utcnow
from library.oai import metadata, repository, tokens
from library.oai.arguments import OaiError, check, date_range
from library.oai.xml import XSI_NS, datestamp, envelope, sub

ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"

LOCAL_ID = re.compile(r"material/([1-9][0-9]{0,9})\Z")
# The oai-identifier scheme wants a domain name as repository identifier (not an IP address).
DOMAIN = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+\Z")


@dataclass(frozen=True)
class Settings:
    """What a response needs to know about this repository."""

    base_url: str
    repository_id: str
    repository_name: str
    admin_email: str
    page_size: int

    def identifier(self, material_id: int) -> str:
        """The OAI identifier of a material."""
        return f"oai:{self.repository_id}:material/{material_id}"

    def material_id(self, identifier: str) -> int | None:
        """The material id in one of this repository's identifiers, else None."""
        prefix = f"oai:{self.repository_id}:"
        match = LOCAL_ID.match(identifier[len(prefix) :]) if identifier.startswith(prefix) else None
        return row_id(match.group(1)) if match else None


def respond(args, settings: Settings):
    """The whole OAI-PMH response to a request's arguments, errors included."""
    try:
        verb, values = check(args)
    except OaiError as err:
        # For badVerb and badArgument the request element carries no attributes (3.2).
        return _error(envelope(settings.base_url, {}, utcnow()), err)
    root = envelope(settings.base_url, {"verb": verb, **values}, utcnow())
    try:
        HANDLERS[verb](root, values, settings)
    except OaiError as err:
        for child in list(root)[2:]:
            root.remove(child)
        return _error(root, err)
    return root


def _error(root, err: OaiError):
    """Add an <error> to the response."""
    sub(root, "error", err.message, code=err.code)
    return root


def identify(root, values: dict, settings: Settings) -> None:
    """Identify: who this repository is and how it stamps records."""
    earliest = repository.earliest_datestamp() or utcnow()
    node = sub(root, "Identify")
    sub(node, "repositoryName", settings.repository_name)
    sub(node, "baseURL", settings.base_url)
    sub(node, "protocolVersion", "2.0")
    sub(node, "adminEmail", settings.admin_email)
    sub(node, "earliestDatestamp", datestamp(earliest))
    sub(node, "deletedRecord", "persistent")
    sub(node, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    if DOMAIN.match(settings.repository_id):
        description = sub(node, "description")
        description.append(identifier_description(settings))


def identifier_description(settings: Settings):
    """<oai-identifier> telling harvesters how this repository's identifiers are made."""
    root = etree.Element(f"{{{ID_NS}}}oai-identifier", nsmap={None: ID_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{ID_NS} {ID_NS}.xsd")
    for name, value in (
        ("scheme", "oai"),
        ("repositoryIdentifier", settings.repository_id),
        ("delimiter", ":"),
        ("sampleIdentifier", settings.identifier(1)),
    ):
        etree.SubElement(root, f"{{{ID_NS}}}{name}").text = value
    return root


def list_metadata_formats(root, values: dict, settings: Settings) -> None:
    """ListMetadataFormats: oai_dc, for the repository or one item."""
    if "identifier" in values:
        _record(values["identifier"], settings)
    node = sub(root, "ListMetadataFormats")
    fmt = sub(node, "metadataFormat")
    sub(fmt, "metadataPrefix", metadata.PREFIX)
    sub(fmt, "schema", metadata.OAI_DC_SCHEMA)
    sub(fmt, "metadataNamespace", metadata.OAI_DC_NS)


def list_sets(root, values: dict, settings: Settings) -> None:
    """ListSets: the area and kind sets, in one response."""
    if "resumptionToken" in values:
        raise OaiError("badResumptionToken", "ListSets is answered in one response.")
    node = sub(root, "ListSets")
    for spec, name in repository.all_sets():
        item = sub(node, "set")
        sub(item, "setSpec", spec)
        sub(item, "setName", name)


def get_record(root, values: dict, settings: Settings) -> None:
    """GetRecord: one record in oai_dc."""
    _require_format(values["metadataPrefix"])
    material = _record(values["identifier"], settings)
    _add_record(sub(root, "GetRecord"), material, settings)


def list_identifiers(root, values: dict, settings: Settings) -> None:
    """ListIdentifiers: headers only."""
    _list(root, "ListIdentifiers", values, settings)


def list_records(root, values: dict, settings: Settings) -> None:
    """ListRecords: headers and oai_dc metadata."""
    _list(root, "ListRecords", values, settings)


def _list(root, verb: str, values: dict, settings: Settings) -> None:
    """One page of a list; a resumption token carries on where it stopped."""
    state = _state(verb, values)
    selection = _selection(state)
    materials = repository.list_records(selection, _position(state), settings.page_size + 1)
    if not materials:
        raise OaiError("noRecordsMatch", "No records match the request.")
    page, more = materials[: settings.page_size], len(materials) > settings.page_size
    node = sub(root, verb)
    for material in page:
        if verb == "ListRecords":
            _add_record(node, material, settings)
        else:
            _add_header(node, material, settings)
    if more or "c" in state:
        _add_token(node, state, page, more, repository.count_records(selection))


def _state(verb: str, values: dict) -> dict:
    """The list's arguments: from a resumption token, or checked from the request."""
    if "resumptionToken" in values:
        return _resumed(verb, values["resumptionToken"])
    _require_format(values["metadataPrefix"])
    if values.get("set") and not repository.set_exists(values["set"]):
        raise OaiError("noRecordsMatch", "There is no such set.")
    return {"v": verb, "f": values.get("from"), "u": values.get("until"), "s": values.get("set")}


def _resumed(verb: str, token: str) -> dict:
    """The state a token carries, checked to be one this verb issued."""
    try:
        state = tokens.read(token)
        _position(state)
        _selection(state)
    except (tokens.BadToken, OaiError, KeyError, TypeError, ValueError):
        raise OaiError("badResumptionToken", "The resumptionToken is invalid.") from None
    if state.get("v") != verb or not isinstance(state.get("c"), int):
        raise OaiError("badResumptionToken", "The resumptionToken is for another list.")
    return state


def _position(state: dict) -> tuple[datetime, int] | None:
    """The (datestamp, id) of the last record sent, None at the start of a list."""
    if not state.get("t"):
        return None
    return datetime.fromisoformat(state["t"]), int(state["i"])


def _selection(state: dict) -> repository.Selection:
    """The datestamp range and set a list state asks for."""
    start, end = date_range(state.get("f"), state.get("u"))
    return repository.Selection(start, end, state.get("s"))


def _add_token(node, state: dict, page: list, more: bool, total: int) -> None:
    """A token for the next page, or the empty token that closes a list sent in pages."""
    cursor = state.get("c", 0)
    attrs = {"cursor": str(cursor), "completeListSize": str(max(total, 1))}
    if not more:
        sub(node, "resumptionToken", None, **attrs)
        return
    last = page[-1]
    following = {**state, "t": last.updated_at.isoformat(), "i": last.id, "c": cursor + len(page)}
    sub(node, "resumptionToken", tokens.issue(following), **attrs)


def _add_record(parent, material, settings: Settings) -> None:
    """Add a record: its header, and its metadata unless it is deleted."""
    record = sub(parent, "record")
    _add_header(record, material, settings)
    if not repository.is_deleted(material):
        sub(record, "metadata").append(metadata.oai_dc(material))


def _add_header(parent, material, settings: Settings) -> None:
    """Add a header: identifier, datestamp, sets, and the deleted status."""
    attrs = {"status": "deleted"} if repository.is_deleted(material) else {}
    header = sub(parent, "header", **attrs)
    sub(header, "identifier", settings.identifier(material.id))
    sub(header, "datestamp", datestamp(material.updated_at))
    for spec in repository.set_specs(material):
        sub(header, "setSpec", spec)


def _record(identifier: str, settings: Settings):
    """The material an identifier names, or idDoesNotExist."""
    material_id = settings.material_id(identifier)
    material = repository.find_record(material_id) if material_id else None
    if material is None:
        raise OaiError("idDoesNotExist", "No record has this identifier.")
    return material


def _require_format(prefix: str) -> None:
    """Only oai_dc is disseminated."""
    if prefix != metadata.PREFIX:
        raise OaiError("cannotDisseminateFormat", "Only oai_dc is disseminated.")


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}

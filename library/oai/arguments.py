"""Checking the arguments of an OAI-PMH request as section 3.1 of the protocol says."""

import re
from datetime import UTC, datetime, timedelta

# verb: (required arguments, optional arguments); resumptionToken is always exclusive.
VERBS = {
    "Identify": ((), ()),
    "ListMetadataFormats": ((), ("identifier",)),
    "ListSets": ((), ("resumptionToken",)),
    "GetRecord": (("identifier", "metadataPrefix"), ()),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set", "resumptionToken")),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set", "resumptionToken")),
}
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
SECOND = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")
PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+\Z")
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*\Z")
IDENTIFIER = re.compile(r"[!-~]{1,300}\Z")  # printable ASCII, no spaces: a URI


class OaiError(Exception):
    """An error condition of the protocol, answered inside a normal OAI-PMH response."""

    def __init__(self, code: str, message: str):
        """An error code of the protocol and a message for people."""
        super().__init__(message)
        self.code = code
        self.message = message


def bad_argument(message: str) -> OaiError:
    """A badArgument error with this message."""
    return OaiError("badArgument", message)


def check(args) -> tuple[str, dict]:
    """The verb and its arguments, or OaiError(badVerb/badArgument) naming what is wrong."""
    verbs = args.getlist("verb")
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OaiError("badVerb", "Missing, repeated or illegal verb.")
    verb = verbs[0]
    required, optional = VERBS[verb]
    values = {}
    for name, given in args.lists():
        if name == "verb":
            continue
        if name not in required and name not in optional:
            raise bad_argument(f"Illegal argument for {verb}: {name}")
        if len(given) != 1:
            raise bad_argument(f"Repeated argument: {name}")
        if "\x00" in given[0]:
            raise bad_argument(f"Illegal character in argument: {name}")
        values[name] = given[0]
    _check_presence(values, required)
    _check_syntax(values)
    return verb, values


def _check_presence(values: dict, required) -> None:
    """resumptionToken stands alone; otherwise every required argument is there."""
    if "resumptionToken" in values:
        if len(values) > 1:
            raise bad_argument("resumptionToken is an exclusive argument.")
        return
    missing = [name for name in required if name not in values]
    if missing:
        raise bad_argument(f"Missing required argument: {', '.join(missing)}")


def _check_syntax(values: dict) -> None:
    """Arguments whose syntax the protocol fixes must follow it."""
    if "metadataPrefix" in values and not PREFIX.match(values["metadataPrefix"]):
        raise bad_argument("Illegal syntax of metadataPrefix.")
    if "set" in values and not SET_SPEC.match(values["set"]):
        raise bad_argument("Illegal syntax of set.")
    if "identifier" in values and not IDENTIFIER.match(values["identifier"]):
        raise bad_argument("Illegal syntax of identifier.")
    date_range(values.get("from"), values.get("until"))


def date_range(start: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """from and until as [start, end) in UTC; badArgument for bad or mismatched values."""
    if start and until and len(start) != len(until):
        raise bad_argument("from and until must have the same granularity.")
    begin = _moment(start, "from") if start is not None else None
    end = None
    if until is not None:
        moment = _moment(until, "until")
        step = timedelta(days=1) if DAY.match(until) else timedelta(seconds=1)
        # `until` is inclusive: a record stamped any time within that day or second matches.
        end = moment + step if moment < datetime.max.replace(tzinfo=UTC) - step else None
    if begin and end and begin >= end:
        raise bad_argument("from must not be later than until.")
    return begin, end


def _moment(value: str, name: str) -> datetime:
    """A from/until value as a UTC datetime; badArgument when it is not one."""
    try:
        if DAY.match(value):
            return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        if SECOND.match(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        pass
    raise bad_argument(f"{name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")

"""Reading the material fields an API call sends, as JSON or as a (multipart) form."""

from flask import request
from flask_babel import lazy_gettext as _l

from library.api.materials_spec import MAX_ID
from library.catalog import services
from library.catalog.validation import MATERIAL_FIELDS
from library.errors import ValidationFailed

LIST_FIELDS = ("areas", "tags")
SCALARS = (str, int, float)


def material_fields() -> dict:
    """The material fields sent, checked for shape before the services check their values."""
    fields = _json_fields() if request.is_json else _form_fields()
    errors = {name: message for name, value in fields.items() if (message := _shape(name, value))}
    if errors:
        raise ValidationFailed(errors=errors)
    return fields


def organisation_code() -> str | None:
    """The organisation code an administrator names for a new material, if any."""
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get("organisation") if isinstance(body, dict) else None
    else:
        value = request.form.get("organisation")
    return value if isinstance(value, str) and value else None


def upload(name: str = "file"):
    """The file sent with the call (or its captions: `upload("captions")`), if any, as a
    service receives it."""
    storage = request.files.get(name)
    if storage is None or not storage.filename:
        return None
    return services.Upload(storage.stream, storage.filename)


def _json_fields() -> dict:
    """The material fields of a JSON object body."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed(_l("Nội dung JSON không hợp lệ (cần một đối tượng)."))
    return {k: v for k, v in body.items() if k in MATERIAL_FIELDS}


def _form_fields() -> dict:
    """The material fields of a form body."""
    form = request.form
    fields = {}
    for name in MATERIAL_FIELDS:
        if name in form:
            values = form.getlist(name)
            # A list is sent as repeated fields, or as one "a;b" value the services split.
            many = name in LIST_FIELDS and len(values) > 1
            fields[name] = values if many else values[0]
    return fields


def _shape(name: str, value):
    """Why a value has the wrong shape for its field, or None when it is fine."""
    if name in LIST_FIELDS:
        ok = isinstance(value, str | None) or (
            isinstance(value, list) and all(isinstance(v, SCALARS) for v in value)
        )
        return None if ok else _l("Cần một danh sách chuỗi.")
    if name == "superseded_by":
        return None if _is_reference(value) else _l("Mã tài liệu không hợp lệ.")
    if value is not None and not isinstance(value, SCALARS):
        return _l("Cần một chuỗi.")
    return None


def _is_reference(value) -> bool:
    """A material id within range, or an empty value meaning none."""
    if value in (None, ""):
        return True
    if isinstance(value, bool):
        return False
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return 0 <= number <= MAX_ID

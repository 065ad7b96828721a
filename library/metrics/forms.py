"""Forms of the metrics pages (Flask-WTF gives each its CSRF token)."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from library.catalog.forms import MultiCheckboxField
from library.sharing import picker

MATERIAL_SLOTS = 3
NUMBERS = re.compile(r"^[0-9#,;\s]+$")


def named_materials(texts: list[str], picked: list[str]) -> list[str]:
    """What the material inputs name: each text (a list of numbers is split, as it used to be
    typed), and the materials ticked among the choices shown when a title named several."""
    named = []
    for text in (t.strip() for t in texts):
        if NUMBERS.match(text):
            named += [n for n in re.split(r"[,;\s]+", text) if n.strip("#")]
        elif text and not (picked and picker.named_material(text) is None):
            named.append(text)
    return named + [f"#{p}" for p in picked if p.isdigit()]


class CsrfOnlyForm(FlaskForm):
    """The workforce and targets page: its many number fields are checked by the service."""


class OfflineSessionForm(FlaskForm):
    # Text fields: the service checks the figures and answers in Vietnamese.
    held_on = StringField(_l("Ngày tổ chức"))
    organisation_id = SelectField(_l("Doanh nghiệp"), choices=[], validate_choice=False)
    areas = MultiCheckboxField(_l("Lĩnh vực"), choices=[], validate_choice=False)
    attendees = StringField(_l("Số người tham dự"))
    # Shown as MATERIAL_SLOTS inputs of the same name that suggest titles as the officer types.
    materials = StringField(_l("Tài liệu đã dùng"))
    note = StringField(_l("Ghi chú (tên buổi, địa điểm)"))

    def raw(self, named: list[str]) -> dict:
        """The submitted values as the session service takes them; `named`: the materials."""
        return {
            "held_on": (self.held_on.data or "").strip(),
            "organisation_id": self.organisation_id.data,
            "areas": self.areas.data or [],
            "attendees": (self.attendees.data or "").strip(),
            "materials": named,
            "note": self.note.data or "",
        }

"""Forms of the metrics pages (Flask-WTF gives each its CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from library.catalog.forms import MultiCheckboxField


class CsrfOnlyForm(FlaskForm):
    """The workforce and targets page: its many number fields are checked by the service."""


class OfflineSessionForm(FlaskForm):
    # Text fields: the service checks the figures and answers in Vietnamese.
    held_on = StringField(_l("Ngày tổ chức"))
    organisation_id = SelectField(_l("Doanh nghiệp"), choices=[], validate_choice=False)
    areas = MultiCheckboxField(_l("Lĩnh vực"), choices=[], validate_choice=False)
    attendees = StringField(_l("Số người tham dự"))
    materials = StringField(_l("Tài liệu đã dùng (mã số, cách nhau bởi dấu phẩy)"))
    note = StringField(_l("Ghi chú (tên buổi, địa điểm)"))

    def raw(self) -> dict:
        """The submitted values as the session service takes them."""
        ids = [p.strip() for p in (self.materials.data or "").split(",") if p.strip()]
        return {
            "held_on": (self.held_on.data or "").strip(),
            "organisation_id": self.organisation_id.data,
            "areas": self.areas.data or [],
            "attendees": (self.attendees.data or "").strip(),
            "materials": ids,
            "note": self.note.data or "",
        }

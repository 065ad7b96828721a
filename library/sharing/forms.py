"""Forms of the sharing pages (Flask-WTF gives each its CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from library.models.sharing import COLLECTION_STATUSES, LINK_CHANNELS

LINK_CHANNEL_LABELS = {
    "zalo": "Zalo",
    "facebook": "Facebook",
    "qr": _l("Mã QR (bảng tin)"),
    "other": _l("Khác"),
}
COLLECTION_STATUS_LABELS = {"draft": _l("Bản nháp"), "published": _l("Xuất bản")}


class LinkForm(FlaskForm):
    target = StringField(
        _l("Tài liệu hoặc bộ sưu tập"),
        validators=[DataRequired(), Length(max=300)],
        description=_l(
            "Gõ vài chữ của tên tài liệu rồi chọn trong danh sách gợi ý; hoặc dán địa chỉ trang, "
            "ví dụ /collections/ten cho một bộ sưu tập"
        ),
    )
    # Checked by the service, which says why an enterprise may not be credited.
    enterprise = SelectField(_l("Doanh nghiệp được ghi nhận"), choices=[], validate_choice=False)
    channel = SelectField(
        _l("Kênh chia sẻ"), choices=[SelectChoice(c, LINK_CHANNEL_LABELS[c]) for c in LINK_CHANNELS]
    )
    campaign = StringField(
        _l("Chiến dịch (không bắt buộc)"), validators=[Optional(), Length(max=120)]
    )


class EnterprisesForm(FlaskForm):
    enterprises = SelectMultipleField(
        _l("Doanh nghiệp mà công đoàn phục vụ"),
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class CollectionForm(FlaskForm):
    title = StringField(_l("Tiêu đề"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Đường dẫn"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("Chữ thường không dấu và dấu gạch ngang, ví dụ ngay-sach-2026"),
    )
    summary = TextAreaField(_l("Giới thiệu"), validators=[Optional(), Length(max=2000)])
    materials = TextAreaField(
        _l("Tài liệu, theo thứ tự"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Mỗi dòng một số tài liệu; thứ tự các dòng là thứ tự hiển thị."),
    )
    starts_on = DateField(_l("Từ ngày"), validators=[Optional()])
    ends_on = DateField(_l("Đến ngày"), validators=[Optional()])
    featured = BooleanField(_l("Giới thiệu trên trang chủ"))
    status = SelectField(
        _l("Trạng thái"),
        choices=[SelectChoice(s, COLLECTION_STATUS_LABELS[s]) for s in COLLECTION_STATUSES],
    )
    organisation = SelectField(_l("Tổ chức"), choices=[])

    def collection_fields(self) -> dict:
        """The form's values in the shape the collection service reads."""
        return {
            "title": self.title.data,
            "slug": self.slug.data,
            "summary": self.summary.data,
            "materials": (self.materials.data or "").split(),
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "featured": self.featured.data,
            "status": self.status.data,
        }

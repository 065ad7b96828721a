"""The material form: CSRF and rendering; the rules themselves live in validation.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from library.models.materials import KINDS, LICENSES

KIND_LABELS = {
    "leaflet": _l("Tờ gấp"),
    "poster": _l("Áp phích"),
    "video": _l("Video"),
    "legal_digest": _l("Tài liệu pháp luật"),
    "book": _l("Sách, tài liệu"),
    "audio": _l("Âm thanh"),
}
LICENSE_LABELS = {
    "CC-BY-4.0": "Creative Commons BY 4.0",
    "CC-BY-SA-4.0": "Creative Commons BY-SA 4.0",
    "CC-BY-NC-4.0": "Creative Commons BY-NC 4.0",
    "CC0-1.0": "CC0 1.0",
    "gov-work": _l("Văn bản của cơ quan nhà nước (không bảo hộ quyền tác giả)"),
}
ACTION_LABELS = {
    "create": _l("Tạo mới"),
    "update": _l("Sửa"),
    "publish": _l("Xuất bản"),
    "submit": _l("Gửi duyệt"),
    "approve": _l("Duyệt"),
    "send_back": _l("Trả lại"),
    "withdraw": _l("Thu hồi"),
    "unpublish": _l("Chuyển về bản nháp"),
    "propose": _l("Gửi bản sửa đổi để duyệt"),
    "approve_revision": _l("Duyệt bản sửa đổi"),
    "send_back_revision": _l("Trả lại bản sửa đổi"),
    "disable": _l("Khóa tài khoản"),
    "enable": _l("Mở lại tài khoản"),
    "send_password_reset": _l("Gửi thư đặt lại mật khẩu"),
    "reset_password": _l("Đặt lại mật khẩu"),
    "schedule": _l("Hẹn giờ xuất bản"),
    "publish_scheduled": _l("Xuất bản theo lịch hẹn"),
    "remove_captions": _l("Gỡ phụ đề"),
}
STATUS_LABELS = {
    "draft": _l("Bản nháp"),
    "in_review": _l("Chờ duyệt"),
    "scheduled": _l("Hẹn giờ xuất bản"),
    "published": _l("Đã xuất bản"),
    "withdrawn": _l("Đã thu hồi"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MaterialForm(FlaskForm):
    title = StringField(_l("Tiêu đề"))
    summary = TextAreaField(_l("Tóm tắt"))
    kind = SelectField(
        _l("Loại tài liệu"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS]
    )
    areas = MultiCheckboxField(_l("Lĩnh vực"), choices=[])
    license = SelectField(
        _l("Giấy phép"), choices=[SelectChoice(c, LICENSE_LABELS[c]) for c in LICENSES]
    )
    tags = StringField(_l("Thẻ (cách nhau bởi dấu phẩy)"))
    file = FileField(_l("Tệp (PDF, ảnh, video, âm thanh)"))
    captions = FileField(_l("Phụ đề của video, âm thanh (WebVTT hoặc SRT)"))
    video_url = StringField(_l("hoặc liên kết video YouTube/Facebook"))
    body = TextAreaField(_l("hoặc nội dung (Markdown)"))
    alt_text = StringField(_l("Mô tả ảnh (cho người khiếm thị)"))
    legal_basis = StringField(_l("Căn cứ pháp lý"))
    # Text, checked by the services (one Vietnamese message for a bad date, as in the API).
    effective_at = StringField(_l("Ngày có hiệu lực"), widget=DateInput())
    superseded_by = StringField(_l("Được thay thế bởi tài liệu (mã số)"))
    publish_at = StringField(_l("Hẹn giờ xuất bản"))
    organisation = SelectField(_l("Tổ chức"), choices=[])

    def material_fields(self) -> dict:
        """The submitted values as the raw fields the catalog services take."""
        names = (
            "title",
            "summary",
            "kind",
            "areas",
            "license",
            "tags",
            "video_url",
            "body",
            "alt_text",
            "legal_basis",
            "effective_at",
            "superseded_by",
            "publish_at",
        )
        return {name: getattr(self, name).data for name in names}


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Nhận xét"))


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Lý do thu hồi"))


class ActionForm(FlaskForm):
    """A button that changes state: only its CSRF token."""

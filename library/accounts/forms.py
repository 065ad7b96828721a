"""Forms of the accounts pages (Flask-WTF gives each its CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from library.models.accounts import ORGANISATION_TYPES, ROLES

TYPE_LABELS = {
    "department": _l("Sở, ban, ngành"),
    "union": _l("Công đoàn"),
    "enterprise": _l("Doanh nghiệp"),
}
ROLE_LABELS = {
    "admin": _l("Quản trị viên"),
    "reviewer": _l("Người duyệt"),
    "editor": _l("Biên tập viên"),
    "union": _l("Cán bộ công đoàn"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=500)])
    remember = BooleanField(_l("Ghi nhớ đăng nhập"))


class OrganisationEditForm(FlaskForm):
    """What an administrator changes of an organisation (its code names it elsewhere: it stays)."""

    # The service checks each value and says in Vietnamese what is wrong (WTForms has no
    # Vietnamese messages), so the fields only bound their length here.
    name = StringField(_l("Tên tổ chức"), validators=[Length(max=255)])
    type = SelectField(
        _l("Loại"),
        choices=[SelectChoice(t, TYPE_LABELS[t]) for t in ORGANISATION_TYPES],
        validate_choice=False,
    )
    workers = StringField(
        _l("Số lao động (doanh nghiệp)"),
        validators=[Length(max=20)],
        render_kw={"inputmode": "numeric"},
    )
    requires_review = BooleanField(_l("Tài liệu cần được duyệt trước khi xuất bản"))


class OrganisationForm(OrganisationEditForm):
    code = StringField(_l("Mã"), validators=[DataRequired(), Length(max=63)])


def role_choices() -> list[SelectChoice]:
    """The roles to pick from: none chosen at first, the administrator's last, so no one is made
    an administrator by a form left as it opened."""
    order = sorted(ROLES, key=lambda role: role == "admin")
    return [SelectChoice("", _l("— Chọn vai trò —"))] + [
        SelectChoice(r, ROLE_LABELS[r]) for r in order
    ]


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    name = StringField(_l("Họ tên"), validators=[Optional(), Length(max=255)])
    role = SelectField(_l("Vai trò"), choices=role_choices, default="")
    organisation = SelectField(_l("Tổ chức"), choices=[])
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[DataRequired(), Length(max=500)])


class UserEditForm(FlaskForm):
    """What an administrator changes of an account (the e-mail is its login: it stays)."""

    name = StringField(_l("Họ tên"), validators=[Optional(), Length(max=255)])
    role = SelectField(_l("Vai trò"), choices=role_choices)
    organisation = SelectField(_l("Tổ chức"), choices=[])


class TokenForm(FlaskForm):
    name = StringField(_l("Tên khóa (để nhận biết)"), validators=[Optional(), Length(max=100)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])


class ResetPasswordForm(FlaskForm):
    # Filled from the link's #fragment by static/js/site.js: never part of a logged URL.
    token = HiddenField(validators=[Length(max=500)])
    password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), Length(max=500)])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"), validators=[DataRequired(), Length(max=500)]
    )

"""The administrators' pages of accounts: the list, adding, editing, disabling, reset e-mails."""

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from library.accounts import bp, services
from library.accounts import users as user_admin
from library.accounts.forms import UserEditForm, UserForm
from library.accounts.views import admin_required, deliver_after
from library.addresses import can_mail_links
from library.audit import history_of
from library.errors import DomainError
from library.extensions import db
from library.web import show_form_errors


def _organisation_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("(không thuộc tổ chức)"))] + [
        SelectChoice(o.code, o.name) for o in services.list_organisations()
    ]


@bp.route("/admin/users", methods=["GET", "POST"])
@admin_required
def users():
    form = UserForm()
    form.organisation.choices = _organisation_choices()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                current_user,
                form.email.data,
                form.password.data,
                form.role.data,
                form.organisation.data or None,
                form.name.data or "",
            )
        except DomainError as err:
            show_form_errors(form, err)
        else:
            db.session.commit()
            flash(_("Đã tạo tài khoản %(email)s.", email=user.email), "success")
            return redirect(url_for("accounts.users"))
    status = 422 if form.errors else 200
    return render_template(
        "accounts/users.html",
        form=form,
        users=services.list_users(),
        tokens=services.list_active_tokens(current_user),
    ), status


@bp.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    """One account: its name, role and organisation, its state, and what was changed."""
    user = user_admin.get_user(current_user, user_id)
    form = UserEditForm(obj=None if _posted() else user)
    form.organisation.choices = _organisation_choices()
    if not _posted():
        form.organisation.data = user.organisation.code if user.organisation else ""
    if form.validate_on_submit():
        try:
            changes = user_admin.update_user(
                current_user, user, form.name.data or "", form.role.data, form.organisation.data
            )
        except DomainError as err:
            show_form_errors(form, err)
        else:
            db.session.commit()
            if changes:
                flash(_("Đã lưu thay đổi của %(email)s.", email=user.email), "success")
            else:
                flash(_("Không có gì thay đổi."), "info")
            return redirect(url_for("accounts.edit_user", user_id=user.id))
    status = 422 if form.errors else 200
    return _edit_page(user, form), status


def _posted() -> bool:
    return request.method == "POST"


def _edit_page(user, form):
    return render_template(
        "accounts/user.html",
        user=user,
        form=form,
        entries=history_of(user),
        can_mail=can_mail_links(),
    )


@bp.route("/admin/users/<id:user_id>/disable", methods=["POST"])
@admin_required
def disable_user(user_id: int):
    """Stop an account now: its sessions and API tokens no longer work."""
    return _act(user_id, user_admin.disable_user, _("Đã khóa tài khoản %(email)s."))


@bp.route("/admin/users/<id:user_id>/enable", methods=["POST"])
@admin_required
def enable_user(user_id: int):
    return _act(user_id, user_admin.enable_user, _("Đã mở lại tài khoản %(email)s."))


def _act(user_id: int, action, done: str):
    """Run one state change of an account and go back to its page."""
    user = user_admin.get_user(current_user, user_id)
    try:
        action(current_user, user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(done % {"email": user.email}, "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.route("/admin/users/<id:user_id>/send-reset", methods=["POST"])
@admin_required
def send_password_reset(user_id: int):
    """Mail the user a link to choose a new password (the same link as 'Quên mật khẩu?')."""
    user = user_admin.get_user(current_user, user_id)
    target = url_for("accounts.edit_user", user_id=user.id)
    if not can_mail_links():
        flash(_("Trang chưa được cấu hình địa chỉ công khai nên chưa gửi được thư."), "error")
        return redirect(target)
    try:
        message = user_admin.send_password_reset(current_user, user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(target)
    db.session.commit()
    flash(_("Đã gửi thư đặt lại mật khẩu tới %(email)s.", email=user.email), "success")
    response = make_response(redirect(target))
    deliver_after(response, message)
    return response


@bp.route("/admin/tokens/<id:token_id>/revoke", methods=["POST"])
@admin_required
def revoke_any_token(token_id: int):
    """An administrator revokes a user's API token (one no longer in use, or leaked)."""
    services.revoke_token(current_user, token_id)
    db.session.commit()
    flash(_("Đã thu hồi khóa API."), "info")
    return redirect(url_for("accounts.users"))

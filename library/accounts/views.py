"""Login, the user's own page with API tokens, and the administrator's pages."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import SelectChoice

from library.accounts import bp, services
from library.accounts.forms import LoginForm, OrganisationForm, TokenForm, UserForm
from library.errors import DomainError
from library.extensions import db, limiter, login_manager
from library.models import User
from library.models.base import row_id
from library.web import show_form_errors

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str):
    number = row_id(user_id)
    return db.session.get(User, number) if number else None


def admin_required(view):
    """Only administrators reach the wrapped view."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        try:
            user = services.authenticate(
                form.email.data,
                form.password.data,
                cfg["LOGIN_MAX_FAILURES"],
                cfg["LOGIN_LOCKOUT_MINUTES"],
            )
        except DomainError as err:
            db.session.commit()  # keep the failure count
            flash(err.message, "error")
            return render_template("accounts/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")) or url_for("catalog.manage"))
    return render_template("accounts/login.html", form=form)


def _safe_next(target: str | None) -> str | None:
    """Only follow a local path after login, never another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("catalog.home"))


@bp.route("/account")
@login_required
def account():
    return render_template("accounts/account.html", form=TokenForm(), new_token=None)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        abort(400)
    token = services.create_token(current_user, form.name.data or "")
    db.session.commit()
    return render_template("accounts/account.html", form=TokenForm(formdata=None), new_token=token)


@bp.route("/account/tokens/<id:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    services.revoke_token(current_user, token_id)
    db.session.commit()
    flash(_("Đã thu hồi khóa API."), "info")
    return redirect(url_for("accounts.account"))


@bp.route("/admin/organisations", methods=["GET", "POST"])
@admin_required
def organisations():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = services.create_organisation(
                current_user,
                form.code.data,
                form.name.data,
                form.type.data,
                form.workers.data,
                form.requires_review.data,
            )
        except DomainError as err:
            show_form_errors(form, err)
        else:
            db.session.commit()
            flash(_("Đã tạo tổ chức %(name)s.", name=org.name), "success")
            return redirect(url_for("accounts.organisations"))
    status = 422 if form.errors else 200
    return render_template(
        "accounts/organisations.html", form=form, organisations=services.list_organisations()
    ), status


@bp.route("/admin/users", methods=["GET", "POST"])
@admin_required
def users():
    form = UserForm()
    form.organisation.choices = [SelectChoice("", _("(không thuộc tổ chức)"))] + [
        SelectChoice(o.code, o.name) for o in services.list_organisations()
    ]
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
    return render_template("accounts/users.html", form=form, users=services.list_users()), status

"""Login, the user's own page with API tokens, and the administrator's pages."""

import secrets
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import SelectChoice

from library.accounts import bp, services
from library.accounts.forms import (
    ForgotPasswordForm,
    LoginForm,
    OrganisationForm,
    ResetPasswordForm,
    TokenForm,
    UserForm,
)
from library.errors import DomainError
from library.extensions import db, limiter, login_manager
from library.mail import send_mail
from library.models import User
from library.models.base import row_id
from library.web import show_form_errors

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str):
    """The user of a session, unless the password changed since it was opened."""
    user_id, _, fingerprint = session_id.partition(":")
    number = row_id(user_id)
    user = db.session.get(User, number) if number else None
    if user is None or not secrets.compare_digest(fingerprint, services.password_fingerprint(user)):
        return None
    return user


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


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _reset_email_key() -> str:
    """Asking for one address's link is limited too, whichever address the requests come from."""
    return "reset:" + (request.form.get("email") or "").strip().lower()[:255]


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_reset_limit, methods=["POST"], key_func=_reset_email_key)
def forgot_password():
    """Ask for a reset link. The answer is the same page whether or not the account exists;
    the e-mail is sent after the answer, so the time taken says nothing either."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("accounts/forgot.html", form=form, sent=False), status
    user = services.find_active_user(form.email.data)
    response = make_response(render_template("accounts/forgot.html", form=form, sent=True))
    if user is not None:
        message = _reset_message(user)
        app = current_app._get_current_object()

        def deliver():
            with app.app_context():
                try:
                    send_mail(*message)
                except OSError:
                    app.logger.exception("password reset e-mail not sent")

        response.call_on_close(deliver)
    return response


def _reset_message(user) -> tuple[str, str, str]:
    config = current_app.config
    token = services.reset_token(user, config["SECRET_KEY"])
    link = url_for("accounts.reset_password", _external=True) + "#" + token
    minutes = config["PASSWORD_RESET_MAX_AGE"] // 60
    body = _(
        "Xin chào,\n\nCó người (có thể là bạn) đã yêu cầu đặt lại mật khẩu cho tài khoản "
        "%(email)s tại Thư viện học tập mở.\n\nMở liên kết sau trong %(minutes)s phút để đặt "
        "mật khẩu mới (liên kết chỉ dùng được một lần):\n%(link)s\n\nNếu bạn không yêu cầu, "
        "hãy bỏ qua thư này; mật khẩu của bạn không thay đổi.",
        email=user.email,
        minutes=minutes,
        link=link,
    )
    return user.email, _("Đặt lại mật khẩu — Thư viện học tập mở"), body


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password():
    """Choose a new password with the token of the e-mailed link."""
    form = ResetPasswordForm()
    if form.validate_on_submit():
        config = current_app.config
        user = services.user_for_reset_token(
            form.token.data, config["SECRET_KEY"], config["PASSWORD_RESET_MAX_AGE"]
        )
        if user is None:
            flash(_("Liên kết đặt lại mật khẩu không hợp lệ, đã dùng hoặc đã hết hạn."), "error")
            return render_template("accounts/reset.html", form=form), 400
        try:
            services.set_password(user, form.password.data, form.confirm.data)
        except DomainError as err:
            show_form_errors(form, err)
        else:
            db.session.commit()
            logout_user()
            flash(_("Đã đặt mật khẩu mới. Vui lòng đăng nhập."), "success")
            return redirect(url_for("accounts.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/reset.html", form=form), status


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
    return render_template(
        "accounts/users.html",
        form=form,
        users=services.list_users(),
        tokens=services.list_active_tokens(current_user),
    ), status


@bp.route("/admin/tokens/<id:token_id>/revoke", methods=["POST"])
@admin_required
def revoke_any_token(token_id: int):
    """An administrator revokes a user's API token (one no longer in use, or leaked)."""
    services.revoke_token(current_user, token_id)
    db.session.commit()
    flash(_("Đã thu hồi khóa API."), "info")
    return redirect(url_for("accounts.users"))

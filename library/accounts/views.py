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

from library.accounts import bp, services
from library.accounts.forms import (
    ForgotPasswordForm,
    LoginForm,
    OrganisationForm,
    ResetPasswordForm,
    TokenForm,
)
from library.accounts.users import password_reset_message
from library.addresses import can_mail_links
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
    """The active user of a session, unless its sessions were ended since it was opened."""
    user_id, _, token = session_id.partition(":")
    number = row_id(user_id)
    user = db.session.get(User, number) if number else None
    if user is None or not user.active or not secrets.compare_digest(token, user.session_token):
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


MAX_NEXT = 2000  # characters of the address to go back to after login


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    # Judged before anything is done: a bad address leads to the role's page, never to a 500.
    wanted = _safe_next(request.args.get("next"))
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
        return redirect(wanted or landing_page(user))
    return render_template("accounts/login.html", form=form)


# Where each role's work is: the page it opens on after login (unless `next=` names another).
LANDING_PAGES = {
    "admin": ("metrics.dashboard", {}),
    "reviewer": ("catalog.manage", {"status": "in_review"}),
    "editor": ("catalog.manage", {}),
    "union": ("sharing.links", {}),
}


def landing_page(user) -> str:
    """The page a user's role works on."""
    endpoint, values = LANDING_PAGES.get(user.role, ("catalog.manage", {}))
    return url_for(endpoint, **values)


def _safe_next(target: str | None) -> str | None:
    """Only follow a local path after login, never another site: a path starting with one "/",
    without control characters (CR/LF would split the Location header) or backslashes
    (browsers read "/\\evil.example" as "//evil.example")."""
    if not target or len(target) > MAX_NEXT or not target.startswith("/"):
        return None
    if target.startswith("//") or "\\" in target or any(c < " " or c == "\x7f" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/logout", methods=["POST"])
def logout():
    """End this session and every other one of the user (the remember-me cookie included)."""
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
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
    if not can_mail_links():
        # A mailed link never takes the request's host; without a configured address, say so
        # (the same for every address typed, so it tells nothing about accounts).
        current_app.logger.error("password reset refused: PUBLIC_BASE_URL is not set")
        flash(
            _(
                "Trang chưa được cấu hình địa chỉ công khai nên chưa gửi được thư đặt lại "
                "mật khẩu. Vui lòng báo quản trị viên."
            ),
            "error",
        )
        return render_template("accounts/forgot.html", form=form, sent=False), 503
    user = services.find_active_user(form.email.data)
    response = make_response(render_template("accounts/forgot.html", form=form, sent=True))
    if user is not None:
        deliver_after(response, password_reset_message(user))
    return response


def deliver_after(response, message: tuple[str, str, str]) -> None:
    """Send the e-mail once the answer has gone out: its time says nothing, and a slow mail
    server does not hold the page."""
    app = current_app._get_current_object()

    def deliver():
        with app.app_context():
            try:
                send_mail(*message)
            except OSError:
                app.logger.exception("password reset e-mail not sent")

    response.call_on_close(deliver)


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

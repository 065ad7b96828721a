"""The notifications page and the header's count."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from library.accounts.permissions import EDITING_ROLES
from library.extensions import db
from library.notifications import bp, services

LABELS = {
    ("waiting", False): _l("Chờ duyệt"),
    ("waiting", True): _l("Bản sửa đổi chờ duyệt"),
    ("approved", False): _l("Đã duyệt và xuất bản"),
    ("approved", True): _l("Bản sửa đổi đã được duyệt"),
    ("sent_back", False): _l("Bị trả lại"),
    ("sent_back", True): _l("Bản sửa đổi bị trả lại"),
}


@bp.app_template_filter("notification_label")
def notification_label(event: str, revision: bool) -> str:
    return LABELS.get((event, bool(revision)), event)


@bp.app_context_processor
def unread_notifications():
    """The count the header shows to those reviews concern (administrators are told where an
    organisation has no reviewer)."""
    if not current_user.is_authenticated or current_user.role not in EDITING_ROLES:
        return {"unread_notifications": None}
    try:
        return {"unread_notifications": services.unread_count(current_user)}
    except SQLAlchemyError:  # (an error page while the database fails still renders)
        return {"unread_notifications": None}


@bp.route("/notifications")
@login_required
def notifications():
    """The user's latest notifications, those not yet read first marked as new."""
    return render_template(
        "notifications/list.html", notifications=services.list_notifications(current_user)
    )


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    services.mark_read(current_user)
    db.session.commit()
    flash(_("Đã đánh dấu tất cả là đã đọc."), "info")
    return redirect(url_for("notifications.notifications"))

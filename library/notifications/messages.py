"""The e-mail of each notification: plain text, in Vietnamese, with a link where one can be made."""

from flask_babel import gettext as _

from library.addresses import can_mail_links, mail_url
from library.models import Notification

SIGNATURE = "\n\n— Thư viện học tập mở"


def message_for(note: Notification, actor_name: str) -> tuple[str, str, str]:
    """(to, subject, body) of one notification."""
    title = note.material.title
    subject, text = _texts(note, title, actor_name)
    return note.user.email, subject, text + _link(note) + SIGNATURE


def _texts(note: Notification, title: str, actor_name: str) -> tuple[str, str]:
    who = actor_name or _("hệ thống")
    if note.event == "waiting":
        subject = _("Chờ duyệt: %(title)s", title=title)
        if note.revision:
            return subject, _(
                "%(who)s đã gửi bản sửa đổi của tài liệu «%(title)s» để duyệt. Phiên bản đang "
                "xuất bản vẫn hiển thị cho đến khi bản sửa được duyệt.",
                who=who,
                title=title,
            )
        return subject, _("%(who)s đã gửi tài liệu «%(title)s» để duyệt.", who=who, title=title)
    if note.event == "approved":
        subject = _("Đã duyệt: %(title)s", title=title)
        if note.revision:
            return subject, _(
                "%(who)s đã duyệt bản sửa đổi của tài liệu «%(title)s»; bản sửa đã được áp dụng.",
                who=who,
                title=title,
            )
        return subject, _(
            "%(who)s đã duyệt tài liệu «%(title)s»; tài liệu đã được xuất bản.",
            who=who,
            title=title,
        )
    subject = _("Trả lại: %(title)s", title=title)
    what = _("bản sửa đổi của tài liệu") if note.revision else _("tài liệu")
    return subject, _(
        "%(who)s đã trả lại %(what)s «%(title)s» với nhận xét:\n\n%(comment)s",
        who=who,
        what=what,
        title=title,
        comment=note.comment,
    )


def _link(note: Notification) -> str:
    """Where to act: the material (to review it, or to see it published) or its edit form."""
    if not can_mail_links():
        return "\n\n" + _("Đăng nhập Thư viện học tập mở để xem.")
    if note.event == "sent_back":
        url = mail_url("catalog.edit_material", material_id=note.material_id)
        return "\n\n" + _("Sửa tài liệu: %(url)s", url=url)
    url = mail_url("catalog.material", material_id=note.material_id)
    return "\n\n" + _("Mở tài liệu: %(url)s", url=url)

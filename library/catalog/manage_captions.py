"""Editors replace or remove a video's or an audio's captions, from the edit page."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from library.accounts.permissions import can_edit, require
from library.catalog import bp, services
from library.catalog.forms import ReviewForm, WithdrawForm
from library.catalog.manage import material_form
from library.errors import DomainError, PermissionDenied
from library.extensions import db


@bp.route("/manage/materials/<id:material_id>/captions", methods=["POST"])
@login_required
def replace_captions(material_id: int):
    """New captions over the old, checked exactly as captions attached with an edit."""
    material = services.get_material(material_id)
    require(can_edit(current_user, material))
    chosen = request.files.get("captions")
    if chosen is None or not chosen.filename:
        return _refused(material, _("Chọn tệp phụ đề mới để thay."), 422)
    upload = services.Upload(chosen.stream, chosen.filename)
    refused = _saved(
        material, lambda: services.update_material(current_user, material, {}, captions=upload)
    )
    if refused:
        return refused
    waits = material.pending_revision is not None and material.pending_revision.captions
    flash(_("Đã gửi phụ đề mới để duyệt.") if waits else _("Đã thay phụ đề."), "success")
    return redirect(url_for("catalog.material", material_id=material.id))


@bp.route("/manage/materials/<id:material_id>/captions/remove", methods=["POST"])
@login_required
def remove_captions(material_id: int):
    """Take the captions off, once the editor ticked that they mean it."""
    material = services.get_material(material_id)
    require(can_edit(current_user, material))
    if request.form.get("confirm") != "yes":
        return _refused(material, _("Đánh dấu ô xác nhận để gỡ phụ đề."), 422)
    refused = _saved(material, lambda: services.remove_captions(current_user, material))
    if refused:
        return refused
    flash(_("Đã gỡ phụ đề."), "success")
    return redirect(url_for("catalog.material", material_id=material.id))


def _saved(material, change):
    """Make the change and commit it; refused for its content, the edit page with the reason
    (None when saved). A permission refusal goes on to the app's 403."""
    try:
        change()
    except PermissionDenied:
        raise
    except DomainError as err:
        db.session.rollback()
        return _refused(material, err.errors.get("captions") or err.message, err.status)
    db.session.commit()
    return None


def _refused(material, message, status: int):
    """The edit page again, the reason beside the captions."""
    return render_template(
        "manage/edit.html",
        form=material_form(material, as_saved=True),
        material=material,
        kept=None,
        review_form=ReviewForm(),
        withdraw_form=WithdrawForm(),
        captions_error=str(message),
    ), status

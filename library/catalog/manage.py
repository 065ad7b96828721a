"""The editors' pages: their organisation's materials, the upload form, review and withdrawal."""

from datetime import date, datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from library.accounts import services as accounts
from library.accounts.permissions import EDITING_ROLES, can_edit, require
from library.areas import all_areas
from library.audit import history_of
from library.catalog import bp, bulk, kept_files, revisions, services
from library.catalog.forms import MaterialForm, ReviewForm, WithdrawForm
from library.errors import DomainError, FileRejected, PermissionDenied, StorageUnavailable
from library.extensions import db
from library.models import Material, Organisation, PendingRevision
from library.models.materials import STATUSES
from library.templating import area_name, format_moment
from library.tracking.services import local_time
from library.web import page_arg, show_form_errors


@bp.route("/manage")
@login_required
def manage():
    """The materials this user may edit, by status, with those awaiting review first."""
    status = request.args.get("status")
    status = status if status in (*STATUSES, "revision") else None
    query = select(Material).order_by(Material.updated_at.desc(), Material.id.desc())
    if not current_user.is_admin:
        query = query.where(Material.organisation_id == current_user.organisation_id)
    if status == "revision":
        query = query.where(Material.pending_revision.has(PendingRevision.status == "waiting"))
    elif status:
        query = query.where(Material.status == status)
    materials = db.paginate(query, page=page_arg(), per_page=25, error_out=False)
    return render_template(
        "manage/list.html",
        materials=materials,
        status=status,
        can_upload=current_user.role in EDITING_ROLES,
        areas=all_areas(),
        bulk_actions=BULK_LABELS,
    )


BULK_LABELS = {
    "areas": _l("Đặt lĩnh vực (thay các lĩnh vực hiện có)"),
    "add_tags": _l("Thêm thẻ"),
    "remove_tags": _l("Bỏ thẻ"),
    "supersede": _l("Đánh dấu đã được thay thế bởi tài liệu khác"),
    "withdraw": _l("Thu hồi (cần lý do)"),
    "submit": _l("Gửi duyệt (xuất bản nơi không cần duyệt)"),
}
# Which field of the bulk form holds each action's value.
BULK_VALUES = {"add_tags": "tags", "remove_tags": "tags", "supersede": "superseded_by"}
BULK_VALUES.update(withdraw="reason")


@bp.route("/manage/bulk", methods=["POST"])
@login_required
def bulk_action():
    """One action on the materials ticked in the list: all done, or none and why."""
    action = request.form.get("action", "")
    if action == "areas":
        value = request.form.getlist("areas")
    else:
        value = request.form.get(BULK_VALUES.get(action, ""), "")
    try:
        outcomes = bulk.apply(current_user, request.form.getlist("material"), action, value)
    except PermissionDenied:
        raise
    except DomainError as err:
        db.session.rollback()
        outcomes = getattr(err, "outcomes", None)
        if outcomes is None:  # refused before any material was tried
            return _bulk_page(action, [], _reason_of(err)), 422
        return _bulk_page(action, outcomes, err.message), 422
    db.session.commit()
    return _bulk_page(action, outcomes, None)


def _reason_of(err: DomainError) -> str:
    return "; ".join(str(v) for v in err.errors.values()) or err.message


def _bulk_page(action: str, outcomes, refusal: str | None):
    return render_template(
        "manage/bulk.html",
        action_label=BULK_LABELS.get(action, ""),
        outcomes=outcomes,
        refusal=refusal,
        area_names={a.code: area_name(a) for a in all_areas()},
        change_labels=CHANGE_LABELS,
    )


CHANGE_LABELS = {
    "status": _l("Trạng thái"),
    "area_codes": _l("Lĩnh vực"),
    "tag_names": _l("Thẻ"),
    "superseded_by_id": _l("Được thay thế bởi"),
}


def material_form(material: Material | None = None, as_saved: bool = False) -> MaterialForm:
    """The upload or edit form; `as_saved`: filled with the material as it is, whatever was
    posted (the page shown again after another form of it was refused)."""
    as_saved = as_saved or request.method == "GET"
    if material is None:
        form = MaterialForm()
    else:
        form = MaterialForm(formdata=None, obj=material) if as_saved else MaterialForm(obj=material)
    form.areas.choices = [SelectChoice(a.code, area_name(a)) for a in all_areas()]
    if current_user.is_admin:
        orgs = db.session.scalars(select(Organisation).order_by(Organisation.name))
        form.organisation.choices = [SelectChoice(o.code, o.name) for o in orgs]
    else:
        # Editors always write for their own organisation: the field is not theirs to set.
        del form.organisation
    if material is not None and as_saved:
        form.areas.data = material.area_codes
        form.tags.data = ", ".join(material.tag_names)
        form.superseded_by.data = str(material.superseded_by_id or "")
        form.publish_at.data = local_input(material.publish_at)
        if current_user.is_admin:
            form.organisation.data = material.organisation.code
        _show_revision(form, material.pending_revision)
    return form


def _show_revision(form: MaterialForm, revision) -> None:
    """The edit form of a material whose edit waits (or was sent back) shows that edit, so the
    editor goes on from it rather than from the public version."""
    if revision is None:
        return
    for name, value in revision.fields.items():
        if name == "areas":
            form.areas.data = value
        elif name == "tags":
            form.tags.data = ", ".join(value)
        elif name == "effective_at":
            form.effective_at.data = date.fromisoformat(value) if value else None
        elif name == "publish_at":
            form.publish_at.data = local_input(datetime.fromisoformat(value) if value else None)
        elif name == "superseded_by":
            form.superseded_by.data = str(value or "")
        elif name in form:
            form[name].data = value or ""


def local_input(moment: datetime | None) -> str:
    """A moment as a datetime-local field shows it: on the province's clock, to the minute."""
    return local_time(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _chosen_organisation(form: MaterialForm) -> Organisation | None:
    if current_user.is_admin:
        return accounts.find_organisation(form.organisation.data)
    return current_user.organisation


def _status_wanted() -> str:
    return "published" if request.form.get("action") == "publish" else "draft"


@bp.route("/manage/materials/new", methods=["GET", "POST"])
@login_required
def new_material():
    require(current_user.role in EDITING_ROLES)
    form = material_form()
    kept = None
    if form.is_submitted():
        fields = {**form.material_fields(), "status": _status_wanted()}
        org = _chosen_organisation(form) if "organisation" not in _form_errors(form) else None
        require(org is not None or current_user.is_admin)  # (the service names the field)
        saved, kept = _save(
            form,
            lambda upload: services.create_material(
                current_user, org, fields, upload, _captions_of(form)
            ),
        )
        if saved is not None:
            return _saved(saved)
    status = 422 if request.method == "POST" else 200
    return render_template("manage/edit.html", form=form, material=None, kept=kept), status


@bp.route("/manage/materials/<id:material_id>/edit", methods=["GET", "POST"])
@login_required
def edit_material(material_id: int):
    material = services.get_material(material_id)
    require(can_edit(current_user, material))
    form = material_form(material)
    kept = None
    if form.is_submitted():
        fields = form.material_fields()
        if request.form.get("action") in ("publish", "draft"):
            fields["status"] = _status_wanted()
        saved, kept = _save(
            form,
            lambda upload: services.update_material(
                current_user, material, fields, upload, _captions_of(form)
            ),
        )
        if saved is not None:
            return _saved(saved)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "manage/edit.html",
        form=form,
        material=material,
        kept=kept,
        review_form=ReviewForm(),
        withdraw_form=WithdrawForm(),
    ), status


def _form_errors(form: MaterialForm) -> dict:
    """The form's own checks (a choice not offered); the services check everything else."""
    form.validate()
    return form.errors


def _save(form: MaterialForm, save):
    """Save with the file of this submit, reporting every problem at once: (material, None) when
    saved, else (None, the file kept for the next submit, if it passed its checks)."""
    kept, file_errors = _file_of_submit(form)
    problems = {k: v for k, v in _form_errors(form).items() if k != "csrf_token"}
    upload = kept.upload() if kept else None
    try:
        material = save(upload)
    except PermissionDenied:
        _drop(kept)
        raise
    except DomainError as err:
        show_form_errors(form, err)
        if services.file_refused(err) or file_errors or err.status >= 500:
            kept = _drop(kept)
    else:
        if not problems and not file_errors:
            db.session.commit()
            _drop(kept)
            return material, None
        db.session.rollback()
    finally:
        if upload is not None:
            upload.stream.close()
    if file_errors:
        form.file.errors = list(file_errors.values())
    return None, kept


def _captions_of(form: MaterialForm):
    """The captions file chosen with this submit, if any (the services check it)."""
    data = form.captions.data
    if data is None or not getattr(data, "filename", ""):
        return None
    return services.Upload(data.stream, data.filename)


def _file_of_submit(form: MaterialForm):
    """The file chosen now (kept at once, replacing one kept before) or the one kept earlier;
    and the refusal of a file too large to take in."""
    earlier = kept_files.find(current_user, request.form.get("kept_file"))
    data = form.file.data
    if data is None or not getattr(data, "filename", ""):
        return earlier, {}
    _drop(earlier)
    try:
        return kept_files.keep(current_user, data.stream, data.filename), {}
    except FileRejected as err:
        return None, err.errors
    except StorageUnavailable as err:  # the form stays, with the reason beside the file
        return None, {"file": err.message}


def _drop(kept):
    if kept is not None:
        kept.drop()
    return None


def _saved(material: Material):
    flash(_status_message(material), "success")
    return redirect(url_for("catalog.material", material_id=material.id))


def _status_message(material: Material) -> str:
    revision = material.pending_revision
    if revision is not None and revision.status == "waiting":
        return _(
            "Đã gửi bản sửa đổi để duyệt. Phiên bản đã duyệt vẫn hiển thị cho đến khi bản sửa "
            "được duyệt."
        )
    return {
        "draft": _("Đã lưu bản nháp."),
        "in_review": _("Đã gửi duyệt. Tài liệu sẽ hiển thị sau khi được duyệt."),
        "scheduled": _("Đã hẹn giờ: tài liệu sẽ được xuất bản lúc %(moment)s.")
        % {"moment": format_moment(material.publish_at)},
        "published": _("Đã xuất bản."),
    }.get(material.status, _("Đã lưu."))


def _act(material_id: int, action, success: str, *args):
    """Run one state change from a POSTed button and go back to the material.

    A refusal for lack of rights is a 403 page (raised on), never a redirect that reads as done.
    """
    material = services.get_material(material_id)
    try:
        action(current_user, material, *args)
    except PermissionDenied:
        raise
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("catalog.material", material_id=material_id))


@bp.route("/manage/materials/<id:material_id>/publish", methods=["POST"])
@login_required
def publish(material_id: int):
    return _act(material_id, services.publish_material, _("Đã xử lý yêu cầu xuất bản."))


@bp.route("/manage/materials/<id:material_id>/approve", methods=["POST"])
@login_required
def approve(material_id: int):
    return _act(material_id, services.approve_material, _("Đã duyệt và xuất bản."))


@bp.route("/manage/materials/<id:material_id>/send-back", methods=["POST"])
@login_required
def send_back(material_id: int):
    form = ReviewForm()
    return _act(
        material_id,
        services.send_back_material,
        _("Đã trả lại cho biên tập viên."),
        form.comment.data or "",
    )


@bp.route("/manage/materials/<id:material_id>/withdraw", methods=["POST"])
@login_required
def withdraw(material_id: int):
    form = WithdrawForm()
    return _act(
        material_id, services.withdraw_material, _("Đã thu hồi tài liệu."), form.reason.data or ""
    )


@bp.route("/manage/materials/<id:material_id>/revision/approve", methods=["POST"])
@login_required
def approve_revision(material_id: int):
    return _act(material_id, revisions.approve_revision, _("Đã duyệt và áp dụng bản sửa đổi."))


@bp.route("/manage/materials/<id:material_id>/revision/send-back", methods=["POST"])
@login_required
def send_back_revision(material_id: int):
    form = ReviewForm()
    return _act(
        material_id,
        revisions.send_back_revision,
        _("Đã trả lại bản sửa đổi; phiên bản đã duyệt vẫn hiển thị."),
        form.comment.data or "",
    )


@bp.route("/manage/materials/<id:material_id>/history")
@login_required
def history(material_id: int):
    material = services.get_material(material_id)
    require(can_edit(current_user, material))
    return render_template("manage/history.html", material=material, entries=history_of(material))

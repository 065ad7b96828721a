"""The editors' pages: their organisation's materials, the upload form, review and withdrawal."""

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from library.accounts import services as accounts
from library.accounts.permissions import EDITING_ROLES, can_edit, require
from library.areas import all_areas
from library.audit import history_of
from library.catalog import bp, revisions, services
from library.catalog.forms import MaterialForm, ReviewForm, WithdrawForm
from library.errors import DomainError, PermissionDenied
from library.extensions import db
from library.models import Material, Organisation, PendingRevision
from library.models.materials import STATUSES
from library.templating import area_name
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
    )


def _material_form(material: Material | None = None) -> MaterialForm:
    form = MaterialForm(obj=material) if material else MaterialForm()
    form.areas.choices = [SelectChoice(a.code, area_name(a)) for a in all_areas()]
    if current_user.is_admin:
        orgs = db.session.scalars(select(Organisation).order_by(Organisation.name))
        form.organisation.choices = [SelectChoice(o.code, o.name) for o in orgs]
    else:
        # Editors always write for their own organisation: the field is not theirs to set.
        del form.organisation
    if material is not None and request.method == "GET":
        form.areas.data = material.area_codes
        form.tags.data = ", ".join(material.tag_names)
        form.superseded_by.data = str(material.superseded_by_id or "")
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
        elif name == "superseded_by":
            form.superseded_by.data = str(value or "")
        elif name in form:
            form[name].data = value or ""


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
    form = _material_form()
    if form.validate_on_submit():
        fields = {**form.material_fields(), "status": _status_wanted()}
        try:
            org = _chosen_organisation(form)
            require(org is not None)
            material = services.create_material(
                current_user, org, fields, _upload(form.file), _upload(form.captions)
            )
        except DomainError as err:
            show_form_errors(form, err)
        else:
            db.session.commit()
            flash(_status_message(material), "success")
            return redirect(url_for("catalog.material", material_id=material.id))
    status = 422 if form.errors or request.method == "POST" else 200
    return render_template("manage/edit.html", form=form, material=None), status


@bp.route("/manage/materials/<id:material_id>/edit", methods=["GET", "POST"])
@login_required
def edit_material(material_id: int):
    material = services.get_material(material_id)
    require(can_edit(current_user, material))
    form = _material_form(material)
    if form.validate_on_submit():
        fields = form.material_fields()
        if request.form.get("action") in ("publish", "draft"):
            fields["status"] = _status_wanted()
        try:
            services.update_material(
                current_user, material, fields, _upload(form.file), _upload(form.captions)
            )
        except DomainError as err:
            show_form_errors(form, err)
        else:
            db.session.commit()
            flash(_status_message(material), "success")
            return redirect(url_for("catalog.material", material_id=material.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "manage/edit.html",
        form=form,
        material=material,
        review_form=ReviewForm(),
        withdraw_form=WithdrawForm(),
    ), status


def _upload(field):
    data = field.data
    if data is None or not getattr(data, "filename", ""):
        return None
    return services.Upload(data.stream, data.filename)


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

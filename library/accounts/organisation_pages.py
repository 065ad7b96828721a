"""The administrators' page of one organisation: edit it, and what was changed."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from library.accounts import bp
from library.accounts import organisations as org_admin
from library.accounts.forms import OrganisationEditForm
from library.accounts.views import admin_required
from library.audit import history_of
from library.errors import DomainError
from library.extensions import db
from library.web import show_form_errors


@bp.route("/admin/organisations/<id:org_id>", methods=["GET", "POST"])
@admin_required
def edit_organisation(org_id: int):
    """Change an organisation's name, type, workforce and whether its materials need review."""
    org = org_admin.get_organisation(current_user, org_id)
    form = OrganisationEditForm(obj=None if request.method == "POST" else org)
    if form.validate_on_submit():
        try:
            changes = org_admin.update_organisation(
                current_user,
                org,
                form.name.data,
                form.type.data,
                form.workers.data,
                form.requires_review.data,
            )
        except DomainError as err:
            show_form_errors(form, err)
        else:
            db.session.commit()
            done = _("Đã lưu thay đổi của %(name)s.", name=org.name)
            flash(done if changes else _("Không có gì thay đổi."), "success" if changes else "info")
            return redirect(url_for("accounts.edit_organisation", org_id=org.id))
    status = 422 if form.errors else 200
    return render_template(
        "accounts/organisation.html", organisation=org, form=form, entries=history_of(org)
    ), status

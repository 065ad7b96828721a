"""Collections: the public pages and the editors' pages under /manage/collections."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from library.accounts import services as accounts
from library.catalog.forms import ActionForm
from library.catalog.services import CARD_LOADS
from library.errors import DomainError
from library.extensions import db
from library.models import Organisation
from library.sharing import collections
from library.sharing.forms import CollectionForm
from library.sharing.views import bp
from library.web import page_arg, show_form_errors


@bp.get("/collections")
def collection_list():
    page = collections.list_public_collections(page_arg(), current_app.config["PER_PAGE"])
    return render_template("sharing/collections.html", page=page)


@bp.get("/collections/<slug>")
def collection(slug: str):
    """A published collection with its published materials, in order."""
    found = collections.public_collection(slug)
    return render_template(
        "sharing/collection.html",
        collection=found,
        materials=collections.published_materials(found, *CARD_LOADS),
    )


def _form(collection=None) -> CollectionForm:
    form = CollectionForm(obj=collection) if collection else CollectionForm()
    if current_user.is_admin:
        orgs = db.session.scalars(select(Organisation).order_by(Organisation.name))
        form.organisation.choices = [SelectChoice(o.code, o.name) for o in orgs]
    else:
        del form.organisation
    if collection is not None and request.method == "GET":
        form.materials.data = "\n".join(str(i.material_id) for i in collection.items)
        if current_user.is_admin:
            form.organisation.data = collection.organisation.code
    return form


def _organisation(form: CollectionForm):
    if current_user.is_admin:
        code = form.organisation.data
        return accounts.find_organisation(code)
    return current_user.organisation


@bp.get("/manage/collections")
@login_required
def manage_collections():
    if not collections.can_manage(current_user, organisation=current_user.organisation):
        abort(403)
    return render_template(
        "sharing/manage_collections.html",
        collections=collections.manageable_collections(current_user),
    )


@bp.route("/manage/collections/new", methods=["GET", "POST"])
@login_required
def new_collection():
    if not collections.can_manage(current_user, organisation=current_user.organisation):
        abort(403)
    form = _form()
    if form.validate_on_submit():
        try:
            found = collections.create_collection(
                current_user, _organisation(form), form.collection_fields()
            )
        except DomainError as err:
            show_form_errors(form, err)
        else:
            db.session.commit()
            flash(_("Đã lưu bộ sưu tập."), "success")
            return redirect(url_for("sharing.edit_collection", slug=found.slug))
    status = 422 if form.errors else 200
    return render_template("sharing/edit_collection.html", form=form, collection=None), status


@bp.route("/manage/collections/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit_collection(slug: str):
    found = collections.get_collection(slug)
    if not collections.can_manage(current_user, found):
        abort(403)
    form = _form(found)
    if form.validate_on_submit():
        try:
            if current_user.is_admin and _organisation(form) is not None:
                found.organisation = _organisation(form)
            collections.update_collection(current_user, found, form.collection_fields())
        except DomainError as err:
            show_form_errors(form, err)
        else:
            db.session.commit()
            flash(_("Đã lưu bộ sưu tập."), "success")
            return redirect(url_for("sharing.edit_collection", slug=found.slug))
    status = 422 if form.errors else 200
    return render_template(
        "sharing/edit_collection.html", form=form, collection=found, action_form=ActionForm()
    ), status


@bp.post("/manage/collections/<slug>/items/<id:material_id>/<any(up, down):direction>")
@login_required
def move_item(slug: str, material_id: int, direction: str):
    """Move a material up or down in the collection's order."""
    if not ActionForm().validate_on_submit():
        abort(400)
    found = collections.get_collection(slug)
    collections.move_item(current_user, found, material_id, -1 if direction == "up" else 1)
    db.session.commit()
    return redirect(url_for("sharing.edit_collection", slug=found.slug) + "#order")

"""Public pages: home, an area, a material."""

from flask import abort, current_app, render_template, request
from flask_login import current_user

from library.accounts.permissions import can_edit, can_see, shows_withdrawal
from library.catalog import bp, cached, services
from library.extensions import db
from library.models import Area, Material
from library.models.base import utcnow
from library.models.materials import KINDS
from library.sharing.web import credit_for
from library.tracking.services import local_time
from library.tracking.web import count_on_success
from library.web import page_arg


@bp.route("/")
def home():
    return render_template(
        "catalog/home.html",
        areas=cached.areas(),
        counts=cached.by_area(),
        latest=cached.latest(8),
        collections=cached.featured_collections(local_time(utcnow()).date()),
    )


@bp.route("/areas/<code>")
def area(code: str):
    area = db.session.get(Area, code) or abort(404)
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    materials = cached.area_page(code, kind, page_arg(), current_app.config["PER_PAGE"])
    return render_template(
        "catalog/area.html",
        area=area,
        kind=kind,
        materials=materials,
        kind_counts=cached.by_kind(code),
    )


@bp.route("/materials/<id:material_id>")
def material(material_id: int):
    material = db.session.get(Material, material_id, options=services.PAGE_LOADS)
    if material is None or not can_see(current_user, material):
        if material is not None and shows_withdrawal(material):
            return render_template("catalog/withdrawn.html", material=material), 410
        abort(404)
    channel, enterprise_id = credit_for(material=material)
    count_on_success(material, "view", channel=channel, organisation_id=enterprise_id)
    _make_reading_view(material)
    return render_template(
        "catalog/material.html", material=material, editable=can_edit(current_user, material)
    )


def _make_reading_view(material: Material) -> None:
    """Make and keep the reading view of a PDF kept before there were jobs, the first time its
    page is asked for (the page shows it through catalog/fragments.py)."""
    stored = material.file
    if stored is None or stored.family != "pdf" or not services.lacks_reading_view(stored):
        return
    if services.reading_view(stored) is not None:
        db.session.commit()

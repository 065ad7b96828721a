"""Share links: the short address, the officer's links, and which enterprises a union serves."""

import logging
import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from library.accounts import services as accounts
from library.accounts.views import admin_required
from library.addresses import public_url
from library.catalog.forms import ActionForm
from library.errors import DomainError, PermissionDenied
from library.extensions import db
from library.models import Organisation
from library.sharing import collections, picker, services
from library.sharing.forms import LINK_CHANNEL_LABELS, EnterprisesForm, LinkForm
from library.sharing.web import link_url, share_urls, target_url
from library.tracking import rates
from library.tracking.web import current_network, current_visitor, is_prefetch
from library.web import show_form_errors

bp = Blueprint("sharing", __name__)
log = logging.getLogger(__name__)

COLLECTION_PATH = re.compile(r"(?:^|/)collections/([a-z0-9-]{1,80})/?(?:[?#].*)?$")


@bp.app_context_processor
def share_helpers() -> dict:
    """What the share panel of material and collection pages needs."""
    return {
        "share_urls": share_urls,
        "may_share": services.may_share(current_user),
        "shows_target": lambda link: services.shows_target(current_user, link),
        "share_link_form": link_form,
        "public_url": public_url,
    }


@bp.get("/s/<code>")
def follow(code: str):
    """Go to the link's page; an active link counts the visit and credits its enterprise."""
    link = services.resolve(code)
    if link is None:
        abort(404)
    if current_app.config["TRACKING_ENABLED"] and not is_prefetch():
        _count(link)
    return redirect(target_url(link, credit=link.is_active), 302)


def _count(link) -> None:
    """Count the arrival; like every count, a failure is logged and never stops the visitor."""
    try:
        agent = request.headers.get("User-Agent", "")
        services.count_arrival(link, current_visitor(), agent, network=current_network())
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.warning("sharing: arrival by link %s lost", link.id, exc_info=True)
        return
    rates.prune_ended()


def _target(text: str, picked: str | None = None) -> dict:
    """The material or collection the officer named: a material ticked among the choices, a
    collection's page address, or a material by suggestion, title, number or address."""
    if picked and picked.isdigit():
        text = f"#{picked}"
    if match := COLLECTION_PATH.search((text or "").strip()):
        try:
            return {"collection": collections.get_collection(match.group(1))}
        except DomainError:
            return {}
    material = picker.named_material(text or "")
    return {"material": material} if material is not None else {}


@bp.get("/sharing/materials/suggest")
@login_required
def suggest_materials():
    """Published materials for what the officer is typing (JSON, for the material inputs)."""
    if not services.may_share(current_user):
        abort(403)  # like the pages it serves, which the others cannot open either
    return jsonify(materials=picker.suggest_materials(request.args.get("q", "")))


def link_form(formdata=None) -> LinkForm:
    """The link form with the enterprises this user may credit."""
    form = LinkForm() if formdata is None else LinkForm(formdata=formdata)
    form.enterprise.choices = [
        SelectChoice(e.code, e.name) for e in services.creditable_enterprises(current_user)
    ]
    return form


@bp.route("/sharing/links", methods=["GET", "POST"])
@login_required
def links():
    """The officer's links with their visits, and the form to make one."""
    if not services.may_share(current_user):
        abort(403)
    form = link_form()
    status = 200
    if request.method == "POST":
        status = _create(form)
        if status == 201:
            return redirect(url_for("sharing.links"))
    rows = services.links_of(current_user)
    return render_template(
        "sharing/links.html",
        form=form,
        rows=rows,
        by_channel=services.visits_by_channel(rows),
        channel_labels=LINK_CHANNEL_LABELS,
        link_url=link_url,
        action_form=ActionForm(),
        target_choices=picker.choices_for(form.target.data) if form.target.errors else [],
    ), status


def _create(form: LinkForm) -> int:
    """Make a link from the posted form; the status code of the answer."""
    enterprise = accounts.find_organisation(request.form.get("enterprise"))
    if enterprise is None or not form.validate_on_submit():
        if enterprise is None and not form.errors:
            form.enterprise.errors = [_("Chọn một doanh nghiệp.")]
        return 422
    target = _target(form.target.data, request.form.get("target-pick"))
    if not any(target.values()):
        form.target.errors = [
            _("Có nhiều tài liệu khớp với tên này: hãy chọn một tài liệu bên dưới.")
            if picker.choices_for(form.target.data)
            else _("Không tìm thấy tài liệu hoặc bộ sưu tập này.")
        ]
        return 422
    try:
        link = services.create_link(
            current_user,
            enterprise=enterprise,
            channel=form.channel.data,
            campaign=form.campaign.data,
            **target,
        )
    except PermissionDenied as err:
        db.session.rollback()
        flash(err.message, "error")
        return 403
    except DomainError as err:
        show_form_errors(form, err)
        return 422
    db.session.commit()
    flash(_("Đã tạo liên kết %(url)s.", url=link_url(link)), "success")
    return 201


@bp.post("/sharing/links/<id:link_id>/revoke")
@login_required
def revoke(link_id: int):
    """Stop a link crediting anyone (it keeps opening its page)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    link = services.find_link(current_user, link_id)
    services.revoke_link(current_user, link)
    db.session.commit()
    flash(_("Đã thu hồi liên kết."), "info")
    return redirect(url_for("sharing.links"))


@bp.route("/admin/organisations/<id:org_id>/enterprises", methods=["GET", "POST"])
@admin_required
def enterprises(org_id: int):
    """The administrator attaches a union to the enterprises it serves."""
    union = db.session.get(Organisation, org_id)
    if union is None or union.type != "union":
        abort(404)
    form = EnterprisesForm()
    all_enterprises = db.session.scalars(
        select(Organisation).where(Organisation.type == "enterprise").order_by(Organisation.name)
    )
    form.enterprises.choices = [SelectChoice(e.code, e.name) for e in all_enterprises]
    if form.validate_on_submit():
        try:
            services.set_served_enterprises(current_user, union, form.enterprises.data or [])
        except DomainError as err:
            show_form_errors(form, err)
        else:
            db.session.commit()
            flash(_("Đã lưu các doanh nghiệp của %(name)s.", name=union.name), "success")
            return redirect(url_for("sharing.enterprises", org_id=union.id))
    elif request.method == "GET":
        form.enterprises.data = [e.code for e in services.served_enterprises(union)]
    status = 422 if form.errors else 200
    return render_template("sharing/enterprises.html", form=form, union=union), status

"""Materials over the API: list, read, create, update, withdraw, remove captions."""

from flask import g, jsonify, request
from flask_babel import lazy_gettext as _l

from library.accounts import services as accounts
from library.accounts.permissions import can_see, shows_withdrawal
from library.api import bp, materials_spec, params, payload
from library.api.auth import bearer_user, token_required
from library.api.serializers import material_json, revision_json
from library.areas import AREA_CODES
from library.catalog import revisions, services
from library.errors import DomainError, NotFound, ValidationFailed
from library.extensions import db
from library.models import Organisation
from library.models.materials import KINDS

MATERIAL_URL = "/materials/<int:material_id>"


class Gone(DomainError):
    status = 410
    code = "withdrawn"


def _organisation_for(user) -> Organisation:
    """Editors write for their organisation; an administrator may name another."""
    code = payload.organisation_code() if user.is_admin else None
    if code:
        org = accounts.find_organisation(code)
        if org is None:
            raise ValidationFailed(errors={"organisation": _l("Không có tổ chức với mã này.")})
        return org
    if user.organisation is None:
        raise ValidationFailed(errors={"organisation": _l("Cần chỉ rõ tổ chức.")})
    return user.organisation


def _find(material_id: int):
    """The material with this id; 404 for ids no database row can have."""
    if material_id > materials_spec.MAX_ID:
        raise NotFound()
    return services.get_material(material_id)


def _visible(material_id: int):
    """The material if the caller may read it; 410 with the reason once withdrawn."""
    material = _find(material_id)
    if not can_see(bearer_user(), material):
        if shows_withdrawal(material):
            raise Gone(_l("Tài liệu này đã được thu hồi."), reason=material.withdrawal_reason)
        raise NotFound()
    return material


@bp.post("/materials")
@token_required
def create_material():
    """POST /materials: a new material of the token user's organisation."""
    user = g.api_user
    organisation = _organisation_for(user)
    material = services.create_material(
        user, organisation, payload.material_fields(), payload.upload(), payload.upload("captions")
    )
    db.session.commit()
    return jsonify(material_json(material)), 201


@bp.get(MATERIAL_URL)
def get_material(material_id: int):
    """GET /materials/<id>: one material the caller may see."""
    return jsonify(material_json(_visible(material_id)))


@bp.patch(MATERIAL_URL)
@token_required
def update_material(material_id: int):
    """PATCH /materials/<id>: change the fields sent; 202 where the change waits for review
    (the approved version stays public, the answer shows it and the waiting revision)."""
    material = _find(material_id)
    waits = revisions.edit_waits_for_review(g.api_user, material)
    services.update_material(
        g.api_user,
        material,
        payload.material_fields(),
        payload.upload(),
        payload.upload("captions"),
    )
    db.session.commit()
    if waits and material.pending_revision is not None:
        return jsonify(
            {**material_json(material), "pending_revision": revision_json(material)}
        ), 202
    return jsonify(material_json(material))


@bp.delete(MATERIAL_URL)
@token_required
def withdraw_material(material_id: int):
    """DELETE /materials/<id>: withdraw, with an optional reason."""
    material = _find(material_id)
    services.withdraw_material(g.api_user, material, request.args.get("reason", ""))
    db.session.commit()
    return jsonify(material_json(material))


@bp.delete(MATERIAL_URL + "/captions")
@token_required
def remove_captions(material_id: int):
    """DELETE /materials/<id>/captions: take a video's or an audio's captions off (the same
    change as on the edit page: no review, the transcript leaves the search index)."""
    material = _find(material_id)
    services.remove_captions(g.api_user, material)
    db.session.commit()
    return jsonify(material_json(material))


@bp.get("/materials")
def list_materials():
    """GET /materials: published materials, filtered and paged."""
    page, per_page = params.paging()
    result = services.list_public_materials(
        area=params.choice_arg("area", AREA_CODES),
        kind=params.choice_arg("kind", KINDS),
        organisation=request.args.get("org") or None,
        updated_since=params.datetime_arg("updated_since"),
        page=page,
        per_page=per_page,
    )
    return jsonify(
        {
            "total": result.total,
            "page": page,
            "per_page": per_page,
            "results": [material_json(m) for m in services.with_details(result.items)],
        }
    )

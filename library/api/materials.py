"""Materials over the API: list, read, create, update, withdraw."""

from flask import abort, g, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from library.accounts.permissions import can_see
from library.api import bp
from library.api.auth import bearer_user, token_required
from library.api.serializers import material_json
from library.catalog import services
from library.catalog.validation import MATERIAL_FIELDS
from library.errors import DomainError, NotFound, ValidationFailed
from library.extensions import db
from library.models import Area, Organisation
from library.models.materials import KINDS

LIST_FIELDS = ("areas", "tags")


class Gone(DomainError):
    status = 410
    code = "withdrawn"


def _raw_fields() -> dict:
    """The material fields sent, from JSON or from a (multipart) form."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ValidationFailed(_l("Nội dung JSON không hợp lệ."))
        return {k: v for k, v in body.items() if k in MATERIAL_FIELDS}
    form = request.form
    fields = {}
    for name in MATERIAL_FIELDS:
        if name in form:
            fields[name] = form.getlist(name) if name in LIST_FIELDS else form.get(name)
    return fields


def _upload():
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        return None
    return services.Upload(storage.stream, storage.filename)


def _organisation_for(user) -> Organisation:
    """Editors write for their organisation; an administrator names one."""
    code = None
    if user.is_admin:
        body = request.get_json(silent=True) if request.is_json else None
        code = request.form.get("organisation") or (body or {}).get("organisation")
    if code:
        org = db.session.scalar(select(Organisation).where(Organisation.code == code))
        if org is None:
            raise ValidationFailed(errors={"organisation": _l("Không có tổ chức với mã này.")})
        return org
    if user.organisation is None:
        raise ValidationFailed(errors={"organisation": _l("Cần chỉ rõ tổ chức.")})
    return user.organisation


def _visible(material_id: int):
    material = services.get_material(material_id)
    if not can_see(bearer_user(), material):
        if material.status == "withdrawn":
            raise Gone(_l("Tài liệu này đã được thu hồi."), reason=material.withdrawal_reason)
        raise NotFound()
    return material


@bp.post("/materials")
@token_required
def create_material():
    user = g.api_user
    material = services.create_material(user, _organisation_for(user), _raw_fields(), _upload())
    db.session.commit()
    return jsonify(material_json(material)), 201


@bp.get("/materials/<int:material_id>")
def get_material(material_id: int):
    return jsonify(material_json(_visible(material_id)))


@bp.patch("/materials/<int:material_id>")
@token_required
def update_material(material_id: int):
    material = services.get_material(material_id)
    services.update_material(g.api_user, material, _raw_fields(), _upload())
    db.session.commit()
    return jsonify(material_json(material))


@bp.delete("/materials/<int:material_id>")
@token_required
def withdraw_material(material_id: int):
    material = services.get_material(material_id)
    reason = request.args.get("reason", "")
    services.withdraw_material(g.api_user, material, reason)
    db.session.commit()
    return jsonify(material_json(material))


@bp.get("/materials")
def list_materials():
    area = request.args.get("area")
    kind = request.args.get("kind")
    if area and db.session.get(Area, area) is None or kind and kind not in KINDS:
        abort(400)
    page = request.args.get("page", 1, type=int)
    per_page = request.args.get("per_page", 20, type=int)
    if page < 1 or not 1 <= per_page <= 100:
        abort(400)
    result = services.list_public_materials(area, kind, page, per_page)
    return jsonify(
        {
            "total": result.total,
            "page": page,
            "per_page": per_page,
            "results": [material_json(m) for m in result.items],
        }
    )


@bp.get("/areas")
def areas():
    from library.areas import all_areas

    counts = services.count_by_area()
    return jsonify(
        [
            {
                "code": a.code,
                "name": a.name_vi,
                "name_en": a.name_en,
                "target_2025": a.target_2025,
                "target_2030": a.target_2030,
                "materials": counts.get(a.code, 0),
            }
            for a in all_areas()
        ]
    )

"""The JSON shape of the product's objects."""

from library.addresses import public_url
from library.models import Material


def material_json(material: Material) -> dict:
    """A material as the API shows it."""
    data = {
        "id": material.id,
        "title": material.title,
        "summary": material.summary,
        "kind": material.kind,
        "areas": material.area_codes,
        "license": material.license,
        "tags": material.tag_names,
        "status": material.status,
        "organisation": material.organisation.code,
        "url": public_url("catalog.material", material_id=material.id),
        "video_url": material.video_url,
        "body": material.body or None,
        "legal_basis": material.legal_basis or None,
        "effective_at": material.effective_at.isoformat() if material.effective_at else None,
        "superseded_by": material.superseded_by_id,
        "external_id": material.external_id,
        "created_at": material.created_at.isoformat(),
        "updated_at": material.updated_at.isoformat(),
        "published_at": material.published_at.isoformat() if material.published_at else None,
        "publish_at": material.publish_at.isoformat() if material.publish_at else None,
        "file": file_json(material),
        "captions": captions_json(material),
    }
    return data


def revision_json(material: Material) -> dict:
    """A material's pending revision, for its editors: what it changes and where it stands."""
    revision = material.pending_revision
    return {
        "status": revision.status,
        "changes": {k: {"public": v[0], "proposed": v[1]} for k, v in revision.changes.items()},
        "review_comment": revision.review_comment or None,
        "created_at": revision.created_at.isoformat(),
    }


def file_json(material: Material) -> dict | None:
    """The file of a material, with its download address, or None."""
    stored = material.file
    if stored is None:
        return None
    name = f"tai-lieu-{material.id}.{stored.extension}"
    return {
        "url": public_url("catalog.file", file_id=stored.id, name=name),
        "mime_type": stored.mime_type,
        "size": stored.size,
        "sha256": stored.sha256,
        "page_count": stored.page_count,
        "width": stored.width,
        "height": stored.height,
    }


def captions_json(material: Material) -> dict | None:
    """The captions of a video or an audio, with their address and transcript, or None."""
    stored = material.captions
    if stored is None:
        return None
    return {
        "url": public_url("catalog.captions", material_id=material.id),
        "size": stored.size,
        "sha256": stored.sha256,
        "transcript": stored.text,
    }


def area_json(area, materials: int) -> dict:
    """A learning area with its targets and how many published materials it has."""
    return {
        "code": area.code,
        "name": area.name_vi,
        "name_en": area.name_en,
        "target_2025": area.target_2025,
        "target_2030": area.target_2030,
        "materials": materials,
    }


def organisation_json(organisation, materials: int) -> dict:
    """The public fields of an organisation: no workforce, no settings."""
    return {
        "code": organisation.code,
        "name": organisation.name,
        "type": organisation.type,
        "materials": materials,
    }

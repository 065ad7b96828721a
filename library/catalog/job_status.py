"""A material's background jobs as JSON, for its editors' page to follow them live
(static/js/jobs.js)."""

from flask import abort, jsonify
from flask_login import current_user

from library.accounts.permissions import can_edit, require
from library.catalog import bp, services
from library.catalog.job_labels import REASONS, job_message

ACTIVE = ("queued", "running")


def jobs_of(material) -> dict:
    """Each job on the material's file: its state, progress and the page's words for it."""
    found = sorted(material.file.jobs, key=lambda j: j.id) if material.file else []
    return {
        "material": material.id,
        "running": any(job.status in ACTIVE for job in found),
        "jobs": [
            {
                "kind": job.kind,
                "status": job.status,
                "progress": 100 if job.status == "done" else job.progress,
                "message": job_message(job),
                "reason": str(REASONS.get(job.reason, REASONS["error"])) if job.reason else "",
            }
            for job in found
        ],
    }


@bp.get("/manage/materials/<id:material_id>/jobs.json")
def material_jobs(material_id: int):
    """The jobs of a material, for those who may edit it (errors as JSON, like the API's)."""
    if not current_user.is_authenticated:
        abort(401)
    material = services.get_material(material_id)
    require(can_edit(current_user, material))
    response = jsonify(jobs_of(material))
    response.headers["Cache-Control"] = "no-store"
    return response

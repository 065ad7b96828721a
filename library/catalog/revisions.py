"""Edits of a published material that wait for review, while the approved version stays public.

In an organisation that requires review, an editor's change to a published material is kept as
its pending revision; a reviewer approves it (the change is applied) or sends it back (the
public version stays, the editor reads the comment). Services flush; the caller commits.
"""

from flask_babel import lazy_gettext as _l

from library.accounts.permissions import can_edit, can_review, require
from library.audit import _plain, record_change
from library.catalog import services as catalog
from library.catalog.validation import clean_fields
from library.errors import InvalidTransition
from library.extensions import db
from library.models import Material, PendingRevision
from library.notifications import services as notifications

# The fields a revision may change (its state is the state machine's, not the revision's).
REVISED_FIELDS = catalog.PLAIN_FIELDS + ("areas", "tags", "superseded_by")


def edit_waits_for_review(actor, material: Material) -> bool:
    """True where an edit by this actor must be reviewed before the public sees it."""
    return (
        material.status == "published"
        and material.organisation.requires_review
        and not can_review(actor, material)
    )


def propose_revision(
    actor, material: Material, raw: dict, upload=None, captions=None
) -> PendingRevision | None:
    """Keep an edit of a published material for review, checked as the material it would make;
    an edit that changes nothing keeps nothing. A later edit adds to the waiting one."""
    require(can_edit(actor, material))
    revision = material.pending_revision
    earlier = revision.fields if revision is not None else {}
    fields = clean_fields({**earlier, **raw})
    fields = {k: v for k, v in fields.items() if k in REVISED_FIELDS}
    proposed = _proposed(material, fields)
    if upload is not None and upload.filename:
        proposed.file = catalog.store_upload(upload, proposed.kind, actor)
    elif revision is not None and revision.file is not None:
        proposed.file = revision.file
    if captions is not None and captions.filename:
        proposed.captions = catalog.store_captions(captions)
    elif revision is not None and revision.captions is not None:
        proposed.captions = revision.captions
    catalog._check_content(proposed)
    changes = _changes(material, proposed, fields)
    if not changes:
        return revision
    newly_waiting = revision is None or revision.status != "waiting"
    if revision is None:
        revision = PendingRevision(material=material)
        db.session.add(revision)
    revision.fields = _plain(fields)
    revision.changes = changes
    revision.file = proposed.file if proposed.file is not material.file else None
    revision.captions = proposed.captions if proposed.captions is not material.captions else None
    revision.status = "waiting"
    revision.created_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_change(actor, "propose", material, changes)
    if newly_waiting:  # (a later edit adds to the one the reviewers already know of)
        notifications.material_waiting(actor, material, revision=True)
    return revision


def approve_revision(actor, material: Material) -> Material:
    """Apply the waiting revision to the public material."""
    require(can_review(actor, material))
    revision = _waiting(material)
    changes = dict(revision.changes)
    catalog._apply(material, clean_fields(revision.fields))
    if revision.file is not None:
        material.file = revision.file
    if revision.captions is not None:
        replaced, material.captions = material.captions, revision.captions
        if replaced is not revision.captions:
            catalog.captions_files.discard_if_unused(replaced, material)
    catalog._check_content(material)
    submitter = revision.created_by_id
    material.pending_revision = None
    db.session.flush()
    record_change(actor, "approve_revision", material, changes)
    notifications.material_approved(actor, material, submitter, revision=True)
    return material


def send_back_revision(actor, material: Material, comment: str) -> Material:
    """Return the revision to its editor with a comment; the public version stays as it is."""
    require(can_review(actor, material))
    revision = _waiting(material)
    revision.review_comment = catalog.review_comment(comment)
    revision.status = "sent_back"
    db.session.flush()
    record_change(actor, "send_back_revision", material, {"comment": revision.review_comment})
    notifications.material_sent_back(
        actor, material, revision.created_by_id, revision.review_comment, revision=True
    )
    return material


def _waiting(material: Material) -> PendingRevision:
    revision = material.pending_revision
    if revision is None or revision.status != "waiting":
        raise InvalidTransition(_l("Tài liệu không có bản sửa đổi nào chờ duyệt."))
    if material.status != "published":
        # Taken offline since, it was edited directly: the revision no longer applies to it.
        raise InvalidTransition(_l("Tài liệu không còn xuất bản: bản sửa đổi không còn áp dụng."))
    return revision


def _proposed(material: Material, fields: dict) -> Material:
    """A copy of the material, outside the session, with the fields applied: what approving
    the revision would make (the public material itself is not touched)."""
    copy = Material(
        id=material.id,
        organisation=material.organisation,
        status=material.status,
        areas=list(material.areas),
        file=material.file,
        captions=material.captions,
        superseded_by=material.superseded_by,
    )
    for name in catalog.PLAIN_FIELDS:
        setattr(copy, name, getattr(material, name))
    # Tags are compared by name: a new tag is made only when the revision is approved.
    catalog._apply(copy, {k: v for k, v in fields.items() if k != "tags"})
    return copy


def _changes(material: Material, proposed: Material, fields: dict) -> dict:
    before = catalog._snapshot(material)
    after = catalog._snapshot(proposed)
    # The copy is never flushed: its successor's id is read from the relationship.
    after["superseded_by"] = proposed.superseded_by.id if proposed.superseded_by else None
    after["tags"] = fields.get("tags", material.tag_names)
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}

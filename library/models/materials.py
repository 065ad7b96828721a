"""Materials, their learning areas, tags and stored files."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from library.extensions import db
from library.models.accounts import Organisation, User
from library.models.base import UTCDateTime, utcnow

KINDS = ("leaflet", "poster", "video", "legal_digest", "book", "audio")
# "scheduled": approved for publication, published by `flask publish-scheduled` at publish_at.
STATUSES = ("draft", "in_review", "scheduled", "published", "withdrawn")
LICENSES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC0-1.0", "gov-work")

material_areas = Table(
    "material_areas",
    db.metadata,
    Column("material_id", ForeignKey("materials.id", ondelete="CASCADE"), primary_key=True),
    Column("area_code", ForeignKey("areas.code"), primary_key=True, index=True),
)

material_tags = Table(
    "material_tags",
    db.metadata,
    Column("material_id", ForeignKey("materials.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True, index=True),
)


class Area(db.Model):
    """One of the five learning areas of Program 1268; targets are percentages of workers."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    target_2025: Mapped[int]
    target_2030: Mapped[int]


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class StoredFile(db.Model):
    """A file kept by storage under the hash of what was uploaded; one material refers to it.

    `sha256` is the upload's hash: the file's name, and how a second upload of the same file is
    recognised. `stored_sha256` is the hash of the bytes kept, which differ when the upload was
    cleaned (an image's metadata, a PDF's scripts removed): what backups and `flask doctor`
    check the file against."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    stored_sha256: Mapped[str] = mapped_column(String(64))
    mime_type: Mapped[str] = mapped_column(String(80))
    extension: Mapped[str] = mapped_column(String(10))
    size: Mapped[int]
    original_name: Mapped[str] = mapped_column(String(255), default="")
    page_count: Mapped[int | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    text: Mapped[str] = mapped_column(Text, default="")
    # A PDF's reading view (library.catalog.reading.extract); None until it has been made.
    reading: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def family(self) -> str:
        """image, pdf, video or audio: how the file is shown."""
        if self.mime_type == "application/pdf":
            return "pdf"
        return self.mime_type.split("/")[0]


class Material(db.Model):
    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    license: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    video_url: Mapped[str | None] = mapped_column(String(500))
    alt_text: Mapped[str] = mapped_column(String(500), default="")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"), index=True)
    # WebVTT captions of an uploaded video or audio (library.catalog.captions).
    captions_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"), index=True)
    legal_basis: Mapped[str] = mapped_column(String(300), default="")
    effective_at: Mapped[date | None]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id"))
    external_id: Mapped[str | None] = mapped_column(String(120), index=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # When to publish it (a legal digest at its effective date); None: as soon as it may be.
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An administrator's withdrawal is undone only by an administrator.
    withdrawn_by_admin: Mapped[bool] = mapped_column(default=False)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    file: Mapped[StoredFile | None] = relationship(foreign_keys=[file_id])
    captions: Mapped[StoredFile | None] = relationship(foreign_keys=[captions_file_id])
    areas: Mapped[list[Area]] = relationship(secondary=material_areas, order_by=Area.position)
    tags: Mapped[list[Tag]] = relationship(secondary=material_tags, order_by=Tag.name)
    superseded_by: Mapped["Material | None"] = relationship(remote_side=[id])
    pending_revision: Mapped["PendingRevision | None"] = relationship(
        back_populates="material", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        return self.status == "published"

    @property
    def area_codes(self) -> list[str]:
        return [a.code for a in self.areas]

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]

    def __repr__(self) -> str:
        return f"<Material {self.id} {self.status} {self.title[:30]!r}>"


class PendingRevision(db.Model):
    """An edit of a published material that waits for review while the approved version stays
    public; one per material. Sent back, it stays with the reviewer's comment for its editor."""

    __tablename__ = "pending_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(
        ForeignKey("materials.id", ondelete="CASCADE"), unique=True
    )
    # The cleaned fields of the edit (dates as ISO strings), applied on approval.
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    # What the edit changes: {field: [public value, proposed value]}, for the reviewer.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    captions_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    review_comment: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    material: Mapped[Material] = relationship(back_populates="pending_revision")
    file: Mapped[StoredFile | None] = relationship(foreign_keys=[file_id])
    captions: Mapped[StoredFile | None] = relationship(foreign_keys=[captions_file_id])
    created_by: Mapped[User | None] = relationship()

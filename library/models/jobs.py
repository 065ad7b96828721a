"""Work done on a kept file after its upload (pictures, page images, light renditions), and the
renditions it made."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from library.extensions import db
from library.models.base import UTCDateTime, utcnow
from library.models.materials import StoredFile

JOB_STATUSES = ("queued", "running", "done", "failed")


class MediaJob(db.Model):
    """One piece of work on one file. The row is the truth: the queue carries only its id, so a
    message lost with a killed worker is found again from here (library/jobs.py)."""

    __tablename__ = "media_jobs"
    __table_args__ = (UniqueConstraint("file_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[int] = mapped_column(default=0)  # percent
    attempts: Mapped[int] = mapped_column(default=0)
    # Why the last attempt failed, as a code the page words (library/templating.py), and the
    # error itself for the administrator.
    reason: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    # The worker process that took it ("host:pid"): a worker starting on that host sees at once
    # that a running job's process is gone, without waiting for the job to go stale.
    worker: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved on by every progress report: a running job left unchanged for long was killed.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    file: Mapped[StoredFile] = relationship(
        backref=db.backref("jobs", cascade="all, delete-orphan", passive_deletes=True)
    )


class Rendition(db.Model):
    """A lighter copy of a video or audio file for slow connections, kept beside its original
    (storage's derived folder) under `rendition-<name>.<extension>`."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("file_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(20))  # 360p, 720p, audio
    mime_type: Mapped[str] = mapped_column(String(80))
    extension: Mapped[str] = mapped_column(String(10))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    bitrate: Mapped[int]  # bits per second, video and sound together
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    file: Mapped[StoredFile] = relationship(
        backref=db.backref(
            "renditions",
            cascade="all, delete-orphan",
            passive_deletes=True,
            order_by="Rendition.height",
        )
    )

    @property
    def filename(self) -> str:
        return f"rendition-{self.name}.{self.extension}"

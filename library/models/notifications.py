"""What a reviewer or an editor is told about the review of a material."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from library.extensions import db
from library.models.base import UTCDateTime, utcnow

# waiting: a material (or an edit of one) waits for review; approved; sent_back, with a comment.
EVENTS = ("waiting", "approved", "sent_back")


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(20))
    # About an edit of a published material (a pending revision), not the material itself.
    revision: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    material = relationship("Material")
    user = relationship("User")

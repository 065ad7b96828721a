"""What the administrator sets for search."""

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from library.extensions import db
from library.models.base import UTCDateTime, utcnow


class SearchSynonyms(db.Model):
    """The acronym and synonym list search expands queries with (one row; none: the defaults)."""

    __tablename__ = "search_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    # Every app process compares this with the list it loaded, to pick up an edit.
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

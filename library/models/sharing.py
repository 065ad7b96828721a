"""Share links, their visits, the enterprises a union serves, and curated collections."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from library.extensions import db
from library.models.accounts import Organisation, User
from library.models.base import UTCDateTime, utcnow
from library.models.materials import Material

# Channels an officer shares on; a subset of the channels tracking knows (models.events).
LINK_CHANNELS = ("zalo", "facebook", "qr", "other")
COLLECTION_STATUSES = ("draft", "published")

# Which enterprises a union organisation serves: set by the administrator.
union_enterprises = Table(
    "union_enterprises",
    db.metadata,
    Column("union_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "enterprise_id",
        ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Collection(db.Model):
    """A curated, ordered set of materials with its own page (a campaign, a week, a day)."""

    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    featured: Mapped[bool] = mapped_column(default=False)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    items: Mapped[list["CollectionItem"]] = relationship(
        back_populates="collection",
        order_by="CollectionItem.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Collection {self.slug} {self.status}>"


class CollectionItem(db.Model):
    """One material at one place in a collection."""

    __tablename__ = "collection_items"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    material_id: Mapped[int] = mapped_column(
        ForeignKey("materials.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    collection: Mapped[Collection] = relationship(back_populates="items")
    material: Mapped[Material] = relationship()


class ShareLink(db.Model):
    """A short /s/<code> address to a material or a collection, crediting an enterprise."""

    __tablename__ = "share_links"
    __table_args__ = (
        CheckConstraint("(material_id IS NULL) <> (collection_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    material_id: Mapped[int | None] = mapped_column(
        ForeignKey("materials.id", ondelete="CASCADE"), index=True
    )
    collection_id: Mapped[int | None] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # The organisation of whoever made it (the union); None when an administrator did.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(16))
    campaign: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    material: Mapped[Material | None] = relationship()
    collection: Mapped[Collection | None] = relationship()
    enterprise: Mapped[Organisation] = relationship(foreign_keys=[enterprise_id])
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    created_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def title(self) -> str:
        return self.material.title if self.material else self.collection.title


class ShareVisit(db.Model):
    """A visitor (tracking's keyed visitor, never an address) arriving by a link, once a day."""

    __tablename__ = "share_visits"
    __table_args__ = (UniqueConstraint("link_id", "day", "visitor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("share_links.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    visitor: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

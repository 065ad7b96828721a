"""The database models, one module per family."""

from library.models.accounts import ApiToken, Organisation, RateLimitCount, User
from library.models.audit import AuditEntry
from library.models.events import AgentSighting, Event, RateWindow, RobotHit, VisitorStreak
from library.models.jobs import MediaJob, Rendition
from library.models.materials import Area, Material, PendingRevision, StoredFile, Tag
from library.models.metrics import (
    DailyMetric,
    MonthlyCredit,
    MonthlyMetric,
    OfflineSession,
    RolledDay,
    Setting,
    YearVisitor,
)
from library.models.notifications import Notification
from library.models.search import SearchSynonyms
from library.models.sharing import (
    Collection,
    CollectionItem,
    ShareLink,
    ShareVisit,
    union_enterprises,
)

__all__ = [
    "AgentSighting",
    "ApiToken",
    "Area",
    "AuditEntry",
    "Collection",
    "CollectionItem",
    "DailyMetric",
    "Event",
    "Material",
    "Notification",
    "MediaJob",
    "MonthlyCredit",
    "MonthlyMetric",
    "OfflineSession",
    "PendingRevision",
    "Organisation",
    "RateLimitCount",
    "RateWindow",
    "Rendition",
    "SearchSynonyms",
    "ShareLink",
    "ShareVisit",
    "RobotHit",
    "RolledDay",
    "Setting",
    "StoredFile",
    "Tag",
    "User",
    "VisitorStreak",
    "YearVisitor",
    "union_enterprises",
]

"""The database models, one module per family."""

from library.models.accounts import ApiToken, Organisation, User
from library.models.audit import AuditEntry
from library.models.materials import Area, Material, StoredFile, Tag

__all__ = [
    "ApiToken",
    "Area",
    "AuditEntry",
    "Material",
    "Organisation",
    "StoredFile",
    "Tag",
    "User",
]

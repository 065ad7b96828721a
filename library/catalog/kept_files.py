"""Files chosen on the upload form kept between its submits, so that an editor whose form is
sent back for another field does not choose the file again.

A kept file lives in the upload folder's `kept/<user id>/` under a random token, beside a small
JSON note (the name the editor gave, its size, when). Only its user can use it (the token is
looked for in that user's folder alone), it expires after KEEP_HOURS, and it is deleted once
the material is saved, refused for itself, or expired (swept whenever a file is kept and by
`flask publish-scheduled`'s timer): no file stays behind.
"""

import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from library.catalog import services
from library.errors import STORAGE_ERRNOS, FileRejected, StorageUnavailable
from library.models.base import utcnow
from library.storage import TooLarge, get_storage

KEEP_HOURS = 24
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass
class KeptFile:
    token: str
    name: str
    size: int
    path: Path

    def upload(self) -> services.Upload:
        return services.Upload(open(self.path, "rb"), self.name)

    def drop(self) -> None:
        self.path.unlink(missing_ok=True)
        _note(self.path).unlink(missing_ok=True)


def _root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "kept"


def _note(path: Path) -> Path:
    return path.with_suffix(".json")


def keep(user, stream, filename: str) -> KeptFile:
    """Take a chosen file in (within the size limits) and keep it for this user."""
    sweep()
    storage = get_storage()
    try:
        incoming = storage.receive(stream, services.size_limit)
    except TooLarge:
        raise FileRejected(_l("Tệp vượt quá dung lượng cho phép."), status=413) from None
    except OSError as error:
        _unavailable(error)
    token = secrets.token_urlsafe(24)
    folder = _root() / str(user.id)
    path = folder / token
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.replace(incoming.path, path)
        note = {"name": services.display_name(filename), "size": incoming.size}
        _note(path).write_text(json.dumps({**note, "at": utcnow().isoformat()}))
    except OSError as error:
        storage.discard(incoming)
        path.unlink(missing_ok=True)
        _unavailable(error)
    return KeptFile(token, note["name"], incoming.size, path)


def _unavailable(error: OSError):
    if error.errno in STORAGE_ERRNOS:
        raise StorageUnavailable() from error
    raise error


def find(user, token) -> KeptFile | None:
    """This user's kept file of that token, if it is still there and has not expired."""
    if not token or not TOKEN.match(str(token)) or not getattr(user, "id", None):
        return None
    path = _root() / str(user.id) / str(token)
    try:
        note = json.loads(_note(path).read_text())
    except (OSError, ValueError):
        return None
    if not path.is_file() or _expired(note):
        return None
    return KeptFile(str(token), str(note.get("name", "")), int(note.get("size", 0)), path)


def _expired(note: dict, now=None) -> bool:
    try:
        at = datetime.fromisoformat(note["at"])
    except (KeyError, TypeError, ValueError):
        return True
    return (now or utcnow()) - at > timedelta(hours=KEEP_HOURS)


def _old(path: Path, now=None) -> bool:
    try:
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return False
    return (now or utcnow()) - modified > timedelta(hours=KEEP_HOURS)


def sweep(now=None) -> int:
    """Delete every kept file past its time (and any stray part without its note)."""
    root = _root()
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        for path in folder.glob("*") if folder.is_dir() else ():
            if path.suffix == ".json":
                if not path.with_suffix("").exists() and _old(path, now):
                    path.unlink(missing_ok=True)  # a note whose file is gone
                continue
            try:
                expired = _expired(json.loads(_note(path).read_text()), now)
            except (OSError, ValueError):
                expired = _old(path, now)  # its note not written yet, or lost
            if expired:
                KeptFile("", "", 0, path).drop()
                removed += 1
        if folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder, ignore_errors=True)
    return removed

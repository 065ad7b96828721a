"""All file I/O: receive an upload by streaming, keep it under its content hash, serve, delete.

Files written during a unit of work are remembered in the database session; if that work is
not committed they are deleted again, so a failed upload never leaves an orphan file.

The rest of the code sees only the Storage interface (get_storage()); LocalStorage, a folder,
is the one implementation. With several app hosts that folder is a volume mounted on every
host (NFS, CephFS, a cloud file share): files are named by their content hash and written by
an atomic rename, so hosts never clash (docs/deployment.md).
"""

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

CHUNK = 1024 * 1024
PENDING = "library.new_files"
UNUSED = "library.unused_files"  # files to delete once the unit of work that let go of them commits


@dataclass
class IncomingFile:
    """An upload received into a temporary file, hashed on the way in."""

    path: Path
    sha256: str
    size: int
    head: bytes


class TooLarge(Exception):
    """The stream went past the allowed size."""


class Storage(Protocol):
    """Where uploaded files and what is derived from them (thumbnails, pages) are kept."""

    def receive(self, stream, limit) -> IncomingFile:
        """Take an upload in, hashing it, refusing it past limit bytes (TooLarge)."""

    def key_for(self, sha256: str, extension: str) -> str:
        """The name a file is kept under (from its content, never the uploader's name)."""

    def keep(self, incoming: IncomingFile, key: str) -> bool:
        """Keep a received file under key; False if one was already kept under it."""

    def path(self, key: str) -> Path:
        """A readable path of a kept file, to serve it (with ranges) and read it."""

    def exists(self, key: str) -> bool:
        """Whether a file is kept under key."""

    def derived_path(self, sha256: str, name: str) -> Path:
        """Where a thumbnail or a rendered page of a file is kept."""

    def delete(self, key: str) -> None:
        """Forget a file and everything derived from it."""

    def discard(self, incoming: IncomingFile) -> None:
        """Drop a received file that is not to be kept."""


class LocalStorage(Storage):
    """Files in a local folder (which may be a volume shared by several hosts)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def receive(self, stream, limit) -> IncomingFile:
        """Stream an upload to a temporary file, never holding it whole in memory.

        limit is a byte count, or a function of the file's first bytes returning one.
        """
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        digest, size, head = hashlib.sha256(), 0, b""
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    if len(head) < 8192:
                        head += chunk[: 8192 - len(head)]
                    if callable(limit):
                        limit = limit(head)
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return IncomingFile(Path(name), digest.hexdigest(), size, head)

    def key_for(self, sha256: str, extension: str) -> str:
        """The generated name of a file: never the uploader's."""
        return f"{sha256[:2]}/{sha256}.{extension}"

    def keep(self, incoming: IncomingFile, key: str) -> bool:
        """Move a received file into place; False if a file with that key was already there."""
        target = self.path(key)
        if target.exists():
            incoming.path.unlink(missing_ok=True)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(incoming.path, target)
        return True

    def path(self, key: str) -> Path:
        return self.root / key

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def derived_path(self, sha256: str, name: str) -> Path:
        """Where a thumbnail or rendered page of a file lives."""
        return self.root / "derived" / sha256[:2] / sha256 / name

    def delete(self, key: str) -> None:
        """Remove a file and everything derived from it."""
        self.path(key).unlink(missing_ok=True)
        sha = Path(key).stem
        shutil.rmtree(self.root / "derived" / sha[:2] / sha, ignore_errors=True)

    def discard(self, incoming: IncomingFile) -> None:
        incoming.path.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def get_storage() -> Storage:
    """The storage of the current app."""
    return current_app.extensions["storage"]


def remember_new_file(session: Session, key: str) -> None:
    """Note a file kept in this unit of work, to delete it if the work is not committed."""
    session.info.setdefault(PENDING, []).append(key)


def forget_new_file(session: Session, key: str) -> None:
    """A file kept in this unit of work that another, committed, now refers to: never delete it."""
    keys = session.info.get(PENDING, [])
    while key in keys:
        keys.remove(key)


def pending_mark(session: Session) -> int:
    """How many files this unit of work has kept so far (see discard_since)."""
    return len(session.info.get(PENDING, []))


def discard_since(session: Session, mark: int) -> None:
    """Delete the files kept after a mark, when only part of the work is undone."""
    keys = session.info.get(PENDING, [])
    storage = get_storage()
    while len(keys) > mark:
        storage.delete(keys.pop())


def delete_after_commit(session: Session, key: str) -> None:
    """Delete a kept file once this unit of work commits (never if it is rolled back: the
    rows that use the file are then still there)."""
    session.info.setdefault(UNUSED, []).append(key)


def forget_new_files(session: Session) -> None:
    session.info.pop(PENDING, None)


def delete_uncommitted_files(session: Session) -> None:
    """Delete the files kept by work that was rolled back or never committed."""
    keys = session.info.pop(PENDING, [])
    if keys:
        storage = get_storage()
        for key in keys:
            storage.delete(key)


def register(app) -> None:
    """Create the storage and tie file clean-up to the session's fate."""
    app.extensions["storage"] = LocalStorage(app.config["UPLOAD_FOLDER"])

    from library.extensions import db

    @app.teardown_appcontext
    def drop_uncommitted(exc):
        if db.session.registry.has():  # (a request that never used the database made none)
            delete_uncommitted_files(db.session())


# A savepoint's end decides nothing for the files: the whole unit of work's end does.
@event.listens_for(Session, "after_commit")
def _committed(session):
    if not session.in_nested_transaction():
        forget_new_files(session)
        storage = get_storage() if UNUSED in session.info else None
        for key in session.info.pop(UNUSED, []):
            storage.delete(key)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    if not session.in_nested_transaction():
        session.info.pop(UNUSED, None)
    if PENDING in session.info and not session.in_nested_transaction():
        delete_uncommitted_files(session)

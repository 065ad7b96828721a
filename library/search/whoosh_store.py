"""Where the Whoosh index lives on disk, and how it is replaced without stopping searches.

Layout of the index directory::

    CURRENT              name of the generation in use (replaced atomically)
    gen-<time>-<rand>/   one complete Whoosh index per generation (+ SYNONYMS, see below)
    journal-<gen>        changes made while generation <gen> is being built
    swap.lock            held while writing and while switching generations
    pending/             one empty file per change on its way from the database to the index,
                         named <time ns>-<pid>-<random>-<ids joined by "."> (or "all")

A rebuild fills a new generation directory nobody reads, then switches CURRENT to it: a
search running meanwhile keeps its old, complete generation. Writers hold `swap.lock` (an
fcntl lock, so it works across processes) for the whole write and also record their change in
the journal of every rebuild in progress; the rebuild replays its journal under the same lock
just before switching, so no change made during a rebuild is lost.

A pending note is made before the database commits a change to materials and removed once the
index has the change. Its name carries everything (no content to write), so it can be made
on a disk too full for the index itself; searches list the folder (a few microseconds) and
check only the hits it names against the database.

Documents are indexed with the keys of the synonym groups found in them; each generation notes
the fingerprint of the synonyms it was built with, so a backend configured with other synonyms
knows not to rely on those keys (and check() asks for a rebuild).
"""

import fcntl
import os
import pickle
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import whoosh.codec.base
import whoosh.filedb.compound
import whoosh.filedb.filestore
import whoosh.util
import whoosh.writing
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from library.search.base import SearchUnavailable
from library.search.whoosh_schema import make_schema


def _unique_name(size: int = 28) -> str:
    """A segment or temporary file name from the OS's randomness."""
    return "".join(secrets.choice(whoosh.util.IDCHARS) for _ in range(size))


# Whoosh names new segments with the global `random` module: a program (or a test framework)
# that seeds it makes two segments get one name, the second overwriting the first's files.
for _module in (
    whoosh.util,
    whoosh.codec.base,
    whoosh.filedb.filestore,
    whoosh.filedb.compound,
    whoosh.writing,
):
    _module.random_name = _unique_name

POINTER = "CURRENT"
LOCK = "swap.lock"
JOURNAL = "journal-"
GENERATION = "gen-"
PENDING = "pending"
PENDING_ALL = "all"  # a note for more ids than a file name holds: every hit is checked
PENDING_MAX_IDS = 16
SYNONYMS = "SYNONYMS"  # in a generation: fingerprint of the synonyms it was indexed with
_POLL = 0.05


class IndexStore:
    """The generations of one index directory."""

    def __init__(self, root: str | os.PathLike, lock_timeout: float = 30):
        """Manage the index kept under `root` (created when first written)."""
        self.root = Path(root)
        self.lock_timeout = lock_timeout

    # Reading -------------------------------------------------------------------------------

    def stamp(self):
        """Something that changes whenever CURRENT is replaced (None when there is none)."""
        try:
            info = (self.root / POINTER).stat()
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns

    def current(self) -> str | None:
        """Name of the generation in use, or None."""
        try:
            name = (self.root / POINTER).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return name if name.startswith(GENERATION) and "/" not in name else None

    def open(self):
        """Open the generation in use; SearchUnavailable if it is missing or unreadable."""
        return self._opening(lambda storage: storage.open_index())

    def open_searcher(self):
        """A searcher on the generation in use (SearchUnavailable as for `open`)."""
        return self._opening(lambda storage: storage.open_index().searcher())

    def _opening(self, operation):
        """Run `operation(storage)` on the generation in use, closing every file it opened if
        it fails (Whoosh leaves a damaged TOC file open, for one)."""
        name = self.current()
        if name is None:
            raise SearchUnavailable(
                f"there is no search index in {self.root} yet: run `flask search reindex`"
            )
        storage = _TrackingStorage(str(self.root / name))
        try:
            return operation(storage)
        except Exception as error:  # any failure to open means the same thing to the user
            storage.close_opened()
            raise unavailable(self.root / name, error) from error
        finally:
            storage.opened = None

    def open_generation(self, name: str):
        """Open the index of generation `name` (one being built, typically)."""
        return whoosh_index.open_dir(str(self.root / name))

    # Writing -------------------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the swap lock (waits at most lock_timeout seconds)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a+b") as handle:
            deadline = time.monotonic() + self.lock_timeout
            while not _try_lock(handle):
                if time.monotonic() > deadline:
                    raise SearchUnavailable(
                        f"the search index in {self.root} stayed locked for "
                        f"{self.lock_timeout:g} s (a rebuild or a stuck writer?)"
                    )
                time.sleep(_POLL)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def open_or_create(self, synonyms: str):
        """Open the generation in use, creating an empty one if there is none (hold the lock)."""
        if self.current() is None:
            self.switch(self.new_generation(synonyms))
        return self.open()

    def new_generation(self, synonyms: str) -> str:
        """Create an empty index in a new generation directory, noting the fingerprint of the
        synonyms its documents will be indexed with; return its name."""
        name = f"{GENERATION}{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}"
        path = self.root / name
        path.mkdir(parents=True)
        FileStorage(str(path)).create_index(make_schema())
        (path / SYNONYMS).write_text(synonyms, encoding="ascii")
        return name

    def synonyms(self, name: str) -> str | None:
        """The synonyms fingerprint generation `name` was built with (None if unknown)."""
        try:
            return (self.root / name / SYNONYMS).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None

    def switch(self, name: str) -> None:
        """Make generation `name` the one in use (atomic rename; hold the lock)."""
        temporary = self.root / f"{POINTER}.{secrets.token_hex(4)}"
        temporary.write_text(name + "\n", encoding="ascii")
        os.replace(temporary, self.root / POINTER)
        _sync_directory(self.root)

    def prune(self, keep: set[str]) -> None:
        """Delete generations other than `keep` and those being built (hold the lock)."""
        building = {p.name[len(JOURNAL) :] for p in self.root.glob(f"{JOURNAL}*")}
        for path in self.root.glob(f"{GENERATION}*"):
            if path.name not in keep | building:
                shutil.rmtree(path, ignore_errors=True)

    def discard(self, name: str) -> None:
        """Delete an unfinished generation and its journal."""
        (self.root / f"{JOURNAL}{name}").unlink(missing_ok=True)
        shutil.rmtree(self.root / name, ignore_errors=True)

    def leftovers(self, grace: float) -> list[str]:
        """Journals, generations and pointer files not in use and unchanged for `grace`
        seconds (what a rebuild that stopped without finishing leaves)."""
        if not self.root.is_dir():
            return []
        current, now, found = self.current(), time.time(), []
        for path in self.root.iterdir():
            name = path.name
            if name == current or now - _tree_mtime(path) < grace:
                continue
            if name.startswith((JOURNAL, GENERATION, f"{POINTER}.")):
                found.append(name)
        return sorted(found)

    def remove(self, names: list[str]) -> None:
        """Delete these entries of the folder (hold the lock)."""
        for name in names:
            path = self.root / name
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    # Journal of changes made during a rebuild -----------------------------------------------

    def start_journal(self, name: str) -> None:
        """Start recording changes for generation `name` (hold the lock)."""
        (self.root / f"{JOURNAL}{name}").write_bytes(b"")

    def record(self, operation: str, payload) -> None:
        """Append a change to the journal of every rebuild in progress (hold the lock)."""
        for path in self.root.glob(f"{JOURNAL}*"):
            with open(path, "ab") as handle:
                pickle.dump((operation, payload), handle)

    def replay(self, name: str) -> Iterator[tuple[str, object]]:
        """The changes recorded for generation `name`, in order; the journal is then removed."""
        path = self.root / f"{JOURNAL}{name}"
        with open(path, "rb") as handle:
            while True:
                try:
                    yield pickle.load(handle)  # written by this module only, in our own dir
                except EOFError:
                    break
        path.unlink()


class PendingNotes:
    """The notes of changes on their way to the index, in `root`/pending (see the module
    docstring). Files are created and deleted whole, so no lock is needed."""

    def __init__(self, root: Path):
        """Notes kept under `root` (the index directory)."""
        self.folder = root / PENDING
        self._read: dict[str, frozenset[int] | None] = {}  # note name -> its ids (None: all)

    def add(self, ids) -> str:
        """Make a note naming `ids` (None: any document); return its name. Raises OSError if
        it cannot be made."""
        ids = None if ids is None else sorted({int(i) for i in ids})
        named = (
            PENDING_ALL if ids is None or len(ids) > PENDING_MAX_IDS else ".".join(map(str, ids))
        )
        name = f"{time.time_ns()}-{os.getpid()}-{secrets.token_hex(4)}-{named}"
        self.folder.mkdir(parents=True, exist_ok=True)
        os.close(os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        # The database's commit is durable; the note that guards it must be too.
        _sync_directory(self.folder)
        return name

    def remove(self, name: str) -> None:
        """Delete a note (gone already is fine)."""
        (self.folder / name).unlink(missing_ok=True)

    def ids(self) -> frozenset[int] | None:
        """The ids named by the notes, or None when every hit must be checked: a note for
        many ids, or a folder that cannot take notes (read-only, immutable), whose writers'
        changes may be missing from the index without a note saying so."""
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return frozenset() if os.access(self.folder.parent, os.W_OK) else None
        except OSError:
            return None
        if not os.access(self.folder, os.W_OK):
            return None
        if not names:
            self._read.clear()
            return frozenset()
        found: set[int] = set()
        for name in names:
            if name not in self._read:
                self._read[name] = _note_ids(name)
            ids = self._read[name]
            if ids is None:
                return None
            found |= ids
        for name in set(self._read) - set(names):
            del self._read[name]
        return frozenset(found)

    def settled(self, margin: float) -> list[str]:
        """The notes whose change is in the database or never will be: made by a process that
        has ended (it committed, if at all, before it died), or more than `margin` seconds ago
        (longer than any commit waits). An index built after this call holds their changes."""
        try:
            names = os.listdir(self.folder)
        except OSError:
            return []
        oldest = (time.time() - margin) * 1e9
        found = []
        for name in names:
            made, pid = (name.split("-") + ["", ""])[:2]
            if made.isdigit() and pid.isdigit() and (int(made) < oldest or not _alive(int(pid))):
                found.append(name)
        return found


def _alive(pid: int) -> bool:
    """Whether process `pid` is running (on this host, where the index folder is)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # running, as another user
        return True
    return True


def _note_ids(name: str) -> frozenset[int] | None:
    """The ids a note's name carries (None for "all", or a name this module did not make)."""
    named = name.split("-", 3)[-1]
    parts = named.split(".")
    if named == PENDING_ALL or not all(part.isdigit() for part in parts):
        return None
    return frozenset(int(part) for part in parts)


class _TrackingStorage(FileStorage):
    """A FileStorage remembering the files it opens until told to stop (`opened = None`)."""

    def __init__(self, path: str):
        """Storage in `path`, tracking from the start."""
        super().__init__(path)
        self.opened: list | None = []

    def open_file(self, name, **kwargs):
        """Open a file, remembering it while tracking."""
        handle = super().open_file(name, **kwargs)
        if self.opened is not None:
            self.opened.append(handle)
        return handle

    def close_opened(self) -> None:
        """Close every file opened while tracking."""
        for handle in self.opened or ():
            try:
                handle.close()
            except Exception:  # already closed, or unclosable: nothing more to do
                pass


def unavailable(path, error: BaseException) -> SearchUnavailable:
    """The error raised when the index at `path` cannot be read."""
    return SearchUnavailable(
        f"the search index in {path} is damaged or incomplete ({type(error).__name__}: "
        f"{error}); run `flask search reindex` to rebuild it"
    )


def _try_lock(handle) -> bool:
    """Take the exclusive lock if it is free."""
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _sync_directory(path: Path) -> None:
    """Flush a directory entry change to disk (best effort)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _tree_mtime(path: Path) -> float:
    """The latest modification time of a file or of anything in a folder (0 if unreadable)."""
    if path.is_dir():
        return max([_mtime(path), *(_mtime(p) for p in path.rglob("*"))])
    return _mtime(path)


def _mtime(path: Path) -> float:
    """A path's modification time, 0 when it vanished."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0

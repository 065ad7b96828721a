"""Where the Whoosh index lives on disk, and how it is replaced without stopping searches.

Layout of the index directory::

    CURRENT              name of the generation in use (replaced atomically)
    gen-<time>-<rand>/   one complete Whoosh index per generation (+ SYNONYMS, see below)
    journal-<gen>        changes made while generation <gen> is being built
    swap.lock            held while writing and while switching generations

A rebuild fills a new generation directory nobody reads, then switches CURRENT to it: a
search running meanwhile keeps its old, complete generation. Writers hold `swap.lock` (an
fcntl lock, so it works across processes) for the whole write and also record their change in
the journal of every rebuild in progress; the rebuild replays its journal under the same lock
just before switching, so no change made during a rebuild is lost.

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

"""The work done on a kept file after its upload, as background jobs (library/jobs.py): its
pictures (thumbnails, a video's frame), a PDF's page images and reading view, and the light
renditions of a video or an audio file."""

from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from library import jobs
from library.catalog import media, reading, renditions
from library.extensions import db
from library.models import Material, Rendition, StoredFile
from library.storage import get_storage

PICTURES, PAGES, VIDEO, AUDIO = "pictures", "pages", "video", "audio"
# Page images drawn ahead of readers: the first pages, as many as the page shows, each at the
# width the page shows it and large (PDF_PAGE_WIDTH, PDF_FULL_PAGE_WIDTH: 900 and 2000 px).
# No reader's request draws one (library/catalog/files.py).
# WebP effort (0-6; Pillow's default 4): the large images at 2, twice as fast for 3 % more bytes.
PAGE_METHOD = 4
FULL_PAGE_METHOD = 2
MAX_PAGES_SHOWN = 30
KINDS_BY_FAMILY = {
    "image": (PICTURES,),
    "pdf": (PICTURES, PAGES),
    "video": (PICTURES, VIDEO),
    "audio": (AUDIO,),
}


def queue_for(stored: StoredFile) -> None:
    """Ask for all the work a newly kept file needs."""
    jobs.queue_jobs(stored, KINDS_BY_FAMILY.get(stored.family, ()))


def source_path(stored: StoredFile) -> Path:
    """The kept file itself; a job whose file has gone cannot be done."""
    storage = get_storage()
    path = storage.path(storage.key_for(stored.sha256, stored.extension))
    if not path.is_file():
        raise jobs.JobFailed("missing_file", f"{path} is missing")
    return path


def make_pictures(job, stored: StoredFile, report) -> None:
    """Thumbnails and social preview (a video without a readable frame simply has none)."""
    path = source_path(stored)
    media.make_thumbnails(path, stored.family, get_storage().derived_path(stored.sha256, ""))


def make_pages(job, stored: StoredFile, report) -> None:
    """The PDF's text for search, the page images its page shows, then its reading view."""
    path = source_path(stored)
    stored.text = media.pdf_text(path)
    # The materials showing it are indexed again, now with its text.
    for material in db.session.scalars(select(Material).where(Material.file_id == stored.id)):
        flag_modified(material, "title")
    db.session.commit()
    report(10)
    count = shown_pages(stored)
    for number in range(1, count + 1):
        make_page_images(stored, path, number)
        report(10 + 80 * number / (count + 1))
    stored.reading = reading.extract(path)
    db.session.flush()


def shown_pages(stored: StoredFile) -> int:
    """How many of a PDF's pages its page shows as images (the first ones)."""
    return min(stored.page_count or 0, MAX_PAGES_SHOWN)


def page_image_name(number: int, full: bool = False) -> str:
    return f"page-{number}-full.webp" if full else f"page-{number}.webp"


def page_image_names(stored: StoredFile) -> list[str]:
    """Every page image a PDF's page job makes, normal and large."""
    count = shown_pages(stored)
    return [page_image_name(n, full) for n in range(1, count + 1) for full in (False, True)]


def make_page_images(stored: StoredFile, path: Path, number: int) -> None:
    """One page drawn at each width (those already made are left), each written whole under a
    temporary name (media.save_whole). Drawing a page again at 900 px costs a sixth of shrinking
    the 2000 px one; the large one, fetched only to zoom, is encoded faster (FULL_PAGE_METHOD)."""
    storage, config = get_storage(), current_app.config
    for name, width, method in (
        (page_image_name(number, full=True), config["PDF_FULL_PAGE_WIDTH"], FULL_PAGE_METHOD),
        (page_image_name(number), config["PDF_PAGE_WIDTH"], PAGE_METHOD),
    ):
        target = storage.derived_path(stored.sha256, name)
        if target.is_file():
            continue
        image = media.render_pdf_page(path, number - 1, width)
        if image is None:  # a page that cannot be drawn: the page links to the file instead
            return
        media.save_whole(image, target, "WEBP", quality=75, method=method)


jobs.RUNNERS.update({PICTURES: make_pictures, PAGES: make_pages})


def make_video(job, stored: StoredFile, report) -> None:
    """The 360p rendition of a video, and the 720p one when the video is larger."""
    _make_renditions(stored, "video", report)


def make_audio(job, stored: StoredFile, report) -> None:
    """The light rendition of an MP3 or M4A."""
    _make_renditions(stored, "audio", report)


def _make_renditions(stored: StoredFile, family: str, report) -> None:
    path = source_path(stored)
    try:
        profiles = renditions.profiles_for(path, family)
        share = len(profiles)
        for index, profile in enumerate(profiles):
            made = renditions.make(
                path,
                get_storage().derived_path(stored.sha256, profile.filename),
                profile,
                lambda done, index=index: report(100 * (index + done) / share),
            )
            _keep_rendition(stored, profile, made)
    except renditions.Undecodable as error:
        raise jobs.JobFailed("undecodable", str(error)[:2000]) from error


def _keep_rendition(stored: StoredFile, profile, made) -> None:
    row = next((r for r in stored.renditions if r.name == profile.name), None)
    if row is None:
        row = Rendition(file=stored, name=profile.name)
        db.session.add(row)
    row.mime_type, row.extension = profile.mime_type, profile.extension
    row.size, row.sha256, row.bitrate = made.size, made.sha256, made.bitrate
    row.width, row.height = made.width, made.height
    db.session.flush()


jobs.RUNNERS.update({VIDEO: make_video, AUDIO: make_audio})


def queue_rendition_again(rendition: Rendition) -> None:
    """A rendition whose file went missing or changed: forgotten, and made again by its job
    (`flask doctor`)."""
    stored = rendition.file
    db.session.delete(rendition)
    jobs.queue_jobs(stored, [VIDEO if stored.family == "video" else AUDIO])

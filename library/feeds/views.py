"""Atom feeds, sitemap.xml and robots.txt."""

from flask import Response, abort, current_app

from library.addresses import public_url
from library.areas import all_areas
from library.extensions import db
from library.feeds import atom, bp, services
from library.feeds import sitemap as sitemaps
from library.models import Area

ATOM = "application/atom+xml; charset=utf-8"


@bp.route("/feed.atom")
def site_feed():
    """Atom feed of the newest materials of the whole library."""
    materials = services.latest_materials(current_app.config["FEED_SIZE"])
    body = atom.build_feed(
        "Thư viện học tập mở — tài liệu mới",
        public_url("catalog.home"),
        public_url("feeds.site_feed"),
        materials,
    )
    return Response(body, content_type=ATOM)


@bp.route("/areas/<code>/feed.atom")
def area_feed(code: str):
    """Atom feed of the newest materials of one learning area."""
    area = db.session.get(Area, code) or abort(404)
    materials = services.latest_materials(current_app.config["FEED_SIZE"], area=code)
    body = atom.build_feed(
        f"{area.name_vi} — Thư viện học tập mở",
        public_url("catalog.area", code=code),
        public_url("feeds.area_feed", code=code),
        materials,
    )
    return Response(body, content_type=ATOM)


@bp.route("/sitemap.xml")
def sitemap():
    """sitemap.xml for search engines: the list itself, or past one file's limit an index of
    the numbered files."""
    fixed = sitemaps.fixed_pages(all_areas())
    plan = services.sitemap_plan(len(fixed))
    if not plan.needs_index:
        return _xml(sitemaps.build_urlset(sitemaps.file_entries(plan, 1, fixed)))
    changes = services.sitemap_file_changes(plan)
    # A file of fixed pages only (home, areas) changes with what they show: the latest change.
    latest = max(changes.values(), default=None)
    files = [
        (public_url("feeds.sitemap_file", number=n), changes.get(n, latest))
        for n in range(1, plan.files + 1)
    ]
    return _xml(sitemaps.build_index(files))


@bp.route("/sitemap-<id:number>.xml")
def sitemap_file(number: int):
    """One numbered file of the sitemap index; a number past the last is not found."""
    fixed = sitemaps.fixed_pages(all_areas())
    plan = services.sitemap_plan(len(fixed))
    if number > plan.files:
        abort(404)
    return _xml(sitemaps.build_urlset(sitemaps.file_entries(plan, number, fixed)))


def _xml(body: bytes) -> Response:
    return Response(body, content_type="application/xml; charset=utf-8")


@bp.route("/robots.txt")
def robots():
    """robots.txt for crawlers."""
    return Response(sitemaps.robots_txt(), content_type="text/plain; charset=utf-8")

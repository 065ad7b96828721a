"""The installable web app: its manifest, the service worker that keeps pages for reading
without a network, and the page listing what this phone has saved (kept in the browser only:
the server never learns what a worker saved)."""

from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_file, url_for
from flask_login import current_user

bp = Blueprint("offline", __name__)

STATIC = Path(__file__).resolve().parents[2] / "static"
# Sent with pages of a signed-in editor: the service worker keeps none of them, so a shared
# phone does not show one person's management pages to the next.
NO_KEEP = "X-Offline-Keep"


@bp.get("/manifest.webmanifest")
def manifest():
    """What a phone needs to install the library as an app."""
    icons = [
        {
            "src": url_for("static", filename=f"img/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any maskable",
        }
        for size in (192, 512)
    ]
    body = {
        "name": "Thư viện học tập mở",
        "short_name": "Thư viện",
        "description": "Tài liệu học tập mở cho công nhân lao động tại doanh nghiệp",
        "lang": "vi",
        "start_url": url_for("catalog.home"),
        "scope": url_for("catalog.home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "icons": icons,
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so that it may answer for every page."""
    response = send_file(STATIC / "js" / "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def saved():
    """The materials saved on this phone (listed by static/js/offline.js from its storage), and
    the page shown for an address opened without a network that was never saved."""
    return render_template("offline/saved.html")


def saved_files(material) -> list[str]:
    """What "Lưu để đọc khi không có mạng" keeps of a material: its page (reading view, legal
    digest, player) and the pictures it shows; not the download itself, which may be large."""
    from library.catalog import media
    from library.catalog.pictures import lead_picture
    from library.catalog.processing import MAX_PAGES_SHOWN
    from library.templating import has_picture

    files = [url_for("catalog.material", material_id=material.id)]
    stored = material.file
    if stored is not None and stored.family == "pdf":
        shown = min(stored.page_count or 0, MAX_PAGES_SHOWN)
        files += [
            url_for("catalog.pdf_page", file_id=stored.id, number=n) for n in range(1, shown + 1)
        ]
    elif stored is not None and has_picture(stored) and stored.family in ("image", "video"):
        files.append(url_for("catalog.medium", file_id=stored.id))
        if stored.family == "image":
            # A poster is shown at the width its screen asks for (srcset): keep each.
            files += [
                url_for("catalog.medium_sized", file_id=stored.id, width=width)
                for width in media.MEDIUM_WIDTHS
            ]
    elif material.video_url:
        # Any of them may be shown, by the screen's width and density (srcset).
        lead = lead_picture(material)
        files += [candidate.split(" ")[0] for candidate in lead.srcset.split(", ")]
    return files


def register(app) -> None:
    """The template helper, and mark the pages the service worker must not keep."""
    app.jinja_env.globals["offline_files"] = saved_files

    @app.after_request
    def keep_only_public_pages(response):
        if request.endpoint != "static" and current_user.is_authenticated:
            response.headers[NO_KEEP] = "no"
        return response

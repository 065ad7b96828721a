"""Pages, stylesheets and scripts sent gzipped to browsers that accept it: on slow 3G a page's
text is most of what stands before its first picture (a material's page, its stylesheet and
scripts are about 40 KiB as they are, 12 KiB gzipped).

Pages for signed-in users are sent as they are: they carry a CSRF token beside text a visitor
may choose (a search), which compression would let an eavesdropper guess (BREACH). Static files
are compressed once per worker and kept while the file is unchanged; behind nginx, which serves
/static/ itself, its `gzip` does the same (docs/deployment.md).
"""

import gzip
import os
from functools import lru_cache

from flask import current_app, request
from flask_login import current_user
from werkzeug.security import safe_join

TYPES = {
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/ld+json",
    "application/manifest+json",
    "application/xml",
    "application/atom+xml",
    "image/svg+xml",
}
SMALLEST = 1024  # below this the gzip header and a round trip's worth of bytes gain nothing
LEVEL = 6


def register(app) -> None:
    """Compress what the app answers, after every other hook has had its say."""
    app.after_request(compress)


def compress(response):
    """The response gzipped when the browser accepts it and it is worth it."""
    if not _compressible(response):
        return response
    response.vary.add("Accept-Encoding")
    # Static files hold no secret (and need no look-up of who is signed in).
    if request.endpoint != "static" and current_user.is_authenticated:
        return response
    if response.direct_passthrough:
        body = _static_body()
        if body is None:
            return response
        response.close()  # the file it would have streamed
        response.direct_passthrough = False
    elif response.is_streamed:
        return response  # sent as it is made (an export): kept so, not gathered here
    else:
        data = response.get_data()
        if len(data) < SMALLEST:
            return response
        body = gzip.compress(data, LEVEL, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    # Another representation of the same resource: a weak validator still matches it.
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


def _compressible(response) -> bool:
    return (
        response.status_code == 200
        and request.method == "GET"
        and response.mimetype in TYPES
        and "Content-Encoding" not in response.headers
        and "Range" not in request.headers
        and "gzip" in request.headers.get("Accept-Encoding", "")
    )


def _static_body() -> bytes | None:
    """The gzipped bytes of the static file this request asked for (None for other files)."""
    if request.endpoint != "static":
        return None
    path = safe_join(current_app.static_folder, request.view_args["filename"])
    if path is None or not os.path.isfile(path):
        return None
    facts = os.stat(path)
    if facts.st_size < SMALLEST:
        return None
    return _gzipped_file(path, facts.st_mtime_ns, facts.st_size)


@lru_cache(maxsize=64)
def _gzipped_file(path: str, mtime_ns: int, size: int) -> bytes:
    """Kept under the file's time and size, so a changed file is compressed again."""
    with open(path, "rb") as file:
        return gzip.compress(file.read(), LEVEL, mtime=0)

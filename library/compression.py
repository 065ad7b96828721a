"""Pages, stylesheets and scripts sent compressed (gzip) to browsers that accept it: on slow 3G a
page's text is most of what stands before its first picture (a material's page, its stylesheet
and scripts are about 40 KiB as they are, 12 KiB gzipped).

Flask-Compress does the compressing, the choice among the encodings a browser accepts, `Vary`,
the ETag of the compressed copy and the 304 against it. This module sets it up and keeps the
rules it has no setting for, so it calls the extension itself rather than letting it register:

- Pages for signed-in users are sent as they are: they carry a CSRF token beside text a visitor
  may choose (a search), which compression would let an eavesdropper guess (BREACH). Static files
  hold no secret and are compressed for everyone.
- Only whole 200 answers to GET, never a Range request (its bytes are of the file as stored).
- Streamed answers (an export) are sent as they are made, not gathered (COMPRESS_STREAMS off).
  A static file, which Flask sends as a stream, is read into the answer first when it is text
  worth compressing; behind nginx, which serves /static/ itself, its `gzip` does the same
  (docs/deployment.md).
"""

from flask import current_app, request
from flask_compress import Compress
from flask_login import current_user

DEFAULTS = {
    # Text only (Flask-Compress's own list lacks JSON-LD and has fonts and icons we never serve).
    "COMPRESS_MIMETYPES": [
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
    ],
    # Below this the header and a round trip's worth of bytes gain nothing.
    "COMPRESS_MIN_SIZE": 1024,
    "COMPRESS_LEVEL": 6,
    # gzip, which every browser reads; "br,gzip" adds brotli (FLASK_COMPRESS_ALGORITHM).
    "COMPRESS_ALGORITHM": "gzip",
}


def register(app) -> None:
    """Set up Flask-Compress and compress what the app answers, after every other hook."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    # The rules below depend on these two: not settings.
    app.config["COMPRESS_REGISTER"] = False
    app.config["COMPRESS_STREAMS"] = False
    # One per app: the extension keeps the app's settings on itself when it is attached.
    app.extensions["compress"] = Compress(app)
    app.after_request(compress)


def compress(response):
    """The response compressed by Flask-Compress when it may be and the browser accepts it."""
    if response.status_code != 200 or request.method != "GET" or "Range" in request.headers:
        return response
    if request.endpoint == "static":
        _read_static_file(response)
    elif current_user.is_authenticated:
        # A signed-out visitor's copy of the same address is compressed.
        response.vary.add("Accept-Encoding")
        return response
    return current_app.extensions["compress"].after_request(response)


def _read_static_file(response) -> None:
    """The file a static answer would stream, read into it when it is text worth compressing."""
    config = current_app.config
    if (
        response.direct_passthrough
        and response.mimetype in config["COMPRESS_MIMETYPES"]
        and (response.content_length or 0) >= config["COMPRESS_MIN_SIZE"]
    ):
        file = response.response
        response.direct_passthrough = False
        try:
            response.set_data(b"".join(file))
        finally:
            file.close()  # now, not when the answer is done: nothing else will read it

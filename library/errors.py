"""Domain errors raised by services, and the one place HTTP errors are rendered."""

import errno
import logging

from flask import abort, jsonify, make_response, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal the user should read; views turn it into a message or a JSON error."""

    status = 400
    code = "bad_request"

    def __init__(self, message=None, errors: dict | None = None, **extra):
        self.message = str(message or self.default_message())
        self.errors = errors or {}
        self.extra = extra
        super().__init__(self.message)

    def default_message(self):
        return _l("Yêu cầu không hợp lệ.")

    def __str__(self) -> str:
        details = "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        return f"{self.message} {details}".strip()

    def to_json(self) -> dict:
        payload = {"error": self.code, "message": self.message}
        if self.errors:
            payload["fields"] = {k: str(v) for k, v in self.errors.items()}
        payload.update(self.extra)
        return payload


class ValidationFailed(DomainError):
    status = 422
    code = "invalid"

    def default_message(self):
        return _l("Thông tin chưa hợp lệ, vui lòng kiểm tra lại.")


class FileRejected(ValidationFailed):
    """An upload refused for its content; status says why (413 too large, 415 wrong type)."""

    code = "file_rejected"

    def __init__(self, message, status: int = 422, **extra):
        super().__init__(message, errors={"file": message}, **extra)
        self.status = status


class DuplicateFile(ValidationFailed):
    code = "duplicate_file"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"

    def default_message(self):
        return _l("Bạn không có quyền thực hiện thao tác này.")


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def default_message(self):
        return _l("Không tìm thấy.")


class StorageUnavailable(DomainError):
    """Files cannot be written now (disk full, folder unwritable): nothing was saved."""

    status = 503
    code = "storage_unavailable"

    def default_message(self):
        return _l(
            "Máy chủ không lưu được tệp lúc này (hết chỗ hoặc không ghi được). Tài liệu chưa "
            "được lưu; vui lòng thử lại sau hoặc báo quản trị viên."
        )


# Errors of the file system that mean "cannot write now", not a bug.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
RETRY_AFTER = "30"


class InvalidTransition(DomainError):
    status = 409
    code = "invalid_state"


HTTP_MESSAGES = {
    400: _l("Yêu cầu không hợp lệ."),
    401: _l("Bạn cần đăng nhập."),
    403: _l("Bạn không có quyền xem trang này."),
    404: _l("Không tìm thấy trang bạn cần."),
    405: _l("Phương thức không được hỗ trợ."),
    410: _l("Tài liệu này đã được thu hồi."),
    413: _l("Tệp quá lớn."),
    415: _l("Loại tệp không được hỗ trợ."),
    422: _l("Thông tin chưa hợp lệ."),
    429: _l("Bạn thao tác quá nhanh, vui lòng thử lại sau ít phút."),
    500: _l("Đã có lỗi xảy ra. Chúng tôi đã ghi nhận và sẽ khắc phục."),
}


def wants_json() -> bool:
    """API paths, the play beacon and every `.json` address always answer JSON (a page's
    script reads them); pages answer HTML."""
    return request.path.startswith(("/api/", "/track/")) or request.path.endswith(".json")


def error_response(status: int, code: str, message: str, extra: dict | None = None):
    """Render one error as JSON for the API or as a Vietnamese page for people."""
    if wants_json():
        payload = {"error": code, "message": str(message), **(extra or {})}
        return jsonify(payload), status
    return render_template("errors/error.html", status=status, message=message), status


def _retry_later(response):
    """The answer with Retry-After: the fault is expected to pass."""
    response = make_response(response)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def _holds_nul(value) -> bool:
    """Whether a string, or any string inside a JSON value, holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading a body nested too deep to parse as invalid JSON (a 400 where the
    body is required, nothing where it is optional) instead of failing with a RecursionError."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def refuse_nul_characters():
    """No text a person types holds a NUL character, and PostgreSQL refuses one in any text it
    is given: a request carrying one (path, query, form or JSON body) is a clear 400 at once."""
    if "\x00" in request.path:
        abort(404)  # no page has such a name
    if request.path.startswith("/oai"):
        return  # OAI-PMH answers badArgument itself, as the protocol says
    if any(_holds_nul(v) for v in _all_values(request.args)):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            if _holds_nul(request.get_json(silent=True)):
                abort(400)
        elif any(_holds_nul(v) for v in _all_values(request.form)):
            abort(400)


# The names under which a form or an API call sends a file (catalog's MaterialForm.file, and
# MaterialForm.captions for a video's or an audio's captions).
FILE_FIELDS = {"file", "captions"}


def refuse_unexpected_bodies():
    """Only the API reads JSON, and a file comes only under a file field's name. A page form
    sent JSON (Flask-WTF would read any shape of it as the form), or a file under a text
    field's name, would reach code that expects text: such a request is a clear 400 at once."""
    if request.files and any(name not in FILE_FIELDS for name in request.files):
        abort(400)
    if request.is_json and request.blueprint != "api" and request.method != "GET":
        abort(400)


def _all_values(multidict):
    return (value for _, values in multidict.lists() for value in values)


def register(app) -> None:
    """Install the error handlers."""

    app.before_request(refuse_nul_characters)
    app.before_request(refuse_unexpected_bodies)
    app.json = BoundedJSONProvider(app)

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        from library.extensions import db

        db.session.rollback()
        extra = {k: v for k, v in err.to_json().items() if k not in ("error", "message")}
        return error_response(err.status, err.code, err.message, extra)

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        message = _l("Phiên làm việc đã hết hạn. Vui lòng tải lại trang và thử lại.")
        return error_response(400, "csrf_failed", message)

    @app.errorhandler(SecurityError)
    def untrusted_host(err: SecurityError):
        """A Host that is not in TRUSTED_HOSTS: no URL can be built for it, so the answer is a
        short text rather than a page (whose links would need one)."""
        if wants_json():
            return jsonify({"error": "untrusted_host", "message": str(HTTP_MESSAGES[400])}), 400
        message = str(_l("Địa chỉ trang (tên máy chủ) không được chấp nhận."))
        return message, 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if err.code is None or err.code < 400:
            return err
        fallback = HTTP_MESSAGES[500] if err.code >= 500 else HTTP_MESSAGES[400]
        message = HTTP_MESSAGES.get(err.code, fallback)
        code = (err.name or "error").lower().replace(" ", "_")
        response = make_response(error_response(err.code, code, message))
        # What the error itself says besides its page: 405's Allow, 401's WWW-Authenticate,
        # 416's Content-Range (the file's length, for a player that asked past its end).
        for name, value in err.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(OperationalError)
    def database_unavailable(err: OperationalError):
        """The database is locked past the busy timeout, or cannot be opened for a moment:
        nothing was saved; the visitor is asked to try again."""
        from library.extensions import db

        log.warning("database unavailable on %s %s: %s", request.method, request.path, err.orig)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection itself may be gone
            db.session.remove()
        message = _l("Hệ thống đang bận, dữ liệu chưa được lưu. Vui lòng thử lại sau ít phút.")
        return _retry_later(error_response(503, "database_unavailable", message))

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(err: StorageUnavailable):
        from library.extensions import db

        db.session.rollback()
        return _retry_later(error_response(err.status, err.code, err.message))

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        from library.extensions import db

        db.session.rollback()
        return error_response(500, "internal_error", HTTP_MESSAGES[500])

    app.register_error_handler(InternalServerError, unexpected)

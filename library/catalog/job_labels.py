"""How the page words a file's background jobs for its editors."""

from flask_babel import lazy_gettext as _l

RUNNING = {
    "pictures": _l("Đang tạo ảnh xem trước…"),
    "pages": _l("Đang tạo ảnh trang và bản đọc…"),
    "video": _l("Đang xử lý video…"),
    "audio": _l("Đang xử lý âm thanh…"),
}
QUEUED = {
    "pictures": _l("Chờ tạo ảnh xem trước."),
    "pages": _l("Chờ tạo ảnh trang và bản đọc."),
    "video": _l("Chờ xử lý video (bản nhẹ cho điện thoại)."),
    "audio": _l("Chờ xử lý âm thanh (bản nhẹ cho điện thoại)."),
}
FAILED = {
    "pictures": _l("Không tạo được ảnh xem trước."),
    "pages": _l("Không tạo được ảnh trang và bản đọc."),
    "video": _l("Không tạo được bản video nhẹ; bản gốc vẫn xem được."),
    "audio": _l("Không tạo được bản âm thanh nhẹ; bản gốc vẫn nghe được."),
}
RETRY = _l("Sẽ thử lại:")
REASONS = {
    "undecodable": _l("Tệp không giải mã được (hỏng hoặc mã hoá không hỗ trợ)."),
    "disk_full": _l("Ổ đĩa của máy chủ đã đầy."),
    "missing_file": _l("Không tìm thấy tệp gốc trên máy chủ."),
    "interrupted": _l("Quá trình xử lý bị dừng giữa chừng nhiều lần."),
    "too_large": _l("Video quá lớn để xử lý."),
    "error": _l("Lỗi không mong muốn; quản trị viên xem chi tiết bằng “flask jobs status”."),
}


def job_message(job) -> str:
    """ "Đang xử lý video… 40 %", "Chờ …", or what failed and why (a retry to come says so)."""
    if job.status == "running":
        return f"{RUNNING.get(job.kind, job.kind)} {job.progress} %"
    reason = REASONS.get(job.reason, REASONS["error"]) if job.reason else ""
    if job.status == "failed":
        return f"{FAILED.get(job.kind, job.kind)} {reason}"
    if reason:
        return f"{QUEUED.get(job.kind, job.kind)} {RETRY} {reason}"
    return str(QUEUED.get(job.kind, job.kind))

"""How many attempts each attack category makes, for the reliability report.

.venv/bin/python -m tests.security.attempts     (or: cd tests && python -m security.attempts)
"""

import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parents[1])]

from security import (  # noqa: E402
    conftest,
    test_counting_inflation,
    test_csrf,
    test_hostile_uploads,
    test_permission_matrix,
    test_stored_xss,
)


def counts() -> dict[str, int]:
    from library import create_app

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    writes = len(test_csrf.page_writes(app))
    uploads = test_hostile_uploads
    return {
        "permission matrix: routes": len(test_permission_matrix.MATRIX),
        "permission matrix: route x actor requests": len(test_permission_matrix.MATRIX)
        * len(conftest.ACTORS),
        "stored XSS: payloads": len(test_stored_xss.PAYLOADS),
        "stored XSS: fields": len(test_stored_xss.FIELDS),
        "stored XSS: payload x field": len(test_stored_xss.PAYLOADS) * len(test_stored_xss.FIELDS),
        "CSRF: page write routes": writes,
        "CSRF: refused posts (no token, bad token; 4 actors)": writes * 2 * 4,
        "uploads: polyglot images": len(uploads.POLYGLOTS) + 1,
        "uploads: PDFs with active content": len(uploads.ACTIVE),
        "uploads: archives as documents, PDF compression bomb": len(uploads.ARCHIVES) + 1,
        "uploads: file names": len(uploads.NAMES),
        **{
            f"counting inflation: {name}": n
            for name, n in test_counting_inflation.method_count().items()
        },
    }


if __name__ == "__main__":
    for name, number in counts().items():
        print(f"{name}: {number}")

"""Sending e-mail: by SMTP when MAIL_SERVER is set, otherwise into an outbox.

The outbox is a list in app.extensions["mail_outbox"] (read by the tests) and, outside testing,
one .eml file per message in MAIL_OUTBOX_DIR (instance/outbox): a developer opens the reset
link from there. A message is never written to the log: it may carry a secret link.

send_after_commit() keeps a message with the database session and sends it only once the
session's transaction commits (after the answer has gone out, within a request): a change that
is rolled back mails no one, and a slow mail server does not hold the page.
"""

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from flask import after_this_request, current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from library.extensions import db

OUTBOX = "mail_outbox"
QUEUED = "mail_after_commit"


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if config.get("MAIL_SERVER"):
        _smtp(message, config)
        return
    current_app.extensions.setdefault(OUTBOX, []).append(message)
    if not current_app.testing:
        folder = Path(config["MAIL_OUTBOX_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = folder / f"{stamp}.eml"
        path.write_bytes(bytes(message))
        path.chmod(0o600)


def send_after_commit(to: str, subject: str, body: str) -> None:
    """Send one message once the current database transaction has committed."""
    db.session().info.setdefault(QUEUED, []).append((to, subject, body))


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    if session.in_nested_transaction():
        return
    messages = session.info.pop(QUEUED, None)
    if not messages:
        return
    app = current_app._get_current_object()
    if not has_request_context():
        _deliver(app, messages)
        return

    @after_this_request
    def later(response):
        response.call_on_close(lambda: _deliver(app, messages))
        return response


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(QUEUED, None)


def _deliver(app, messages) -> None:
    """Send each message; one that fails is logged (without its text) and the others go on."""
    with app.app_context():
        for to, subject, body in messages:
            try:
                send_mail(to, subject, body)
            except OSError:
                app.logger.exception("e-mail not sent")


def outbox() -> list[EmailMessage]:
    """The messages kept instead of sent (development and tests)."""
    return current_app.extensions.setdefault(OUTBOX, [])


def _smtp(message: EmailMessage, config) -> None:
    port = int(config.get("MAIL_PORT") or 587)
    with smtplib.SMTP(config["MAIL_SERVER"], port, timeout=20) as smtp:
        if config.get("MAIL_USE_TLS", True):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)

"""Sending e-mail: by SMTP when MAIL_SERVER is set, otherwise into an outbox.

The outbox is a list in app.extensions["mail_outbox"] (read by the tests) and, outside testing,
one .eml file per message in MAIL_OUTBOX_DIR (instance/outbox): a developer opens the reset
link from there. A message is never written to the log: it may carry a secret link.
"""

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

OUTBOX = "mail_outbox"


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

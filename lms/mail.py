"""Sending e-mail through one layer: SMTP when configured, else the console and an outbox."""

from __future__ import annotations

import sys

from flask import current_app, render_template
from flask_mailman import EmailMessage
from flask_mailman.backends.file import EmailBackend as FileEmailBackend


class EmailBackend(FileEmailBackend):
    """Development backend: each message is printed and also kept in the outbox folder."""

    def write_message(self, message):
        super().write_message(message)
        text = message.message().as_bytes().decode("utf-8", "replace")
        sys.stdout.write(f"\n--- e-mail (not sent: no MAIL_SERVER configured) ---\n{text}\n")
        sys.stdout.flush()


def mail_backend_for(config: dict) -> str:
    if config.get("MAIL_BACKEND"):
        return config["MAIL_BACKEND"]
    return "smtp" if config.get("MAIL_SERVER") else "lms.mail.EmailBackend"


def send_mail(to: str | list[str], subject: str, template: str, **context) -> None:
    """Render `templates/mail/<template>.txt` and send it as a plain-text message."""
    recipients = [to] if isinstance(to, str) else list(to)
    body = render_template(f"mail/{template}.txt", **context)
    EmailMessage(
        subject=subject,
        body=body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=recipients,
    ).send()

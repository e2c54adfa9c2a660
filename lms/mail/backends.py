"""Where mail goes when no SMTP server is configured: the console and a folder."""

from __future__ import annotations

import sys

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
    return "smtp" if config.get("MAIL_SERVER") else "lms.mail.backends.EmailBackend"

"""Putting a message in the outbox: a row in the caller's transaction, sent after it commits."""

from __future__ import annotations

from email.utils import make_msgid

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy.orm import Session

from lms.mail.models import OutboxMessage

# Ids written in this session's transaction, so the request that wrote them can send them as
# soon as it commits (see lms.web).
SESSION_KEY = "outbox_message_ids"


def enqueue(session: Session, to: str, subject: str, template: str, **context) -> OutboxMessage:
    """Render `templates/mail/<template>.txt` (and `.html` where it exists) for one recipient
    and keep it in the outbox. Nothing is sent until the caller's transaction commits."""
    body_text = render_template(f"mail/{template}.txt", **context)
    try:
        body_html = render_template(f"mail/{template}.html", **context)
    except TemplateNotFound:
        body_html = None
    message = OutboxMessage(
        recipient=to,
        subject=subject[:200],
        body_text=body_text,
        body_html=body_html,
        template=template,
        message_id=make_msgid(domain=current_app.config["MAIL_MESSAGE_ID_DOMAIN"]),
    )
    session.add(message)
    session.flush()
    session.info.setdefault(SESSION_KEY, []).append(message.id)
    return message


def take_enqueued_ids(session: Session) -> list[int]:
    """The ids enqueued in the session's transaction since the last call (and forget them)."""
    return session.info.pop(SESSION_KEY, [])

"""Putting a message in the outbox: a row in the caller's transaction, sent after it commits."""

from __future__ import annotations

import re
from email.utils import make_msgid, parseaddr

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from sqlalchemy.orm import Session

from lms.i18n import current_language
from lms.mail.models import OutboxMessage
from lms.mail.recipient import as_recipient

# Ids written in this session's transaction, so the request that wrote them can send them as
# soon as it commits (see lms.web).
SESSION_KEY = "outbox_message_ids"


# `enqueue(..., recipient=...)` not given: the message is written in the current language.
_AS_IT_IS = object()


def enqueue(
    session: Session, to: str, subject, template: str, *, recipient=_AS_IT_IS, **context
) -> OutboxMessage:
    """Render `templates/mail/<template>.txt` (and `.html` where it exists, else the text in
    the shared HTML layout) for one recipient and keep it in the outbox. Nothing is sent
    until the caller's transaction commits.

    With `recipient` (her account, or None for someone who has none yet), the subject (a
    lazy string) and the text are written in her language and time zone (lms.mail.recipient)."""
    if recipient is _AS_IT_IS:
        return _keep(session, to, str(subject), template, context)
    with as_recipient(session, recipient):
        return _keep(session, to, str(subject), template, context)


def sender_name() -> str:
    """The name messages are sent and signed with (MAIL_DEFAULT_SENDER's): one neutral name
    for every message, so a shared inbox shows nothing of what the site is about."""
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[0] or "Alongside"


def _keep(session: Session, to: str, subject: str, template: str, context: dict) -> OutboxMessage:
    context.setdefault("signature", sender_name())
    body_text = render_template(f"mail/{template}.txt", **context)
    try:
        body_html = render_template(
            f"mail/{template}.html", subject=subject, lang=_language(), **context
        )
    except TemplateNotFound:
        body_html = html_of_text(body_text, subject)
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


_ADDRESS = re.compile(r"^https?://\S+$")


def html_of_text(body_text: str, subject: str) -> str:
    """The HTML part of a message written only as text: the same words in the shared layout
    (templates/mail/layout.html), paragraph by paragraph, each address on a line of its own a
    link. Escaped by the template like anything else."""
    paragraphs = [
        [
            {"text": line, "href": line if _ADDRESS.match(line) else None}
            for line in (raw.strip() for raw in block.splitlines())
            if line
        ]
        for block in re.split(r"\n\s*\n", body_text.strip())
    ]
    return render_template(
        "mail/_plain.html",
        subject=subject,
        lang=_language(),
        paragraphs=[p for p in paragraphs if p],
    )


def _language() -> str:
    """The language the message is written in (the recipient's, inside `as_recipient`), as
    `<html lang>` names it."""
    return current_language().tag


def take_enqueued_ids(session: Session) -> list[int]:
    """The ids enqueued in the session's transaction since the last call (and forget them)."""
    return session.info.pop(SESSION_KEY, [])

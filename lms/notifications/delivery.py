"""Addresses in a message: a page's path and the site's address, in a request or a command
alike. (Who the message is written for is `lms.mail.recipient`.)"""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for


def link(endpoint: str, **values) -> str | None:
    """The path of a page, in a request or a command alike (None if it cannot be built)."""
    if has_request_context():
        return url_for(endpoint, **values)
    try:
        return current_app.url_map.bind("localhost").build(endpoint, values)
    except Exception:
        return None


def absolute(url: str | None) -> str | None:
    """`url` with the site's address: the request's, or PUBLIC_BASE_URL in a command."""
    if not url:
        return url
    if has_request_context():
        return request.host_url.rstrip("/") + url
    return current_app.config.get("PUBLIC_BASE_URL", "") + url

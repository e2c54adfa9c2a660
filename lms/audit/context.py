"""Who is acting, wherever the action comes from (a web request, the command line, a test).

The web layer sets it per request and the CLI per command, so domain functions can record
audit events without knowing about Flask.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    ip_address: str | None = None


_current: ContextVar[Actor] = ContextVar("alongside_actor", default=Actor())  # noqa: B039 - Actor is frozen


def current_actor() -> Actor:
    return _current.get()


def set_actor(actor: Actor):
    return _current.set(actor)


def reset_actor(token) -> None:
    _current.reset(token)


@contextmanager
def acting_as(user_id: int | None, ip_address: str | None = None):
    token = _current.set(Actor(user_id, ip_address))
    try:
        yield
    finally:
        _current.reset(token)

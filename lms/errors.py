"""Errors the domain raises. Their messages are written for the person using the product."""

from lms.i18n import _


class DomainError(Exception):
    """A request that cannot be carried out as asked; the message says why, plainly."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("You do not have permission to do that."))


class NotFound(DomainError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("We could not find that."))


class Conflict(DomainError):
    """Someone else changed the same thing first."""

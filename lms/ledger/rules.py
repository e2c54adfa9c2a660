"""Who may erase a person: whoever may disable her account (an administrator of every
organisation she belongs to), never herself."""

from __future__ import annotations

from lms.accounts.models import User
from lms.permissions import can, rule


@rule("person.erase")
def _erase_person(user: User, person: User) -> bool:
    return person.id != user.id and can(user, "user.disable", person)

"""The authorisation table: every route of the app, who may use it, on their own
organisation's data and on another's.

Each capability lists its routes in a module here (`ROUTES`) and, when its URLs need
objects, a `build(world)` that adds them to the shared world. `tests/test_authorisation.py`
checks the table against the app's URL map (a route missing here fails the suite) and
exercises every row through HTTP for every kind of person.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

# The people the table speaks of. Each holds one role in partner A (admin: in A's franchisor);
# "other_trainee" is a second trainee in A, for things that belong to one trainee.
SUBJECTS = (
    "anonymous",
    "trainee",
    "other_trainee",
    "assessor",
    "iqa",
    "coordinator",
    "admin",
    "eqa",
)
STAFF = frozenset({"assessor", "iqa", "coordinator", "admin"})
EVERYONE_SIGNED_IN = frozenset(SUBJECTS) - {"anonymous"}


@dataclass
class World:
    """Organisations and people for the table; capabilities add their objects to `objects`."""

    orgs: dict[str, Any]
    people: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)


UrlArgs = Callable[[World, str], dict]


@dataclass(frozen=True)
class Route:
    endpoint: str
    # Who may use it on their own organisation's objects ("public" routes need no sign-in).
    allowed: frozenset[str] = frozenset()
    public: bool = False
    # URL arguments for a scope: "own" (partner A) or "foreign" (partner C, another franchise).
    url_args: UrlArgs | None = None
    # Who may use it on the foreign organisation's objects (almost always nobody).
    foreign_allowed: frozenset[str] = frozenset()
    form: dict = field(default_factory=dict)
    # Token-authenticated API routes are exempt from CSRF; say why where it is used.
    csrf_exempt: bool = False
    # Statuses that count as "allowed" besides 2xx/3xx (e.g. 400 for a POST with an empty form).
    allowed_statuses: frozenset[int] = frozenset({400, 409, 422})
    # The route ends the session, so its success is a redirect to the sign-in page.
    signs_out: bool = False
    # The route is authenticated by a bearer token (the API), not by the session: each
    # subject calls it with a token made for her role in her organisation
    # (`world.objects["api_tokens"]`), and anonymous callers get a 401 JSON answer.
    bearer: bool = False
    # Another organisation's objects answer exactly as ids that do not exist: everyone refused
    # there gets the same status and page as for a missing id (a 404 for anyone whose role
    # may use the route at home), so no answer confirms that another organisation's record
    # exists. Set for a capability's routes with `hiding_foreign`.
    hides_foreign: bool = False


def hiding_foreign(routes: Iterable[Route]) -> list[Route]:
    """`routes`, each checked to answer for another organisation's ids as for missing ones."""
    return [replace(route, hides_foreign=True) for route in routes]


_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')


def answer(response) -> tuple[int, str]:
    """A response's status and body, the per-request CSRF token left out: two answers equal
    here tell the person exactly the same thing."""
    return response.status_code, _CSRF_VALUE.sub(r'\1"', response.get_data(as_text=True))


def all_modules():
    for info in pkgutil.iter_modules(__path__):
        yield importlib.import_module(f"{__name__}.{info.name}")


def all_routes() -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for module in all_modules():
        for route in getattr(module, "ROUTES", []):
            assert route.endpoint not in routes, f"{route.endpoint} listed twice"
            routes[route.endpoint] = route
    return routes


def build_world(world: World) -> World:
    for module in all_modules():
        if hasattr(module, "build"):
            module.build(world)
    return world


def assert_answers_as_missing(client, url: str, missing_url: str, method: str = "GET") -> None:
    """`url` (another organisation's record) is answered exactly like `missing_url` (the same
    address naming nothing): a 404 with the same page, so it does not confirm the record."""
    answers = []
    for address in (url, missing_url):
        response = client.open(address, method=method)
        answers.append(answer(response))
        response.close()
    assert answers[0][0] == 404, f"{method} {url}: {answers[0][0]}"
    assert answers[0] == answers[1], f"{method} {url} answers unlike {missing_url}"

"""The partners' API (bearer tokens; anonymous callers get 401 JSON) and token management."""

from sqlalchemy import select

from lms.accounts.models import memberships_of
from lms.api.models import PersonalAccessToken
from lms.extensions import db
from tests.factories import api_token
from tests.routes import EVERYONE_SIGNED_IN, Route, hiding_foreign

CSRF_EXEMPT = True  # token requests carry no cookie a forged cross-site request could ride on


def build(world):
    """A token for every subject, made for the role she holds; the own coordinator's token
    and the foreign coordinator's token are the ones revoked."""
    session = db.session
    world.objects["api_tokens"] = {}
    for subject, person in world.people.items():
        membership = memberships_of(person)[0]
        world.objects["api_tokens"][subject] = api_token(
            session, person, membership.organisation, membership.role, name=f"{subject} system"
        )
    world.objects["token_ids"] = {
        scope: session.scalar(
            select(PersonalAccessToken.id).where(
                PersonalAccessToken.user_id == world.people[name].id
            )
        )
        for scope, name in (("own", "coordinator"), ("foreign", "foreign_coordinator"))
    }


def _trainee(world, scope):
    return {"trainee_id": world.people["trainee" if scope == "own" else "foreign_trainee"].id}


def _token(world, scope):
    return {"token_id": world.objects["token_ids"][scope]}


COORDINATOR = frozenset({"coordinator"})

ROUTES = hiding_foreign(
    [
        Route("api.openapi", public=True),
        Route("api.list_cohorts", allowed=COORDINATOR, bearer=True, csrf_exempt=CSRF_EXEMPT),
        Route("api.list_trainees", allowed=COORDINATOR, bearer=True, csrf_exempt=CSRF_EXEMPT),
        Route("api.enrol_trainees", allowed=COORDINATOR, bearer=True, csrf_exempt=CSRF_EXEMPT),
        Route(
            "api.trainee",
            allowed=COORDINATOR,
            bearer=True,
            csrf_exempt=CSRF_EXEMPT,
            url_args=_trainee,
        ),
        Route("api_tokens.index", allowed=EVERYONE_SIGNED_IN),
        Route("api_tokens.create", allowed=EVERYONE_SIGNED_IN),
        Route("api_tokens.revoke", allowed=COORDINATOR, url_args=_token),
    ]
)

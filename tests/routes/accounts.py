from lms.accounts import member_invitations
from lms.accounts.roles import Role
from lms.extensions import db
from tests.routes import EVERYONE_SIGNED_IN, STAFF, Route, hiding_foreign


def build(world):
    """An invitation waiting in partner A (own) and in partner C (foreign)."""
    for key in ("A", "C"):
        invitation = member_invitations.invite(
            db.session, world.orgs[key], f"invited-{key.lower()}@example.org", "Ivy", [Role.IQA]
        )
        world.objects[f"member_invitation_{key}"] = invitation.id
    db.session.commit()


def _member_invitation(world, scope):
    key = "A" if scope == "own" else "C"
    return {
        "slug": world.orgs[key].slug,
        "invitation_id": world.objects[f"member_invitation_{key}"],
    }


def _org(world, scope):
    return {"slug": world.orgs["A" if scope == "own" else "C"].slug}


def _member(world, scope):
    if scope == "own":
        return {"slug": world.orgs["A"].slug, "user_id": world.people["trainee"].id}
    return {"slug": world.orgs["C"].slug, "user_id": world.people["foreign_trainee"].id}


def _member_role(world, scope):
    return {**_member(world, scope), "role": "trainee"}


ROUTES = hiding_foreign(
    [
        Route("static", public=True, url_args=lambda w, s: {"filename": "css/site.css"}),
        Route("core.home", public=True),
        Route("core.healthz", public=True),
        Route("core.favicon", public=True),
        Route("accounts.login", public=True),
        Route("accounts.forgot_password", public=True),
        Route(
            "accounts.reset_password",
            public=True,
            url_args=lambda w, s: {"token": "not-a-token"},
            allowed_statuses=frozenset({400}),
        ),
        Route("accounts.logout", allowed=EVERYONE_SIGNED_IN, signs_out=True),
        Route("accounts.account", allowed=EVERYONE_SIGNED_IN),
        Route("accounts.change_password", allowed=EVERYONE_SIGNED_IN),
        Route("accounts.sign_out_everywhere", allowed=EVERYONE_SIGNED_IN),
        # Without a right password moments ago in this browser, it sends back to sign in.
        Route("accounts.second_step_sign_in", public=True),
        Route("accounts.second_step_settings", allowed=STAFF),
        Route("accounts.second_step_start", allowed=STAFF),
        Route("accounts.second_step_confirm", allowed=STAFF),
        Route("accounts.second_step_new_codes", allowed=STAFF),
        Route("accounts.second_step_off", allowed=STAFF),
        Route(
            "organisations.join",
            public=True,
            url_args=lambda w, s: {"token": "not-a-token"},
            allowed_statuses=frozenset({400}),
        ),
        Route(
            "organisations.withdraw_member_invitation",
            allowed=frozenset({"coordinator", "admin"}),
            url_args=_member_invitation,
        ),
        Route("organisations.admin_home", allowed=frozenset({"admin"})),
        Route("organisations.create_partner", allowed=frozenset({"admin"})),
        Route("organisations.audit_log", allowed=frozenset({"admin"})),
        Route("organisations.members", allowed=frozenset({"coordinator", "admin"}), url_args=_org),
        Route(
            "organisations.remove_role",
            allowed=frozenset({"coordinator", "admin"}),
            url_args=_member_role,
        ),
        Route(
            "organisations.resend_invitation",
            allowed=frozenset({"coordinator", "admin"}),
            url_args=_member,
        ),
        Route(
            "organisations.set_access",
            allowed=frozenset({"admin"}),
            url_args=_member,
            form={"disable": "0"},
        ),
    ]
)

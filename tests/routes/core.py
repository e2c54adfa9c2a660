"""The language menu (for everyone, signed in or not) and an organisation's time zone (its
administrators')."""

from tests.routes import Route, hiding_foreign


def _org(world, scope):
    return {"slug": world.orgs["A" if scope == "own" else "C"].slug}


ROUTES = hiding_foreign(
    [
        Route("core.set_language", public=True, form={"language": "ca", "next": "/"}),
        Route(
            "core.time_zone",
            allowed=frozenset({"admin"}),
            url_args=_org,
            form={"time_zone": "Europe/Madrid"},
        ),
    ]
)

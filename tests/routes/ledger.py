from tests.routes import Route, hiding_foreign


def _member(world, scope):
    if scope == "own":
        return {"slug": world.orgs["A"].slug, "user_id": world.people["trainee"].id}
    return {"slug": world.orgs["C"].slug, "user_id": world.people["foreign_trainee"].id}


ROUTES = hiding_foreign(
    [
        Route(
            "ledger.erase",
            allowed=frozenset({"admin"}),
            url_args=_member,
            form={"rule": "request", "confirm": "y"},
        ),
    ]
)

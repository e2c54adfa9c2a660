"""Privacy routes. Her information, its download and who has looked at her work read only the
person signed in: everyone signed in has her own, and no URL names anyone else's (the archive's
contents are checked in tests/privacy/). The quick exit is for everyone, signed in or not."""

from tests.routes import EVERYONE_SIGNED_IN, Route, hiding_foreign


def _org(world, scope):
    return {"slug": world.orgs["A" if scope == "own" else "C"].slug}


ROUTES = hiding_foreign(
    [
        Route("privacy.your_information", allowed=EVERYONE_SIGNED_IN),
        Route("privacy.download", allowed=EVERYONE_SIGNED_IN),
        Route("privacy.looks", allowed=EVERYONE_SIGNED_IN),
        Route("privacy.private_browsing", public=True),
        # Not the usual CSRF token alone: a token that expired while the page stayed open must
        # not stop a quick exit, so the browser's Origin header also shows that the request
        # came from this site (tests/privacy/test_quick_exit.py).
        Route("privacy.quick_exit", public=True, csrf_exempt=True),
        Route(
            "privacy.organisation_settings",
            allowed=frozenset({"admin"}),
            url_args=_org,
            form={"neutral_page_titles": "y"},
        ),
    ]
)

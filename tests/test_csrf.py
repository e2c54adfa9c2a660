"""Every state-changing route refuses a request without a CSRF token."""

import pytest

from tests.routes import all_routes
from tests.test_authorisation import app_routes, make_world

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def test_state_changing_routes_need_a_csrf_token(app, signed_in):
    world = make_world()
    routes = all_routes()
    client = signed_in(world.people["admin"])
    checked = 0
    for endpoint, methods in sorted(app_routes(app).items()):
        route = routes[endpoint]
        for method in sorted(methods & STATE_CHANGING):
            if route.csrf_exempt:
                continue
            with app.test_request_context():
                from flask import url_for

                url = url_for(endpoint, **(route.url_args(world, "own") if route.url_args else {}))
            response = client.open(url, method=method, data=route.form)
            assert response.status_code == 400, f"{method} {url} accepted a request without a token"
            assert b"expired" in response.data
            checked += 1
    assert checked >= 5

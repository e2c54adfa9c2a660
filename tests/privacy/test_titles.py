"""Trainees' page titles are neutral where their organisation keeps them so (the default)."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.accounts import operations as accounts
from lms.accounts.models import Organisation
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.factories import FranchisorFactory, PartnerFactory, member


def _title(client, url: str) -> str:
    return re.search(r"<title>(.*?)</title>", client.get(url).get_data(as_text=True)).group(1)


def test_new_organisations_keep_trainees_titles_neutral(app, session):
    franchisor = FranchisorFactory()
    partner = accounts.create_organisation(session, "northside", "Northside", franchisor=franchisor)
    assert partner.neutral_page_titles is True


def test_a_trainees_pages_are_titled_with_the_site_name_alone(app, signed_in):
    partner = PartnerFactory()
    trainee = signed_in(member(partner, Role.TRAINEE))
    coordinator = signed_in(member(partner, Role.COORDINATOR))
    for url in ("/account", "/my/information", "/notifications"):
        assert _title(trainee, url) == "Alongside", url
    assert _title(coordinator, "/account") == "Your account \N{EN DASH} Alongside"
    # Without the setting, she sees each page's own title.
    partner.neutral_page_titles = False
    db.session.commit()
    assert _title(trainee, "/account") == "Your account \N{EN DASH} Alongside"


def test_someone_who_is_a_trainee_anywhere_with_the_setting_gets_neutral_titles(signed_in):
    neutral, plain = PartnerFactory(), PartnerFactory(neutral_page_titles=False)
    person = member(plain, Role.ASSESSOR)
    from tests.factories import MembershipFactory

    MembershipFactory(user=person, organisation=neutral, role=Role.TRAINEE)
    assert _title(signed_in(person), "/account") == "Alongside"


def test_an_administrator_turns_the_setting_off_and_on(app, signed_in):
    franchisor = FranchisorFactory()
    partner = PartnerFactory(franchisor=franchisor)
    admin = signed_in(member(franchisor, Role.ADMIN))
    page = admin.get(f"/organisations/{partner.slug}/privacy").get_data(as_text=True)
    assert re.search(r'<input[^>]* checked [^>]*name="neutral_page_titles"', page)
    # An unticked box is not sent at all (the token is, but tests leave CSRF off).
    response = admin.post(f"/organisations/{partner.slug}/privacy", data={"csrf_token": "-"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, partner.id).neutral_page_titles is False
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "organisation.neutral_page_titles_changed")
    )
    assert event.detail == {"on": False}
    admin.post(f"/organisations/{partner.slug}/privacy", data={"neutral_page_titles": "y"})
    db.session.expire_all()
    assert db.session.get(Organisation, partner.id).neutral_page_titles is True


def test_the_admin_form_adds_a_partner_with_the_setting_on_by_default(app, signed_in):
    franchisor = FranchisorFactory()
    admin = signed_in(member(franchisor, Role.ADMIN))
    assert "Neutral page titles" in admin.get("/admin/").get_data(as_text=True)
    admin.post(
        "/admin/organisations",
        data={"name": "Eastside", "slug": "eastside", "neutral_page_titles": "y"},
    )
    admin.post("/admin/organisations", data={"name": "Westside", "slug": "westside"})  # unticked
    found = dict(
        db.session.execute(select(Organisation.slug, Organisation.neutral_page_titles)).all()
    )
    assert found["eastside"] is True
    assert found["westside"] is False

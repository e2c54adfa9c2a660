"""A revoked award reaches every reader: the API, the franchise and partner overviews, cohort
progress and its exports, charts, the certificate itself, the cohort archive, claims, and the
badges of the units it was made from. Each test follows one reader, as people use it."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.accreditation.claims import claim_csv, claimable, create_claim
from lms.accreditation.keys import b64url_decode
from lms.accreditation.models import IssuedCredential, QualificationAward
from lms.accreditation.operations import revoke_award
from lms.accreditation.statuslist import bitstring_from_credential
from lms.audit.models import AuditEvent
from lms.db import utcnow
from lms.franchise import overview, progress
from tests.factories import CohortFactory, PartnerFactory, api_token, member
from tests.factories.accreditation import (
    achieve,
    complete,
    enrol_trainee,
    make_qualification,
    staff_for,
)
from tests.test_api import validate

REASON = "Evidence for unit A2 was found not to be her own work."


@pytest.fixture
def revoked(session):
    """Spring cohort at Northside: Amira's award was revoked; Bethany's stands."""
    partner = PartnerFactory(name="Northside Women's Centre", slug="northside")
    qualification = make_qualification()
    staff = staff_for(partner)
    cohort = CohortFactory(organisation=partner, course=qualification.course, name="Spring")
    amira = enrol_trainee(
        qualification, partner, cohort=cohort, display_name="Amira Hassan", email="a@example.org"
    )
    bethany = enrol_trainee(
        qualification, partner, cohort=cohort, display_name="Bethany Cole", email="b@example.org"
    )
    complete(session, qualification, amira, staff)
    complete(session, qualification, bethany, staff)
    admin = member(partner.franchisor, Role.ADMIN)
    awards = {a.enrolment_id: a for a in session.scalars(select(QualificationAward))}
    revoke_award(session, awards[amira.id], revoked_by=admin, reason=REASON)
    session.commit()
    return {
        "partner": partner,
        "qualification": qualification,
        "staff": staff,
        "cohort": cohort,
        "amira": amira,
        "bethany": bethany,
        "amira_award": awards[amira.id],
        "bethany_award": awards[bethany.id],
        "admin": admin,
        "coordinator": member(partner, Role.COORDINATOR),
    }


def _progress_url(world, suffix=""):
    return f"/organisations/northside/cohorts/{world['cohort'].id}/progress{suffix}"


def _payload(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


# --- the API ----------------------------------------------------------------------------------


def test_the_api_answers_revoked_not_achieved(session, client, revoked):
    token = api_token(session, revoked["coordinator"], revoked["partner"], Role.COORDINATOR)
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/trainees", headers=headers).get_json()["data"]
    by_name = {item["trainee"]["name"]: item["accreditation"] for item in listed}
    assert by_name["Amira Hassan"]["status"] == "revoked"
    assert by_name["Amira Hassan"]["achieved_at"] is None
    assert by_name["Amira Hassan"]["revoked_at"] is not None
    assert by_name["Bethany Cole"]["status"] == "achieved"
    assert by_name["Bethany Cole"]["revoked_at"] is None

    record = client.get(f"/api/v1/trainees/{revoked['amira'].user_id}", headers=headers)
    assert record.get_json()["data"]["enrolments"][0]["accreditation"]["status"] == "revoked"

    achieved = client.get("/api/v1/trainees?status=achieved", headers=headers).get_json()["data"]
    assert [item["trainee"]["name"] for item in achieved] == ["Bethany Cole"]
    only_revoked = client.get("/api/v1/trainees?status=revoked", headers=headers)
    assert [item["trainee"]["name"] for item in only_revoked.get_json()["data"]] == ["Amira Hassan"]

    document = client.get("/api/v1/openapi.json").get_json()
    for response in (record, only_revoked):
        validate(document, response)


# --- the franchisor's and the partner's overviews ------------------------------------------------


def test_the_overview_does_not_count_a_revoked_award_as_completed(session, signed_in, revoked):
    summary = overview.partner_overview(session, revoked["partner"], utcnow().date()).partners[0]
    assert summary.trainees == 2
    assert summary.achieved == 1
    assert summary.completion_rate == 50
    assert len(summary.days_to_award) == 1

    page = signed_in(revoked["admin"]).get("/admin/franchise").get_data(as_text=True)
    assert '50% <span class="muted">(1 of 2)</span>' in page
    partner = signed_in(revoked["admin"]).get("/organisations/northside/training")
    text = partner.get_data(as_text=True)
    assert "50% (1 of 2 ever enrolled)" in text
    assert "1 award revoked" in text


def test_the_partner_charts_leave_out_a_revoked_award(session, revoked):
    summary = overview.partner_overview(session, revoked["partner"], utcnow().date()).partners[0]
    by_status, achieved = overview.partner_charts(session, summary)
    assert dict(by_status.rows)["Achieved"] == 1
    assert dict(by_status.rows)["Award revoked"] == 1
    assert achieved.rows[-1][1] == 1  # the running total of qualifications achieved


# --- cohort progress, its exports and its charts ---------------------------------------------


def test_the_progress_matrix_shows_the_award_revoked(session, signed_in, revoked):
    browser = signed_in(revoked["coordinator"])
    page = browser.get(_progress_url(revoked)).get_data(as_text=True)
    amira_row = page[page.index("Amira Hassan") : page.index("Bethany Cole")]
    assert "Award revoked" in amira_row
    assert "Achieved" not in amira_row
    achieved_only = browser.get(_progress_url(revoked, "?status=achieved")).get_data(as_text=True)
    assert "Bethany Cole" in achieved_only
    assert "Amira Hassan" not in achieved_only
    only_revoked = browser.get(_progress_url(revoked, "?status=revoked")).get_data(as_text=True)
    assert "Amira Hassan" in only_revoked
    assert "Bethany Cole" not in only_revoked

    report = progress.cohort_progress(session, revoked["cohort"], progress.ProgressFilters())
    assert report.status_counts["achieved"] == 1
    assert report.status_counts["revoked"] == 1
    achieved_chart = report.charts()[1]
    assert achieved_chart.rows[-1][1] == 1


def test_the_progress_exports_show_the_award_revoked(session, signed_in, revoked):
    browser = signed_in(revoked["coordinator"])
    text = browser.get(_progress_url(revoked, ".csv")).get_data(as_text=True)
    rows = {row[0]: row for row in csv.reader(io.StringIO(text.removeprefix("\ufeff")))}
    assert rows["Amira Hassan"][2] == "Award revoked"
    assert rows["Amira Hassan"][4] == ""  # not achieved
    assert rows["Bethany Cole"][2] == "Achieved"

    response = browser.get(_progress_url(revoked, ".xlsx"))
    data = response.data
    response.close()
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells["Amira Hassan"][2] == "Award revoked"
    assert cells["Amira Hassan"][4] is None


def test_the_cohort_page_shows_the_award_revoked(signed_in, revoked):
    page = signed_in(revoked["coordinator"]).get(
        f"/organisations/northside/cohorts/{revoked['cohort'].id}"
    )
    html = page.get_data(as_text=True)
    amira_row = html[html.index("Amira Hassan") : html.index("Bethany Cole")]
    assert "Award revoked" in amira_row


def test_her_own_learning_page_shows_the_award_revoked(session, signed_in, revoked):
    trainee = signed_in(session.get(User, revoked["amira"].user_id))
    page = trainee.get("/learning").get_data(as_text=True)
    assert "Award revoked" in page
    assert "· Achieved" not in page
    achievements = trainee.get("/my/achievements").get_data(as_text=True)
    assert "Revoked" in achievements
    assert "Download your certificate" not in achievements


# --- the certificate and the cohort archive ---------------------------------------------------


def test_a_revoked_certificate_is_not_downloaded_by_its_address(session, signed_in, revoked):
    trainee = session.get(User, revoked["amira"].user_id)
    for person in (trainee, revoked["coordinator"]):
        response = signed_in(person).get(f"/awards/{revoked['amira_award'].id}/certificate.pdf")
        assert response.status_code == 410
        assert response.mimetype == "text/html"
        assert not response.data.startswith(b"%PDF")
        text = response.get_data(as_text=True)
        assert "This certificate was revoked" in text
        assert REASON not in text
    standing = signed_in(revoked["coordinator"]).get(
        f"/awards/{revoked['bethany_award'].id}/certificate.pdf"
    )
    assert standing.status_code == 200
    assert standing.data.startswith(b"%PDF")


def test_the_cohort_archive_leaves_a_revoked_certificate_out(signed_in, revoked):
    response = signed_in(revoked["coordinator"]).get(
        f"/cohorts/{revoked['cohort'].id}/certificates.zip"
    )
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
    response.close()
    assert len(names) == 1
    assert names[0].startswith("Bethany-Cole")


# --- claims -----------------------------------------------------------------------------------


def _period():
    today = utcnow().date()
    return today - timedelta(days=30), today


def test_a_revoked_award_and_its_units_are_not_claimed(session, revoked):
    items = claimable(session, revoked["partner"], *_period())
    assert [award.enrolment_id for award in items.awards] == [revoked["bethany"].id]
    assert {unit.enrolment_id for unit in items.units} == {revoked["bethany"].id}


def test_an_award_revoked_after_it_was_claimed_is_flagged(session, signed_in, revoked):
    bethany_award = revoked["bethany_award"]
    claim = create_claim(session, revoked["partner"], *_period(), claimed_by=None)
    revoke_award(
        session,
        session.get(QualificationAward, bethany_award.id),
        revoked_by=revoked["admin"],
        reason="Awarded on evidence that was later withdrawn.",
    )
    session.commit()
    rows = list(csv.DictReader(io.StringIO(claim_csv(session, claim))))
    assert len(rows) == 4  # Bethany's three units and her qualification
    today = utcnow().date().isoformat()
    assert {row["Revoked on"] for row in rows} == {today}

    coordinator = signed_in(revoked["coordinator"])
    page = coordinator.get("/organisations/northside/claims").get_data(as_text=True)
    assert "4 revoked since this claim" in page
    download = coordinator.get(f"/organisations/northside/claims/{claim.id}.csv")
    text = download.data.decode("utf-8-sig")
    assert {row["Revoked on"] for row in csv.DictReader(io.StringIO(text))} == {today}


# --- the unit badges --------------------------------------------------------------------------


def test_revoking_an_award_revokes_the_badges_of_its_units(session, client, signed_in, revoked):
    amira, bethany = revoked["amira"], revoked["bethany"]
    amira_units = session.scalars(
        select(IssuedCredential).where(
            IssuedCredential.user_id == amira.user_id,
            IssuedCredential.unit_achievement_id.is_not(None),
        )
    ).all()
    assert len(amira_units) == 3
    for issued in amira_units:
        verdict = client.post("/api/credentials/verify", data=issued.jwt).get_json()
        assert verdict["revoked"] is True
        assert verdict["verified"] is False
    bethany_unit = session.scalar(
        select(IssuedCredential).where(
            IssuedCredential.user_id == bethany.user_id,
            IssuedCredential.unit_achievement_id.is_not(None),
        )
    )
    assert client.post("/api/credentials/verify", data=bethany_unit.jwt).get_json()["verified"]

    status = amira_units[0].credential["credentialStatus"]
    listed = _payload(
        client.get(status["statusListCredential"].removeprefix("http://alongside.test")).get_data(
            as_text=True
        )
    )
    award_credential = session.scalar(
        select(IssuedCredential).where(IssuedCredential.award_id == revoked["amira_award"].id)
    )
    expected = {
        int(c.credential["credentialStatus"]["statusListIndex"])
        for c in [*amira_units, award_credential]
    }
    assert set(bitstring_from_credential(listed).set_indexes()) == expected

    record = signed_in(revoked["coordinator"]).get(f"/records/{amira.id}")
    html = record.get_data(as_text=True)
    assert html.count("Revoked with the award") == 3
    assert "Credits achieved: 0 of 8" in html
    pdf = signed_in(revoked["coordinator"]).get(f"/records/{amira.id}/record.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert text.count("Revoked with the award") == 3
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "accreditation.revoked"))
    assert event.detail["units"] == 3


def test_a_unit_signed_off_after_the_revocation_stands(session, client, revoked):
    amira = revoked["amira"]
    later = achieve(session, amira, revoked["qualification"].units["B2"], revoked["staff"])
    # Signed off after the revocation: a fresh judgement, not part of what was revoked.
    issued = session.scalar(
        select(IssuedCredential).where(IssuedCredential.unit_achievement_id == later.id)
    )
    assert client.post("/api/credentials/verify", data=issued.jwt).get_json()["verified"]

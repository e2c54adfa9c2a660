"""Certificates, credentials, verification and revocation, as people use them over HTTP."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms.accounts.roles import Role
from lms.accreditation.codes import display_code
from lms.accreditation.keys import b64url_decode, b64url_encode
from lms.accreditation.models import Certificate, IssuedCredential, QualificationAward
from lms.accreditation.statuslist import bitstring_from_credential
from lms.assessment import quality
from lms.audit.models import AuditEvent
from lms.db import utcnow
from lms.web import MAX_ID
from tests.factories import CohortFactory, FranchisorFactory, PartnerFactory, member
from tests.factories.accreditation import (
    achieve,
    complete,
    enrol_trainee,
    make_qualification,
    staff_for,
)
from tests.routes import assert_answers_as_missing


def _payload(token: str) -> dict:
    """The contents of a signed document (its signature is checked elsewhere)."""
    return json.loads(b64url_decode(token.split(".")[1]))


@pytest.fixture
def awarded(session):
    """A trainee of Northside who has achieved the qualification, in a cohort."""
    partner = PartnerFactory(name="Northside Women's Centre", slug="northside")
    qualification = make_qualification()
    staff = staff_for(partner)
    cohort = CohortFactory(organisation=partner, course=qualification.course, name="Spring")
    enrolment = enrol_trainee(
        qualification,
        partner,
        cohort=cohort,
        display_name="Amira Hassan",
        date_of_birth="1990-04-02",
        email="amira@example.org",
    )
    complete(session, qualification, enrolment, staff)
    award = session.scalar(select(QualificationAward))
    certificate = session.scalar(select(Certificate))
    return {
        "partner": partner,
        "qualification": qualification,
        "staff": staff,
        "cohort": cohort,
        "enrolment": enrolment,
        "trainee": session.get(type(staff.assessor), enrolment.user_id),
        "award": award,
        "certificate": certificate,
        "credential": session.scalar(
            select(IssuedCredential).where(IssuedCredential.award_id == award.id)
        ),
        "coordinator": member(partner, Role.COORDINATOR),
        "admin": member(partner.franchisor, Role.ADMIN),
    }


def test_the_trainee_downloads_a_certificate_that_carries_its_code(signed_in, awarded):
    client = signed_in(awarded["trainee"])
    response = client.get(f"/awards/{awarded['award'].id}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    code = awarded["certificate"].verification_code
    assert display_code(code) in text
    assert f"/verify/{code}" in text
    assert "Amira Hassan" in text


def test_the_public_page_confirms_a_genuine_certificate_with_little_personal_data(client, awarded):
    code = awarded["certificate"].verification_code
    page = client.get(f"/verify/{code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "genuine and current" in html
    assert "Amira Hassan" in html
    assert awarded["qualification"].course.title in html
    assert "Northside Women&#39;s Centre" in html
    assert "1990-04-02" not in html
    assert "amira@example.org" not in html
    assert "Asha Assessor" not in html


def test_a_code_typed_loosely_finds_the_certificate(client, awarded):
    code = awarded["certificate"].verification_code
    typed = display_code(code).lower()
    response = client.get(f"/verify?code={typed}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{code}")
    assert client.get(f"/verify/{typed}").status_code == 302


@pytest.mark.parametrize("code", ["ABCD2345EFGH", "not-a-code", "%3Cscript%3E", "0" * 40])
def test_an_unknown_code_gets_a_clear_answer(client, awarded, code):
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404
    assert "We could not find that certificate" in response.get_data(as_text=True)


def test_a_mistyped_code_on_the_form_is_explained(client):
    response = client.get("/verify?code=hello")
    assert response.status_code == 200
    assert "That is not a verification code" in response.get_data(as_text=True)


def test_the_downloaded_credential_verifies_and_a_tampered_copy_does_not(
    client, signed_in, awarded
):
    trainee = signed_in(awarded["trainee"])
    credential_id = awarded["credential"].id
    downloaded = trainee.get(f"/credentials/{credential_id}.json")
    assert downloaded.status_code == 200
    assert downloaded.headers["Content-Disposition"].startswith("attachment;")
    envelope = downloaded.get_json()
    assert envelope["type"] == "EnvelopedVerifiableCredential"

    upload = {"upload": (io.BytesIO(downloaded.data), "badge.json")}
    page = client.post("/credentials/verify", data=upload, content_type="multipart/form-data")
    assert page.status_code == 200
    assert "This credential is genuine and current" in page.get_data(as_text=True)

    token = trainee.get(f"/credentials/{credential_id}.jwt").get_data(as_text=True)
    header, payload, signature = token.split(".")
    body = json.loads(b64url_decode(payload))
    body["credentialSubject"]["identifier"][0]["identityHash"] = "Somebody Else"
    tampered = ".".join([header, b64url_encode(json.dumps(body).encode()), signature])
    page = client.post("/credentials/verify", data={"credential": tampered})
    html = page.get_data(as_text=True)
    assert "could not be confirmed" in html
    assert "changed since it was issued" in html

    api = client.post("/api/credentials/verify", data=token)
    assert api.get_json()["verified"] is True
    assert api.get_json()["credential"]["recipient"] == "Amira Hassan"
    api = client.post("/api/credentials/verify", data=tampered)
    assert api.get_json()["verified"] is False


def test_rubbish_pasted_as_a_credential_gets_a_plain_answer(client):
    for rubbish in ["", "hello", "{]", "a.b.c"]:
        page = client.post("/credentials/verify", data={"credential": rubbish})
        assert page.status_code == 200
        assert "could not be confirmed" in page.get_data(as_text=True)


def test_issuer_keys_and_status_list_are_published(client, awarded):
    slug = awarded["partner"].slug
    profile = client.get(f"/issuers/{slug}").get_json()
    assert profile["type"] == ["Profile"]
    assert profile["id"].endswith(f"/issuers/{slug}")
    assert profile["parentOrg"]["name"] == awarded["partner"].franchisor.name
    jwks = client.get(f"/issuers/{slug}/jwks.json")
    assert jwks.headers["Access-Control-Allow-Origin"] == "*"
    (key,) = jwks.get_json()["keys"]
    assert (key["kty"], key["alg"]) == ("RSA", "RS256")
    assert key["kid"] == awarded["credential"].kid
    assert "d" not in key

    status = awarded["credential"].credential["credentialStatus"]
    listed = client.get(status["statusListCredential"].removeprefix("http://alongside.test"))
    assert listed.mimetype == "application/vc+jwt"
    document = _payload(listed.get_data(as_text=True))
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert bitstring_from_credential(document).set_indexes() == []

    achievement_url = awarded["credential"].credential["credentialSubject"]["achievement"]["id"]
    described = client.get(achievement_url.removeprefix("http://alongside.test")).get_json()
    assert described["achievementType"] == "Certificate"
    assert client.get("/issuers/nobody").status_code == 404
    assert client.get("/status-lists/9999").status_code == 404
    assert client.get("/achievements/NOPE/1").status_code == 404


def test_an_administrator_revokes_an_award_once(client, signed_in, awarded, session):
    admin = signed_in(awarded["admin"])
    award_id = awarded["award"].id
    form = admin.get(f"/awards/{award_id}/revoke")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "What happens if you revoke it" in page
    assert "is not sent a message" in page
    assert "What stays on record" in page
    assert "It cannot be undone." in page
    assert "Yes, revoke the award" in page

    refused = admin.post(f"/awards/{award_id}/revoke", data={"reason": ""})
    assert refused.status_code == 400
    assert "Please give the reason" in refused.get_data(as_text=True)

    reason = "Evidence for unit A2 was found not to be her own work."
    done = admin.post(f"/awards/{award_id}/revoke", data={"reason": reason})
    assert done.status_code == 303

    code = awarded["certificate"].verification_code
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "This certificate has been revoked" in page
    assert "her own work" not in page

    status = awarded["credential"].credential["credentialStatus"]
    document = _payload(
        client.get(status["statusListCredential"].removeprefix("http://alongside.test")).get_data(
            as_text=True
        )
    )
    # The award's entry, and those of the three unit badges revoked with it.
    revoked = session.scalars(select(IssuedCredential.status_index)).all()
    assert len(revoked) == 4
    assert int(status["statusListIndex"]) in revoked
    assert bitstring_from_credential(document).set_indexes() == sorted(revoked)

    verdict = client.post("/api/credentials/verify", data=awarded["credential"].jwt).get_json()
    assert verdict["verified"] is False
    assert verdict["revoked"] is True

    again = admin.post(f"/awards/{award_id}/revoke", data={"reason": reason})
    assert again.status_code == 400
    assert "already revoked" in again.get_data(as_text=True)

    record = admin.get(f"/records/{awarded['enrolment'].id}").get_data(as_text=True)
    assert "her own work" in record  # staff see the reason on the record
    trainee_view = signed_in(awarded["trainee"]).get(f"/records/{awarded['enrolment'].id}")
    assert "her own work" not in trainee_view.get_data(as_text=True)
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("accreditation.revoked") == 1


def test_a_coordinator_downloads_a_cohorts_certificates_in_one_archive(signed_in, awarded, session):
    second = enrol_trainee(
        awarded["qualification"],
        awarded["partner"],
        cohort=awarded["cohort"],
        display_name="Bethany Cole",
    )
    complete(session, awarded["qualification"], second, awarded["staff"])
    not_finished = enrol_trainee(
        awarded["qualification"], awarded["partner"], cohort=awarded["cohort"]
    )
    achieve(session, not_finished, awarded["qualification"].units["A1"], awarded["staff"])

    response = signed_in(awarded["coordinator"]).get(
        f"/cohorts/{awarded['cohort'].id}/certificates.zip"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert len(names) == 2
        assert any(name.startswith("Amira-Hassan") for name in names)
        for name in names:
            assert PdfReader(io.BytesIO(archive.read(name))).pages
    response.close()
    downloaded = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "accreditation.cohort_certificates_downloaded"
        )
    )
    assert downloaded.detail["certificates"] == 2


def test_another_organisations_records_answer_as_if_they_did_not_exist(signed_in, awarded):
    """Staff elsewhere get "not found", not "forbidden", which would confirm the record."""
    elsewhere = PartnerFactory(franchisor=FranchisorFactory())
    coordinator = signed_in(member(elsewhere, Role.COORDINATOR))
    administrator = signed_in(member(elsewhere.franchisor, Role.ADMIN))
    enrolment, award = awarded["enrolment"].id, awarded["award"].id
    credential, cohort = awarded["credential"].id, awarded["cohort"].id
    for client, url, missing in [
        (coordinator, f"/records/{enrolment}", f"/records/{MAX_ID}"),
        (coordinator, f"/records/{enrolment}/record.pdf", f"/records/{MAX_ID}/record.pdf"),
        (
            coordinator,
            f"/awards/{award}/certificate.pdf",
            f"/awards/{MAX_ID}/certificate.pdf",
        ),
        (coordinator, f"/credentials/{credential}.json", f"/credentials/{MAX_ID}.json"),
        (
            coordinator,
            f"/cohorts/{cohort}/certificates.zip",
            f"/cohorts/{MAX_ID}/certificates.zip",
        ),
        (coordinator, "/organisations/northside/records", "/organisations/nowhere/records"),
        (administrator, f"/awards/{award}/revoke", f"/awards/{MAX_ID}/revoke"),
    ]:
        assert_answers_as_missing(client, url, missing)
    assert_answers_as_missing(
        coordinator, f"/records/{enrolment}/award", f"/records/{MAX_ID}/award", "POST"
    )


def test_awarding_an_incomplete_record_is_refused_clearly(signed_in, session):
    partner = PartnerFactory()
    qualification = make_qualification()
    staff = staff_for(partner)
    enrolment = enrol_trainee(qualification, partner)
    achieve(session, enrolment, qualification.units["A1"], staff)
    coordinator = signed_in(member(partner, Role.COORDINATOR))
    response = coordinator.post(f"/records/{enrolment.id}/award", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "does not yet meet the qualification" in html
    assert "Unit A2 (mandatory)" in html
    assert session.scalar(select(QualificationAward.id)) is None


def test_the_record_shows_units_sign_offs_and_what_is_still_needed(signed_in, session):
    partner = PartnerFactory()
    qualification = make_qualification()
    staff = staff_for(partner)
    enrolment = enrol_trainee(qualification, partner, display_name="Chloe Mensah")
    achieve(session, enrolment, qualification.units["A1"], staff)
    page = signed_in(member(partner, Role.IQA)).get(f"/records/{enrolment.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Learner record: Chloe Mensah" in html
    assert "Asha Assessor" in html
    assert "Iris Quality" in html
    assert "Criterion 1.2 of A1" in html
    assert "Unit A2 (mandatory)" in html
    assert '<progress id="credits-progress" max="8" value="3">' in html

    eqa = member(partner.franchisor, Role.EQA)
    today = utcnow().date()
    quality.grant_eqa_access(
        session,
        partner,
        staff.iqa,
        email=eqa.email,
        enrolment_ids=[enrolment.id],
        starts_on=today,
        ends_on=today,
    )
    session.commit()
    pdf = signed_in(eqa).get(f"/records/{enrolment.id}/record.pdf")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Chloe Mensah" in text
    assert "Signed off by Asha Assessor" in text
    assert "Criterion 2.2 of B2" in text.replace("\n", " ")


def test_the_record_shows_evidence_that_assessment_provides(signed_in, session):
    from lms import capabilities
    from lms.accreditation.record_details import CriterionEvidence
    from lms.capabilities import Capability

    partner = PartnerFactory()
    qualification = make_qualification()
    enrolment = enrol_trainee(qualification, partner)
    criterion_ids = []

    def provider(session_, enrolment_, ids):
        criterion_ids.extend(ids)
        return {
            ids[0]: [
                CriterionEvidence(
                    "My reflective account",
                    "reflective account",
                    "Met",
                    assessor_name="Asha Assessor",
                )
            ]
        }

    with capabilities.extended(Capability("details", hooks={"record_details": (provider,)})):
        html = (
            signed_in(member(partner, Role.ASSESSOR))
            .get(f"/records/{enrolment.id}")
            .get_data(as_text=True)
        )
    assert len(criterion_ids) == 16
    assert "My reflective account (reflective account): Met, Asha Assessor" in html


def _record_page_queries(count_queries, client, enrolment_id):
    with count_queries() as counter:
        assert client.get(f"/records/{enrolment_id}").status_code == 200
    return counter.count


def test_the_record_page_makes_the_same_number_of_queries_however_much_is_recorded(
    signed_in, session, count_queries
):
    partner = PartnerFactory()
    qualification = make_qualification()
    staff = staff_for(partner)
    coordinator = signed_in(member(partner, Role.COORDINATOR))
    # Learning under way: one unit achieved, or three (A2 is mandatory, so still no award).
    started = enrol_trainee(qualification, partner)
    achieve(session, started, qualification.units["A1"], staff)
    further = enrol_trainee(qualification, partner)
    complete(session, qualification, further, staff, codes=("A1", "B1", "B2"))
    assert _record_page_queries(count_queries, coordinator, started.id) == _record_page_queries(
        count_queries, coordinator, further.id
    )
    # Awarded: on the fewest units the rules allow, or on every unit. An award shows its
    # certificate and whether its signed entry verifies, a fixed number of queries more.
    fewest = enrol_trainee(qualification, partner)
    complete(session, qualification, fewest, staff)
    every = enrol_trainee(qualification, partner)
    complete(session, qualification, every, staff, codes=("A1", "A2", "B1", "B2"))
    assert _record_page_queries(count_queries, coordinator, fewest.id) == _record_page_queries(
        count_queries, coordinator, every.id
    )


def test_the_records_list_makes_the_same_number_of_queries_for_many_trainees(
    signed_in, session, count_queries
):
    partner = PartnerFactory()
    qualification = make_qualification()
    staff = staff_for(partner)
    coordinator = signed_in(member(partner, Role.COORDINATOR))
    complete(session, qualification, enrol_trainee(qualification, partner), staff)

    def counted():
        with count_queries() as counter:
            response = coordinator.get(f"/organisations/{partner.slug}/records")
            assert response.status_code == 200
            assert 'class="table--cards"' in response.text
            assert '<td data-label="Credits">' in response.text
        return counter.count

    few = counted()
    for _ in range(3):
        complete(session, qualification, enrol_trainee(qualification, partner), staff)
    assert counted() == few


def test_the_trainee_sees_her_achievements(signed_in, awarded):
    html = signed_in(awarded["trainee"]).get("/my/achievements").get_data(as_text=True)
    assert awarded["qualification"].course.title in html
    assert "Download your certificate" in html
    home = signed_in(awarded["trainee"]).get("/").get_data(as_text=True)
    assert "Your achievements" in home


def test_staff_find_records_and_claims_from_the_home_page(signed_in, awarded):
    coordinator_home = signed_in(awarded["coordinator"]).get("/").get_data(as_text=True)
    assert "Learner records at Northside Women&#39;s Centre" in coordinator_home
    assert "Certification claims for Northside" in coordinator_home
    admin_home = signed_in(awarded["admin"]).get("/").get_data(as_text=True)
    assert "Learner records at Northside Women&#39;s Centre" in admin_home
    assessor_home = signed_in(awarded["staff"].assessor).get("/").get_data(as_text=True)
    assert "Learner records at Northside" in assessor_home
    assert "Certification claims" not in assessor_home

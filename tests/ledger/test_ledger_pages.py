"""The public verification page calls a certificate genuine only when its signed record
verifies and nothing says it was revoked."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from lms.accreditation.models import Certificate, Revocation
from lms.ledger.models import LedgerEntry

GENUINE = "This certificate is genuine and current."
REVOKED = "This certificate has been revoked."
UNCONFIRMED = "We cannot confirm this certificate."


def _page(client, session, award):
    code = session.scalar(
        select(Certificate.verification_code).where(Certificate.award_id == award.id)
    )
    response = client.get(f"/verify/{code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_standing_award_is_genuine_and_a_revoked_one_revoked(history, session, client):
    assert GENUINE in _page(client, session, history.awards[1])
    page = _page(client, session, history.awards[0])
    assert REVOKED in page
    assert GENUINE not in page


def test_the_database_refuses_to_delete_a_revocation(history, session):
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(Revocation.__table__.delete())
    session.rollback()
    assert session.scalar(select(Revocation.id)) == history.revocation.id


def test_a_changed_award_is_not_called_genuine(history, session, client, superuser):
    superuser(
        "UPDATE qualification_award SET credits = 240 WHERE id = :id", id=history.awards[1].id
    )
    page = _page(client, session, history.awards[1])
    assert UNCONFIRMED in page
    assert GENUINE not in page


def test_a_changed_certificate_is_not_called_genuine(history, session, client, superuser):
    superuser(
        "UPDATE certificate SET qualification_title = 'Something grander' WHERE award_id = :id",
        id=history.awards[1].id,
    )
    assert GENUINE not in _page(client, session, history.awards[1])


def test_a_deleted_revocation_does_not_make_a_certificate_genuine(
    history, session, client, superuser
):
    award = history.awards[0]
    superuser("DELETE FROM revocation WHERE award_id = :id", id=award.id)
    page = _page(client, session, award)
    assert UNCONFIRMED in page
    assert GENUINE not in page


def test_a_revocation_cut_out_of_its_chain_with_its_entry_still_shows(
    history, session, client, superuser
):
    """The revocation, its entry and its chain's head all removed: the audit trail still
    says it was revoked, so the page does not call the certificate genuine."""
    award = history.awards[0]
    entry = session.scalar(select(LedgerEntry).where(LedgerEntry.table_name == "revocation"))
    chain_id = entry.chain_id
    superuser(
        "DELETE FROM revocation WHERE award_id = :id",
        "DELETE FROM ledger_entry WHERE chain_id = :chain",
        "DELETE FROM ledger_chain WHERE id = :chain",
        id=award.id,
        chain=chain_id,
    )
    assert GENUINE not in _page(client, session, award)


def test_a_break_in_the_revocation_chain_stops_every_certificate_being_called_genuine(
    history, session, client, superuser
):
    """Another award's revocation altered: the chain is broken, so no certificate of the
    organisation is called genuine until it is looked into."""
    superuser("UPDATE revocation SET revoked_at = '2020-01-01 00:00:00.000000'")
    page = _page(client, session, history.awards[1])
    assert UNCONFIRMED in page
    assert GENUINE not in page


def test_the_iqa_page_shows_a_decision_verified_or_a_warning(history, session, login, superuser):
    from lms.assessment.models import IqaSample

    sample_id = session.scalar(
        select(IqaSample.id).where(IqaSample.decision_id == history.signed_off.id)
    )
    iqa = login(history.setting.iqa)
    page = iqa.get(f"/iqa/samples/{sample_id}").get_data(as_text=True)
    assert "Signed and verified" in page
    assert "cannot be verified" not in page
    superuser(
        "UPDATE criterion_judgement SET feedback = 'Not met.' WHERE decision_id = :id",
        id=history.signed_off.id,
    )
    page = iqa.get(f"/iqa/samples/{sample_id}").get_data(as_text=True)
    assert "This decision cannot be verified." in page
    assert "Signed and verified" not in page


def test_the_record_page_shows_the_award_verified_or_a_warning(history, session, login, superuser):
    from lms.accounts.roles import Role
    from tests.factories import member

    award = history.awards[1]
    admin = login(member(history.setting.organisation.franchisor, Role.ADMIN))
    session.commit()
    page = admin.get(f"/records/{award.enrolment_id}").get_data(as_text=True)
    assert "Verified: the award matches" in page
    superuser("UPDATE qualification_award SET credits = 240 WHERE id = :id", id=award.id)
    superuser(
        "UPDATE unit_achievement SET credits = 40 WHERE enrolment_id = :id AND unit_code = 'A1'",
        id=award.enrolment_id,
    )
    page = admin.get(f"/records/{award.enrolment_id}").get_data(as_text=True)
    assert "This award cannot be verified." in page
    assert "Some units cannot be verified:</strong> A1." in page


def test_the_eqa_reads_a_decision_verified_or_with_a_warning(history, session, login, superuser):
    from datetime import timedelta

    from lms.accounts.roles import Role
    from lms.assessment import quality
    from lms.db import utcnow
    from tests.factories import member

    setting = history.setting
    coordinator = member(setting.organisation, Role.COORDINATOR)
    eqa = member(setting.organisation, Role.EQA)
    today = utcnow().date()
    quality.grant_eqa_access(
        session,
        setting.organisation,
        coordinator,
        email=eqa.email,
        enrolment_ids=[setting.enrolment.id],
        starts_on=today,
        ends_on=today + timedelta(days=30),
    )
    session.commit()
    submission_id = history.referred.submission_id
    url = f"/portfolio/{setting.enrolment.id}/submissions/{submission_id}"
    reader = login(eqa)
    page = reader.get(url)
    assert page.status_code == 200
    assert "Signed and verified" in page.get_data(as_text=True)
    superuser(
        "UPDATE assessment_decision SET actions = 'Nothing to do.' WHERE id = :id",
        id=history.referred.id,
    )
    page = reader.get(url).get_data(as_text=True)
    assert "This decision cannot be verified." in page

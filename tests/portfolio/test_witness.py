"""Witness testimony: the witness confirms the statement (or says what is not right) by a
single-use link that expires after 14 days, on a page that shows nothing else."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.db import clock_at, utcnow
from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.mail.models import OutboxMessage
from lms.portfolio import witnesses
from lms.portfolio.models import EvidenceType, WitnessStatement
from tests.factories import add_evidence, assessment_setting

STATEMENT = "What happened, what I noticed, what I would do again."


@pytest.fixture
def setting(session):
    return assessment_setting()


def _testimony(setting, **kwargs):
    return add_evidence(
        setting,
        setting.criteria()[:1],
        title="Statement from my placement supervisor",
        evidence_type=EvidenceType.WITNESS_TESTIMONY,
        file=None,
        **kwargs,
    )


def _ask(setting, evidence, by=None, email="mara@example.org"):
    return witnesses.ask_witness(
        db.session,
        evidence,
        by or setting.trainee,
        name="Mara Lind",
        role="placement supervisor",
        email=email,
        trainee_name=setting.trainee.display_name,
    )


def test_the_witness_is_e_mailed_a_neutral_message_with_a_single_use_link(setting):
    statement, token = _ask(setting, _testimony(setting))

    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "mara@example.org"
    assert message.subject == "Please confirm a statement"
    assert f"/s/{token}" in message.body_text
    assert setting.trainee.display_name in message.body_text
    assert STATEMENT not in message.body_text  # the statement is read behind the link
    assert statement.token_hash == witnesses.token_hash(token) != token
    assert statement.statement == STATEMENT
    assert statement.expires_at - statement.requested_at == timedelta(days=14)
    assert witnesses.statement_for_token(db.session, token) == statement


def test_confirming_spends_the_link_and_is_audited(setting):
    statement, token = _ask(setting, _testimony(setting))

    witnesses.answer(db.session, statement, confirmed=True, note="")

    assert statement.confirmed is True
    assert statement.answered_at is not None
    assert statement.token_hash is None
    assert witnesses.statement_for_token(db.session, token) is None
    with pytest.raises(Conflict):
        witnesses.answer(db.session, statement, confirmed=False, note="Changed my mind")
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("evidence.witness%"))
    ).all()
    assert actions == ["evidence.witness_asked", "evidence.witness_confirmed"]


def test_saying_it_is_not_right_needs_a_short_note(setting):
    statement, _ = _ask(setting, _testimony(setting))

    with pytest.raises(DomainError) as refused:
        witnesses.answer(db.session, statement, confirmed=False, note="  ")
    assert refused.value.field == "note"
    witnesses.answer(db.session, statement, confirmed=False, note="It was two sessions, not one.")

    assert statement.confirmed is False
    assert statement.note == "It was two sessions, not one."


def test_the_link_expires_after_fourteen_days(setting):
    evidence = _testimony(setting)
    with clock_at(utcnow() - timedelta(days=15)):
        _, old = _ask(setting, evidence)
    assert witnesses.statement_for_token(db.session, old) is None
    assert witnesses.latest_statements(db.session, [evidence.id])[evidence.id].expired
    with clock_at(utcnow() - timedelta(days=13)):
        _, recent = _ask(setting, evidence)
    assert witnesses.statement_for_token(db.session, recent) is not None


def test_asking_again_closes_the_earlier_link(setting):
    evidence = _testimony(setting)
    _, first = _ask(setting, evidence)
    second_statement, second = _ask(setting, evidence, email="mara.lind@example.org")

    assert witnesses.statement_for_token(db.session, first) is None
    assert witnesses.statement_for_token(db.session, second) == second_statement
    assert witnesses.latest_statements(db.session, [evidence.id]) == {evidence.id: second_statement}


def test_only_a_witness_testimony_with_a_statement_is_sent(setting):
    reflection = add_evidence(setting, setting.criteria()[:1])
    with pytest.raises(DomainError):
        _ask(setting, reflection)
    empty = _testimony(setting)
    empty.description = ""
    with pytest.raises(DomainError):
        _ask(setting, empty)
    with pytest.raises(DomainError) as refused:
        _ask(setting, _testimony(setting), email="not an address")
    assert refused.value.field == "email"
    assert db.session.scalar(select(WitnessStatement.id)) is None


def test_wrong_or_overlong_tokens_open_nothing(setting):
    _ask(setting, _testimony(setting))
    assert witnesses.statement_for_token(db.session, "") is None
    assert witnesses.statement_for_token(db.session, "x" * 101) is None
    assert witnesses.statement_for_token(db.session, "not-a-token") is None


# --- through HTTP ------------------------------------------------------------------------------


def _link(outbox) -> str:
    (message,) = outbox
    return re.search(r"http://[^/]+(/s/\S+)", message.body).group(1)


def test_the_trainee_asks_and_the_witness_confirms_without_signing_in(
    app, setting, signed_in, outbox
):
    other = add_evidence(setting, setting.criteria()[:1], title="My private reflection")
    evidence = _testimony(setting)
    db.session.commit()
    trainee = signed_in(setting.trainee)
    ask_url = f"/portfolio/{setting.enrolment.id}/evidence/{evidence.id}/witness"

    assert trainee.get(ask_url).status_code == 200
    response = trainee.post(
        ask_url,
        data={"name": "Mara Lind", "role": "placement supervisor", "email": "m@example.org"},
    )
    assert response.status_code == 302
    link = _link(outbox)
    assert outbox[0].subject == "Please confirm a statement"

    witness = app.test_client()
    page = witness.get(link)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert STATEMENT in text
    assert "Mara Lind" in text
    for hidden in (other.title, evidence.title, "portfolio", "assess", "Sign out"):
        assert hidden not in text, hidden

    answered = witness.post(link, data={"answer": "yes", "note": ""})
    assert answered.status_code == 302
    assert witness.get(answered.headers["Location"]).status_code == 200
    again = witness.get(link)
    assert again.status_code == 404
    assert STATEMENT not in again.get_data(as_text=True)

    shown = trainee.get(f"/portfolio/{setting.enrolment.id}/evidence/{evidence.id}")
    today = utcnow()
    assert f"Confirmed by Mara Lind on {today.day} {today:%B %Y}" in shown.get_data(as_text=True)


def test_the_witness_may_say_it_is_not_right(app, setting):
    statement, token = _ask(setting, _testimony(setting))
    db.session.commit()
    witness = app.test_client()

    without_note = witness.post(f"/s/{token}", data={"answer": "no", "note": ""})
    assert without_note.status_code == 400
    assert "Please say briefly what is not right." in without_note.get_data(as_text=True)
    with_note = witness.post(f"/s/{token}", data={"answer": "no", "note": "Two sessions."})
    assert with_note.status_code == 302
    db.session.refresh(statement)
    assert (statement.confirmed, statement.note) == (False, "Two sessions.")


def test_the_assessor_records_a_witness_testimony_and_asks_the_witness(
    app, setting, signed_in, outbox
):
    evidence = _testimony(setting, recorded_by=setting.assessor)
    db.session.commit()
    url = f"/portfolio/{setting.enrolment.id}/evidence/{evidence.id}/witness"
    form = {"name": "Mara Lind", "role": "placement supervisor", "email": "m@example.org"}

    # The trainee cannot send what her assessor recorded; the assessor can.
    assert signed_in(setting.trainee).post(url, data=form).status_code == 403
    assert signed_in(setting.assessor).post(url, data=form).status_code == 302
    assert len(outbox) == 1


def test_a_reflective_account_cannot_be_sent_to_a_witness(app, setting, signed_in):
    reflection = add_evidence(setting, setting.criteria()[:1])
    db.session.commit()
    url = f"/portfolio/{setting.enrolment.id}/evidence/{reflection.id}/witness"
    assert signed_in(setting.trainee).get(url).status_code == 403


class TestForgery:
    @pytest.fixture
    def config_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_the_confirmation_needs_the_form_s_token(self, app, setting):
        statement, token = _ask(setting, _testimony(setting))
        db.session.commit()

        response = app.test_client().post(f"/s/{token}", data={"answer": "yes"})

        assert response.status_code == 400
        db.session.refresh(statement)
        assert statement.answered_at is None


def test_erasing_the_trainee_removes_her_witnesses_and_what_she_wrote_she_changed(setting):
    from lms.accounts.roles import Role
    from lms.ledger.checks import verify_all
    from lms.ledger.erasure import erase_person
    from lms.portfolio import operations as portfolio
    from lms.portfolio.models import Submission, SubmissionStatus
    from tests.factories import member

    secret = "test-secret-key-that-is-long-enough-for-tests"
    _ask(setting, _testimony(setting))
    first = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    first.status = SubmissionStatus.REFERRED  # as if referred
    portfolio.submit_unit(
        db.session,
        setting.enrolment,
        setting.unit,
        declaration_confirmed=True,
        changes_note="I added a statement.",
    )
    admin = member(setting.organisation, Role.ADMIN)
    db.session.commit()

    erase_person(db.session, setting.trainee, admin, "request", secret_key=secret)
    db.session.commit()

    assert db.session.scalar(select(WitnessStatement.id)) is None
    assert db.session.scalars(select(Submission.changes_note)).all() == ["", ""]
    assert verify_all(db.session, secret) == []

"""External quality assurance, as people use it: who an EQA may read (the dated grant, and
nothing else), ending a grant early, inviting an EQA, and telling her when access begins
and ends."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.assessment import operations as assessment
from lms.assessment import quality
from lms.assessment.models import EqaGrant, Outcome
from lms.assessment.operations import Verdict
from lms.audit.models import AuditEvent
from lms.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import format_date
from lms.mail.models import OutboxMessage
from lms.notifications.models import Notification
from lms.portfolio import operations as portfolio
from lms.quizzes.operations import start_attempt, submit_attempt
from tests.factories import (
    FranchisorFactory,
    PartnerFactory,
    add_evidence,
    assessment_setting,
    member,
    quiz_for_unit,
)
from tests.routes import answer

TODAY = utcnow().date()


@pytest.fixture
def setting(app):
    """Partner A of franchisor F: a trainee with evidence, a signed-off (and sampled) unit and
    a quiz attempt; the franchisor's EQA; a coordinator of A; an administrator of F."""
    franchisor = FranchisorFactory(name="Franchisor F")
    partner = PartnerFactory(franchisor=franchisor, name="Partner A")
    setting = assessment_setting(partner)
    add_evidence(setting, setting.criteria())
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    assessment.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=1,
        outcome=Outcome.SIGNED_OFF,
        verdicts={c.id: Verdict(True) for c in setting.criteria()},
        feedback="A thoughtful account of listening.",
    )
    attempt = start_attempt(db.session, setting.enrolment, quiz_for_unit(setting.unit))
    submit_attempt(db.session, attempt)
    setting.extra.update(
        submission=submission,
        attempt=attempt,
        eqa=member(franchisor, Role.EQA, display_name="Eve External"),
        coordinator=member(partner, Role.COORDINATOR),
        admin=member(franchisor, Role.ADMIN),
    )
    db.session.commit()
    return setting


def _give(setting, eqa=None, *, starts: int = -1, ends: int = 30) -> EqaGrant:
    """Give the EQA the setting's learner from `starts` to `ends` days from today."""
    grant = quality.grant_eqa_access(
        db.session,
        setting.organisation,
        setting.extra["coordinator"],
        email=(eqa or setting.extra["eqa"]).email,
        enrolment_ids=[setting.enrolment.id],
        starts_on=TODAY + timedelta(days=starts),
        ends_on=TODAY + timedelta(days=ends),
    )
    db.session.commit()
    return grant


def _learner_pages(setting) -> dict[str, str]:
    """The five things an EQA reads of a learner, each at its address."""
    enrolment_id = setting.enrolment.id
    return {
        "portfolio": f"/portfolio/{enrolment_id}",
        "learner record": f"/records/{enrolment_id}",
        "record PDF": f"/records/{enrolment_id}/record.pdf",
        "quiz attempt": f"/quizzes/attempts/{setting.extra['attempt'].id}",
        "decisions": f"/portfolio/{enrolment_id}/submissions/{setting.extra['submission'].id}",
    }


# --- one rule: the dated grant ----------------------------------------------------------------


def test_a_granted_eqa_reads_the_portfolio_record_pdf_quiz_attempts_and_decisions(
    setting, signed_in
):
    _give(setting)
    client = signed_in(setting.extra["eqa"])
    for name, url in _learner_pages(setting).items():
        response = client.get(url)
        assert response.status_code == 200, f"{name}: {response.status_code}"
    decisions = client.get(_learner_pages(setting)["decisions"]).get_data(as_text=True)
    assert "Unit signed off" in decisions
    assert "A thoughtful account of listening." in decisions
    assert "Quality assurance:" in decisions  # the IQA sample, too
    home = client.get("/eqa/").get_data(as_text=True)
    assert setting.trainee.display_name in home
    # From her list she reaches the learner's quiz results, which list the attempt.
    results = client.get(f"/quizzes/results?trainee={setting.trainee.id}")
    assert results.status_code == 200
    assert f"/quizzes/attempts/{setting.extra['attempt'].id}" in results.get_data(as_text=True)


def _ended_early(setting) -> None:
    grant = _give(setting)
    quality.end_eqa_grant(db.session, grant, setting.extra["coordinator"])
    db.session.commit()


WITHOUT_A_CURRENT_GRANT = {
    "no grant": lambda setting: None,
    "a grant to someone else": lambda setting: _give(
        setting, member(setting.organisation.franchisor, Role.EQA)
    ),
    "a grant that has ended": lambda setting: _give(setting, starts=-30, ends=-1),
    "a grant not begun yet": lambda setting: _give(setting, starts=1, ends=30),
    "a grant ended early": _ended_early,
}


@pytest.mark.parametrize("case", sorted(WITHOUT_A_CURRENT_GRANT))
def test_an_eqa_without_a_current_grant_sees_nothing(setting, signed_in, case):
    WITHOUT_A_CURRENT_GRANT[case](setting)
    client = signed_in(setting.extra["eqa"])
    for name, url in _learner_pages(setting).items():
        response = client.get(url)
        assert response.status_code == 404, f"{name}: {response.status_code}"
    assert setting.trainee.display_name not in client.get("/eqa/").get_data(as_text=True)
    results = client.get(f"/quizzes/results?trainee={setting.trainee.id}")
    assert f"/quizzes/attempts/{setting.extra['attempt'].id}" not in results.get_data(as_text=True)


def test_access_is_given_only_to_an_eqa_of_the_organisation_or_its_franchisor(setting):
    elsewhere = member(PartnerFactory(), Role.EQA)
    with pytest.raises(DomainError, match="could not find an external quality assurer"):
        _give(setting, elsewhere)


# --- ending a grant early ---------------------------------------------------------------------


def _end_url(setting, grant) -> str:
    return f"/organisations/{setting.organisation.slug}/eqa/grants/{grant.id}/end"


def test_a_coordinator_ends_a_grant_early_after_saying_what_will_happen(setting, signed_in, outbox):
    grant = _give(setting)
    outbox.clear()
    coordinator = signed_in(setting.extra["coordinator"])

    confirm = coordinator.get(_end_url(setting, grant))
    assert confirm.status_code == 200
    page = html.unescape(confirm.get_data(as_text=True))
    assert "Eve External will no longer be able to read these learners' work from now on" in page
    assert setting.trainee.display_name in page
    assert "We will let Eve External know by e-mail" in page
    assert "The access stays on record" in page
    assert "This cannot be undone" in page
    assert "Yes, end Eve External's access now" in page

    response = coordinator.post(_end_url(setting, grant))
    assert response.status_code == 302
    db.session.expire_all()
    grant = db.session.get(EqaGrant, grant.id)
    assert grant.ended_at is not None
    assert grant.ended_by_id == setting.extra["coordinator"].id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "eqa.access_ended"))
    assert event.actor_id == setting.extra["coordinator"].id
    assert event.organisation_id == setting.organisation.id

    # She is told, by e-mail (saying nothing of what the site is about) and in the app.
    [message] = outbox
    assert message.to == [setting.extra["eqa"].email]
    assert message.subject == "A change to your access"
    assert setting.trainee.display_name not in message.body
    assert db.session.scalar(
        select(Notification)
        .where(Notification.user_id == setting.extra["eqa"].id)
        .where(Notification.kind == "eqa.access_ended")
    )

    # The grant stays on the page, with how it ended; she reads nothing now.
    listed = coordinator.get(f"/organisations/{setting.organisation.slug}/eqa")
    assert "Ended early" in listed.get_data(as_text=True)
    eqa = signed_in(setting.extra["eqa"])
    assert eqa.get(f"/portfolio/{setting.enrolment.id}").status_code == 404


def test_an_administrator_of_the_franchisor_ends_a_grant(setting, signed_in):
    grant = _give(setting)
    response = signed_in(setting.extra["admin"]).post(_end_url(setting, grant))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(EqaGrant, grant.id).ended_by_id == setting.extra["admin"].id


def test_only_a_coordinator_of_the_partner_or_an_administrator_ends_a_grant(setting, signed_in):
    grant = _give(setting)
    other_partner = PartnerFactory(franchisor=setting.organisation.franchisor)
    for person in (
        setting.iqa,
        setting.assessor,
        setting.extra["eqa"],
        member(other_partner, Role.COORDINATOR),
        member(FranchisorFactory(), Role.ADMIN),
    ):
        client = signed_in(person)
        assert client.get(_end_url(setting, grant)).status_code == 404
        assert client.post(_end_url(setting, grant)).status_code == 404
    db.session.expire_all()
    assert db.session.get(EqaGrant, grant.id).ended_at is None


def test_a_grant_ends_once_and_giving_access_again_keeps_its_history(setting, signed_in):
    grant = _give(setting)
    coordinator = signed_in(setting.extra["coordinator"])
    coordinator.post(_end_url(setting, grant))
    again = coordinator.post(_end_url(setting, grant), follow_redirects=True)
    assert "already ended" in again.get_data(as_text=True)

    _give(setting)
    db.session.expire_all()
    grants = db.session.scalars(select(EqaGrant).order_by(EqaGrant.id)).all()
    assert len(grants) == 2
    assert grants[0].ended_at is not None
    assert grants[1].ended_at is None
    eqa = signed_in(setting.extra["eqa"])
    assert eqa.get(f"/portfolio/{setting.enrolment.id}").status_code == 200


# --- inviting an EQA --------------------------------------------------------------------------


def _invite(client, setting, email: str, name: str = "Olu Okafor"):
    return client.post(
        f"/organisations/{setting.organisation.slug}/eqa/invite",
        data={"invite-email": email, "invite-display_name": name},
        follow_redirects=True,
    )


def _answer(response, email: str) -> tuple[int, str]:
    """What the coordinator is told, with the address she typed and the form's CSRF token
    (it carries the second it was made in) left out."""
    status, page = answer(response)
    return status, page.replace(str(escape(email)), "ADDRESS")


def test_a_coordinator_invites_a_new_eqa_who_can_then_be_given_learners(setting, signed_in, outbox):
    coordinator = signed_in(setting.extra["coordinator"])
    home = coordinator.get("/").get_data(as_text=True)  # where she finds the page
    assert f"/organisations/{setting.organisation.slug}/eqa" in home
    response = _invite(coordinator, setting, "olu@example.org")
    assert response.status_code == 200
    olu = db.session.scalar(select(User).where(User.email == "olu@example.org"))
    assert olu.display_name == "Olu Okafor"
    assert olu.password_hash is None
    # The franchisor is the centre the awarding body's EQA quality-assures.
    assert olu.roles_in(setting.organisation.franchisor.id) == {Role.EQA}
    assert olu.roles_in(setting.organisation.id) == set()
    [invitation] = outbox
    assert invitation.to == ["olu@example.org"]
    assert "/password/reset/" in invitation.body
    assert "quality assur" in invitation.body
    assert setting.organisation.name not in invitation.subject

    grant = coordinator.post(
        f"/organisations/{setting.organisation.slug}/eqa",
        data={
            "email": "olu@example.org",
            "enrolments": [str(setting.enrolment.id)],
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + timedelta(days=14)).isoformat(),
        },
    )
    assert grant.status_code == 302, grant.data
    assert setting.trainee.display_name in signed_in(olu).get("/eqa/").get_data(as_text=True)


def test_an_administrator_invites_an_eqa_too(setting, signed_in, outbox):
    _invite(signed_in(setting.extra["admin"]), setting, "olu@example.org")
    olu = db.session.scalar(select(User).where(User.email == "olu@example.org"))
    assert Role.EQA in olu.roles_in(setting.organisation.franchisor.id)
    assert len(outbox) == 1


def test_an_invitation_and_its_account_are_kept_or_undone_together(
    setting, signed_in, outbox, monkeypatch
):
    def fails(*args, **kwargs):
        raise DomainError("Something else went wrong.")

    monkeypatch.setattr("lms.assessment.views.flash", fails)
    response = signed_in(setting.extra["coordinator"]).post(
        f"/organisations/{setting.organisation.slug}/eqa/invite",
        data={"invite-email": "olu@example.org", "invite-display_name": "Olu Okafor"},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.email == "olu@example.org")) is None
    assert not db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "olu@example.org")
    )
    assert outbox == []


def test_inviting_someone_of_the_organisation_adds_the_role(setting, signed_in, outbox):
    coordinator = signed_in(setting.extra["coordinator"])
    new = _answer(_invite(coordinator, setting, "olu@example.org"), "olu@example.org")
    outbox.clear()
    people = db.session.scalar(select(func.count()).select_from(User))
    iqa = setting.iqa
    existing = _answer(_invite(coordinator, setting, iqa.email), iqa.email)
    assert existing == new
    db.session.expire_all()
    iqa = db.session.get(User, iqa.id)
    assert Role.EQA in iqa.roles_in(setting.organisation.franchisor.id)
    assert Role.IQA in iqa.roles_in(setting.organisation.id)
    assert db.session.scalar(select(func.count()).select_from(User)) == people  # no one new
    assert outbox == []  # she has a password already


def test_inviting_someone_of_another_organisation_reveals_and_changes_nothing(
    setting, signed_in, outbox
):
    coordinator = signed_in(setting.extra["coordinator"])
    new = _answer(_invite(coordinator, setting, "olu@example.org"), "olu@example.org")
    outbox.clear()
    elsewhere = member(PartnerFactory(), Role.ASSESSOR, display_name="Sam Elsewhere")
    same_franchise = member(
        PartnerFactory(franchisor=setting.organisation.franchisor), Role.TRAINEE
    )
    for person in (elsewhere, same_franchise):
        roles = set(person.roles)
        answer = _answer(_invite(coordinator, setting, person.email, "Someone"), person.email)
        assert answer == new
        assert "Sam Elsewhere" not in answer[1]
        db.session.expire_all()
        person = db.session.get(User, person.id)
        assert person.roles == roles
        assert person.display_name != "Someone"
    assert outbox == []


def test_only_a_coordinator_or_an_administrator_invites(setting, signed_in):
    for person in (setting.iqa, setting.assessor, setting.extra["eqa"]):
        response = _invite(signed_in(person), setting, "olu@example.org")
        assert response.status_code == 404
    assert db.session.scalar(select(User).where(User.email == "olu@example.org")) is None


def test_an_invitation_needs_a_name_and_an_address_that_looks_right(setting, signed_in):
    coordinator = signed_in(setting.extra["coordinator"])
    assert _invite(coordinator, setting, "olu@example.org", name="").status_code == 400
    assert _invite(coordinator, setting, "not an address").status_code == 400
    # The name is asked for whether or not the address has an account: no answer tells.
    assert _invite(coordinator, setting, setting.iqa.email, name="").status_code == 400


# --- telling the EQA --------------------------------------------------------------------------


def test_the_eqa_is_told_the_period_in_the_app_and_by_email_only_to_sign_in(
    app, setting, signed_in, outbox
):
    response = signed_in(setting.extra["coordinator"]).post(
        f"/organisations/{setting.organisation.slug}/eqa",
        data={
            "email": setting.extra["eqa"].email,
            "enrolments": [str(setting.enrolment.id)],
            "starts_on": "2031-05-01",
            "ends_on": "2031-06-30",
        },
    )
    assert response.status_code == 302
    [message] = outbox
    assert message.to == [setting.extra["eqa"].email]
    assert "There is a change to the access you have been given." in message.body
    assert "http://alongside.test/eqa/" in message.body
    for private in (setting.trainee.display_name, setting.organisation.name, "May 2031"):
        assert private not in message.body
        assert private not in message.subject
    # The dates are written in her language when she reads them (lms.i18n.format_date).
    page = signed_in(setting.extra["eqa"]).get("/notifications").text.replace("&#39;", "'")
    with app.test_request_context():
        period = f"from {format_date(date(2031, 5, 1))} until {format_date(date(2031, 6, 30))}."
    assert (
        f"{setting.organisation.name} has given you read-only access to the records of 1 "
        f"learner, {period}"
    ) in page


def test_a_daily_command_tells_each_eqa_once_when_access_reaches_its_end_date(
    setting, runner, outbox, deliver
):
    ended = _give(setting, starts=-10, ends=-1)
    _give(setting, member(setting.organisation.franchisor, Role.EQA), starts=-10, ends=0)
    early = _give(setting, member(setting.organisation.franchisor, Role.EQA), starts=-10, ends=5)
    quality.end_eqa_grant(db.session, early, setting.extra["coordinator"])
    early.ends_on = TODAY - timedelta(days=1)  # and its end date has passed since
    db.session.commit()
    deliver()
    outbox.clear()

    result = runner.invoke(args=["eqa", "notify-ended"])
    assert result.exit_code == 0, result.output
    deliver()
    [message] = outbox  # not the grant still current today, nor the one ended early
    assert message.to == [setting.extra["eqa"].email]
    assert message.subject == "A change to your access"
    assert setting.trainee.display_name not in message.body
    db.session.expire_all()
    assert db.session.get(EqaGrant, ended.id).end_notified_at is not None

    result = runner.invoke(args=["eqa", "notify-ended"])
    assert result.exit_code == 0, result.output
    deliver()
    assert len(outbox) == 1


def test_the_access_page_and_the_eqa_home_do_not_grow_with_grants(
    setting, signed_in, count_queries
):
    from tests.assessment.test_query_counts import measure
    from tests.factories import EnrolmentFactory

    coordinator, eqa = signed_in(setting.extra["coordinator"]), signed_in(setting.extra["eqa"])
    pages = [(coordinator, f"/organisations/{setting.organisation.slug}/eqa"), (eqa, "/eqa/")]
    _give(setting)
    quality.end_eqa_grant(db.session, _give(setting), setting.extra["admin"])
    db.session.commit()
    before = [measure(count_queries, client, url) for client, url in pages]
    for ends in (5, 10, 15):
        enrolment = EnrolmentFactory(
            user=member(setting.organisation, Role.TRAINEE),
            course=setting.course,
            organisation=setting.organisation,
            cohort=setting.cohort,
        )
        grant = quality.grant_eqa_access(
            db.session,
            setting.organisation,
            setting.extra["coordinator"],
            email=setting.extra["eqa"].email,
            enrolment_ids=[enrolment.id, setting.enrolment.id],
            starts_on=TODAY,
            ends_on=TODAY + timedelta(days=ends),
        )
        if ends == 10:
            quality.end_eqa_grant(db.session, grant, setting.extra["admin"])
    db.session.commit()
    assert [measure(count_queries, client, url) for client, url in pages] == before

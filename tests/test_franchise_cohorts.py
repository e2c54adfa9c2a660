"""Coordinators run cohorts and enrol trainees: one by one, from a CSV file, re-inviting."""

from __future__ import annotations

import codecs
import io

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.accounts.operations import revoke_role
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.curriculum import operations as curriculum
from lms.curriculum.models import Cohort, CohortStaff, CohortStatus, Enrolment, EnrolmentStatus
from lms.db import utcnow
from lms.errors import DomainError
from lms.franchise import cohorts as cohort_ops
from lms.franchise.models import EnrolmentInvitation
from lms.franchise.queries import cohort_for_org, visible_cohorts
from lms.mail.models import OutboxMessage
from lms.permissions import can
from lms.web import MAX_ID
from tests.factories import (
    CourseFactory,
    MembershipFactory,
    enrol_new_trainee,
    licensed_partner,
    member,
)
from tests.routes import answer

TODAY = utcnow().date()


@pytest.fixture
def world(session):
    return licensed_partner(session, seats=10)


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_coordinator_starts_a_cohort_for_a_licensed_qualification_only(session, login, world):
    browser = login(world.coordinator)
    unlicensed = CourseFactory(title="Not licensed here")
    page = browser.get("/organisations/northside/cohorts/new").get_data(as_text=True)
    assert world.course.title in page
    assert "Not licensed here" not in page
    response = browser.post(
        "/organisations/northside/cohorts/new",
        data={
            "name": "Autumn 2027",
            "course": world.course.id,
            "starts_on": "2027-09-01",
            "ends_on": "2028-03-31",
        },
    )
    assert response.status_code == 302
    cohort = session.scalar(select(Cohort).where(Cohort.name == "Autumn 2027"))
    assert str(cohort.starts_on) == "2027-09-01"
    response = browser.post(
        "/organisations/northside/cohorts/new",
        data={"name": "Sneaky", "course": unlicensed.id},
    )
    assert response.status_code == 400
    assert count(session, Cohort, Cohort.name == "Sneaky") == 0


def test_edit_keeps_names_unique_and_dates_in_order(session, login, world):
    curriculum.create_cohort(session, world.partner, world.course, "Autumn")
    session.commit()
    browser = login(world.coordinator)
    url = f"/organisations/northside/cohorts/{world.cohort.id}/edit"
    response = browser.post(url, data={"name": "Autumn"})
    assert response.status_code == 400
    assert "already a cohort called" in response.get_data(as_text=True)
    response = browser.post(
        url, data={"name": "Spring", "starts_on": "2027-05-01", "ends_on": "2027-04-01"}
    )
    assert response.status_code == 400
    assert "end date must be on or after" in response.get_data(as_text=True)
    assert browser.post(url, data={"name": " Spring   2027 (renamed) "}).status_code == 302
    session.expire_all()
    assert world.cohort.name == "Spring 2027 (renamed)"


def test_a_closed_cohort_keeps_its_trainees_and_takes_no_one_new(session, login, world):
    enrol_new_trainee(session, world.cohort, "amira@example.org", "Amira")
    session.commit()
    browser = login(world.coordinator)
    confirm = browser.get(f"/organisations/northside/cohorts/{world.cohort.id}/close")
    assert "Close Spring 2027?" in confirm.get_data(as_text=True)
    assert "1 trainee keeps everything" in confirm.get_data(as_text=True)
    session.expire_all()
    assert world.cohort.status == CohortStatus.OPEN  # asking is not closing
    assert (
        browser.post(f"/organisations/northside/cohorts/{world.cohort.id}/close").status_code == 302
    )
    session.expire_all()
    assert world.cohort.status == CohortStatus.CLOSED
    assert world.cohort.closed_at is not None
    assert count(session, Enrolment) == 1
    response = browser.post(
        f"/organisations/northside/cohorts/{world.cohort.id}/enrol",
        data={"email": "new@example.org", "display_name": "New"},
    )
    assert response.status_code == 400
    assert "is closed" in response.get_data(as_text=True)


def test_only_an_administrator_reopens_a_closed_cohort(session, login, world):
    cohort_ops.close_cohort(session, world.cohort)
    session.commit()
    url = f"/organisations/northside/cohorts/{world.cohort.id}"
    coordinator = login(world.coordinator)
    page = coordinator.get(url).get_data(as_text=True)
    assert "Reopen Spring 2027" not in page
    # The trainee list is cards on a phone, each cell under its column's name.
    assert '<table class="table--cards">\n  <caption class="visually-hidden">Trainees in' in page
    assert coordinator.post(f"{url}/reopen").status_code == 403

    admin = login(world.admin)
    assert "Reopen Spring 2027" in admin.get(url).get_data(as_text=True)
    response = admin.post(f"{url}/reopen", follow_redirects=True)
    assert "The cohort Spring 2027 is open again." in response.get_data(as_text=True)
    session.expire_all()
    assert world.cohort.status == CohortStatus.OPEN
    assert world.cohort.closed_at is None
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.startswith("cohort."))
        .order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["cohort.closed", "cohort.reopened"]
    response = admin.post(f"{url}/enrol", data={"email": "new@example.org", "display_name": "New"})
    assert response.status_code == 302


def test_staff_are_assigned_from_people_holding_the_role(session, login, world):
    assessor = member(world.partner, Role.ASSESSOR, display_name="Asha Assessor")
    trainee = member(world.partner, Role.TRAINEE, display_name="Tia Trainee")
    browser = login(world.coordinator)
    page = browser.get(f"/organisations/northside/cohorts/{world.cohort.id}").get_data(as_text=True)
    assert "Asha Assessor" in page
    assert "Tia Trainee" not in page.split("Trainees</h2>")[0]
    url = f"/organisations/northside/cohorts/{world.cohort.id}/staff"
    refused = browser.post(url, data={"user": trainee.id, "role": "assessor"})
    assert refused.status_code == 302
    assert "is not an assessor here" in browser.get(refused.location).get_data(as_text=True)
    assert count(session, CohortStaff) == 0
    assert browser.post(url, data={"user": assessor.id, "role": "assessor"}).status_code == 302
    assert count(session, CohortStaff) == 1
    response = browser.post(f"{url}/{assessor.id}/assessor/remove")
    assert response.status_code == 302
    assert count(session, CohortStaff) == 0


def test_an_assigned_assessor_sees_the_cohort_and_another_does_not(session, login, world):
    assigned = member(world.partner, Role.ASSESSOR)
    other = member(world.partner, Role.ASSESSOR)
    cohort_ops.assign_staff(session, world.cohort, assigned, "assessor")
    session.commit()
    url = f"/organisations/northside/cohorts/{world.cohort.id}/progress"
    assert login(assigned).get(url).status_code == 200
    assert login(other).get(url).status_code == 404  # not hers to see: as if it did not exist
    assert "Spring 2027" in login(assigned).get("/").get_data(as_text=True)


def test_another_partners_cohorts_and_enrolments_answer_exactly_as_missing_ones(
    session, login, world
):
    theirs = curriculum.create_cohort(session, world.elsewhere, world.course, "Theirs")
    trainee = member(world.elsewhere, Role.TRAINEE)
    enrolment = curriculum.enrol(session, trainee, world.course, world.elsewhere, theirs)
    session.commit()
    coordinator, admin = login(world.coordinator), login(world.admin)
    for browser, method, foreign, missing in (
        (admin, "get", "/organisations/elsewhere/training", "/organisations/nowhere/training"),
        (
            coordinator,
            "get",
            f"/organisations/elsewhere/cohorts/{theirs.id}",
            f"/organisations/nowhere/cohorts/{MAX_ID}",
        ),
        (
            coordinator,
            "get",
            f"/organisations/northside/cohorts/{theirs.id}/progress.csv",
            f"/organisations/northside/cohorts/{MAX_ID}/progress.csv",
        ),
        (
            coordinator,
            "post",
            f"/organisations/northside/enrolments/{enrolment.id}/withdraw",
            f"/organisations/northside/enrolments/{MAX_ID}/withdraw",
        ),
    ):
        ask = getattr(browser, method)
        assert answer(ask(foreign)) == answer(ask(missing))
        assert ask(foreign).status_code == 404, foreign


def test_an_assessor_no_longer_there_is_not_shown_the_cohort(session, login, world):
    """Her assignment outlives the role taken away; neither the cohort page nor her list of
    cohorts shows it, though she is still an assessor elsewhere."""
    assessor = member(world.partner, Role.ASSESSOR)
    MembershipFactory(user=assessor, organisation=world.elsewhere, role=Role.ASSESSOR)
    cohort_ops.assign_staff(session, world.cohort, assessor, "assessor")
    revoke_role(session, assessor, world.partner, Role.ASSESSOR)
    session.commit()
    assert not can(assessor, "cohort.view", cohort_for_org(session, world.partner, world.cohort.id))
    assert visible_cohorts(session, assessor) == []


def test_move_a_trainee_between_cohorts_of_one_qualification(session, login, world):
    autumn = curriculum.create_cohort(session, world.partner, world.course, "Autumn")
    elsewhere = curriculum.create_cohort(session, world.partner, CourseFactory(), "Other course")
    enrolled = enrol_new_trainee(session, world.cohort, "amira@example.org", "Amira")
    session.commit()
    browser = login(world.coordinator)
    url = f"/organisations/northside/enrolments/{enrolled.id}/move"
    with pytest.raises(DomainError, match="same organisation and qualification"):
        cohort_ops.move_enrolment(session, enrolled, elsewhere)
    session.rollback()
    assert browser.post(url, data={"cohort": autumn.id}).status_code == 302
    session.expire_all()
    assert enrolled.cohort_id == autumn.id
    foreign = curriculum.create_cohort(session, world.elsewhere, world.course, "Theirs")
    session.commit()
    assert browser.post(url, data={"cohort": foreign.id}).status_code == 404


def test_withdrawal_keeps_the_record_and_the_reason(session, login, world):
    enrolled = enrol_new_trainee(session, world.cohort, "amira@example.org", "Amira")
    session.commit()
    browser = login(world.coordinator)
    url = f"/organisations/northside/enrolments/{enrolled.id}/withdraw"
    response = browser.post(url, data={"reason": ""})
    assert response.status_code == 400
    assert browser.post(url, data={"reason": "Moved to another city."}).status_code == 302
    session.expire_all()
    enrolment = session.get(Enrolment, enrolled.id)
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert enrolment.withdrawal_reason == "Moved to another city."
    assert enrolment.withdrawn_at is not None
    page = browser.get(f"/organisations/northside/cohorts/{world.cohort.id}").get_data(as_text=True)
    assert "Moved to another city." in page


# --- enrolment one by one ---------------------------------------------------------------------


def test_a_new_person_is_invited_and_has_no_account_until_she_accepts(
    session, login, world, outbox
):
    browser = login(world.coordinator)
    response = browser.post(
        f"/organisations/northside/cohorts/{world.cohort.id}/enrol",
        data={
            "email": "Zoe@Example.org",
            "display_name": "Zoë Adams",
            "date_of_birth": "1990-02-28",
        },
    )
    assert response.status_code == 302
    page = browser.get(response.location).get_data(as_text=True)
    assert "We have sent an invitation to zoe@example.org." in page
    assert "Zoë Adams" in page.split("Invited, waiting for an answer")[1]
    assert session.scalar(select(User).where(User.email == "zoe@example.org")) is None
    assert count(session, Enrolment) == 0
    assert [m.to for m in outbox] == [["zoe@example.org"]]
    assert "/invitations/" in outbox[0].body


def _fails_after_the_invitation(*args, **kwargs):
    raise DomainError("Something else went wrong.")


def test_a_new_trainee_and_her_invitation_are_kept_or_undone_together(
    session, login, world, outbox, monkeypatch
):
    browser = login(world.coordinator)
    monkeypatch.setattr("lms.franchise.views.flash", _fails_after_the_invitation)
    response = browser.post(
        f"/organisations/northside/cohorts/{world.cohort.id}/enrol",
        data={"email": "zoe@example.org", "display_name": "Zoë Adams"},
    )
    assert response.status_code == 400
    assert count(session, User, User.email == "zoe@example.org") == 0
    assert count(session, OutboxMessage) == 0
    assert outbox == []
    text = "email,name,cohort\nbethany@example.org,Bethany Cole,Spring 2027\n"
    assert upload(browser, text).status_code == 400
    assert count(session, User, User.email == "bethany@example.org") == 0
    assert count(session, OutboxMessage) == 0


def test_an_existing_person_needs_only_her_email_and_is_not_invited(session, login, world, outbox):
    existing = member(world.partner, Role.TRAINEE, email="amira@example.org")
    response = login(world.coordinator).post(
        f"/organisations/northside/cohorts/{world.cohort.id}/enrol",
        data={"email": "amira@example.org"},
    )
    assert response.status_code == 302
    assert count(session, Enrolment, Enrolment.user_id == existing.id) == 1
    assert outbox == []


def test_a_new_person_without_a_name_is_asked_for_it(session, login, world):
    response = login(world.coordinator).post(
        f"/organisations/northside/cohorts/{world.cohort.id}/enrol",
        data={"email": "nobody@example.org"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please give her name" in page
    assert 'value="nobody@example.org"' in page


def test_resend_invitation_to_someone_who_has_not_set_a_password(session, login, world, outbox):
    enrolled = enrol_new_trainee(
        session, world.cohort, "zoe@example.org", "Zoe", password_hash=None
    )
    session.commit()
    response = login(world.coordinator).post(
        f"/organisations/northside/enrolments/{enrolled.id}/invite"
    )
    assert response.status_code == 302
    assert len(outbox) == 1
    assert outbox[0].to == ["zoe@example.org"]
    assert count(session, AuditEvent, AuditEvent.action == "invitation.sent") == 1


# --- CSV import -------------------------------------------------------------------------------


def upload(browser, text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return browser.post(
        "/organisations/northside/enrolments/import",
        data={"file": (io.BytesIO(data), "trainees.csv")},
    )


def test_a_good_file_enrols_our_people_and_invites_everyone_else(session, login, world, outbox):
    member(world.partner, Role.TRAINEE, email="amira@example.org")
    text = (
        "email,name,cohort,date_of_birth\n"
        "amira@example.org,Amira Hassan,Spring 2027,\n"
        "bethany@example.org,Bethany Cole,spring 2027,28/02/1990\n"
    )
    browser = login(world.coordinator)
    response = upload(browser, codecs.BOM_UTF8 + text.encode())
    assert response.status_code == 302
    assert (
        "1 trainee is enrolled. We have sent 1 invitation by e-mail: each person joins when "
        "she accepts hers." in browser.get(response.location).get_data(as_text=True)
    )
    assert count(session, Enrolment) == 1
    assert [m.to for m in outbox] == [["bethany@example.org"]]
    assert count(session, AuditEvent, AuditEvent.action == "enrolment.imported") == 1


def test_one_bad_row_imports_nothing_and_every_problem_is_shown(session, login, world, outbox):
    text = (
        "email,name,cohort\n"
        "amira@example.org,Amira Hassan,Spring 2027\n"
        "not-an-email,Bethany Cole,Spring 2027\n"
        "chloe@example.org,Chloe Mensah,Spring 2030\n"
        "amira@example.org,Amira Again,Spring 2027\n"
    )
    response = upload(login(world.coordinator), text)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "We have not imported anything: 3 rows need putting right first." in page
    for line, text in (
        (3, "does not look like an email"),
        (4, "no cohort called"),
        (5, "is also on line 2"),
    ):
        assert f'<th scope="row">{line}</th><td>' in page
        assert text in page
    assert count(session, Enrolment) == 0
    assert count(session, User) == 3  # the coordinator, the admin and the stranger
    assert outbox == []


def test_a_problem_found_while_importing_undoes_the_rows_before_it(session, world):
    from lms.franchise.csv_import import ImportRejected
    from lms.franchise.enrolment import import_enrolments

    disabled = member(world.partner, Role.TRAINEE, email="gone@example.org", is_disabled=True)
    data = (
        b"email,name,cohort\n"
        b"first@example.org,First,Spring 2027\n"
        b"gone@example.org,Gone,Spring 2027\n"
    )
    with pytest.raises(ImportRejected) as caught:
        import_enrolments(session, world.partner, data, TODAY)
    session.rollback()
    assert caught.value.problems[0].line == 3
    assert "disabled" in caught.value.problems[0].message
    assert count(session, Enrolment) == 0
    assert count(session, EnrolmentInvitation) == 0  # nor is the first row's invitation kept
    assert disabled.id is not None


def test_wrong_encoding_is_explained_on_the_page(login, world):
    data = "email,name,cohort\nzoe@example.org,Zoë,Spring 2027\n".encode("cp1252")
    response = upload(login(world.coordinator), data)
    assert response.status_code == 400
    assert "Windows-1252" in response.get_data(as_text=True)


def test_the_example_file_is_a_csv_that_imports(login, world):
    response = login(world.coordinator).get(
        "/organisations/northside/enrolments/import/example.csv"
    )
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.get_data(as_text=True).startswith("\ufeffemail,name,cohort,date_of_birth")


# --- cohort names are unique within an organisation, whatever their case and spacing -----------

ORIGINAL = "Northside ALRM3 first cohort"


def test_a_name_differing_only_in_case_or_spacing_is_taken(session, world):
    curriculum.create_cohort(session, world.partner, world.course, ORIGINAL)
    session.commit()
    for variant in ("northside alrm3 FIRST cohort", "  Northside  ALRM3 first cohort "):
        with pytest.raises(DomainError, match="already has a cohort called"):
            curriculum.create_cohort(session, world.partner, world.course, variant)
        session.rollback()
    with pytest.raises(DomainError, match="already a cohort called"):
        cohort_ops.edit_cohort(
            session, world.cohort, "NORTHSIDE alrm3 first COHORT", starts_on=None, ends_on=None
        )
    session.rollback()
    # Another organisation may use the name, and a cohort may change the case of its own.
    curriculum.create_cohort(session, world.elsewhere, world.course, ORIGINAL.lower())
    cohort_ops.edit_cohort(session, world.cohort, "SPRING 2027", starts_on=None, ends_on=None)
    session.commit()


def test_the_database_refuses_a_case_variant_name(session, world):
    from sqlalchemy.exc import IntegrityError

    session.add(
        Cohort(
            organisation_id=world.partner.id,
            course_id=world.course.id,
            name="spring 2027 ",
            status=CohortStatus.OPEN,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_a_case_variant_cannot_be_opened_and_the_original_still_takes_trainees(
    session, login, client, world
):
    from tests.factories import api_token

    original = curriculum.create_cohort(session, world.partner, world.course, ORIGINAL)
    session.commit()
    browser = login(world.coordinator)
    response = browser.post(
        "/organisations/northside/cohorts/new",
        data={"name": "northside alrm3 FIRST cohort", "course": world.course.id},
    )
    assert response.status_code == 400
    assert "already has a cohort called" in response.get_data(as_text=True)
    assert count(session, Cohort, Cohort.organisation_id == world.partner.id) == 2

    member(world.partner, Role.TRAINEE, email="amira@example.org")
    member(world.partner, Role.TRAINEE, email="bethany@example.org")
    csv = "email,name,cohort\namira@example.org,Amira,NORTHSIDE alrm3 first cohort\n"
    response = upload(browser, csv)
    assert response.status_code == 302
    token = api_token(session, world.coordinator, world.partner, Role.COORDINATOR)
    response = client.post(
        "/api/v1/trainees",
        json={"trainees": [{"email": "bethany@example.org", "cohort_id": original.id}]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.json
    assert count(session, Enrolment, Enrolment.cohort_id == original.id) == 2

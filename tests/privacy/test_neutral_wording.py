"""Nothing an onlooker sees tells what the site is about: every e-mail subject, the sender's
name and every download's file name are held to `lms.privacy.wording.REVEALING_WORDS`, with
organisations, courses and cohorts named with those very words."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import select

from lms import PROJECT_ROOT
from lms.accounts.roles import Role
from lms.accreditation.models import IssuedCredential, QualificationAward
from lms.assessment import operations as assessment
from lms.assessment import quality
from lms.assessment.models import Outcome
from lms.assessment.operations import Verdict
from lms.curriculum.models import Course
from lms.db import utcnow
from lms.franchise import invitations
from lms.mail.models import OutboxMessage
from lms.notifications.kinds import CATALOGUE
from lms.portfolio import operations as portfolio
from lms.portfolio.models import EvidenceFile
from lms.privacy.wording import revealing_words
from tests.factories import (
    add_evidence,
    assessment_setting,
    licensed_partner,
    member,
)

REVEALING_NAME = "Domestic Abuse Survivors' Refuge"
SENDERS = {"enqueue", "notify", "_tell", "send_invitation"}


def test_the_list_finds_words_and_their_forms():
    assert revealing_words("Support for survivors of Domestic Abuse") == [
        "survivor",
        "domestic",
        "abuse",
    ]
    assert revealing_words("Women\N{RIGHT SINGLE QUOTATION MARK}s Aid North") == ["women's aid"]
    assert revealing_words("You have a new message on Alongside") == []
    assert revealing_words("my-information-2026-03-02.zip") == []


# --- every subject in the code --------------------------------------------------------------


def _subject_of(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "subject":
            return keyword.value
    name = call.func.id if isinstance(call.func, ast.Name) else call.func.attr
    return call.args[2] if name == "enqueue" and len(call.args) > 2 else None


def _names_assigned(tree: ast.AST) -> dict[str, list[ast.expr]]:
    assigned: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
    return assigned


def _problems(expr: ast.expr, assigned, where: str, seen=()) -> list[str]:
    problems = []
    for node in ast.walk(expr):
        if isinstance(node, ast.JoinedStr):
            problems.append(f"{where}: a subject built from names ({ast.unparse(node)})")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if words := revealing_words(node.value):
                problems.append(f"{where}: {node.value!r} says {words}")
        elif isinstance(node, ast.Name) and node.id not in seen:
            for value in assigned.get(node.id, []):
                problems += _problems(value, assigned, where, (*seen, node.id))
    return problems


def _sending_calls():
    for path in sorted((PROJECT_ROOT / "lms").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in SENDERS:
                    yield path, tree, node


def test_every_subject_in_the_code_is_neutral_and_names_nobody():
    problems, templates, calls = [], set(), 0
    for path, tree, call in _sending_calls():
        where = f"{path.relative_to(PROJECT_ROOT)}:{call.lineno}"
        subject = _subject_of(call)
        for keyword in call.keywords:
            if keyword.arg == "template" and isinstance(keyword.value, ast.Constant):
                templates.add(keyword.value.value)
        positional = call.args[3] if len(call.args) > 3 else None
        if getattr(call.func, "id", None) == "enqueue" and isinstance(positional, ast.Constant):
            templates.add(positional.value)
        if subject is not None:
            calls += 1
            problems += _problems(subject, _names_assigned(tree), where)
    # Notifications take their subjects and templates from the catalogue of kinds.
    for kind in CATALOGUE.values():
        calls += 1
        templates.add(kind.template)
        for text in (str(kind.subject), str(kind.lead)):
            if words := revealing_words(text):
                problems.append(f"kind {kind.name}: {text!r} says {words}")
    assert not problems, "\n".join(problems)
    assert calls >= 10
    # Every mail template is sent by one of the calls looked at (an invitation's is the
    # default of `send_invitation`).
    on_disk = {p.stem for p in Path(PROJECT_ROOT, "templates", "mail").glob("*.txt")}
    assert on_disk - templates <= {"invitation"}


def test_the_senders_name_is_neutral(app):
    assert revealing_words(app.config["MAIL_DEFAULT_SENDER"]) == []


# --- every subject sent, with revealing names everywhere ---------------------------------


def test_messages_sent_with_revealing_names_have_neutral_subjects(app, signed_in, session):
    franchise = licensed_partner(session)
    partner = franchise.partner
    partner.name = REVEALING_NAME
    franchise.cohort.name = "Survivors' trauma group"
    franchise.course.title = "Responding to a disclosure of domestic abuse"
    session.commit()
    coordinator = signed_in(franchise.coordinator)
    coordinator.post(
        f"/organisations/{partner.slug}/members",
        data={"email": "new@example.org", "display_name": "Victim Support", "roles": ["assessor"]},
    )
    app.test_client().post("/password/forgot", data={"email": franchise.coordinator.email})
    with app.test_request_context():
        invitations.invite(
            session,
            franchise.cohort,
            "invited@example.org",
            "Survivor Name",
            date_of_birth=None,
            today=utcnow().date(),
        )
        quality.invite_eqa(session, partner, email="eqa@example.org", display_name="Rape Crisis")
    session.commit()
    # A submission and its decision: the assessor's and the trainee's news.
    setting = assessment_setting(partner)
    setting.unit.title = "Trauma and disclosure"
    evidence = add_evidence(setting, setting.criteria(), title="Domestic abuse reflection")
    submission = portfolio.submit_unit(
        session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    session.commit()
    assessment.judge(
        session,
        submission,
        setting.assessor,
        expected_version=1,
        outcome=Outcome.REFERRED,
        verdicts={c.id: Verdict(False, "More") for c in setting.criteria()},
        actions="Add an example.",
    )
    session.commit()
    templates = set(session.scalars(select(OutboxMessage.template)))
    assert {
        "membership_invitation",
        "password_reset",
        "enrolment_invitation",
        "eqa_invitation",
        "notice",
    } <= templates
    for subject in session.scalars(select(OutboxMessage.subject)):
        assert revealing_words(subject) == [], subject
        assert partner.name not in subject
        assert evidence.title not in subject


# --- every download's file name -----------------------------------------------------------


def _filename(response) -> str:
    disposition = response.headers.get("Content-Disposition", "")
    response.close()
    assert response.status_code == 200, disposition
    assert disposition.startswith("attachment")
    return re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", disposition).group(1)


def test_downloads_are_named_neutrally_whatever_the_names_around_them(story, signed_in, session):
    organisation = story.setting.organisation
    organisation.name = REVEALING_NAME
    story.setting.cohort.name = "Survivors of domestic abuse, spring"
    for course in session.scalars(select(Course)):
        course.title = "Trauma-informed support after sexual violence"
    evidence_file = session.scalar(
        select(EvidenceFile).where(EvidenceFile.evidence_id == story.evidence.id)
    )
    evidence_file.filename = "what he did - abuse disclosure.txt"
    award = session.scalar(
        select(QualificationAward).where(QualificationAward.user_id == story.trainee.id)
    )
    credential = session.scalar(
        select(IssuedCredential).where(IssuedCredential.award_id == award.id)
    )
    session.commit()
    trainee = signed_in(story.trainee)
    coordinator = signed_in(member(organisation, Role.COORDINATOR))
    enrolment = story.setting.enrolment.id
    cohort = story.setting.cohort.id
    names = [
        _filename(trainee.get(f"/portfolio/{enrolment}/files/{evidence_file.id}")),
        _filename(trainee.get(f"/awards/{award.id}/certificate.pdf")),
        _filename(trainee.get(f"/records/{story.qualification_enrolment.id}/record.pdf")),
        _filename(trainee.get(f"/credentials/{credential.id}.json")),
        _filename(trainee.get(f"/credentials/{credential.id}.jwt")),
        _filename(trainee.get("/my/information/download")),
        _filename(
            coordinator.get(f"/organisations/{organisation.slug}/cohorts/{cohort}/progress.csv")
        ),
        _filename(
            coordinator.get(f"/organisations/{organisation.slug}/cohorts/{cohort}/progress.xlsx")
        ),
    ]
    assert names[0] == f"document-{evidence_file.id}.txt"
    for name in names:
        assert revealing_words(name.replace("-", " ")) == [], name
        assert story.trainee.display_name.split()[0] not in name, name

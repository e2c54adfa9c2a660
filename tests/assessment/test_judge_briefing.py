"""What the assessor reads before judging: the evidence claiming each criterion (and which
criteria have none), the quiz, earlier decisions, what the trainee changed, the witnesses'
answers; and the links to record an observation or a professional discussion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lms.assessment import operations
from lms.assessment.briefing import briefing
from lms.assessment.models import Outcome
from lms.assessment.operations import Verdict
from lms.assessment.queries import decision_history
from lms.db import utcnow
from lms.extensions import db
from lms.portfolio import operations as portfolio
from lms.portfolio import witnesses
from lms.portfolio.models import EvidenceType, Submission
from tests.factories import add_evidence, assessment_setting
from tests.factories.quizzes import quiz_for_unit


def _refer(setting, submission, feedback: str):
    criteria = setting.criteria()
    operations.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=submission.state_version,
        outcome=Outcome.REFERRED,
        verdicts={
            criteria[0].id: Verdict(True, "Clear and warm."),
            **{c.id: Verdict(False, feedback) for c in criteria[1:]},
        },
        feedback="Nearly there.",
        actions="Please add a reflection on " + criteria[1].number,
    )


def _submit(setting, note: str = ""):
    return portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True, changes_note=note
    )


def _loaded(submission):
    from sqlalchemy.orm import selectinload

    return db.session.scalar(
        select(Submission)
        .where(Submission.id == submission.id)
        .options(selectinload(Submission.items))
        .execution_options(populate_existing=True)
    )


def _briefing(submission):
    submission = _loaded(submission)
    history = decision_history(db.session, submission)
    return briefing(db.session, submission, history.unit, history.criteria)


def test_each_criterion_lists_the_evidence_claiming_it_and_says_when_none_does(session):
    setting = assessment_setting()
    criteria = setting.criteria()
    add_evidence(setting, criteria[:1], title="Reflection on listening")
    add_evidence(setting, criteria[:2], title="Supervisor's notes", file=("notes.txt", b"Notes"))
    submission = _submit(setting)
    db.session.commit()

    found = _briefing(submission)

    titles = {c.criterion.number: [i.title for i in c.items] for c in found.claims}
    assert titles[criteria[0].number] == ["Reflection on listening", "Supervisor's notes"]
    assert titles[criteria[1].number] == ["Supervisor's notes"]
    assert [c.number for c in found.unclaimed] == [c.number for c in criteria[2:]]
    assert found.has_quiz is False
    assert found.quiz is None
    assert found.earlier == []


def test_earlier_decisions_show_each_criterion_and_the_feedback_and_the_reply(session):
    setting = assessment_setting()
    criteria = setting.criteria()
    add_evidence(setting, criteria)
    first = _submit(setting)
    _refer(setting, first, "Please say more about what you noticed.")
    second = _submit(setting, "I added a reflection on what I noticed.")
    db.session.commit()

    found = _briefing(second)

    assert second.changes_note == "I added a reflection on what I noticed."
    (earlier,) = found.earlier
    assert earlier.submission.number == 1
    assert earlier.decision.outcome == Outcome.REFERRED
    assert earlier.assessor_name == setting.assessor.display_name
    assert earlier.verified is True
    assert earlier.judgements[0] == (criteria[0].number, True, "Clear and warm.")
    assert earlier.judgements[1] == (
        criteria[1].number,
        False,
        "Please say more about what you noticed.",
    )
    # The first submission has nothing before it.
    assert _briefing(first).earlier == []


def test_a_first_submission_keeps_no_note_of_changes(session):
    setting = assessment_setting()
    add_evidence(setting, setting.criteria())
    submission = _submit(setting, "Nothing was referred yet.")
    assert submission.changes_note == ""


def test_the_quiz_result_shows_tries_best_and_latest(session):
    from lms.quizzes.demo import hand_in_quiz

    setting = assessment_setting()
    quiz = quiz_for_unit(setting.unit)
    add_evidence(setting, setting.criteria())
    submission = _submit(setting)
    db.session.commit()
    assert _briefing(submission).has_quiz is True
    assert _briefing(submission).quiz.tries == 0

    start = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    hand_in_quiz(db.session, setting.enrolment, quiz, passing=False, now=start, seed=1)
    hand_in_quiz(
        db.session, setting.enrolment, quiz, passing=True, now=start + timedelta(days=2), seed=2
    )
    db.session.commit()

    result = _briefing(submission).quiz
    assert result.tries == 2
    assert result.passed is True
    assert result.best_percent == 100
    assert result.latest_passed is True
    assert result.latest_at == start + timedelta(days=2, minutes=12)


def test_the_judge_page_shows_the_briefing_before_the_form(app, signed_in):
    setting = assessment_setting()
    criteria = setting.criteria()
    add_evidence(setting, criteria[:1], title="Reflection on listening")
    first = _submit(setting)
    _refer(setting, first, "Please say more about what you noticed.")
    witness_item = add_evidence(
        setting,
        criteria[:1],
        title="Statement from my supervisor",
        evidence_type=EvidenceType.WITNESS_TESTIMONY,
        file=None,
    )
    witnesses.ask_witness(
        db.session,
        witness_item,
        setting.trainee,
        name="Mara Lind",
        role="placement supervisor",
        email="mara@example.org",
        trainee_name=setting.trainee.display_name,
    )
    statement = witnesses.latest_statements(db.session, [witness_item.id])[witness_item.id]
    witnesses.answer(db.session, statement, confirmed=True, note="")
    second = _submit(setting, "I added my supervisor's statement.")
    db.session.commit()
    file_id = _loaded(second).items[0].files[0]["file_id"]

    page = signed_in(setting.assessor).get(f"/assessment/submissions/{second.id}")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    form_at = text.index("Your decision")
    for shown in (
        "Evidence for each criterion",
        "No evidence claims this criterion.",
        f"/portfolio/{setting.enrolment.id}/files/{file_id}",
        "I added my supervisor&#39;s statement.",
        "Decisions on earlier submissions of this unit",
        "Please say more about what you noticed.",
        f"Confirmed by Mara Lind on {utcnow().day} {utcnow():%B %Y}",
        f"/portfolio/{setting.enrolment.id}/record?type=observation&amp;unit={setting.unit.id}",
        "type=professional_discussion",
    ):
        assert shown in text, shown
        assert text.index(shown) < form_at, shown
    # Nothing is chosen for the assessor: every criterion still waits for her judgement.
    assert "checked" not in text[form_at:]


def test_the_download_from_the_judge_page_is_authorised_and_audited(app, signed_in):
    from lms.audit.models import AuditEvent

    setting = assessment_setting()
    add_evidence(setting, setting.criteria()[:1])
    submission = _submit(setting)
    db.session.commit()
    file_id = _loaded(submission).items[0].files[0]["file_id"]
    url = f"/portfolio/{setting.enrolment.id}/files/{file_id}"

    response = signed_in(setting.assessor).get(url)
    assert response.status_code == 200
    assert response.get_data() == b"I listened more than I spoke.\n"
    response.close()
    other = assessment_setting()
    assert signed_in(other.assessor).get(url).status_code == 404
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "evidence.downloaded")
    ).all()
    assert len(actions) == 1


def test_the_queue_and_the_record_link_to_recording_for_the_trainee_and_unit(app, signed_in):
    setting = assessment_setting()
    add_evidence(setting, setting.criteria())
    _submit(setting)
    db.session.commit()
    assessor = signed_in(setting.assessor)
    link = f"/portfolio/{setting.enrolment.id}/record?type=observation&amp;unit={setting.unit.id}"

    assert link in assessor.get("/assessment/queue").get_data(as_text=True)
    assert link in assessor.get(f"/records/{setting.enrolment.id}").get_data(as_text=True)
    # The trainee's own record offers no such link.
    trainee_record = signed_in(setting.trainee).get(f"/records/{setting.enrolment.id}")
    assert "/record?type=observation" not in trainee_record.get_data(as_text=True)


def test_the_recording_form_opens_with_the_kind_and_unit_chosen(app, signed_in):
    setting = assessment_setting()
    assessor = signed_in(setting.assessor)
    url = f"/portfolio/{setting.enrolment.id}/record"

    page = assessor.get(f"{url}?type=professional_discussion&unit={setting.unit.id}")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="professional_discussion" selected' in text or (
        'selected value="professional_discussion"' in text
    )
    assert f'value="Professional discussion record, {setting.unit.code}"' in text
    assert f"For {setting.unit.code} {setting.unit.title}" in text
    # No criterion is ticked for her.
    assert "checked" not in text
    # A unit of another course is ignored, not an error.
    other = assessment_setting()
    assert assessor.get(f"{url}?type=observation&unit={other.unit.id}").status_code == 200


def test_the_judge_page_does_not_grow_with_evidence_decisions_or_witnesses(
    app, count_queries, signed_in
):
    setting = assessment_setting()
    criteria = setting.criteria()
    assessor = signed_in(setting.assessor)

    def round_of(pieces: int):
        for index in range(pieces):
            item = add_evidence(
                setting,
                criteria[: 1 + index % len(criteria)],
                title=f"Statement {index}",
                evidence_type=EvidenceType.WITNESS_TESTIMONY,
            )
            witnesses.ask_witness(
                db.session,
                item,
                setting.trainee,
                name=f"Witness {index}",
                role="colleague",
                email=f"witness{index}@example.org",
                trainee_name="Trainee",
            )
        submission = _submit(setting, "What I changed.")
        db.session.commit()
        return submission

    def measure(submission):
        url = f"/assessment/submissions/{submission.id}"
        assessor.get(url)
        with count_queries() as counter:
            assert assessor.get(url).status_code == 200
        return counter.count

    _refer(setting, round_of(1), "More please.")
    second = round_of(1)
    small = measure(second)
    _refer(setting, second, "Still more.")
    for _ in range(3):
        _refer(setting, round_of(3), "Still more.")
    large = measure(round_of(4))
    assert small == large


def test_after_a_referral_the_trainee_says_what_she_changed_when_submitting_again(app, signed_in):
    setting = assessment_setting()
    add_evidence(setting, setting.criteria())
    trainee = signed_in(setting.trainee)
    unit_url = f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}"
    assert "What I changed" not in trainee.get(unit_url).get_data(as_text=True)
    first = _submit(setting)
    _refer(setting, first, "Please say more.")
    db.session.commit()

    assert "What I changed" in trainee.get(unit_url).get_data(as_text=True)
    response = trainee.post(
        f"{unit_url}/submit", data={"declaration": "y", "changes": "I wrote more about it."}
    )

    assert response.status_code == 302
    second = db.session.scalar(
        select(Submission)
        .where(Submission.enrolment_id == setting.enrolment.id)
        .order_by(Submission.number.desc())
    )
    assert (second.number, second.changes_note) == (2, "I wrote more about it.")
    own_page = trainee.get(response.headers["Location"]).get_data(as_text=True)
    assert "I wrote more about it." in own_page
    assert "/record?type=observation" not in own_page
    assessor_page = signed_in(setting.assessor).get(
        f"/portfolio/{setting.enrolment.id}/submissions/{second.id}"
    )
    assert "/record?type=observation" in assessor_page.get_data(as_text=True)


def test_the_assessor_reads_a_witness_s_objection_and_what_she_was_asked(app, signed_in):
    setting = assessment_setting()
    item = add_evidence(
        setting,
        setting.criteria(),
        title="Statement from my supervisor",
        evidence_type=EvidenceType.WITNESS_TESTIMONY,
        file=None,
    )
    statement, _ = witnesses.ask_witness(
        db.session,
        item,
        setting.trainee,
        name="Mara Lind",
        role="placement supervisor",
        email="mara@example.org",
        trainee_name=setting.trainee.display_name,
    )
    witnesses.answer(db.session, statement, confirmed=False, note="It was two sessions.")
    item.description = "A new wording of the statement."
    submission = _submit(setting)
    db.session.commit()

    text = (
        signed_in(setting.assessor)
        .get(f"/assessment/submissions/{submission.id}")
        .get_data(as_text=True)
    )

    assert "Not confirmed by Mara Lind" in text
    assert "It was two sessions." in text
    assert "The statement has changed since the witness was asked." in text
    assert "What happened, what I noticed, what I would do again." in text

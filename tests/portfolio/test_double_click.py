"""A double click never shows a 500, and two uploads at once never pass a quota.

Each race is forced, not hoped for: both requests are held at a barrier just after they have
checked (and found nothing in the way), so both go on to write at the same moment. On SQLite
and on PostgreSQL (scripts/test-postgres.sh) alike, exactly one wins; the other gets a plain
message."""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assessment import operations as assessment
from lms.assessment.models import IqaSample, Outcome
from lms.assessment.operations import Verdict
from lms.audit.models import AuditEvent
from lms.errors import DomainError
from lms.extensions import db
from lms.portfolio import filetypes
from lms.portfolio import operations as portfolio
from lms.portfolio.models import Evidence, EvidenceFile, Submission
from lms.portfolio.storage import current_storage
from tests.factories import add_evidence, assessment_setting

QUOTA = 1000


@pytest.fixture
def config_overrides():
    return {"EVIDENCE_QUOTA_BYTES": QUOTA}


@pytest.fixture
def setting(app):
    setting = assessment_setting()
    add_evidence(setting, setting.criteria(), file=("a.txt", b"My notes.\n"))
    return setting


def held_at_barrier(monkeypatch, module, name: str, parties: int = 2) -> None:
    """Make `module.name` wait until `parties` callers have reached it."""
    barrier = threading.Barrier(parties)
    real = getattr(module, name)

    def waiting(*args, **kwargs):
        result = real(*args, **kwargs)
        barrier.wait(timeout=20)
        return result

    monkeypatch.setattr(module, name, waiting)


def at_once(*actions):
    """Run each action in its own thread; their results (or exceptions), in order."""
    results: list = [None] * len(actions)

    def run(index, action):
        try:
            results[index] = action()
        except BaseException as error:  # reported to the test
            results[index] = error

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


# --- submitting the same unit twice --------------------------------------------------------------


def test_a_double_clicked_submit_makes_one_submission_and_a_plain_message(
    setting, signed_in, monkeypatch
):
    held_at_barrier(monkeypatch, portfolio, "_evidence_ready_to_submit")
    first, second = signed_in(setting.trainee), signed_in(setting.trainee)
    url = f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}/submit"
    responses = at_once(
        lambda: first.post(url, data={"declaration": "y"}),
        lambda: second.post(url, data={"declaration": "y"}),
    )
    assert sorted(r.status_code for r in responses) == [302, 302]
    assert count(Submission) == 1
    submitted = db.session.scalar(select(Submission))
    landing = {r.headers["Location"].rsplit("/", 1)[-1] for r in responses}
    assert landing == {str(submitted.id), str(setting.unit.id)}
    loser = next(
        c
        for c, r in zip((first, second), responses, strict=True)
        if r.headers["Location"].endswith(f"/units/{setting.unit.id}")
    )
    page = loser.get(f"/portfolio/{setting.enrolment.id}/units/{setting.unit.id}")
    assert "This unit has just been submitted, so it is with an assessor now." in page.text
    events = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "portfolio.submitted")
    )
    assert events == 1


def test_two_submits_at_once_in_the_domain_one_wins(app, setting, monkeypatch):
    held_at_barrier(monkeypatch, portfolio, "_evidence_ready_to_submit")
    enrolment_id, unit_id = setting.enrolment.id, setting.unit.id

    def submit():
        from lms.curriculum.models import Enrolment, Unit

        with app.app_context(), Session(db.engine) as own:
            made = portfolio.submit_unit(
                own,
                own.get(Enrolment, enrolment_id),
                own.get(Unit, unit_id),
                declaration_confirmed=True,
            )
            own.commit()
            return made.id

    results = at_once(submit, submit)
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1, results
    assert [e.message for e in lost] == [portfolio.JUST_SUBMITTED]
    assert count(Submission) == 1


# --- two IQA picks of the same decision ----------------------------------------------------------


@pytest.fixture
def decision(setting):
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    assessment.save_sampling_plan(
        db.session, setting.organisation.id, setting.iqa, percentage=0, first_decisions=0
    )
    made = assessment.judge(
        db.session,
        submission,
        setting.assessor,
        expected_version=1,
        outcome=Outcome.REFERRED,
        verdicts={c.id: Verdict(False, "More, please.") for c in setting.criteria()},
        actions="Please add an example.",
    )
    db.session.commit()
    assert count(IqaSample) == 0
    return made


def test_a_double_clicked_pick_samples_once_and_says_so_plainly(
    setting, decision, signed_in, monkeypatch
):
    held_at_barrier(monkeypatch, assessment, "_already_sampled")
    first, second = signed_in(setting.iqa), signed_in(setting.iqa)
    url = f"/iqa/decisions/{decision.id}/pick"
    responses = at_once(lambda: first.post(url), lambda: second.post(url))
    assert [r.status_code for r in responses] == [302, 302]
    assert count(IqaSample) == 1
    pages = [client.get("/iqa/").text for client in (first, second)]
    assert sum("The decision has been added to your sample." in page for page in pages) == 1
    assert sum(str(assessment.ALREADY_SAMPLED) in page for page in pages) == 1


# --- two uploads at once and the quota -----------------------------------------------------------


def test_two_uploads_at_once_cannot_pass_the_quota(app, setting, monkeypatch):
    evidence_id = db.session.scalar(select(Evidence.id))
    used = portfolio.space_used(db.session, setting.trainee.id)
    size = (QUOTA - used) // 2 + 100  # each fits alone; both do not
    held_at_barrier(monkeypatch, filetypes, "identify")

    def upload(letter: str):
        with app.app_context(), Session(db.engine) as own:
            evidence = own.get(Evidence, evidence_id)
            attached = portfolio.attach_file(
                own,
                current_storage(),
                evidence,
                own.get(User, evidence.owner_id),
                io.BytesIO(letter.encode() * size),
                f"{letter}.txt",
                max_bytes=QUOTA,
                quota_bytes=QUOTA,
            )
            own.commit()
            return attached.size

    results = at_once(lambda: upload("a"), lambda: upload("b"))
    assert sorted(type(r).__name__ for r in results) == ["FileRefused", "int"], results
    refused = next(r for r in results if isinstance(r, DomainError))
    assert "would take you over the space you have for evidence" in refused.message
    assert portfolio.space_used(db.session, setting.trainee.id) == used + size <= QUOTA
    assert count(EvidenceFile) == 2


def test_two_uploads_at_once_through_the_web_one_is_refused_kindly(
    app, setting, signed_in, monkeypatch
):
    evidence_id = db.session.scalar(select(Evidence.id))
    used = portfolio.space_used(db.session, setting.trainee.id)
    size = (QUOTA - used) // 2 + 100
    held_at_barrier(monkeypatch, filetypes, "identify")
    first, second = signed_in(setting.trainee), signed_in(setting.trainee)
    url = f"/portfolio/{setting.enrolment.id}/evidence/{evidence_id}/files"

    def upload(client, letter):
        return client.post(
            url,
            data={"file": (io.BytesIO(letter.encode() * size), f"{letter}.txt")},
            content_type="multipart/form-data",
        )

    responses = at_once(lambda: upload(first, "a"), lambda: upload(second, "b"))
    assert sorted(r.status_code for r in responses) == [302, 400]
    refused = next(r for r in responses if r.status_code == 400)
    assert "would take you over the space you have for evidence" in refused.text
    assert portfolio.space_used(db.session, setting.trainee.id) == used + size
    assert count(EvidenceFile) == 2

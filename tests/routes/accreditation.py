from datetime import timedelta

from sqlalchemy import select

from lms.accreditation.claims import create_claim
from lms.accreditation.models import (
    Certificate,
    IssuedCredential,
    OrganisationSigningKey,
    QualificationAward,
    StatusList,
)
from lms.db import utcnow
from lms.extensions import db
from tests.factories.accreditation import Staff, achieve, make_qualification
from tests.factories.curriculum import CohortFactory, EnrolmentFactory
from tests.routes import EVERYONE_SIGNED_IN, Route, hiding_foreign


def _period():
    today = utcnow().date()
    return today - timedelta(days=60), today


# The EQA holds her role in partner A but has been given none of these learners, so she
# reads no record and lists none (tests/test_learner_readers.py shows a grant at work).
RECORD_READERS = frozenset({"trainee", "assessor", "iqa", "coordinator", "admin"})
HOLDER_AND_MANAGERS = frozenset({"trainee", "coordinator", "admin"})
MANAGERS = frozenset({"coordinator", "admin"})
STAFF_READERS = frozenset({"assessor", "iqa", "coordinator", "admin"})


def _awarded(world, key: str, organisation, trainee, assessor, iqa, prefix: str) -> None:
    session = db.session
    qualification = make_qualification(prefix=prefix)
    cohort = CohortFactory(organisation=organisation, course=qualification.course)
    enrolment = EnrolmentFactory(
        user=trainee, course=qualification.course, organisation=organisation, cohort=cohort
    )
    staff = Staff(assessor=assessor, iqa=iqa)
    for code in ("A1", "A2", "B1"):
        achieve(session, enrolment, qualification.units[code], staff, countersign=iqa is not None)
    award = session.scalar(
        select(QualificationAward).where(QualificationAward.enrolment_id == enrolment.id)
    )
    claim = create_claim(session, organisation, *_period(), claimed_by=None)
    session.commit()
    world.objects[key] = {
        "organisation": organisation,
        "enrolment": enrolment,
        "cohort": cohort,
        "award": award,
        "claim": claim,
        "code": session.scalar(
            select(Certificate.verification_code).where(Certificate.award_id == award.id)
        ),
        "credential": session.scalar(
            select(IssuedCredential.id).where(IssuedCredential.award_id == award.id)
        ),
        "status_list": session.scalar(
            select(StatusList.id).where(StatusList.organisation_id == organisation.id)
        ),
        "key_thumbprint": session.scalar(
            select(OrganisationSigningKey.kid).where(
                OrganisationSigningKey.organisation_id == organisation.id
            )
        ).rsplit("/", 1)[1],
        "course": qualification.course,
    }


def build(world):
    people = world.people
    _awarded(
        world,
        "accreditation_own",
        world.orgs["A"],
        people["trainee"],
        people["assessor"],
        people["iqa"],
        "",
    )
    _awarded(
        world,
        "accreditation_foreign",
        world.orgs["C"],
        people["foreign_trainee"],
        people["foreign_assessor"],
        None,
        "C",
    )


def _objects(world, scope):
    return world.objects["accreditation_own" if scope == "own" else "accreditation_foreign"]


def _slug(world, scope):
    return {"slug": _objects(world, scope)["organisation"].slug}


def _enrolment(world, scope):
    return {"enrolment_id": _objects(world, scope)["enrolment"].id}


def _award(world, scope):
    return {"award_id": _objects(world, scope)["award"].id}


ROUTES = [
    Route("accreditation.verify_form", public=True),
    Route(
        "accreditation.verify_certificate",
        public=True,
        url_args=lambda w, s: {"code": _objects(w, s)["code"]},
    ),
    Route("accreditation.verify_credential", public=True, form={"credential": ""}),
    # A public check that changes nothing and reads no signed-in data needs no CSRF token.
    Route("accreditation.verify_credential_api", public=True, csrf_exempt=True),
    Route("accreditation.issuer_profile", public=True, url_args=_slug),
    Route("accreditation.issuer_keys", public=True, url_args=_slug),
    Route(
        "accreditation.issuer_key",
        public=True,
        url_args=lambda w, s: {**_slug(w, s), "thumbprint": _objects(w, s)["key_thumbprint"]},
    ),
    Route(
        "accreditation.status_list",
        public=True,
        url_args=lambda w, s: {"list_id": _objects(w, s)["status_list"]},
    ),
    Route(
        "accreditation.achievement",
        public=True,
        url_args=lambda w, s: {
            "code": _objects(w, s)["course"].code,
            "version": _objects(w, s)["course"].version,
        },
    ),
    Route("accreditation.my_achievements", allowed=EVERYONE_SIGNED_IN),
    Route("accreditation.record", allowed=RECORD_READERS, url_args=_enrolment),
    Route("accreditation.record_pdf", allowed=RECORD_READERS, url_args=_enrolment),
    Route("accreditation.award", allowed=MANAGERS, url_args=_enrolment),
    Route("accreditation.organisation_records", allowed=STAFF_READERS, url_args=_slug),
    Route("accreditation.certificate_pdf", allowed=HOLDER_AND_MANAGERS, url_args=_award),
    Route(
        "accreditation.credential_download",
        allowed=HOLDER_AND_MANAGERS,
        url_args=lambda w, s: {"credential_id": _objects(w, s)["credential"], "kind": "json"},
    ),
    Route(
        "accreditation.revoke",
        allowed=frozenset({"admin"}),
        url_args=_award,
        form={"reason": "The evidence for one unit was found not to be her own work."},
    ),
    Route(
        "accreditation.cohort_certificates",
        allowed=MANAGERS,
        url_args=lambda w, s: {"cohort_id": _objects(w, s)["cohort"].id},
    ),
    Route(
        "accreditation.claims_page",
        allowed=MANAGERS,
        url_args=_slug,
        form={"period_start": _period()[0].isoformat(), "period_end": _period()[1].isoformat()},
    ),
    Route(
        "accreditation.claim_csv",
        allowed=MANAGERS,
        url_args=lambda w, s: {**_slug(w, s), "claim_id": _objects(w, s)["claim"].id},
    ),
]
# Another organisation's records answer exactly as ids that name nothing.
ROUTES = hiding_foreign(ROUTES)

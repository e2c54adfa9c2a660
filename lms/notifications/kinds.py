"""Every kind of notification in one catalogue: who it is for, what it says in the app, and
what its e-mail says.

- `text` is the in-app text, written when it is read, in the reader's language, from the
  named parameters kept on the notification (`params`). Parameters hold codes, numbers,
  names of organisations and ISO dates; a kind's `dates` are written as dates in the reader's
  language when shown.
- `subject` and `lead` are the e-mail's: the subject is neutral (an inbox's list of subjects
  may be read by someone else, so it never says what the site is about and names nobody:
  tests/privacy/test_neutral_wording.py), and the e-mail says no more than `lead`: that
  something is waiting, and to sign in. Neither carries a parameter.
- `template` is the mail template (templates/mail/<template>.txt and .html).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from lms.i18n import _, _l, format_date, ngettext


class Audience(enum.StrEnum):
    TRAINEE = "trainee"
    ASSESSOR = "assessor"
    IQA = "iqa"
    EQA = "eqa"
    COORDINATOR = "coordinator"


# Subjects: one per audience and purpose, none saying what about.
NEWS = _l("You have a new message")
WORK_WAITING = _l("Something is waiting for you")
ACCESS_CHANGED = _l("A change to your access")
REMINDER = _l("A reminder")

# The one sentence an e-mail says about what is waiting.
NEWS_LEAD = _l("There is news about your work waiting for you.")
WORK_LEAD = _l("Something is waiting for you to look at.")
ACCESS_LEAD = _l("There is a change to the access you have been given.")
REMINDER_LEAD = _l("Something needs your attention.")


@dataclass(frozen=True)
class Kind:
    name: str
    audience: Audience
    text: Callable[[Mapping], str]
    subject: object = NEWS
    lead: object = NEWS_LEAD
    template: str = "notice"
    dates: tuple[str, ...] = ()

    def render(self, params: Mapping | None) -> str:
        """The in-app text in the current language (the reader's, in a request)."""
        values = dict(params or {})
        for name in self.dates:
            if values.get(name):
                values[name] = format_date(date.fromisoformat(values[name]))
        return self.text(values)


CATALOGUE: dict[str, Kind] = {}


def kind(name: str, audience: Audience, **fields) -> Callable:
    """Register the decorated function (params -> text) as kind `name`."""

    def register(text: Callable[[Mapping], str]) -> Callable:
        CATALOGUE[name] = Kind(name, audience, text, **fields)
        return text

    return register


def get(name: str) -> Kind | None:
    return CATALOGUE.get(name)


# --- trainees --------------------------------------------------------------------------------


@kind("submission.received", Audience.TRAINEE)
def _submission_received(p):
    return _(
        "Your submission of %(unit)s has arrived. Your assessor will look at it and let you know.",
        **p,
    )


@kind("submission.referred", Audience.TRAINEE)
def _submission_referred(p):
    return _("Your assessor has looked at your %(unit)s submission and suggested next steps.", **p)


@kind("submission.judged", Audience.TRAINEE)
def _submission_judged(p):
    return _(
        "Your assessor has signed off %(unit)s; it is being checked before it is final. You do "
        "not need to do anything, and we will let you know when the check is done.",
        **p,
    )


@kind("unit.achieved", Audience.TRAINEE)
def _unit_achieved(p):
    return _("%(unit)s is signed off: the unit is achieved and on your record. Well done.", **p)


@kind("sign_off.returned", Audience.TRAINEE)
def _sign_off_returned(p):
    return _(
        "The check of your %(unit)s sign-off found something your assessor needs to look at "
        "again. Your work is back with your assessor: you do not need to do anything now, and "
        "they will let you know what happens next.",
        **p,
    )


@kind("award.made", Audience.TRAINEE)
def _award_made(p):
    return _(
        "Your qualification has been awarded. Congratulations! Your certificate is ready to "
        "see and download.",
        **p,
    )


@kind("award.revoked", Audience.TRAINEE)
def _award_revoked(p):
    return _(
        "One of your awards has been withdrawn, and its certificate no longer verifies. Your "
        "coordinator can tell you why and what you can do next.",
        **p,
    )


@kind("practice.feedback", Audience.TRAINEE, dates=("held_on",))
def _practice_feedback(p):
    return _(
        "Notes from your supervision on %(held_on)s are on your practice page, with any "
        "actions you agreed.",
        **p,
    )


# --- assessors -------------------------------------------------------------------------------


@kind("submission.arrived", Audience.ASSESSOR, subject=WORK_WAITING, lead=WORK_LEAD)
def _submission_arrived(p):
    return _("A submission for %(unit)s is waiting in your assessment queue.", **p)


@kind("submission.resubmitted", Audience.ASSESSOR, subject=WORK_WAITING, lead=WORK_LEAD)
def _submission_resubmitted(p):
    return _(
        "A resubmission for %(unit)s is waiting in your assessment queue, with a note of what "
        "has changed.",
        **p,
    )


@kind("countersignature.needed", Audience.ASSESSOR, subject=WORK_WAITING, lead=WORK_LEAD)
def _countersignature_needed(p):
    return _(
        "A sign-off of %(unit)s by an assessor who is still qualifying is waiting for your "
        "countersignature.",
        **p,
    )


@kind("decision.awaiting_countersignature", Audience.ASSESSOR)
def _awaiting_countersignature(p):
    return _(
        "Your sign-off of %(unit)s is waiting for a qualified assessor's countersignature. "
        "We will let you know when it has been looked at.",
        **p,
    )


@kind("decision.returned", Audience.ASSESSOR, subject=WORK_WAITING, lead=WORK_LEAD)
def _decision_returned(p):
    if p.get("by") == "iqa":
        return _(
            "An internal quality assurer has returned your sign-off of %(unit)s with comments. "
            "It is back in your assessment queue: please read the comments and judge it again. "
            "The trainee has been told that it is back with you.",
            **p,
        )
    return _(
        "A countersigning assessor has returned your sign-off of %(unit)s with comments. It is "
        "back in your assessment queue: please read the comments and judge it again. The "
        "trainee has been told that it is back with you.",
        **p,
    )


@kind("decision.commented", Audience.ASSESSOR)
def _decision_commented(p):
    return _(
        "An internal quality assurer has disagreed with your decision on %(unit)s and left "
        "comments. The decision stands, so nothing changes for the trainee; please read the "
        "comments and talk them through with the quality assurer.",
        **p,
    )


@kind("standardisation.invited", Audience.ASSESSOR, subject=WORK_WAITING, lead=WORK_LEAD)
def _standardisation_invited(p):
    return _(
        "You are asked to judge the evidence of a standardisation exercise, “%(title)s”, on "
        "your own.",
        **p,
    )


# --- internal quality assurers ---------------------------------------------------------------


@kind("sample.new", Audience.IQA, subject=WORK_WAITING, lead=WORK_LEAD)
def _sample_new(p):
    return _("A decision on %(unit)s has been sampled for you to check.", **p)


@kind("standardisation.opened", Audience.IQA)
def _standardisation_opened(p):
    return _("A standardisation exercise, “%(title)s”, has been opened.", **p)


# --- external quality assurers ---------------------------------------------------------------


def _records(p) -> str:
    return ngettext(
        "the records of %(num)d learner", "the records of %(num)d learners", p["learners"]
    )


@kind(
    "eqa.access_given",
    Audience.EQA,
    subject=ACCESS_CHANGED,
    lead=ACCESS_LEAD,
    dates=("starts_on", "ends_on"),
)
def _eqa_access_given(p):
    return _(
        "%(organisation)s has given you read-only access to %(records)s, from %(starts_on)s "
        "until %(ends_on)s.",
        records=_records(p),
        **p,
    )


@kind("eqa.access_ending", Audience.EQA, subject=REMINDER, lead=REMINDER_LEAD, dates=("ends_on",))
def _eqa_access_ending(p):
    return _(
        "The read-only access %(organisation)s gave you to %(records)s ends on %(ends_on)s.",
        records=_records(p),
        **p,
    )


@kind(
    "eqa.access_ended",
    Audience.EQA,
    subject=ACCESS_CHANGED,
    lead=ACCESS_LEAD,
    dates=("starts_on", "ends_on"),
)
def _eqa_access_ended(p):
    if p.get("early"):
        return _(
            "%(organisation)s has ended the access it gave you to %(records)s (from "
            "%(starts_on)s until %(ends_on)s). From now on you can no longer read their work.",
            records=_records(p),
            **p,
        )
    return _(
        "The access %(organisation)s gave you to %(records)s, from %(starts_on)s until "
        "%(ends_on)s, has ended.",
        records=_records(p),
        **p,
    )


# --- coordinators ----------------------------------------------------------------------------


@kind("licence.seats_low", Audience.COORDINATOR, subject=REMINDER, lead=REMINDER_LEAD)
def _licence_seats_low(p):
    return ngettext(
        "The licence for %(course)s has %(num)d place left.",
        "The licence for %(course)s has %(num)d places left.",
        p["left"],
        course=p["course"],
    )


@kind(
    "licence.ending",
    Audience.COORDINATOR,
    subject=REMINDER,
    lead=REMINDER_LEAD,
    dates=("ends_on",),
)
def _licence_ending(p):
    return _("The licence for %(course)s ends on %(ends_on)s.", **p)


@kind(
    "flag.not_followed_up",
    Audience.COORDINATOR,
    subject=REMINDER,
    lead=REMINDER_LEAD,
    dates=("follow_up_on",),
)
def _flag_not_followed_up(p):
    return _(
        "A flag on a trainee's practice was to be followed up by %(follow_up_on)s and has not "
        "been yet.",
        **p,
    )


@kind("coordinator.weekly", Audience.COORDINATOR, subject=REMINDER, lead=REMINDER_LEAD)
def _coordinator_weekly(p):
    return _(
        "Your week at %(organisation)s: units waiting for an assessor: %(waiting)s; open "
        "practice flags: %(flags)s; trainees with no activity for three weeks: %(quiet)s.",
        **p,
    )

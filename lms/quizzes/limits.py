"""Whether a trainee may start another attempt, and when: pure rules over her past attempts.

- Once she has passed a quiz there is nothing more to take.
- `attempts` caps the attempts within one enrolment (unlimited when not set).
- `wait_minutes` is counted from when her last attempt was handed in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lms.i18n import _, format_date, format_time, ngettext
from lms.quizzes.format import Quiz


@dataclass(frozen=True)
class PastAttempt:
    submitted_at: datetime
    passed: bool


@dataclass(frozen=True)
class Availability:
    can_start: bool
    used: int
    allowed: int | None
    passed: bool
    next_start_at: datetime | None = None  # set while she has to wait
    reason: str | None = None  # why she cannot start, in plain words

    @property
    def remaining(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)

    @property
    def final(self) -> bool:
        """No attempts are left (used to decide when correct answers may be shown)."""
        return self.allowed is not None and self.used >= self.allowed


def describe_wait(until: datetime, now: datetime) -> str:
    """ "in 25 minutes (at 14:35 UTC)" or "in 3 hours (at 09:10 UTC on 4 March)"."""
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    if minutes < 120:
        span = ngettext("%(num)d minute", "%(num)d minutes", minutes)
    elif minutes < 48 * 60:
        span = ngettext("%(num)d hour", "%(num)d hours", math.ceil(minutes / 60))
    else:
        span = ngettext("%(num)d day", "%(num)d days", math.ceil(minutes / (24 * 60)))
    clock = format_time(until, zone=True)
    if until.date() != now.date():
        return _(
            "in %(span)s (at %(time)s on %(day)s)", span=span, time=clock, day=format_date(until)
        )
    return _("in %(span)s (at %(time)s)", span=span, time=clock)


def availability(quiz: Quiz, past: Sequence[PastAttempt], now: datetime) -> Availability:
    """`past`: the submitted attempts of this quiz (any version) within one enrolment."""
    used = len(past)
    passed = any(attempt.passed for attempt in past)
    common = {"used": used, "allowed": quiz.attempts, "passed": passed}
    if passed:
        reason = _("You have passed this quiz, so there is no need to take it again.")
        return Availability(False, **common, reason=reason)
    if quiz.attempts is not None and used >= quiz.attempts:
        return Availability(
            False,
            **common,
            reason=ngettext(
                "You have used the %(num)d attempt allowed at this quiz. Your coordinator can "
                "talk with you about what happens next.",
                "You have used all %(num)d attempts at this quiz. Your coordinator can "
                "talk with you about what happens next.",
                quiz.attempts,
            ),
        )
    if past and quiz.wait_minutes:
        last = max(attempt.submitted_at for attempt in past)
        next_start = last + timedelta(minutes=quiz.wait_minutes)
        if now < next_start:
            return Availability(
                False,
                **common,
                next_start_at=next_start,
                reason=_(
                    "You can start your next attempt %(when)s. A break can help: you might look "
                    "back over the unit's lessons meanwhile.",
                    when=describe_wait(next_start, now),
                ),
            )
    return Availability(True, **common)

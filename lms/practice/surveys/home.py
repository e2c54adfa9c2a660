"""Home-page sections: a trainee's surveys and feedback links; for a coordinator, her
organisation's survey response rates at a glance, with the report a click away."""

from __future__ import annotations

from flask import url_for

from lms.accounts.models import memberships_of
from lms.accounts.roles import Role
from lms.core.home import Link, Section, home_sections
from lms.db import utcnow
from lms.extensions import db
from lms.i18n import _
from lms.permissions import can
from lms.practice import impact


def _rates_text(organisation) -> str:
    report = impact.impact_report(db.session, impact.scope_of(organisation), utcnow().date())
    parts = []
    for part in report.surveys:
        for rate in part.rates:
            if rate.share.shown:
                figure = _(
                    "%(answered)s of %(invited)s (%(share)s%%)",
                    answered=rate.answered.text,
                    invited=rate.invited,
                    share=rate.share.text,
                )
            else:
                figure = rate.share.text
            parts.append(
                _(
                    "%(survey)s, %(moment)s: %(figure)s",
                    survey=part.survey.title,
                    moment=rate.moment.label.lower(),
                    figure=figure,
                )
            )
    if not parts:
        return _("Survey answers and practice figures, as charts and tables you can download.")
    return _("Survey response rates. %(rates)s.", rates="; ".join(parts))


@home_sections(order=35)
def survey_sections(user) -> list[Section]:
    sections = []
    if any(m.role == Role.TRAINEE for m in memberships_of(user)):
        sections.append(
            Section(
                _("Your surveys"),
                [
                    Link(
                        _("Surveys and your journey"),
                        url_for("surveys.index"),
                        _(
                            "A few questions at the start and end of your training, and how "
                            "your answers changed."
                        ),
                    ),
                    Link(
                        _("Feedback from your mentees"),
                        url_for("surveys.links"),
                        _("A link or a paper form your mentee can fill in without her name."),
                    ),
                ],
            )
        )
    organisations = sorted(
        {m.organisation for m in memberships_of(user) if can(user, "impact.view", m.organisation)},
        key=lambda organisation: (not organisation.is_franchisor, organisation.name),
    )
    for organisation in organisations:
        sections.append(
            Section(
                _("Evaluation and impact at %(organisation)s", organisation=organisation.name),
                [
                    Link(
                        _("Evaluation and impact report"),
                        url_for("surveys.report", slug=organisation.slug),
                        _rates_text(organisation),
                    )
                ],
                daily=True,
            )
        )
    return sections

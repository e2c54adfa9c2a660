"""Home-page sections: a trainee's surveys and feedback links; for a coordinator, her
organisation's survey response rates at a glance, with the report a click away."""

from __future__ import annotations

from flask import url_for

from lms.accounts.models import memberships_of
from lms.accounts.roles import Role
from lms.core.home import Link, Section, home_sections
from lms.db import utcnow
from lms.extensions import db
from lms.permissions import can
from lms.practice import impact


def _rates_text(organisation) -> str:
    report = impact.impact_report(db.session, impact.scope_of(organisation), utcnow().date())
    parts = []
    for part in report.surveys:
        for rate in part.rates:
            if rate.share.shown:
                figure = f"{rate.answered.text} of {rate.invited} ({rate.share.text}%)"
            else:
                figure = rate.share.text
            parts.append(f"{part.survey.title}, {rate.moment.label.lower()}: {figure}")
    if not parts:
        return "Survey answers and practice figures, as charts and tables you can download."
    return "Survey response rates. " + "; ".join(parts) + "."


@home_sections(order=35)
def survey_sections(user) -> list[Section]:
    sections = []
    if any(m.role == Role.TRAINEE for m in memberships_of(user)):
        sections.append(
            Section(
                "Your surveys",
                [
                    Link(
                        "Surveys and your journey",
                        url_for("surveys.index"),
                        "A few questions at the start and end of your training, and how your "
                        "answers changed.",
                    ),
                    Link(
                        "Feedback from your mentees",
                        url_for("surveys.links"),
                        "A link or a paper form your mentee can fill in without her name.",
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
                f"Evaluation and impact at {organisation.name}",
                [
                    Link(
                        "Evaluation and impact report",
                        url_for("surveys.report", slug=organisation.slug),
                        _rates_text(organisation),
                    )
                ],
                daily=True,
            )
        )
    return sections

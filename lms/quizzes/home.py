from flask import url_for

from lms.accounts.roles import Role
from lms.core.home import Link, Section, home_sections
from lms.i18n import _
from lms.permissions import can


@home_sections(order=15)
def quiz_sections(user) -> list[Section]:
    sections = []
    if Role.TRAINEE in user.roles:
        sections.append(
            Section(
                _("Quizzes"),
                [
                    Link(
                        _("Your quizzes"),
                        url_for("quizzes.index"),
                        _("Short knowledge checks for the units you are studying."),
                    ),
                    Link(_("Your quiz attempts"), url_for("quizzes.history")),
                ],
            )
        )
    return sections


@home_sections(order=45)
def quiz_results_sections(user) -> list[Section]:
    """For staff, after their own daily work (assessment, cohorts, course content)."""
    staff_links = []
    if can(user, "quiz.view_results"):
        staff_links.append(
            Link(
                _("Quiz results"),
                url_for("quizzes.results"),
                _("How the trainees you work with have done in their quizzes."),
            )
        )
    if can(user, "quiz.analyse"):
        staff_links.append(
            Link(
                _("How each quiz question performs"),
                url_for("quizzes.index"),
                _("Item analysis, to find questions that need rewriting."),
            )
        )
    return [Section(_("Quiz results"), staff_links)] if staff_links else []

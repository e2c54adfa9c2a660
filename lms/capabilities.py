"""Every capability and what it adds to the whole, in one list.

Each entry names its parts as dotted paths ("package.module" for a module, "module:name" for
something in it), so importing this module imports nothing else: `create_app`, `lms.models`,
Alembic and `courses check` import what they need when they need it. Adding a capability is
one entry here. Order matters where it shows: blueprints register (and demo steps run) in
list order, and a later capability's unit panel replaces an earlier one's of the same name.

- models: modules of SQLAlchemy models (`lms.models` imports them all for the schema)
- blueprints, cli: Flask blueprints and Click commands or groups
- rules: modules of permission rules, given to `lms.permissions.load_rules`
- home_sections: `provider(user) -> list[Section]`, placed by `@home_sections(order=...)`
- demo_steps: `step(session, DemoWorld)`, run by `flask --app app demo` after the people
- content_checks: `check(catalogue) -> Iterable[Problem]`, run by `courses check` and `sync`
- sync_steps: `step(session, catalogue, report)`, run by `courses sync` after the courses
- unit_panels: `provider(session, user, unit, enrolment) -> Panel | None`, see `unit_panel`
- progress_columns: `UnitMeasure`s, columns of a cohort's progress report and its export
- partner_metrics: `PartnerMetric`s, figures in the franchise and partner overviews
- hooks: named points where one capability acts on another's events (see `HOOKS`)
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

# The hooks a capability may answer: name -> who calls it, with what, for what.
HOOKS = {
    "unit_in_use": "curriculum: (session, unit) -> bool; a unit in use is versioned on sync",
    "unit_submitted": "portfolio: (session, submission) after a unit is sent for assessment",
    "unit_versioned": "curriculum: (session, old_unit, new_unit) -> list[str] when sync makes a "
    "new version of a unit in use: carry what points at the old criteria; lines for the report",
    "unit_achieved": "assessment: (session, UnitAchievement) when a unit becomes achieved",
    "record_details": "accreditation: (session, enrolment, criterion_ids) -> evidence lines",
    "unit_offered": "curriculum, portfolio, assessment: (session, enrolment, unit, today) -> "
    "bool; False when the unit may not be learned, submitted or judged there that day",
    "impact_figures": "impact report: (session, {group: learner ids}) -> {group: "
    "list[ImpactFigure]} (lms.reporting.figures), figures another capability adds beside the "
    "survey results, for every group at once",
    "subject_access": "privacy: (session, user) -> Iterable[(name in archive, bytes | str | "
    "binary file opened for reading)], everything a capability holds about a person, for her "
    "own download (files are copied in pieces and closed; see lms.privacy.archive)",
    "erase_person": "privacy: (session, user) when an administrator erases a person: remove or "
    "pseudonymise what the capability holds about her (what must be kept stays, pseudonymised)",
    "notice_sweep": "notifications: (session, today) -> int, once a day before the digests: "
    "notify (with `about`, so once each) of what has come due, such as a licence near its "
    "limits; the number of notifications made",
    "award_requirements": "accreditation: (session, enrolment) -> list[str], requirements other "
    "than units still unmet (an award is not made while any is listed), in plain words",
}


@dataclass(frozen=True)
class Capability:
    name: str
    models: tuple[str, ...] = ()
    blueprints: tuple[str, ...] = ()
    cli: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    home_sections: tuple[str, ...] = ()
    demo_steps: tuple[str, ...] = ()
    content_checks: tuple[str, ...] = ()
    sync_steps: tuple[str, ...] = ()
    unit_panels: tuple[str, ...] = ()
    progress_columns: tuple[str, ...] = ()
    partner_metrics: tuple[str, ...] = ()
    hooks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self):
        unknown = set(self.hooks) - set(HOOKS)
        if unknown:
            raise ValueError(f"capability {self.name!r}: no hook named {sorted(unknown)}")


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "core",
        blueprints=("lms.core.views:blueprint",),
        rules=("lms.core.rules",),
        cli=(
            "lms.core.cli:db_cli",
            "lms.core.cli:demo_command",
            "lms.core.cli:backup_command",
            "lms.core.cli:restore_command",
            "lms.core.translations:translations_cli",
        ),
    ),
    Capability(
        "accounts",
        models=("lms.accounts.models",),
        hooks={"subject_access": ("lms.accounts.subject_access:account_information",)},
        blueprints=("lms.accounts.views:blueprint", "lms.accounts.admin_views:blueprint"),
        cli=("lms.accounts.cli:orgs_cli", "lms.accounts.cli:users_cli"),
        rules=("lms.accounts.rules",),
        home_sections=(
            "lms.accounts.home:organisation_sections",
            "lms.accounts.home:account_section",
        ),
    ),
    Capability(
        "mail",
        models=("lms.mail.models",),
        cli=("lms.mail.cli:mail_cli",),
    ),
    Capability(
        "audit",
        models=("lms.audit.models",),
        rules=("lms.audit.rules",),
    ),
    Capability(
        "ledger",
        # triggers: the database's refusal to rewrite append-only tables, made with the schema;
        # operations: the session events that sign every record of a signed kind at commit
        models=("lms.ledger.models", "lms.ledger.triggers", "lms.ledger.operations"),
        blueprints=("lms.ledger.views:blueprint",),
        cli=("lms.ledger.cli:verify_command", "lms.ledger.cli:erase_command"),
        rules=("lms.ledger.rules",),
    ),
    Capability(
        "curriculum",
        models=("lms.curriculum.models",),
        blueprints=("lms.curriculum.views:blueprint",),
        cli=("lms.curriculum.cli:courses_cli",),
        # access rules: lms.curriculum.rules is the qualification's rules of combination
        rules=("lms.curriculum.access_rules",),
        home_sections=(
            "lms.curriculum.home:learning_section",
            "lms.curriculum.home:course_content_section",
        ),
        demo_steps=("lms.curriculum.demo:enrol_demo_trainees",),
        content_checks=("lms.curriculum.checks:course_files",),
        unit_panels=("lms.curriculum.panels:quiz_named",),
        hooks={"subject_access": ("lms.curriculum.subject_access:learning_information",)},
    ),
    Capability(
        "quizzes",
        models=("lms.quizzes.models",),
        blueprints=("lms.quizzes.views:blueprint",),
        rules=("lms.quizzes.rules",),
        home_sections=("lms.quizzes.home:quiz_sections", "lms.quizzes.home:quiz_results_sections"),
        # after the curriculum's step, which enrols the demo trainees
        demo_steps=("lms.quizzes.demo:demo_quiz_attempts",),
        content_checks=("lms.quizzes.catalogue:quiz_files",),
        sync_steps=("lms.quizzes.catalogue:load_quizzes",),
        unit_panels=("lms.quizzes.panels:quiz_panel",),
        progress_columns=("lms.quizzes.progress:QUIZ_RESULTS",),
        hooks={
            "erase_person": ("lms.quizzes.erasure:erase_person",),
            "subject_access": ("lms.quizzes.subject_access:quiz_information",),
        },
    ),
    Capability(
        "franchise",
        # figures: the session events that keep the overviews' figures stamps with the rows
        models=("lms.franchise.models", "lms.franchise.figures"),
        blueprints=("lms.franchise.views:blueprint",),
        rules=("lms.franchise.rules",),
        home_sections=(
            "lms.franchise.home:franchise_sections",
            "lms.franchise.home:coordinator_day_sections",
        ),
        # licences for both partners (one near its seat limit), cohorts and enrolments
        demo_steps=("lms.franchise.demo:load_franchise_demo",),
        hooks={
            "unit_offered": ("lms.franchise.licences:unit_offered_by_licence",),
            "subject_access": ("lms.franchise.subject_access:invitation_information",),
            "notice_sweep": ("lms.franchise.notices:licences_near_limits",),
        },
    ),
    Capability(
        "api",
        models=("lms.api.models",),
        blueprints=("lms.api.token_views:blueprint", "lms.api.views:blueprint"),
        rules=("lms.api.rules",),
    ),
    Capability(
        "portfolio",
        models=("lms.portfolio.models",),
        blueprints=("lms.portfolio.views:blueprint", "lms.portfolio.witness_views:blueprint"),
        cli=("lms.portfolio.cli:evidence_cli",),
        rules=("lms.portfolio.rules",),
        unit_panels=("lms.portfolio.panels:portfolio_panel",),
        hooks={
            "unit_in_use": ("lms.portfolio.usage:unit_has_evidence_or_submissions",),
            "unit_versioned": ("lms.portfolio.versions:carry_evidence_links",),
            "erase_person": ("lms.portfolio.erasure:erase_person",),
            "subject_access": ("lms.portfolio.subject_access:portfolio_information",),
        },
    ),
    Capability(
        "assessment",
        models=("lms.assessment.models",),
        blueprints=("lms.assessment.views:blueprint",),
        cli=("lms.assessment.cli:eqa_cli",),
        rules=("lms.assessment.rules",),
        home_sections=(
            "lms.assessment.home:portfolio_sections",
            "lms.assessment.home:quality_day_sections",
        ),
        demo_steps=("lms.assessment.demo:load_portfolio_demo",),
        progress_columns=(
            "lms.assessment.progress:PORTFOLIO_COVERAGE",
            "lms.assessment.progress:ASSESSMENT_STATUS",
        ),
        partner_metrics=(
            "lms.assessment.progress:ASSESSMENT_BACKLOG",
            "lms.assessment.progress:IQA_COVERAGE",
        ),
        hooks={
            "unit_in_use": ("lms.assessment.queries:unit_has_judgements",),
            "unit_submitted": ("lms.assessment.notices:submission_arrived",),
            "notice_sweep": (
                "lms.assessment.quality:notify_ended_grants",
                "lms.assessment.notices:eqa_access_ending",
            ),
            "erase_person": ("lms.assessment.erasure:erase_person",),
            "subject_access": ("lms.assessment.subject_access:assessment_information",),
        },
    ),
    Capability(
        "notifications",
        models=("lms.notifications.models",),
        blueprints=("lms.notifications.views:blueprint",),
        cli=("lms.notifications.cli:notifications_cli",),
        rules=("lms.notifications.rules",),
        hooks={"subject_access": ("lms.notifications.subject_access:notification_information",)},
    ),
    Capability(
        "practice",
        models=("lms.practice.models",),
        blueprints=("lms.practice.views:blueprint",),
        rules=("lms.practice.rules",),
        home_sections=("lms.practice.home:practice_sections",),
        # before accreditation's step: the demo's qualified trainee logs her practice first
        demo_steps=("lms.practice.demo:load_practice_demo",),
        content_checks=("lms.practice.course_files:practice_blocks",),
        sync_steps=("lms.practice.course_files:load_requirements",),
        progress_columns=("lms.practice.progress:PRACTICE_HOURS",),
        hooks={
            "award_requirements": ("lms.practice.hooks:award_requirements",),
            "impact_figures": ("lms.practice.figures:impact_figures_by_group",),
            "subject_access": ("lms.practice.hooks:subject_access",),
            "erase_person": ("lms.practice.hooks:erase_person",),
            "notice_sweep": (
                "lms.practice.notices:flags_not_followed_up",
                "lms.practice.notices:weekly_summary",
            ),
        },
    ),
    Capability(
        "accreditation",
        models=("lms.accreditation.models",),
        blueprints=("lms.accreditation.views:blueprint",),
        rules=("lms.accreditation.rules",),
        home_sections=(
            "lms.accreditation.home:achievement_sections",
            "lms.accreditation.home:trainee_day_section",
        ),
        # one trainee with the whole qualification, certificate and badge
        demo_steps=("lms.accreditation.demo:give_demo_trainee_the_qualification",),
        hooks={
            "unit_achieved": ("lms.accreditation.from_assessment:record_from_assessment",),
            "record_details": ("lms.accreditation.from_assessment:evidence_and_decisions",),
            "erase_person": ("lms.accreditation.erasure:erase_person",),
            "subject_access": ("lms.accreditation.subject_access:achievement_information",),
        },
    ),
    Capability(
        "evaluation",
        models=("lms.practice.surveys.models",),
        blueprints=("lms.practice.surveys.views:blueprint",),
        rules=("lms.practice.surveys.rules",),
        home_sections=("lms.practice.surveys.home:survey_sections",),
        # after the franchise's step, which gives the demo partners their cohorts
        demo_steps=("lms.practice.surveys.demo:load_survey_demo",),
        content_checks=("lms.practice.surveys.loader:survey_files",),
        sync_steps=("lms.practice.surveys.loader:load_surveys",),
        hooks={
            "subject_access": ("lms.practice.surveys.privacy:survey_answers",),
            "erase_person": ("lms.practice.surveys.privacy:erase_survey_answers",),
        },
    ),
    Capability(
        # a person's own information (subject access), who has looked at her work, the quick
        # exit and neutral page titles; after every capability that answers subject_access
        "privacy",
        blueprints=("lms.privacy.views:blueprint",),
        rules=("lms.privacy.rules",),
    ),
)

PARTS = tuple(f.name for f in fields(Capability) if f.name not in ("name", "hooks"))


@cache
def _resolve(path: str) -> Any:
    module_name, _, attribute = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


def resolve(path: str | Any) -> Any:
    """The module or object a dotted path names (something else is returned as it is, so a
    test can add a capability made of functions it defines)."""
    return _resolve(path) if isinstance(path, str) else path


def paths(part: str) -> list[str]:
    """Every capability's `part` entries, unresolved, in list order."""
    if part not in PARTS:
        raise LookupError(f"capabilities have no part named {part!r}")
    return [path for capability in CAPABILITIES for path in getattr(capability, part)]


def contributions(part: str) -> list[Any]:
    """Every capability's `part` entries, imported, in list order."""
    return [resolve(path) for path in paths(part)]


def hooks(name: str) -> list[Any]:
    """The functions answering hook `name`, in list order."""
    if name not in HOOKS:
        raise LookupError(f"no hook named {name!r}")
    return [resolve(path) for capability in CAPABILITIES for path in capability.hooks.get(name, ())]


def import_models() -> None:
    """Import every model module, so that `Base.metadata` holds the whole schema."""
    for module in paths("models"):
        resolve(module)


def import_all() -> None:
    """Import every part of every capability, so that a wrong path fails when the app is
    created rather than on the first request that needs it. Rule modules are left to
    `lms.permissions`."""
    for part in PARTS:
        if part != "rules":
            contributions(part)
    for capability in CAPABILITIES:
        for name in capability.hooks:
            hooks(name)


@contextmanager
def extended(*extra: Capability) -> Iterator[None]:
    """Add capabilities for the duration of a `with` block (for tests)."""
    global CAPABILITIES
    saved = CAPABILITIES
    CAPABILITIES = (*saved, *extra)
    try:
        yield
    finally:
        CAPABILITIES = saved

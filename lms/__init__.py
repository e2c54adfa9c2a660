"""Alongside: learning and accreditation for organisations that train peer mentors."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Each capability contributes one blueprint; the order is the order of their URL rules.
BLUEPRINTS = [
    "lms.core.views:blueprint",
    "lms.accounts.views:blueprint",
    "lms.accounts.admin_views:blueprint",
    "lms.curriculum.views:blueprint",
    "lms.quizzes.views:blueprint",
    # franchise and the partners' API
    "lms.franchise.views:blueprint",
    "lms.api.token_views:blueprint",
    "lms.api.views:blueprint",
    # Portfolio, assessment and notifications
    "lms.portfolio.views:blueprint",
    "lms.assessment.views:blueprint",
    "lms.notifications.views:blueprint",
    "lms.accreditation.views:blueprint",
]

# Command groups for `flask --app app ...`.
CLI_GROUPS = [
    "lms.core.cli:db_cli",
    "lms.core.cli:demo_command",
    "lms.accounts.cli:orgs_cli",
    "lms.accounts.cli:users_cli",
    "lms.curriculum.cli:courses_cli",
    # Portfolio and assessment
    "lms.portfolio.cli:evidence_cli",
    "lms.mail.cli:mail_cli",
]


def _import(path: str):
    module_name, _, attribute = path.partition(":")
    module = __import__(module_name, fromlist=[attribute])
    return getattr(module, attribute)


def create_app(test_config: dict | None = None) -> Flask:
    from lms import models  # noqa: F401 - registers every model with the metadata
    from lms.config import load_config
    from lms.web import init_web

    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_config(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    for key in ("COURSES_PATH", "ASSESSMENTS_PATH"):
        path = Path(app.config[key])
        app.config[key] = str(path if path.is_absolute() else PROJECT_ROOT / path)

    init_web(app)
    for path in BLUEPRINTS:
        app.register_blueprint(_import(path))
    for path in CLI_GROUPS:
        app.cli.add_command(_import(path))
    return app

"""Alongside: learning and accreditation for organisations that train peer mentors."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    from lms import capabilities, permissions
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

    capabilities.import_models()
    init_web(app)
    # Rules move into each capability's `rules` module; until `load_rules` exists they are
    # all in lms.permissions.
    if (load_rules := getattr(permissions, "load_rules", None)) is not None:
        load_rules(capabilities.paths("rules"))
    for blueprint in capabilities.contributions("blueprints"):
        app.register_blueprint(blueprint)
    for command in capabilities.contributions("cli"):
        app.cli.add_command(command)
    capabilities.import_all()
    return app

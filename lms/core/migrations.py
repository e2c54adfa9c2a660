"""Running Alembic migrations from the application (CLI, `make run`, tests).

Alembic (with Mako and Pygments, about a hundred modules) is imported when a migration runs,
not when the command line's groups are registered: every server worker would hold it otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lms import PROJECT_ROOT

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection


def alembic_config(database_url: str, connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.set_main_option(
        "file_template",
        "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d_%%(slug)s_%%(rev)s",
    )
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def make_revision(database_url: str, message: str) -> None:
    from alembic import command

    command.revision(alembic_config(database_url), message=message, autogenerate=True)


def current(database_url: str) -> None:
    from alembic import command

    command.current(alembic_config(database_url), verbose=False)

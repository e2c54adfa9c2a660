"""The operator commands: `flask --app app orgs|users|demo ...`."""

from sqlalchemy import func, select

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role


def test_create_organisations_and_a_user(runner, session):
    result = runner.invoke(args=["orgs", "create", "trust", "--name", "The Trust"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["orgs", "create", "northside", "--name", "Northside", "--partner-of", "trust"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "amy@example.org",
            "--name",
            "Amy",
            "--password",
            "quiet meadow lantern",
            "--org",
            "northside",
            "--role",
            "trainee",
            "--role",
            "assessor",
        ]
    )
    assert result.exit_code == 0, result.output
    amy = session.scalar(select(User).where(User.email == "amy@example.org"))
    assert amy.roles == {Role.TRAINEE, Role.ASSESSOR}
    northside = session.scalar(select(Organisation).where(Organisation.slug == "northside"))
    assert northside.franchisor.slug == "trust"


def test_bad_arguments_exit_non_zero_with_one_line(runner, session):
    cases = [
        ["orgs", "create", "Bad Slug!", "--name", "X"],
        ["orgs", "create", "x", "--name", "X", "--partner-of", "missing"],
        [
            "users",
            "create",
            "not-an-email",
            "--name",
            "A",
            "--password",
            "quiet meadow lantern",
            "--org",
            "missing",
            "--role",
            "trainee",
        ],
        [
            "users",
            "create",
            "a@example.org",
            "--name",
            "A",
            "--password",
            "quiet meadow lantern",
            "--org",
            "x",
            "--role",
            "wizard",
        ],
    ]
    runner.invoke(args=["orgs", "create", "x", "--name", "X"])
    for args in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        reason = result.output.strip().splitlines()[-1]
        assert reason.startswith("Error: "), result.output


def test_weak_password_and_duplicate_email_change_nothing(runner, session):
    runner.invoke(args=["orgs", "create", "x", "--name", "X"])
    weak = runner.invoke(
        args=[
            "users",
            "create",
            "a@example.org",
            "--name",
            "A",
            "--password",
            "short",
            "--org",
            "x",
            "--role",
            "trainee",
        ]
    )
    assert weak.exit_code == 1
    assert "at least 10 characters" in weak.output
    ok = [
        "users",
        "create",
        "a@example.org",
        "--name",
        "A",
        "--password",
        "quiet meadow lantern",
        "--org",
        "x",
        "--role",
        "trainee",
    ]
    assert runner.invoke(args=ok).exit_code == 0
    duplicate = runner.invoke(args=ok)
    assert duplicate.exit_code == 1
    assert "already has an account" in duplicate.output
    assert session.scalar(select(func.count()).select_from(User)) == 1


def test_demo_is_idempotent(runner, session):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@alongside.example" in first.output
    people = session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User)) == people
    assert session.scalar(select(func.count()).select_from(Organisation)) == 5

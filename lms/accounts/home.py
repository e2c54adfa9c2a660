from flask import url_for

from lms.accounts.models import memberships_of
from lms.core.home import Link, Section, home_sections
from lms.i18n import _
from lms.permissions import can


@home_sections(order=70)
def organisation_sections(user) -> list[Section]:
    sections = []
    if can(user, "admin.access"):
        sections.append(
            Section(
                _("Administration"),
                [
                    Link(
                        _("Organisations"),
                        url_for("organisations.admin_home"),
                        _("Partner organisations, their members and roles."),
                    ),
                    Link(
                        _("Audit log"),
                        url_for("organisations.audit_log"),
                        _("Sign-ins, role changes and every access to evidence."),
                    ),
                ],
            )
        )
    managed = {
        m.organisation
        for m in memberships_of(user)
        if can(user, "organisation.manage_members", m.organisation)
    }
    if managed:
        sections.append(
            Section(
                _("Your organisation"),
                [
                    Link(
                        _("Members of %(name)s", name=org.name),
                        url_for("organisations.members", slug=org.slug),
                        _("Add people, give them roles and re-send invitations."),
                    )
                    for org in sorted(managed, key=lambda o: o.name)
                ],
            )
        )
    return sections


@home_sections(order=90)
def account_section(user) -> list[Section]:
    return [
        Section(
            _("Your account"),
            [
                Link(
                    _("Account and devices"),
                    url_for("accounts.account"),
                    _("Where you are signed in, and signing out everywhere."),
                ),
                Link(_("Change your password"), url_for("accounts.change_password")),
            ],
        )
    ]

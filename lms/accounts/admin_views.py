"""Organisations and their members: the franchisor's administration and coordinators' pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import operations, queries
from lms.accounts.forms import EmptyForm, MemberForm, OrganisationForm, role_choices
from lms.accounts.invitations import invite_again, send_invitation
from lms.accounts.models import Organisation
from lms.accounts.roles import Role
from lms.errors import NotFound
from lms.extensions import db
from lms.permissions import ROLES_A_COORDINATOR_GRANTS, admin_franchisor_ids, authorize, can
from lms.web import flashed_errors, form_errors, form_status

blueprint = Blueprint("organisations", __name__)


@blueprint.route("/admin/")
@login_required
def admin_home():
    authorize(current_user, "admin.access")
    return render_template(
        "accounts/admin_home.html",
        organisations=queries.organisations_for_admin(db.session, current_user),
        form=OrganisationForm(),
    )


@blueprint.route("/admin/organisations", methods=["POST"])
@login_required
def create_partner():
    authorize(current_user, "organisation.create")
    form = OrganisationForm()
    if form.validate_on_submit():
        franchisor = db.session.get(Organisation, min(admin_franchisor_ids(current_user)))
        with form_errors(form, field="name"):
            partner = operations.create_organisation(
                db.session,
                form.slug.data,
                form.name.data,
                franchisor=franchisor,
                neutral_page_titles=form.neutral_page_titles.data,
            )
            flash(f"{partner.name} has been added as a partner organisation.", "success")
            return redirect(url_for("organisations.members", slug=partner.slug))
    return render_template(
        "accounts/admin_home.html",
        organisations=queries.organisations_for_admin(db.session, current_user),
        form=form,
    ), 400


@blueprint.route("/admin/audit")
@login_required
def audit_log():
    authorize(current_user, "audit.view")
    prefix = request.args.get("action", "").strip()[:80]
    return render_template(
        "accounts/audit.html",
        events=queries.recent_audit_events(db.session, current_user, action_prefix=prefix),
        action=prefix,
    )


def _organisation(slug: str, action: str | None = None) -> Organisation:
    """The organisation of the URL: not found unless the person may see it, then refused
    unless her role allows `action` there."""
    organisation = queries.organisation_for(db.session, current_user, slug)
    if action is not None:
        authorize(current_user, action, organisation)
    return organisation


def _member_form(organisation: Organisation) -> MemberForm:
    form = MemberForm()
    grantable = [
        role for role in Role if can(current_user, "organisation.grant_role", (organisation, role))
    ]
    if not organisation.is_franchisor:
        grantable = [role for role in grantable if role != Role.ADMIN]
    form.roles.choices = role_choices(grantable)
    return form


@blueprint.route("/organisations/<slug>/members", methods=["GET", "POST"])
@login_required
def members(slug: str):
    organisation = _organisation(slug, "organisation.manage_members")
    form = _member_form(organisation)
    if form.validate_on_submit():
        roles = [Role(value) for value in form.roles.data]
        for role in roles:
            authorize(current_user, "organisation.grant_role", (organisation, role))
        with form_errors(form, field="email"):
            user, created = operations.add_member(
                db.session, organisation, form.email.data, form.display_name.data, roles
            )
            if created:
                # Written with the account it invites to: sent only when both are saved.
                send_invitation(db.session, user, organisation)
            flash(
                f"{user.display_name} has been added."
                + (" We have e-mailed them a link to set their password." if created else ""),
                "success",
            )
            return redirect(url_for("organisations.members", slug=slug))
    return render_template(
        "accounts/members.html",
        organisation=organisation,
        members=queries.members_of(
            db.session,
            organisation,
            search=request.args.get("q", "")[:100],
            page=request.args.get("page", 1, type=int),
        ),
        search=request.args.get("q", "")[:100],
        form=form,
        button_form=EmptyForm(),
        coordinator_roles=ROLES_A_COORDINATOR_GRANTS,
    ), form_status(form)


@blueprint.route(
    "/organisations/<slug>/members/<int:user_id>/roles/<role>/remove", methods=["POST"]
)
@login_required
def remove_role(slug: str, user_id: int, role: str):
    organisation = _organisation(slug, "organisation.manage_members")
    person = queries.member_of(db.session, organisation, user_id)
    try:
        role = Role(role)
    except ValueError:
        raise NotFound() from None
    authorize(current_user, "organisation.grant_role", (organisation, role))
    with flashed_errors():
        operations.revoke_role(db.session, person, organisation, role)
        flash(f"{person.display_name} is no longer {role.label.lower()} here.", "success")
    return redirect(url_for("organisations.members", slug=slug))


@blueprint.route("/organisations/<slug>/members/<int:user_id>/invite", methods=["POST"])
@login_required
def resend_invitation(slug: str, user_id: int):
    organisation = _organisation(slug, "organisation.manage_members")
    person = queries.member_of(db.session, organisation, user_id)
    with flashed_errors():
        invite_again(db.session, person, organisation)
        flash(f"We have sent {person.display_name} a new link to set their password.", "success")
    return redirect(url_for("organisations.members", slug=slug))


@blueprint.route("/organisations/<slug>/members/<int:user_id>/access", methods=["POST"])
@login_required
def set_access(slug: str, user_id: int):
    organisation = _organisation(slug)
    person = queries.member_of(db.session, organisation, user_id)
    authorize(current_user, "user.disable", person)
    disable = request.form.get("disable") == "1"
    operations.set_account_disabled(db.session, person, disable)
    flash(
        f"{person.display_name}'s account is now "
        + ("disabled, and they have been signed out everywhere." if disable else "enabled."),
        "success",
    )
    return redirect(url_for("organisations.members", slug=slug))

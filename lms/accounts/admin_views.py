"""Organisations and their members: the franchisor's administration and coordinators' pages."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import member_invitations, operations, queries
from lms.accounts.forms import (
    EmptyForm,
    JoinForm,
    MemberForm,
    OrganisationForm,
    role_choices,
)
from lms.accounts.invitations import invite_again
from lms.accounts.models import MembershipInvitation, Organisation
from lms.accounts.roles import Role
from lms.errors import DomainError, NotFound, PermissionDenied
from lms.extensions import db
from lms.i18n import _
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
            flash(
                _("%(name)s has been added as a partner organisation.", name=partner.name),
                "success",
            )
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


def _add_member(organisation: Organisation, form: MemberForm, roles: list[Role]) -> str:
    """What the coordinator is told: the same for every address that is not one of the
    organisation's people, whether or not it has an account elsewhere."""
    added = member_invitations.add_or_invite(
        db.session, organisation, form.email.data, form.display_name.data, roles
    )
    if isinstance(added, MembershipInvitation):
        return _(
            "We have e-mailed an invitation to %(email)s. They join %(organisation)s "
            "when they accept it.",
            email=added.email,
            organisation=organisation.name,
        )
    return _("%(name)s now holds the roles you chose here.", name=added.display_name)


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
            flash(_add_member(organisation, form, roles), "success")
            return redirect(url_for("organisations.members", slug=slug))
    return render_template(
        "accounts/members.html",
        organisation=organisation,
        invitations=member_invitations.pending_for(db.session, organisation),
        members=queries.members_of(
            db.session,
            organisation,
            search=request.args.get("q", "")[:100],
            after=request.args.get("after"),
            before=request.args.get("before"),
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
        flash(
            _(
                "%(name)s is no longer %(role)s here.",
                name=person.display_name,
                role=role.label.lower(),
            ),
            "success",
        )
    return redirect(url_for("organisations.members", slug=slug))


@blueprint.route("/organisations/<slug>/members/<int:user_id>/invite", methods=["POST"])
@login_required
def resend_invitation(slug: str, user_id: int):
    organisation = _organisation(slug, "organisation.manage_members")
    person = queries.member_of(db.session, organisation, user_id)
    with flashed_errors():
        invite_again(db.session, person, organisation)
        flash(
            _(
                "We have sent %(name)s a new link to set their password.",
                name=person.display_name,
            ),
            "success",
        )
    return redirect(url_for("organisations.members", slug=slug))


@blueprint.route("/organisations/<slug>/members/<int:user_id>/access", methods=["POST"])
@login_required
def set_access(slug: str, user_id: int):
    organisation = _organisation(slug)
    person = queries.member_of(db.session, organisation, user_id)
    authorize(current_user, "user.disable", person)
    disable = request.form.get("disable") == "1"
    operations.set_account_disabled(db.session, person, disable)
    if disable:
        message = _(
            "%(name)s's account is now disabled, and they have been signed out everywhere.",
            name=person.display_name,
        )
    else:
        message = _("%(name)s's account is now enabled.", name=person.display_name)
    flash(message, "success")
    return redirect(url_for("organisations.members", slug=slug))


@blueprint.route(
    "/organisations/<slug>/member-invitations/<int:invitation_id>/withdraw", methods=["POST"]
)
@login_required
def withdraw_member_invitation(slug: str, invitation_id: int):
    organisation = _organisation(slug, "organisation.manage_members")
    with flashed_errors():
        invitation = member_invitations.withdraw(db.session, organisation, invitation_id)
        flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "success")
    return redirect(url_for("organisations.members", slug=slug))


# --- answering an invitation (the link in its e-mail) ------------------------------------------


@blueprint.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    """She accepts or declines. The page is the same whether or not the address has an
    account: signed in as herself she accepts; otherwise she may sign in, or choose a name
    and password, and either way the answer does not say whether the address was known."""
    try:
        found = member_invitations.invitation_for_token(
            db.session, current_app.config["SECRET_KEY"], token
        )
    except DomainError as error:
        return _join_message(_("This invitation cannot be used"), error.message, 400)
    answer = request.form.get("answer") if request.method == "POST" else None
    if answer == "decline":  # the form's CSRF token is checked for every POST (CSRFProtect)
        member_invitations.decline(db.session, found)
        return _join_message(
            _("You have declined the invitation"),
            _(
                "Nothing about you has been shared with %(organisation)s.",
                organisation=found.organisation.name,
            ),
            200,
        )
    herself = current_user.is_authenticated and current_user.email == found.email
    if herself:
        return _join_as_herself(found, accepting=answer == "accept")
    if current_user.is_authenticated:
        if answer == "accept":
            raise PermissionDenied(_("This invitation was sent to someone else."))
        return _join_page(found, signed_in=True)
    return _join_with_new_account(found, accepting=answer == "accept")


def _join_message(title: str, text: str, status: int):
    return render_template("accounts/message.html", title=title, text=text), status


def _join_page(found, *, status: int = 200, **context):
    return render_template(
        "accounts/join.html",
        invitation=found,
        organisation=found.organisation,
        button_form=EmptyForm(),
        **context,
    ), status


def _join_as_herself(found, *, accepting: bool):
    if not accepting:
        return _join_page(found, herself=True)
    with flashed_errors():
        member_invitations.accept(db.session, found, current_user._get_current_object())
        flash(
            _("You have joined %(organisation)s. Welcome.", organisation=found.organisation.name),
            "success",
        )
        return redirect(url_for("core.home"))
    return redirect(request.path)


def _join_with_new_account(found, *, accepting: bool):
    form = JoinForm()
    if request.method == "GET":
        form.display_name.data = found.name
    if accepting and form.validate_on_submit():
        with form_errors(form, field="password"):
            member_invitations.accept_with_new_account(
                db.session, found, form.display_name.data, form.password.data
            )
            flash(str(operations.JOINED_OR_SIGN_IN), "success")
            return redirect(url_for("accounts.login"))
    return _join_page(found, form=form, status=400 if request.method == "POST" else 200)

"""Learner records, awards, certificates and credentials, public verification and claims."""

from __future__ import annotations

import io
import json

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from lms import shared
from lms.accounts.queries import organisation_by_slug
from lms.accreditation import claims, downloads, issuing, queries
from lms.accreditation.codes import display_code, normalise_code
from lms.accreditation.forms import ClaimForm, CodeForm, CredentialForm, EmptyForm, RevokeForm
from lms.accreditation.issuing import IssuingContext
from lms.accreditation.models import IssuedCredential, QualificationAward
from lms.accreditation.operations import issue_award, revoke_award
from lms.accreditation.vc import JWT_MEDIA_TYPE, enveloped, long_date
from lms.curriculum.models import Cohort, Enrolment
from lms.errors import Conflict, DomainError
from lms.extensions import csrf, db, limiter
from lms.i18n import _
from lms.permissions import authorize
from lms.portfolio.operations import note_seen
from lms.web import (
    Outcome,
    flashed_errors,
    form_errors,
    form_status,
    load_or_404,
    organisation_or_404,
)

blueprint = Blueprint("accreditation", __name__)
blueprint.add_app_template_filter(long_date, "long_date")
blueprint.add_app_template_filter(display_code, "display_code")

MAX_CREDENTIAL_BYTES = 512 * 1024


def _public_json(document: dict) -> Response:
    """Published documents (profiles, keys, status lists) any verifier may fetch."""
    response = Response(json.dumps(document, indent=2), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# --- public: verification and published documents ---------------------------------------------


@blueprint.route("/verify")
@limiter.limit("60 per minute")
def verify_form():
    form = CodeForm(request.args)
    if "code" in request.args and form.validate():
        code = normalise_code(form.code.data)
        if code is not None:
            return redirect(url_for("accreditation.verify_certificate", code=code))
        form.code.errors.append(
            _(
                "That is not a verification code. Codes have 12 letters and numbers, "
                "such as ABCD-2345-EFGH."
            )
        )
    return render_template("accreditation/verify_form.html", form=form)


@blueprint.route("/verify/<code>")
@limiter.limit("60 per minute")
def verify_certificate(code: str):
    normalised = normalise_code(code)
    check = queries.check_certificate(db.session, normalised) if normalised else None
    if check is None:
        return render_template(
            "accreditation/verify_unknown.html", code=code[:40], form=CodeForm(formdata=None)
        ), 404
    if normalised != code:
        return redirect(url_for("accreditation.verify_certificate", code=normalised))
    return render_template(
        "accreditation/verify_certificate.html",
        certificate=check.certificate,
        revoked_at=check.revoked_at,
        trusted=check.trusted,
        code=display_code(normalised),
    )


def _submitted_credential(form: CredentialForm) -> str | bytes:
    upload = form.upload.data
    if upload and getattr(upload, "filename", ""):
        data = upload.read(MAX_CREDENTIAL_BYTES + 1)
        if len(data) > MAX_CREDENTIAL_BYTES:
            raise DomainError(_("That file is too large to be a credential."), field="upload")
        return data
    return form.credential.data or ""


@blueprint.route("/credentials/verify", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def verify_credential():
    form = CredentialForm()
    verdict = None
    if form.validate_on_submit():
        with form_errors(form, field="upload"):
            submitted = _submitted_credential(form)
            verdict = queries.verify_submission(db.session, submitted, IssuingContext.from_app())
    return render_template(
        "accreditation/verify_credential.html", form=form, verdict=verdict
    ), form_status(form)


@blueprint.route("/api/credentials/verify", methods=["POST"])
@csrf.exempt  # a public check that changes nothing and reads no cookie-bound data
@limiter.limit("30 per minute")
def verify_credential_api():
    body = request.get_data(cache=False)[: MAX_CREDENTIAL_BYTES + 1]
    if len(body) > MAX_CREDENTIAL_BYTES:
        return {"verified": False, "problems": [_("This is too large to be a credential.")]}, 413
    verdict = queries.verify_submission(db.session, body, IssuingContext.from_app())
    return {
        "verified": verdict.verified,
        "revoked": verdict.revoked,
        "problems": verdict.problems,
        "credential": {
            "id": verdict.credential_id,
            "name": verdict.achievement_name,
            "issuer": verdict.issuer_name,
            "recipient": verdict.recipient_name,
            "validFrom": verdict.valid_from.isoformat() if verdict.valid_from else None,
        }
        if verdict.signature_checked
        else None,
    }


@blueprint.route("/issuers/<slug>")
def issuer_profile(slug: str):
    organisation = organisation_by_slug(db.session, slug)
    return _public_json(queries.issuer_profile(db.session, IssuingContext.from_app(), organisation))


@blueprint.route("/issuers/<slug>/jwks.json")
def issuer_keys(slug: str):
    organisation = organisation_by_slug(db.session, slug)
    return _public_json(queries.jwks(db.session, organisation))


@blueprint.route("/status-lists/<int:list_id>")
def status_list(list_id: int):
    token = issuing.signed_status_list(
        db.session, IssuingContext.from_app(), list_id, memo=shared.memo()
    )
    response = _published(token, JWT_MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-cache"  # a revocation must show at once
    return response


@blueprint.route("/achievements/<code>/<int:version>")
def achievement(code: str, version: int):
    return _public_json(
        queries.achievement_description(db.session, IssuingContext.from_app(), code, version)
    )


# --- signed in: records, awards and downloads -------------------------------------------------


@blueprint.route("/my/achievements")
@login_required
def my_achievements():
    authorize(current_user, "accreditation.view_own")
    return render_template(
        "accreditation/my_achievements.html",
        enrolments=queries.enrolments_of_user(db.session, current_user),
        awards=queries.awards_of_user(db.session, current_user),
    )


def _enrolment(enrolment_id: int) -> Enrolment:
    """The enrolment, if the person may read its learner record; otherwise not found."""
    return load_or_404(
        Enrolment,
        enrolment_id,
        "accreditation.view_record",
        options=queries.ENROLMENT_WITH_PEOPLE,
    )


def _note_seen(action: str, enrolment: Enrolment) -> None:
    """Her record lists her evidence and the decisions on it: she sees who opened it."""
    note_seen(
        db.session,
        current_user,
        action,
        enrolment,
        trainee_id=enrolment.user_id,
        organisation_id=enrolment.organisation_id,
    )


@blueprint.route("/records/<int:enrolment_id>")
@login_required
def record(enrolment_id: int):
    enrolment = _enrolment(enrolment_id)
    _note_seen("record.viewed", enrolment)
    return render_template(
        "accreditation/record.html",
        record=queries.learner_record(db.session, enrolment),
        form=EmptyForm(),
    )


@blueprint.route("/records/<int:enrolment_id>/record.pdf")
@login_required
def record_pdf(enrolment_id: int):
    enrolment = _enrolment(enrolment_id)
    _note_seen("record.downloaded", enrolment)
    from lms.accreditation.record_pdf import render_record  # ReportLab, on first use

    pdf = render_record(queries.learner_record(db.session, enrolment))
    return _attachment(
        pdf,
        "application/pdf",
        downloads.record_filename(enrolment.id),
    )


@blueprint.route("/records/<int:enrolment_id>/award", methods=["POST"])
@login_required
def award(enrolment_id: int):
    enrolment = _enrolment(enrolment_id)
    authorize(current_user, "accreditation.award", enrolment)
    if EmptyForm().validate_on_submit():
        with flashed_errors():
            issue_award(db.session, enrolment, awarded_by=current_user)
            flash(_("The qualification has been awarded, with its certificate."), "success")
    return redirect(url_for("accreditation.record", enrolment_id=enrolment_id), code=303)


def _attachment(data, mimetype: str, filename: str) -> Response:
    stream = data if hasattr(data, "read") else io.BytesIO(data)
    response = send_file(stream, mimetype=mimetype, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/awards/<int:award_id>/certificate.pdf")
@login_required
def certificate_pdf(award_id: int):
    award_row = load_or_404(
        QualificationAward,
        award_id,
        "accreditation.download_certificate",
        options=queries.AWARD_WITH_CERTIFICATE,
    )
    if award_row.revocation is not None:
        # No certificate without its revocation on it: the page says so instead.
        return render_template("accreditation/certificate_revoked.html", award=award_row), 410
    if award_row.certificate is None:
        raise DomainError(_("This award has no certificate."))
    certificate = award_row.certificate
    return _attachment(
        downloads.certificate_pdf(certificate, IssuingContext.from_app()),
        "application/pdf",
        downloads.certificate_filename(certificate),
    )


@blueprint.route("/credentials/<int:credential_id>.<any(json, jwt):kind>")
@login_required
def credential_download(credential_id: int, kind: str):
    issued = load_or_404(
        IssuedCredential,
        credential_id,
        "accreditation.download_credential",
        options=queries.CREDENTIAL_WITH_ORGANISATION,
    )
    name = downloads.credential_filename(issued.id, kind)
    if kind == "jwt":
        return _attachment(issued.jwt.encode("ascii"), JWT_MEDIA_TYPE, name)
    document = json.dumps(enveloped(issued.jwt), indent=2).encode("utf-8")
    return _attachment(document, "application/json", name)


@blueprint.route("/awards/<int:award_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(award_id: int):
    def load() -> QualificationAward:
        return load_or_404(
            QualificationAward,
            award_id,
            "accreditation.revoke",
            options=queries.AWARD_WITH_CERTIFICATE,
        )

    award_row = load()
    form = RevokeForm()
    if award_row.revocation is None and form.validate_on_submit():
        with form_errors(form, field="reason") as outcome:
            revoke_award(db.session, award_row, revoked_by=current_user, reason=form.reason.data)
            flash(
                _("The award has been revoked. Its certificate and credential no longer verify."),
                "success",
            )
            return redirect(
                url_for("accreditation.record", enrolment_id=award_row.enrolment_id), code=303
            )
        if outcome.failed:
            award_row = load()  # as it now is: the rollback let go of what was loaded
    status = form_status(form)
    if request.method == "POST" and award_row.revocation is not None:
        status = 400  # already revoked: nothing more to do
    return render_template("accreditation/revoke.html", award=award_row, form=form), status


@blueprint.route("/cohorts/<int:cohort_id>/certificates.zip")
@login_required
def cohort_certificates(cohort_id: int):
    cohort = load_or_404(
        Cohort,
        cohort_id,
        "accreditation.download_cohort",
        options=queries.COHORT_WITH_ORGANISATION,
    )
    # The audit record is committed with the request, before the archive is sent.
    archive, filename = downloads.cohort_certificates_archive(
        db.session, cohort, IssuingContext.from_app()
    )
    return _attachment(archive, "application/zip", filename)


@blueprint.route("/organisations/<slug>/records")
@login_required
def organisation_records(slug: str):
    organisation = organisation_or_404(slug, "accreditation.list_records")
    return render_template(
        "accreditation/organisation_records.html",
        organisation=organisation,
        rows=queries.records_for_organisation(db.session, organisation),
        cohorts=queries.cohorts_of(db.session, organisation),
    )


@blueprint.route("/organisations/<slug>/claims", methods=["GET", "POST"])
@login_required
def claims_page(slug: str):
    organisation = organisation_or_404(slug, "accreditation.claim")
    form = ClaimForm()
    outcome = Outcome()
    if form.validate_on_submit():
        with form_errors(form, field="period_start") as outcome:
            claim = claims.create_claim(
                db.session,
                organisation,
                form.period_start.data,
                form.period_end.data,
                claimed_by=current_user,
            )
            flash(
                _(
                    "The claim is ready. Download it below and send it to the awarding body; "
                    "everything in it is now marked as claimed."
                ),
                "success",
            )
            return redirect(url_for("accreditation.claims_page", slug=slug, new=claim.id), code=303)
    return render_template(
        "accreditation/claims.html",
        organisation=organisation,
        form=form,
        claims=claims.claims_of(db.session, organisation),
        revoked=claims.revoked_since_claimed(db.session, organisation),
        new_claim=request.args.get("new", type=int),
    ), 409 if isinstance(outcome.error, Conflict) else form_status(form)


@blueprint.route("/organisations/<slug>/claims/<int:claim_id>.csv")
@login_required
def claim_csv(slug: str, claim_id: int):
    organisation = organisation_or_404(slug, "accreditation.claim")
    claim = claims.claim_for(db.session, organisation, claim_id)
    text = claims.claim_csv(db.session, claim)
    filename = downloads.safe_filename(
        "claim", claim.period_start.isoformat(), claim.period_end.isoformat()
    )
    return _attachment(text.encode("utf-8-sig"), "text/csv", f"{filename}.csv")


def _published(body: str, mimetype: str) -> Response:
    """A published document that is not plain JSON (a signed credential, a key)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blueprint.route("/issuers/<slug>/keys/<thumbprint>")
def issuer_key(slug: str, thumbprint: str):
    """What a credential's `kid` dereferences to: one public key, as a JWK (RFC 7517)."""
    organisation = organisation_by_slug(db.session, slug)
    jwk = queries.public_key(db.session, organisation, thumbprint)
    return _published(json.dumps(jwk, indent=2), "application/jwk+json")

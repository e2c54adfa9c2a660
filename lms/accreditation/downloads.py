"""Files people take away: certificate PDFs (one, or a cohort's in one archive), credentials
and the learner record."""

from __future__ import annotations

import re
import tempfile
import unicodedata
import zipfile
from typing import IO, TYPE_CHECKING

from sqlalchemy.orm import Session

from lms.accreditation.issuing import IssuingContext
from lms.accreditation.models import Certificate
from lms.accreditation.queries import cohort_certificates
from lms.audit.operations import record
from lms.curriculum.models import Cohort

if TYPE_CHECKING:
    from lms.accreditation.certificate_pdf import CertificateDetails


def certificate_details(certificate: Certificate, context: IssuingContext) -> CertificateDetails:
    # ReportLab is loaded when a certificate is first drawn, not when the application starts.
    from lms.accreditation.certificate_pdf import CertificateDetails, UnitLine

    return CertificateDetails(
        trainee_name=certificate.trainee_name or "(name removed)",
        qualification_title=certificate.qualification_title,
        qualification_code=certificate.qualification_code,
        level=certificate.level or "",
        credits=certificate.credits,
        awarded_on=certificate.awarded_on,
        issuer_name=certificate.issuer_name,
        franchisor_name=certificate.franchisor_name,
        verification_code=certificate.verification_code,
        verify_url=context.verify_url(certificate.verification_code),
        awarding_body=certificate.awarding_body,
        units=tuple(UnitLine(u["code"], u["title"], u["credits"]) for u in certificate.units),
    )


def certificate_pdf(certificate: Certificate, context: IssuingContext) -> bytes:
    from lms.accreditation.certificate_pdf import render_certificate

    return render_certificate(certificate_details(certificate, context))


def safe_filename(*parts: str) -> str:
    """ASCII letters, digits and hyphens only: safe in any archive and any browser."""
    text = "-".join(parts)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
    return text[:100] or "certificate"


# Download names say nothing of what the qualification or the organisation is about (they
# stay in a downloads folder and a browser's list of downloads): a kind and a code or date.


def certificate_filename(certificate: Certificate) -> str:
    return f"certificate-{safe_filename(certificate.verification_code)}.pdf"


def record_filename(enrolment_id: int) -> str:
    return f"learning-record-{enrolment_id}.pdf"


def credential_filename(credential_id: int, kind: str) -> str:
    return f"credential-{credential_id}.{kind}"


def cohort_archive(certificates: list[Certificate], context: IssuingContext) -> IO[bytes]:
    """A ZIP of the certificates, written to a temporary file (kept in memory while small),
    rewound and ready to send."""
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - sent, then closed by the response
    with zipfile.ZipFile(spooled, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            # Inside the archive, by trainee, for the coordinator to find each one.
            name = safe_filename(certificate.trainee_name, certificate.verification_code)
            archive.writestr(f"{name}.pdf", certificate_pdf(certificate, context))
    spooled.seek(0)
    return spooled


def cohort_certificates_archive(
    session: Session, cohort: Cohort, context: IssuingContext
) -> tuple[IO[bytes], str]:
    """The cohort's certificates that still stand, in one archive, with its file name. The
    download is recorded in the audit trail."""
    certificates = cohort_certificates(session, cohort)
    record(
        session,
        "accreditation.cohort_certificates_downloaded",
        obj=cohort,
        organisation_id=cohort.organisation_id,
        certificates=len(certificates),
    )
    return cohort_archive(certificates, context), f"certificates-{cohort.id}.zip"

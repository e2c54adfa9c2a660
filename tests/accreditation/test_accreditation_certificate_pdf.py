"""The certificate PDF opens, carries the verification code and points at the check page."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from lms.accreditation.certificate_pdf import CertificateDetails, UnitLine, render_certificate

DETAILS = CertificateDetails(
    trainee_name="Amira Hassan",
    qualification_title="Level 3 Certificate in Reintegrative Mentoring",
    qualification_code="ALRM3",
    level="3",
    credits=18,
    awarded_on=date(2026, 5, 1),
    issuer_name="Northside Women's Centre",
    franchisor_name="Alongside Mentoring Trust",
    verification_code="ABCD2345EFGH",
    verify_url="https://alongside.test/verify/ABCD2345EFGH",
    awarding_body="Open College Network (example)",
    units=(
        UnitLine("RM301", "The role and limits of a peer mentor", 3),
        UnitLine("RM302", "Boundaries, over-identification and self-care " * 3, 3),
    ),
)


def _read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_certificate_opens_and_carries_its_details():
    pdf = render_certificate(DETAILS)
    assert pdf.startswith(b"%PDF-")
    reader, text = _read(pdf)
    assert len(reader.pages) == 1
    for expected in [
        "Amira Hassan",
        "Level 3 Certificate in Reintegrative Mentoring",
        "Level 3",
        "18 credits",
        "Awarded on 1 May 2026",
        "Northside Women's Centre",
        "Alongside Mentoring Trust",
        "ABCD-2345-EFGH",
        "https://alongside.test/verify/ABCD2345EFGH",
        "RM301",
    ]:
        assert expected in text, expected
    assert reader.metadata.subject == "Verification code ABCD-2345-EFGH"
    assert "Amira Hassan" in reader.metadata.title


def test_names_in_other_alphabets_print():
    pdf = render_certificate(
        CertificateDetails(**{**DETAILS.__dict__, "trainee_name": "Łucja Wiśniewska"})
    )
    _, text = _read(pdf)
    assert "ABCD-2345-EFGH" in text


def test_a_certificate_without_franchisor_or_units_still_prints():
    pdf = render_certificate(
        CertificateDetails(
            **{**DETAILS.__dict__, "franchisor_name": None, "units": (), "awarding_body": None}
        )
    )
    _, text = _read(pdf)
    assert "a partner of" not in text
    assert "Northside Women's Centre" in text

"""The printable certificate: one A4 landscape page, drawn with ReportLab (pure Python, no
network, no system libraries) and a vector QR code from segno that opens the public
verification page."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import reportlab
import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from lms.accreditation.codes import display_code
from lms.i18n import _, format_date, ngettext

PAGE = landscape(A4)
INK = colors.HexColor("#1f2a44")
ACCENT = colors.HexColor("#6b3fa0")
MUTED = colors.HexColor("#4a5060")

# Fonts with wide coverage first, so that names in many alphabets print; ReportLab's own
# Bitstream Vera (Latin) is always there as the last resort.
_FONT_CANDIDATES = [
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (
        Path(reportlab.__file__).parent / "fonts" / "Vera.ttf",
        Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf",
    ),
]


@dataclass(frozen=True)
class UnitLine:
    code: str
    title: str
    credits: int


@dataclass(frozen=True)
class CertificateDetails:
    trainee_name: str
    qualification_title: str
    qualification_code: str
    level: str
    credits: int
    awarded_on: date
    issuer_name: str
    franchisor_name: str | None
    verification_code: str
    verify_url: str
    awarding_body: str | None = None
    units: tuple[UnitLine, ...] = ()


@cache
def certificate_fonts() -> tuple[str, str]:
    for regular, bold in _FONT_CANDIDATES:
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("Certificate", str(regular)))
            pdfmetrics.registerFont(TTFont("Certificate-Bold", str(bold)))
            return "Certificate", "Certificate-Bold"
    return "Helvetica", "Helvetica-Bold"


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest size up to `size` at which `text` fits in `width`."""
    while size > 8 and canvas.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _truncate(canvas: Canvas, text: str, font: str, size: float, width: float) -> str:
    if canvas.stringWidth(text, font, size) <= width:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _centred(canvas: Canvas, y: float, text: str, font: str, size: float, color=INK) -> None:
    width = PAGE[0] - 60 * mm
    canvas.setFont(font, _fit(canvas, text, font, size, width))
    canvas.setFillColor(color)
    canvas.drawCentredString(PAGE[0] / 2, y, text)


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    qr = segno.make(url, error="m")
    matrix = list(qr.matrix)
    border = 2
    modules = len(matrix) + 2 * border
    cell = size / modules
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    for row_number, row in enumerate(matrix):
        for column, dark in enumerate(row):
            if dark:
                canvas.rect(
                    x + (column + border) * cell,
                    y + size - (row_number + border + 1) * cell,
                    cell,
                    cell,
                    stroke=0,
                    fill=1,
                )


def _units_table(canvas: Canvas, details: CertificateDetails, font_pair, top: float) -> None:
    regular, bold = font_pair
    x = 30 * mm
    canvas.setFillColor(MUTED)
    canvas.setFont(bold, 8.5)
    canvas.drawString(x, top, _("Units achieved"))
    canvas.setFont(regular, 8.5)
    y = top - 4.5 * mm
    for unit in details.units[:10]:
        canvas.drawString(x, y, unit.code)
        canvas.drawString(x + 14 * mm, y, _truncate(canvas, unit.title, regular, 8.5, 76 * mm))
        credit_text = ngettext("%(num)d credit", "%(num)d credits", unit.credits)
        canvas.drawRightString(x + 110 * mm, y, credit_text)
        y -= 4.2 * mm


def render_certificate(details: CertificateDetails) -> bytes:
    buffer = io.BytesIO()
    font_pair = certificate_fonts()
    canvas = Canvas(buffer, pagesize=PAGE, pageCompression=1)
    _describe_document(canvas, details)
    _border(canvas)
    _statement(canvas, details, font_pair)
    if details.units:
        _units_table(canvas, details, font_pair, PAGE[1] - 152 * mm)
    _verification(canvas, details, font_pair)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _describe_document(canvas: Canvas, details: CertificateDetails) -> None:
    canvas.setTitle(f"{details.qualification_title} — {details.trainee_name}")
    canvas.setAuthor(details.issuer_name)
    canvas.setSubject(_("Verification code %(code)s", code=display_code(details.verification_code)))
    canvas.setKeywords(f"certificate, {details.qualification_code}, {details.verification_code}")
    canvas.setCreator("Alongside")


def _border(canvas: Canvas) -> None:
    width, height = PAGE
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(3)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)


def _statement(canvas: Canvas, details: CertificateDetails, font_pair) -> None:
    """Who achieved what, when, and who delivered it: the certificate's centred wording."""
    regular, bold = font_pair
    height = PAGE[1]
    _centred(
        canvas, height - 35 * mm, details.franchisor_name or details.issuer_name, bold, 13, ACCENT
    )
    _centred(canvas, height - 52 * mm, _("Certificate of Achievement"), bold, 28)
    _centred(canvas, height - 66 * mm, _("This is to certify that"), regular, 12, MUTED)
    _centred(canvas, height - 81 * mm, details.trainee_name, bold, 26)
    _centred(canvas, height - 93 * mm, _("has achieved the"), regular, 12, MUTED)
    _centred(canvas, height - 106 * mm, details.qualification_title, bold, 19)
    facts = ngettext(
        "Level %(level)s  ·  %(num)d credit  ·  Qualification %(code)s",
        "Level %(level)s  ·  %(num)d credits  ·  Qualification %(code)s",
        details.credits,
        level=details.level,
        code=details.qualification_code,
    )
    _centred(canvas, height - 116 * mm, facts, regular, 11)
    awarded = _("Awarded on %(date)s", date=format_date(details.awarded_on))
    _centred(canvas, height - 125 * mm, awarded, regular, 11)
    if details.franchisor_name and details.franchisor_name != details.issuer_name:
        delivered = _(
            "Delivered and assessed by %(issuer)s, a partner of %(franchisor)s",
            issuer=details.issuer_name,
            franchisor=details.franchisor_name,
        )
    else:
        delivered = _("Delivered and assessed by %(issuer)s", issuer=details.issuer_name)
    _centred(canvas, height - 134 * mm, delivered, regular, 10, MUTED)
    if details.awarding_body:
        body = _("Awarding body: %(name)s", name=details.awarding_body)
        _centred(canvas, height - 141 * mm, body, regular, 9, MUTED)


def _verification(canvas: Canvas, details: CertificateDetails, font_pair) -> None:
    """The QR code, address and code with which anyone can check the certificate."""
    regular, bold = font_pair
    qr_size = 34 * mm
    qr_x, qr_y = PAGE[0] - 30 * mm - qr_size, 24 * mm
    _draw_qr(canvas, details.verify_url, qr_x, qr_y, qr_size)
    canvas.setFillColor(INK)
    canvas.setFont(regular, 8)
    canvas.drawRightString(
        qr_x - 4 * mm, qr_y + 22 * mm, _("Check that this certificate is genuine:")
    )
    canvas.drawRightString(qr_x - 4 * mm, qr_y + 17 * mm, details.verify_url)
    canvas.setFont(bold, 12)
    canvas.drawRightString(
        qr_x - 4 * mm,
        qr_y + 9 * mm,
        _("Verification code %(code)s", code=display_code(details.verification_code)),
    )

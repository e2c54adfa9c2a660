"""The learner record as a PDF, for an external verifier's file: units, outcomes, criteria,
evidence and decisions, sign-off and countersignature, credits and status."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.accreditation.certificate_pdf import certificate_fonts
from lms.accreditation.codes import display_code
from lms.accreditation.queries import LearnerRecord, UnitRecord
from lms.accreditation.record_details import CriterionEvidence
from lms.accreditation.vc import long_date


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = certificate_fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=4),
        "h2": ParagraphStyle(
            "h2", fontName=bold, fontSize=12, leading=15, spaceBefore=8, spaceAfter=3
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9, leading=12),
        "small": ParagraphStyle(
            "small", fontName=regular, fontSize=8, leading=10, textColor=colors.HexColor("#4a5060")
        ),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10),
        "cellbold": ParagraphStyle("cellbold", fontName=bold, fontSize=8, leading=10),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)), style)


_TABLE = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8bcc8")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef0f5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def render_record(record: LearnerRecord) -> bytes:
    styles = _styles()
    story: list = [_p(f"Learner record: {record.trainee.display_name}", styles["title"])]
    story += _facts(record, styles)
    story += _status(record, styles)
    for unit_record in record.units:
        story += _unit_section(record, unit_record, styles)

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=17 * mm,
        rightMargin=17 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Learner record: {record.trainee.display_name}",
        author=record.organisation.name,
    )
    document.build(story)
    return buffer.getvalue()


def _facts(record: LearnerRecord, styles: dict[str, ParagraphStyle]) -> list:
    course, trainee = record.course, record.trainee
    facts = [
        f"Qualification: {course.code} {course.title} (level {course.level or 'not set'})",
        f"Centre: {record.organisation.name}",
        f"Enrolled: {long_date(record.enrolment.enrolled_at)}",
        f"Credits achieved: {record.achieved_credits} of {record.required_credits} needed",
    ]
    if trainee.date_of_birth:
        facts.insert(1, f"Date of birth: {trainee.date_of_birth}")
    return [_p(fact, styles["body"]) for fact in facts]


def _status(record: LearnerRecord, styles: dict[str, ParagraphStyle]) -> list:
    story = [_p("Status", styles["h2"])]
    if record.award is not None:
        status = f"Qualification awarded on {long_date(record.award.awarded_at)}"
        if record.certificate:
            status += f"; certificate {display_code(record.certificate.verification_code)}"
        if record.revocation:
            status += (
                f". Revoked on {long_date(record.revocation.revoked_at)}, together with the "
                "units on this record at that time."
            )
        story.append(_p(status, styles["body"]))
    elif record.result.met:
        story.append(_p("The rules of combination are met; the award is due.", styles["body"]))
    else:
        story.append(_p("Still needed:", styles["body"]))
        story += [_p(f"• {line}", styles["body"]) for line in record.result.still_needed]
    return story


def _unit_section(
    record: LearnerRecord, unit_record: UnitRecord, styles: dict[str, ParagraphStyle]
) -> list:
    unit, achievement = unit_record.unit, unit_record.achievement
    kind = "mandatory" if unit_record.mandatory else f"optional, group {unit_record.group_id}"
    story = [
        _p(
            f"{unit.code} {unit.title} (level {unit.level}, {unit.credits} credits, {kind})",
            styles["h2"],
        )
    ]
    if achievement is None:
        story.append(_p(f"{unit_record.status_text}.", styles["small"]))
    else:
        line = (
            f"Signed off by {achievement.signed_off_by.display_name} on "
            f"{long_date(achievement.signed_off_at)}"
        )
        if achievement.countersigned_by is not None:
            line += (
                f"; countersigned by {achievement.countersigned_by.display_name} on "
                f"{long_date(achievement.countersigned_at)}"
            )
        story.append(_p(line + ".", styles["body"]))
        if unit_record.revoked_at is not None:
            revoked_on = long_date(unit_record.revoked_at)
            story.append(_p(f"Revoked with the award on {revoked_on}.", styles["body"]))
        if achievement.evidence_summary:
            story.append(_p(f"Evidence: {achievement.evidence_summary}", styles["small"]))
    story.append(Spacer(1, 2 * mm))
    story.append(_criteria_table(record, unit_record, styles))
    return story


def _criteria_table(
    record: LearnerRecord, unit_record: UnitRecord, styles: dict[str, ParagraphStyle]
) -> Table:
    """Each outcome, then each of its criteria with the evidence and decisions on it."""
    rows = [[_p("Criterion", styles["cellbold"]), _p("Evidence and decisions", styles["cellbold"])]]
    for outcome in unit_record.outcomes:
        rows.append(
            [_p(f"LO{outcome.number}", styles["cellbold"]), _p(outcome.text, styles["cellbold"])]
        )
        for criterion in outcome.criteria:
            described = _described(record.evidence.get(criterion.id, [])) or (
                "Unit signed off" if unit_record.achievement else "—"
            )
            rows.append(
                [
                    _p(f"{criterion.number} {criterion.text}", styles["cell"]),
                    _p(described, styles["cell"]),
                ]
            )
    table = Table(rows, colWidths=[95 * mm, 80 * mm], repeatRows=1)
    table.setStyle(_TABLE)
    return table


def _described(lines: list[CriterionEvidence]) -> str:
    return "; ".join(
        f"{e.title} ({e.kind}): {e.decision}"
        + (f", {e.assessor_name}" if e.assessor_name else "")
        + (f" {long_date(e.decided_at)}" if e.decided_at else "")
        + (f", IQA {e.iqa_name}" if e.iqa_name else "")
        for e in lines
    )

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
from lms.i18n import _, format_date, format_number, ngettext


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
    title = _("Learner record: %(name)s", name=record.trainee.display_name)
    story: list = [_p(title, styles["title"])]
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
        title=title,
        author=record.organisation.name,
    )
    document.build(story)
    return buffer.getvalue()


def _facts(record: LearnerRecord, styles: dict[str, ParagraphStyle]) -> list:
    course, trainee = record.course, record.trainee
    facts = [
        _(
            "Qualification: %(code)s %(title)s (level %(level)s)",
            code=course.code,
            title=course.title,
            level=course.level or _("not set"),
        ),
        _("Centre: %(name)s", name=record.organisation.name),
        _("Enrolled: %(date)s", date=format_date(record.enrolment.enrolled_at)),
        ngettext(
            "Credits achieved: %(achieved)s of %(num)d needed",
            "Credits achieved: %(achieved)s of %(num)d needed",
            record.required_credits,
            achieved=format_number(record.achieved_credits),
        ),
    ]
    if trainee.date_of_birth:
        facts.insert(1, _("Date of birth: %(date)s", date=format_date(trainee.date_of_birth)))
    return [_p(fact, styles["body"]) for fact in facts]


def _status(record: LearnerRecord, styles: dict[str, ParagraphStyle]) -> list:
    story = [_p(_("Status"), styles["h2"])]
    if record.award is not None:
        story.append(_p(_award_status(record), styles["body"]))
    elif record.result.met:
        story.append(_p(_("The rules of combination are met; the award is due."), styles["body"]))
    else:
        story.append(_p(_("Still needed:"), styles["body"]))
        story += [_p(f"• {line}", styles["body"]) for line in record.result.still_needed]
    return story


def _award_status(record: LearnerRecord) -> str:
    awarded = format_date(record.award.awarded_at)
    code = display_code(record.certificate.verification_code) if record.certificate else None
    if record.revocation:
        revoked = format_date(record.revocation.revoked_at)
        if code:
            return _(
                "Qualification awarded on %(date)s; certificate %(code)s. Revoked on "
                "%(revoked)s, together with the units on this record at that time.",
                date=awarded,
                code=code,
                revoked=revoked,
            )
        return _(
            "Qualification awarded on %(date)s. Revoked on %(revoked)s, together with the "
            "units on this record at that time.",
            date=awarded,
            revoked=revoked,
        )
    if code:
        return _("Qualification awarded on %(date)s; certificate %(code)s", date=awarded, code=code)
    return _("Qualification awarded on %(date)s", date=awarded)


def _unit_section(
    record: LearnerRecord, unit_record: UnitRecord, styles: dict[str, ParagraphStyle]
) -> list:
    unit, achievement = unit_record.unit, unit_record.achievement
    if unit_record.mandatory:
        heading = ngettext(
            "%(code)s %(title)s (level %(level)s, %(num)d credit, mandatory)",
            "%(code)s %(title)s (level %(level)s, %(num)d credits, mandatory)",
            unit.credits,
            code=unit.code,
            title=unit.title,
            level=unit.level,
        )
    else:
        heading = ngettext(
            "%(code)s %(title)s (level %(level)s, %(num)d credit, optional, group %(group)s)",
            "%(code)s %(title)s (level %(level)s, %(num)d credits, optional, group %(group)s)",
            unit.credits,
            code=unit.code,
            title=unit.title,
            level=unit.level,
            group=unit_record.group_id,
        )
    story = [_p(heading, styles["h2"])]
    if achievement is None:
        story.append(_p(f"{unit_record.status_text}.", styles["small"]))
    else:
        story.append(_p(_signed_off(achievement), styles["body"]))
        if unit_record.revoked_at is not None:
            revoked_on = format_date(unit_record.revoked_at)
            story.append(
                _p(_("Revoked with the award on %(date)s.", date=revoked_on), styles["body"])
            )
        if achievement.evidence_summary:
            story.append(
                _p(
                    _("Evidence: %(summary)s", summary=achievement.evidence_summary),
                    styles["small"],
                )
            )
    story.append(Spacer(1, 2 * mm))
    story.append(_criteria_table(record, unit_record, styles))
    return story


def _signed_off(achievement) -> str:
    if achievement.countersigned_by is not None:
        return _(
            "Signed off by %(assessor)s on %(date)s; countersigned by %(iqa)s on "
            "%(countersigned)s.",
            assessor=achievement.signed_off_by.display_name,
            date=format_date(achievement.signed_off_at),
            iqa=achievement.countersigned_by.display_name,
            countersigned=format_date(achievement.countersigned_at),
        )
    return _(
        "Signed off by %(assessor)s on %(date)s.",
        assessor=achievement.signed_off_by.display_name,
        date=format_date(achievement.signed_off_at),
    )


def _criteria_table(
    record: LearnerRecord, unit_record: UnitRecord, styles: dict[str, ParagraphStyle]
) -> Table:
    """Each outcome, then each of its criteria with the evidence and decisions on it."""
    rows = [
        [
            _p(_("Criterion"), styles["cellbold"]),
            _p(_("Evidence and decisions"), styles["cellbold"]),
        ]
    ]
    for outcome in unit_record.outcomes:
        rows.append(
            [
                _p(_("LO%(number)s", number=outcome.number), styles["cellbold"]),
                _p(outcome.text, styles["cellbold"]),
            ]
        )
        for criterion in outcome.criteria:
            described = _described(record.evidence.get(criterion.id, [])) or (
                _("Unit signed off") if unit_record.achievement else "—"
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
        + (f" {format_date(e.decided_at)}" if e.decided_at else "")
        + (", " + _("IQA %(name)s", name=e.iqa_name) if e.iqa_name else "")
        for e in lines
    )

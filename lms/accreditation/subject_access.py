"""What accreditation holds about a person: the units recorded as achieved, her qualification,
its certificate (the PDF as it is downloaded) and her Open Badges credentials
(`subject_access`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.accreditation import downloads
from lms.accreditation.issuing import IssuingContext
from lms.accreditation.models import IssuedCredential, UnitAchievement
from lms.accreditation.queries import awards_of_user
from lms.accreditation.vc import enveloped
from lms.privacy.records import columns, table


def achievement_information(session: Session, user: User) -> Iterator[tuple[str, Any]]:
    units = session.scalars(
        select(UnitAchievement)
        .where(UnitAchievement.user_id == user.id)
        .order_by(UnitAchievement.id)
    )
    awards = awards_of_user(session, user)
    credentials = list(
        session.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.user_id == user.id)
            .order_by(IssuedCredential.id)
        )
    )
    yield from table("achievements/units", [columns(u) for u in units])
    yield from table(
        "achievements/qualifications",
        [
            {
                **columns(a),
                "qualification": a.course.title,
                "withdrawn_on": a.revocation.revoked_at if a.revocation else None,
            }
            for a in awards
        ],
    )
    yield from table(
        "achievements/certificates", [columns(a.certificate) for a in awards if a.certificate]
    )
    yield from table(
        "achievements/credentials",
        [columns(c, leave_out=("credential", "jwt")) for c in credentials],
    )
    # A withdrawn award's certificate is not printed (its page says it was withdrawn).
    printable = [a.certificate for a in awards if a.certificate and a.revocation is None]
    if printable:
        context = IssuingContext.from_app()
        for certificate in printable:
            yield (
                f"achievements/{downloads.certificate_filename(certificate)}",
                downloads.certificate_pdf(certificate, context),
            )
    for credential in credentials:
        document = json.dumps(enveloped(credential.jwt), indent=2)
        yield f"achievements/credential-{credential.id}.json", document + "\n"

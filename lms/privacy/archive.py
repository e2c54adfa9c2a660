"""One archive of everything held about a person, for her own download (subject access).

Each capability answers the `subject_access` hook with `(name in archive, content)` pairs:
text, bytes, or a binary file opened for reading (evidence can be large: it is copied into
the archive in pieces and closed). The archive is written to a temporary file on disk, never
held whole in memory, with a README.txt in plain words that says what each part is."""

from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import date
from typing import IO, Any

from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.audit.operations import record
from lms.capabilities import hooks
from lms.i18n import _, _l

CHUNK = 1024 * 1024

# What each folder of the archive holds, in plain words (a folder not named here is listed
# by its files alone).
FOLDERS = {
    "account": _l(
        "Your account: your name, e-mail address, the organisations you belong to and "
        "the devices that have been signed in."
    ),
    "learning": _l(
        "Your courses: where you are enrolled, the lessons you have finished and the "
        "content notes you have read."
    ),
    "quizzes": _l("Your quiz attempts, your answers and your results."),
    "portfolio": _l(
        "Your portfolio: the evidence you (or your assessor) added, and what you sent "
        "for assessment."
    ),
    "evidence": _l("The files you added to your evidence, as they were uploaded."),
    "assessment": _l("Decisions your assessors made about your work, with their feedback."),
    "achievements": _l(
        "Units you have achieved, your qualification, your certificate (PDF) and "
        "your digital credentials (Open Badges)."
    ),
    "practice": _l("Your practice records and journal."),
    "messages": _l("The messages the site has shown you."),
}

README_TOP = _l(
    """\
Your information from Alongside
===============================

This archive holds the information Alongside keeps about you, as it was on %(today)s.
It was made for %(name)s at their request.

Most information is here twice: as a .json file (for computer programs) and as a .csv
file (which opens in a spreadsheet such as Excel or LibreOffice). Both hold the same rows.
Dates and times are in UTC (UK winter time).

Please keep this file somewhere safe: it holds personal information about you. If someone
else uses this device, you may want to move it elsewhere and empty the downloads folder.

If anything here is wrong, or you have questions about it, please ask your coordinator.

What is in each folder
----------------------
"""
)


def _safe_name(name: str) -> str:
    """A relative path with plain characters only: no way out of the archive's folder."""
    parts = [re.sub(r"[^A-Za-z0-9._-]+", "-", part).strip(".-") for part in name.split("/")]
    return posixpath.join(*[part for part in parts if part]) or "file"


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot or "/" in extension:
        stem, extension = name, ""
    candidate, number = name, 2
    while candidate in taken:
        candidate = f"{stem}-{number}{'.' + extension if extension else ''}"
        number += 1
    taken.add(candidate)
    return candidate


def _write(archive: zipfile.ZipFile, name: str, content: Any) -> None:
    if isinstance(content, str):
        archive.writestr(name, content.encode("utf-8"))
    elif isinstance(content, bytes):
        archive.writestr(name, content)
    else:
        with content, archive.open(name, "w", force_zip64=True) as target:
            shutil.copyfileobj(content, target, CHUNK)


def contributions(session: Session, user: User) -> Iterable[tuple[str, Any]]:
    for answer in hooks("subject_access"):
        yield from answer(session, user)


def readme(user: User, names: list[str], today: date) -> str:
    top = str(README_TOP) % {"today": today.isoformat(), "name": user.display_name}
    lines = [top]
    by_folder: dict[str, list[str]] = {}
    for name in names:
        by_folder.setdefault(name.split("/", 1)[0] if "/" in name else "", []).append(name)
    for folder, files in sorted(by_folder.items()):
        lines.append(f"\n{folder or _('(top level)')}/")
        if folder in FOLDERS:
            lines.append(f"  {FOLDERS[folder]}")
        lines.extend(f"  - {name}" for name in files)
    return "\n".join(lines) + "\n"


def archive_name(today: date) -> str:
    """The download's file name: it says nothing of what the site is about."""
    return f"my-information-{today.isoformat()}.zip"


def build_archive(session: Session, user: User, *, today: date) -> tuple[IO[bytes], str]:
    """Everything held about `user`, in a ZIP written to a temporary file, rewound and ready
    to send, with its file name. The download is recorded in the audit trail."""
    spooled = tempfile.TemporaryFile()  # noqa: SIM115 - sent, then closed by the response
    names: list[str] = []
    taken = {"README.txt"}
    with zipfile.ZipFile(spooled, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for raw_name, content in contributions(session, user):
            name = _unique(_safe_name(raw_name), taken)
            _write(archive, name, content)
            names.append(name)
        archive.writestr("README.txt", readme(user, names, today))
    record(session, "privacy.information_downloaded", obj=user, files=len(names))
    spooled.seek(0)
    return spooled, archive_name(today)

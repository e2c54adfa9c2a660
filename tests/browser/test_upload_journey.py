"""A trainee adds evidence with a file that cannot be accepted: too large (stopped in the
browser) or hostile (refused by the server). Either way the reason is beside the file field
and what she typed is still there."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.extensions import db
from lms.portfolio import inspection
from lms.portfolio.models import Evidence
from tests.browser.conftest import accessibility_violations, sign_in
from tests.factories import assessment_setting
from tests.portfolio import hostile

TITLE = "Listening in the first session"
DESCRIPTION = "What I noticed, and what I would do again."


@pytest.fixture
def config_overrides():
    return {"SERVER_NAME": None, "UPLOAD_MAX_BYTES": 4096, "MAX_CONTENT_LENGTH": 4096 + 65536}


@pytest.fixture
def setting(app):
    return assessment_setting()


def fill_in(page, setting) -> None:
    page.goto(f"/portfolio/{setting.enrolment.id}/evidence/new")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill(DESCRIPTION)
    page.locator("input[name=criteria]").first.check()


def test_a_refused_file_is_explained_and_nothing_typed_is_lost(page, setting, tmp_path):
    sign_in(page, setting.trainee.email)

    fill_in(page, setting)
    big = tmp_path / "recording.txt"
    big.write_bytes(b"x" * 5000)
    page.get_by_label("File (optional)").set_input_files(str(big))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("larger than 4 KB")
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    expect(page.get_by_label("Description")).to_have_value(DESCRIPTION)

    macros = tmp_path / "reflection.odt"
    macros.write_bytes(hostile.odt(("Basic/Standard/Module1.xml", b"<script:module/>")))
    page.get_by_label("File (optional)").set_input_files(str(macros))
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.locator("#file-error")).to_contain_text(
        inspection.MESSAGES["macros"].split(". ")[0]
    )
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    expect(page.get_by_label("Description")).to_have_value(DESCRIPTION)
    assert accessibility_violations(page) == []
    assert db.session.scalar(select(Evidence)) is None

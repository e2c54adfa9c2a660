"""The whole story in a real browser, as the people in it would live it.

A coordinator enrols a trainee from a CSV file; she accepts the invitation from the e-mail,
reads a lesson past its content note, fails the unit's quiz and then passes it, adds evidence
with a file and maps it to the criteria, and submits; her assessor refers the unit back; she
submits again; the assessor signs it off; the IQA checks the sampled decision and
countersigns; she downloads her certificate; someone she shows it to checks it; an
administrator revokes the award and the check says so.

The same story is told with a mouse, with the keyboard only, on a phone and (its pages) with
text at 200%. On every page: axe-core's WCAG 2.2 A/AA checks, no sideways scrolling where the
screen is narrow, and a full-page screenshot kept (under SCREENSHOT_DIR when it is set).
Elements are found by their roles and accessible names only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.curriculum.models import CohortRole, CourseUnit, Enrolment, Lesson, Unit
from lms.extensions import db
from tests.factories import CohortStaffFactory, licensed_partner, member, quiz_for_unit

PASSWORD = "correct horse battery"
HER_PASSWORD = "a kettle, two cups and a garden"
HER_EMAIL = "nadia@example.org"
HER_NAME = "Nadia Farah"
CONTENT_NOTE = "This lesson mentions controlling behaviour at home."
RIGHT = "To walk alongside her"
WRONG = "To decide for her"
QUESTIONS = [
    {
        "id": "purpose",
        "type": "single_choice",
        "prompt": "What is the main purpose of a peer mentor?",
        "options": [
            {"text": RIGHT, "correct": True},
            {"text": WRONG},
            {"text": "To give legal advice"},
        ],
    }
]
REFLECTION = "I listened far more than I spoke, and kept the focus on her.\n"
REFERRAL = "Please say more about how you would refer her on."
REVOKE_REASON = "The evidence for the unit was found not to be her own work."
SERIOUS = ("serious", "critical")
MAX_TABS = 120


@pytest.fixture
def config_overrides():
    return {"SERVER_NAME": None, "WTF_CSRF_ENABLED": True}


@dataclass
class World:
    coordinator: object
    assessor: object
    iqa: object
    admin: object
    partner: object
    unit: object
    lesson: object
    quiz: object


@pytest.fixture
def world(app, session) -> World:
    """A partner licensed for a course of one unit with one lesson (behind a content note) and
    one quiz, a cohort with its assessor and IQA, and the trust's administrator."""
    franchise = licensed_partner(session, units=1, lessons=1)
    unit = session.scalar(
        select(Unit).join(CourseUnit).where(CourseUnit.course_id == franchise.course.id)
    )
    lesson = session.scalar(select(Lesson).where(Lesson.unit_id == unit.id))
    lesson.title = "Noticing what is not said"
    lesson.content_note = CONTENT_NOTE
    unit.title = "The role of a peer mentor"
    franchise.course.rules_of_combination = {
        "minimum_credits": unit.credits,
        "mandatory": [unit.code],
    }
    quiz = quiz_for_unit(unit, questions=QUESTIONS)
    assessor = member(franchise.partner, Role.ASSESSOR, display_name="Asha Assessor")
    iqa = member(franchise.partner, Role.IQA, display_name="Iris Quality")
    CohortStaffFactory(cohort=franchise.cohort, user=assessor, role=CohortRole.ASSESSOR)
    CohortStaffFactory(cohort=franchise.cohort, user=iqa, role=CohortRole.IQA)
    session.commit()
    return World(
        coordinator=franchise.coordinator,
        assessor=assessor,
        iqa=iqa,
        admin=franchise.admin,
        partner=franchise.partner,
        unit=unit,
        lesson=lesson,
        quiz=quiz,
    )


# --- how a person acts: with a mouse or with the keyboard only ----------------------------------

FOCUSED = """(el) => {
    const active = document.activeElement;
    if (active === el) return "it";
    if (el.type === "radio" && active && active.type === "radio" && active.name === el.name)
        return "group";
    return "";
}"""
WIDE_ELEMENTS = """(width) => [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 0.5)
    .filter((e) => getComputedStyle(e).position !== "fixed")
    .filter((e) => !e.parentElement.closest(".table-wrap"))
    .slice(0, 8)
    .map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))"""
# Controls a person could not see or reach without scrolling sideways (a table's own
# scrolling frame aside).
CUT_OFF = """(width) => [...document.querySelectorAll("a, button, input, select, textarea")]
    .filter((e) => e.getClientRects().length && !e.closest(".table-wrap, .visually-hidden"))
    .filter((e) => getComputedStyle(e).visibility !== "hidden")
    .filter((e) => e.getBoundingClientRect().right > width + 0.5)
    .map((e) => e.outerHTML.slice(0, 100))"""
# Controls on the first screen that something else (such as the pinned quick-exit button)
# covers, so that they cannot be seen or clicked.
COVERED = """() => [...document.querySelectorAll("a, button, input, select, textarea")]
    .filter((e) => e.getClientRects().length && !e.closest(".visually-hidden"))
    .filter((e) => {
        const box = e.getClientRects()[0];  // a link's first line, should it wrap
        const x = box.left + box.width / 2, y = box.top + box.height / 2;
        if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
        const hit = document.elementFromPoint(x, y);
        return hit && !e.contains(hit) && !hit.contains(e) && !(e.labels || [])[0]?.contains(hit);
    })
    .map((e) => e.outerHTML.slice(0, 100))"""
LARGE_TEXT = """document.addEventListener("DOMContentLoaded", () => {
    const style = document.createElement("style");
    style.textContent = "html { font-size: 200% !important; }";
    document.head.appendChild(style);
});"""


@dataclass
class Journey:
    """One telling of the story: its browser contexts (one per person), how they act, and
    what was seen on each page."""

    browser: object
    base_url: str
    shots: Path
    keyboard: bool = False
    width: int = 1280
    height: int = 800
    phone: bool = False
    large_text: bool = False
    axe: bool = True
    world: World | None = None
    people: dict[str, Page] = field(default_factory=dict)
    violations: dict[str, list[str]] = field(default_factory=dict)
    too_wide: dict[str, tuple] = field(default_factory=dict)
    cut_off: dict[str, list[str]] = field(default_factory=dict)
    steps: int = 0

    def person(self, who: str) -> Page:
        if who not in self.people:
            context = self.browser.new_context(
                base_url=self.base_url,
                viewport={"width": self.width, "height": self.height},
                is_mobile=self.phone,
                has_touch=self.phone,
                accept_downloads=True,
                # The page's content security policy would refuse the added style sheet.
                bypass_csp=self.large_text,
            )
            context.set_default_timeout(15_000)
            if self.large_text:
                context.add_init_script(LARGE_TEXT)
            self.people[who] = context.new_page()
        return self.people[who]

    def enrolment_id(self) -> int:
        return db.session.scalar(
            select(Enrolment.id)
            .join(User, User.id == Enrolment.user_id)
            .where(User.email == HER_EMAIL)
        )

    def close(self) -> None:
        for page in self.people.values():
            page.context.close()

    # What is checked on every page, and kept.
    def look(self, page: Page, step: str) -> None:
        page.wait_for_load_state()
        self.steps += 1
        where = re.sub(r"\d+", "N", page.url.removeprefix(self.base_url).split("?")[0])
        if self.axe:
            found = accessibility_violations_at(page, SERIOUS)
            if found:
                self.violations.setdefault(where, []).extend(found)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > self.width:
            self.too_wide[where] = (scroll_width, page.evaluate(WIDE_ELEMENTS, self.width))
        page.evaluate("window.scrollTo(0, 0)")
        cut_off = page.evaluate(CUT_OFF, self.width) + page.evaluate(COVERED)
        if cut_off:
            self.cut_off[where] = cut_off
        if self.large_text:
            root = page.evaluate("getComputedStyle(document.documentElement).fontSize")
            assert root == "32px", f"The text is not at 200% on {where}: {root}"
        name = f"{self.steps:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
        page.screenshot(path=str(self.shots / name), full_page=True)

    def assert_all_well(self) -> None:
        problems = [f"{url}:\n  " + "\n  ".join(found) for url, found in self.violations.items()]
        assert not problems, "Serious or critical axe violations:\n" + "\n".join(problems)
        assert not self.too_wide, f"Pages wider than {self.width}px: {self.too_wide}"
        assert not self.cut_off, f"Controls cut off or covered: {self.cut_off}"

    # Moving about.
    def tab_to(self, page: Page, target: Locator) -> None:
        """Tab (forwards) until `target` has the focus; for a radio button, until its group
        has it, then arrow to it."""
        target.wait_for()
        for _ in range(MAX_TABS):
            where = target.evaluate(FOCUSED)
            if where == "it":
                return
            if where == "group":
                page.keyboard.press("ArrowDown")
                continue
            page.keyboard.press("Tab")
        raise AssertionError(f"Could not reach {target} with the Tab key")

    def follow(self, page: Page, name: str, *, exact: bool = False, navigates=True) -> None:
        link = page.get_by_role("link", name=name, exact=exact).first
        self.activate(page, link, navigates=navigates)

    def press(self, page: Page, name: str, *, exact: bool = False) -> None:
        self.activate(page, page.get_by_role("button", name=name, exact=exact).first)

    def activate(self, page: Page, target: Locator, *, navigates: bool = True) -> None:
        """Follow a link or press a button; by default it leads to another page, and this
        returns once that page has loaded."""
        if not navigates:
            self._activate(page, target)
            return
        with page.expect_navigation():
            self._activate(page, target)

    def _activate(self, page: Page, target: Locator) -> None:
        if self.keyboard:
            self.tab_to(page, target)
            page.keyboard.press("Enter")
        else:
            target.click()

    def type(self, page: Page, label: str, text: str) -> None:
        target = page.get_by_label(label, exact=True)
        if self.keyboard:
            self.tab_to(page, target)
            page.keyboard.press("ControlOrMeta+A")  # what is there already is replaced
            page.keyboard.type(text)
        else:
            target.fill(text)

    def tick(self, page: Page, label: str, *, exact: bool = True, within=None) -> None:
        """Check a checkbox, or choose a radio button."""
        target = (within or page).get_by_label(label, exact=exact).first
        if self.keyboard:
            self.tab_to(page, target)
            if not target.is_checked():
                page.keyboard.press("Space")
        else:
            target.check()
        expect(target).to_be_checked()

    def choose(self, page: Page, label: str, option: str) -> None:
        target = page.get_by_label(label, exact=True)
        if self.keyboard:
            self.tab_to(page, target)
            for _ in range(20):
                if target.evaluate("(s) => s.options[s.selectedIndex].text") == option:
                    break
                page.keyboard.press("ArrowDown")
        else:
            target.select_option(label=option)
        expect(target.locator("option:checked")).to_have_text(option)

    def attach(self, page: Page, label: str, path: Path) -> None:
        target = page.get_by_label(label, exact=True)
        if self.keyboard:
            self.tab_to(page, target)  # the file dialog itself is the system's, not the page's
        target.set_input_files(str(path))

    def download(self, page: Page, name: str):
        with page.expect_download() as download:
            self.follow(page, name, navigates=False)
        return download.value


def accessibility_violations_at(page: Page, impacts) -> list[str]:
    """axe's WCAG 2.2 A/AA violations of the given impact on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
            },
            "resultTypes": ["violations"],
        },
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['html'][:160]}"
        for v in results.response["violations"]
        if v["impact"] in impacts
    ]


# --- the story, step by step --------------------------------------------------------------------


def signs_in(j: Journey, who: str, email: str, password: str = PASSWORD) -> Page:
    page = j.person(who)
    page.goto("/login")
    j.look(page, f"{who} signs in")
    j.type(page, "Email", email)
    j.type(page, "Password", password)
    j.press(page, "Sign in", exact=True)
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()
    return page


def coordinator_enrols_her_by_csv(j: Journey, world: World, outbox, tmp_path: Path) -> str:
    """The coordinator uploads a CSV file; the invitation link from the e-mail is returned."""
    page = signs_in(j, "coordinator", world.coordinator.email)
    page.goto(f"/organisations/{world.partner.slug}/enrolments/import")
    expect(page.get_by_role("heading", name="Enrol trainees from a CSV file")).to_be_visible()
    j.look(page, "coordinator opens the CSV import")
    csv = tmp_path / "trainees.csv"
    csv.write_text(f"email,name,cohort\n{HER_EMAIL},{HER_NAME},Spring 2027\n")
    j.attach(page, "CSV file", csv)
    j.press(page, "Check and enrol")
    expect(page.get_by_text("invit", exact=False).first).to_be_visible()
    j.look(page, "coordinator has enrolled her")
    (message,) = [m for m in outbox if HER_EMAIL in m.to]
    (link,) = re.findall(r"https?://\S+(/invitations/\S+)", message.body)
    return link


def she_accepts_the_invitation(j: Journey, link: str) -> Page:
    page = j.person("trainee")
    page.goto(link)
    expect(page.get_by_role("heading", name="An invitation from")).to_be_visible()
    j.look(page, "trainee opens her invitation")
    j.type(page, "Your name", HER_NAME)
    j.type(page, "New password", HER_PASSWORD)
    j.type(page, "New password again", HER_PASSWORD)
    j.press(page, "Accept and join")
    # She has joined; whether or not the address had an account, she signs in as herself.
    expect(page.get_by_role("status")).to_contain_text("Please sign in now")
    j.look(page, "trainee is asked to sign in")
    j.type(page, "Email", HER_EMAIL)
    j.type(page, "Password", HER_PASSWORD)
    j.press(page, "Sign in", exact=True)
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()
    j.look(page, "trainee has joined")
    return page


def she_reads_the_lesson(j: Journey, world: World) -> None:
    page = j.person("trainee")
    j.follow(page, "Level 3 Certificate in Reintegrative Mentoring")
    j.look(page, "trainee opens her course")
    j.follow(page, world.unit.title)
    j.look(page, "trainee opens the unit")
    j.follow(page, world.lesson.title)
    expect(page.get_by_text(CONTENT_NOTE)).to_be_visible()
    expect(page.get_by_text("Some lesson text.")).to_have_count(0)
    j.look(page, "trainee meets the content note")
    j.press(page, "Continue to the lesson")
    expect(page.get_by_text("Some lesson text.")).to_be_visible()
    j.look(page, "trainee reads the lesson")
    j.press(page, "Mark as complete")
    expect(page.get_by_text("Marked as complete").first).to_be_visible()


def she_takes_the_quiz(j: Journey, world: World, answer: str, *, passes: bool) -> None:
    page = j.person("trainee")
    page.goto(f"/quizzes/{world.quiz.slug}")
    j.look(page, "trainee opens the quiz")
    j.press(page, "Start")
    j.follow(page, QUESTIONS[0]["prompt"])
    j.look(page, "trainee reads the question")
    j.tick(page, answer)
    j.press(page, "Save and see all questions")
    j.look(page, "trainee sees all her answers")
    j.press(page, "Hand in my answers")
    verdict = "You passed" if passes else "not reached the pass mark"
    expect(page.get_by_text(verdict, exact=False).first).to_be_visible()
    j.look(page, "trainee has passed the quiz" if passes else "trainee has not passed yet")


def she_adds_evidence(j: Journey, world: World, tmp_path: Path, title: str) -> None:
    page = j.person("trainee")
    page.goto("/portfolio/")
    j.look(page, "trainee opens her portfolio")
    j.follow(page, "Add evidence")
    expect(page.get_by_role("heading", level=1)).to_contain_text("evidence")
    j.look(page, "trainee starts adding evidence")
    j.type(page, "Title", title)
    j.choose(page, "Kind of evidence", "Reflective account")
    j.type(page, "Description", "What happened, what I noticed, what I would do again.")
    for criterion in ("1.1", "1.2", "2.1", "2.2"):
        j.tick(page, criterion, exact=False)
    reflection = tmp_path / "reflection.txt"
    reflection.write_text(REFLECTION)
    j.attach(page, "File (optional)", reflection)
    j.press(page, "Save", exact=True)
    expect(page.get_by_text(title).first).to_be_visible()
    j.look(page, "trainee has added evidence")


def she_submits(j: Journey, world: World) -> None:
    page = j.person("trainee")
    page.goto("/portfolio/")
    j.follow(page, world.unit.title)
    j.look(page, "trainee opens her unit's evidence")
    j.tick(page, "I confirm this")
    j.press(page, "Submit for assessment")
    if page.get_by_role("button", name="Submit anyway").count():
        j.look(page, "trainee is asked to confirm")
        j.press(page, "Submit anyway")
    expect(page.get_by_text("submitted", exact=False).first).to_be_visible()
    j.look(page, "trainee has submitted the unit")


CRITERIA = ("1.1", "1.2", "2.1", "2.2")


def assessor_judges(j: Journey, *, signs_off: bool) -> None:
    page = j.people.get("assessor") or signs_in(j, "assessor", j.world.assessor.email)
    page.goto("/assessment/queue")
    j.look(page, "assessor opens her queue")
    j.follow(page, HER_NAME)
    j.look(page, "assessor reads the submission")
    for number in CRITERIA:
        group = page.get_by_role("group", name=re.compile(rf"^{re.escape(number)} "))
        met = signs_off or number != CRITERIA[-1]
        j.tick(page, "Met" if met else "Not yet met", within=group)
    if signs_off:
        j.type(page, "Overall feedback for the trainee", "Well evidenced: signed off.")
        j.tick(page, "Sign off the unit")
    else:
        j.type(page, "Overall feedback for the trainee", "A thoughtful start.")
        j.tick(page, "Refer back for more work")
        j.type(page, "What the trainee should do next", REFERRAL)
    j.press(page, "Record my decision")
    expect(page.get_by_text("Your decision has been recorded")).to_be_visible()
    j.look(page, "assessor has signed it off" if signs_off else "assessor has referred it back")


def she_reads_the_referral(j: Journey, world: World) -> None:
    page = j.person("trainee")
    page.goto("/portfolio/")
    j.follow(page, world.unit.title)
    expect(page.get_by_text("Referred back for more work").first).to_be_visible()
    j.look(page, "trainee sees her unit referred back")
    j.follow(page, "See the latest submission")
    expect(page.get_by_text(REFERRAL).first).to_be_visible()
    j.look(page, "trainee reads what to do next")


def iqa_countersigns(j: Journey) -> None:
    page = signs_in(j, "iqa", j.world.iqa.email)
    page.goto("/iqa/")
    j.look(page, "IQA opens her sample")
    j.follow(page, f"for {HER_NAME}: Unit signed off")
    j.look(page, "IQA reviews the decision")
    j.tick(page, "I agree and countersign")
    j.press(page, "Record my review")
    expect(page.get_by_text("Your review has been recorded")).to_be_visible()
    j.look(page, "IQA has countersigned")


def she_downloads_her_certificate(j: Journey) -> str:
    """Her certificate's verification code, as her record shows it."""
    page = j.person("trainee")
    page.goto("/my/achievements")
    j.look(page, "trainee sees her achievements")
    j.follow(page, "record", exact=False)
    certificate = page.get_by_role("listitem").filter(has_text="verification code")
    expect(certificate).to_be_visible()
    j.look(page, "trainee opens her record")
    download = j.download(page, "Download the certificate (PDF)")
    assert download.suggested_filename.endswith(".pdf")
    (code,) = re.findall(r"verification code (\S+)", certificate.inner_text())
    return code


def visitor_checks(j: Journey, code: str, *, expected: str) -> None:
    page = j.person("visitor")
    page.goto("/verify")
    j.look(page, "visitor opens the check")
    j.type(page, "Verification code", code)
    j.press(page, "Check")
    expect(page.get_by_text(expected)).to_be_visible()
    j.look(page, f"visitor sees: {expected}")


def admin_revokes(j: Journey) -> None:
    page = signs_in(j, "admin", j.world.admin.email)
    page.goto(f"/records/{j.enrolment_id()}")
    expect(page.get_by_role("heading", name=f"Learner record: {HER_NAME}")).to_be_visible()
    j.look(page, "administrator opens the record")
    j.follow(page, "Revoke this award")
    j.look(page, "administrator is asked why")
    j.type(page, "Reason for revoking", REVOKE_REASON)
    j.press(page, "Revoke the award")
    confirm = page.get_by_role("button", name=re.compile(r"^Yes, revoke"))
    if confirm.count():
        j.look(page, "administrator is asked to confirm")
        j.activate(page, confirm.first)
    expect(page.get_by_text(re.compile("award has been revoked", re.I)).first).to_be_visible()
    j.look(page, "administrator has revoked the award")


def the_whole_story(j: Journey, outbox, tmp_path: Path) -> None:
    world = j.world
    link = coordinator_enrols_her_by_csv(j, world, outbox, tmp_path)
    she_accepts_the_invitation(j, link)
    she_reads_the_lesson(j, world)
    she_takes_the_quiz(j, world, WRONG, passes=False)
    she_takes_the_quiz(j, world, RIGHT, passes=True)
    she_adds_evidence(j, world, tmp_path, "Reflection on a first meeting")
    she_submits(j, world)
    assessor_judges(j, signs_off=False)
    she_reads_the_referral(j, world)
    she_adds_evidence(j, world, tmp_path, "How I would refer her on")
    she_submits(j, world)
    assessor_judges(j, signs_off=True)
    iqa_countersigns(j)
    code = she_downloads_her_certificate(j)
    visitor_checks(j, code, expected="This certificate is genuine and current")
    admin_revokes(j)
    visitor_checks(j, code, expected="This certificate has been revoked")


@pytest.fixture
def journey(playwright_browser, server_url, world, tmp_path):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path / "screenshots")
    made = []

    def start(name: str, **how) -> Journey:
        folder = shots / name
        folder.mkdir(parents=True, exist_ok=True)
        j = Journey(playwright_browser, server_url, folder, world=world, **how)
        made.append(j)
        return j

    yield start
    for j in made:
        j.close()


def test_the_whole_story_with_a_mouse(journey, outbox, tmp_path):
    j = journey("mouse", width=1280, height=800)
    the_whole_story(j, outbox, tmp_path)
    j.assert_all_well()


def test_the_whole_story_with_the_keyboard_only(journey, outbox, tmp_path):
    """Every step by Tab, Shift+Tab, arrows, Space and Enter: no clicks and nothing filled in
    by a locator. (Each page is axe-checked in the story with a mouse.)"""
    j = journey("keyboard", keyboard=True, axe=False)
    the_whole_story(j, outbox, tmp_path)
    j.assert_all_well()


def test_the_whole_story_on_a_phone(journey, outbox, tmp_path):
    j = journey("phone", width=390, height=844, phone=True)
    the_whole_story(j, outbox, tmp_path)
    j.assert_all_well()


def test_text_at_200_percent_loses_nothing(journey, outbox, tmp_path):
    """With the root font size doubled, each page of the story still fits 1280px across and
    every control the story uses is still there to be seen and used (the story uses them)."""
    j = journey("large-text", large_text=True, axe=False)
    the_whole_story(j, outbox, tmp_path)
    j.assert_all_well()

"""The same journey once in each language: a trainee picks her language before signing in,
signs in, reads the introductory course, opens its check-in, her portfolio, her messages and
her account; an assessor opens what waits for her. No English is left on any of these pages,
apart from people's and organisations' names and course content the page marks as being in
another language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.accounts.roles import Role
from lms.curriculum import operations
from lms.curriculum.models import Course
from lms.notifications.operations import notify
from tests.browser.conftest import accessibility_violations
from tests.factories import PartnerFactory, member
from tests.factories.franchise import licence_whole_course

# Words every English sentence leans on and none of Catalan, Spanish or Bosnian uses.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|your|you|with|this|that|what|have|will|please|from|which|are|for|not|of|"
    r"is|here|there|been|was|were|when|where|who|how|our|their|yet|more|about|sign|back|"
    r"page|next|save|send|open|close|view|show|hide|help)\b",
    re.IGNORECASE,
)

# The visible text of the page, leaving out what is marked as another language (course content
# shown in its original) and what is not text for the reader (scripts, hidden elements).
VISIBLE_TEXT = """
(pageLang) => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    if (el.closest('script, style, template, [hidden], [aria-hidden="true"]')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const tagged = el.closest('[lang]');
    if (tagged && tagged !== document.documentElement &&
        tagged.getAttribute('lang').split('-')[0] !== pageLang) continue;
    out.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
      if (el.hasAttribute(name)) out.push(el.getAttribute(name));
    }
  }
  out.push(document.title);
  return out;
}
"""

NAMES = ["Amira Rahman", "Amira", "Nadia Begić", "Nadia", "Xarxa Lila", "Mreža Demo", "Alongside"]

LANGUAGES = {
    "ca": ("Català", "Inicia la sessió"),
    "es": ("Español", "Inicia sesión"),
    "bs": ("Bosanski", "Prijavite se"),
}


def english_left(page, lang: str) -> list[str]:
    assert page.evaluate("document.documentElement.lang") == lang
    left = []
    for text in page.evaluate(VISIBLE_TEXT, lang):
        for name in NAMES:
            text = text.replace(name, "")
        if ENGLISH_WORDS.search(text):
            left.append(text)
    return left


@pytest.fixture
def config_overrides():
    return {"SERVER_NAME": None, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def people(app, session):
    result = app.test_cli_runner().invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    partner = PartnerFactory(name="Xarxa Lila")
    trainee = member(partner, Role.TRAINEE, email="amira@example.org", display_name="Amira Rahman")
    assessor = member(partner, Role.ASSESSOR, email="nadia@example.org", display_name="Nadia Begić")
    course = session.scalar(select(Course).where(Course.code == "INTRO-PS"))
    licence_whole_course(partner, course)
    enrolment = operations.enrol(session, trainee, course, partner)
    # Something to read in her messages: its text is written in the language she reads.
    notify(session, trainee, "unit.achieved", unit="PS001", url=f"/learning/{enrolment.id}")
    session.commit()
    return trainee, assessor, enrolment


def sign_in_in(page, lang: str, email: str) -> None:
    """Choose the language on the sign-in page, before any account is known, then sign in."""
    _, sign_in_label = LANGUAGES[lang]
    page.goto("/login")
    page.locator("select[name=language]").first.select_option(lang)
    with page.expect_navigation():
        page.locator("form[action^='/language'] button").first.click()
    assert english_left(page, lang) == [], "the sign-in page"
    assert accessibility_violations(page) == []
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill("correct horse battery")
    with page.expect_navigation():
        page.get_by_role("button", name=sign_in_label).click()


def check(page, lang: str, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state()
    if page.locator("form.content-note button, [data-content-note] button").count():
        with page.expect_navigation():
            page.locator("form.content-note button, [data-content-note] button").first.click()
    assert english_left(page, lang) == [], path
    assert accessibility_violations(page) == [], path


@pytest.mark.parametrize("lang", ["ca", "es", "bs"])
def test_a_trainee_and_an_assessor_find_no_english_on_their_pages(page, people, lang):
    trainee, assessor, enrolment = people
    # The check can see English: before she chooses, the sign-in page is full of it.
    page.goto("/login")
    english = [t for t in page.evaluate(VISIBLE_TEXT, "en") if ENGLISH_WORDS.search(t)]
    assert len(english) > 3, english
    sign_in_in(page, lang, trainee.email)
    assert page.evaluate("document.documentElement.lang") == lang
    learning = f"/learning/{enrolment.id}"
    for path in [
        "/",
        "/learning",
        learning,
        f"{learning}/units/PS001",
        f"{learning}/units/PS001/lessons/what-peer-mentoring-involves",
        "/quizzes/ps001-check-in",
        "/portfolio/",
        "/notifications",
        "/account",
        "/account/notifications",
    ]:
        check(page, lang, path)
    with page.expect_navigation():
        page.locator("form[action='/logout'] button").first.click()

    # Her language was kept at sign-in; the assessor chooses hers the same way.
    sign_in_in(page, lang, assessor.email)
    for path in ["/", "/assessment/queue", "/account"]:
        check(page, lang, path)

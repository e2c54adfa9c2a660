"""Course content in more than one language: translations of units, lessons and quizzes are
checked with their file and line, loaded by the sync, and read in the reader's language where
they exist (and the original, said plainly, where they do not)."""

from __future__ import annotations

import re
import textwrap

import pytest
from sqlalchemy import func, select

from lms.accounts.roles import Role
from lms.core.translations import catalogue_path, compile_all
from lms.curriculum import operations
from lms.curriculum.checks import check_paths
from lms.curriculum.format import load_catalogue
from lms.curriculum.models import (
    Course,
    CourseUnit,
    Lesson,
    LessonTranslation,
    Unit,
    UnitTranslation,
)
from lms.curriculum.sync import sync_catalogue
from lms.extensions import db
from lms.quizzes import operations as quiz_operations
from lms.quizzes.models import Quiz, QuizAttempt
from tests.factories import PartnerFactory, course_with_content, member
from tests.factories.course_files import QUALIFICATION, T101, CourseFiles
from tests.factories.franchise import licence_whole_course

CA_UNIT = """\
    ---
    title: Primers passos
    credits: 3
    content_note: >
      Aquesta unitat parla de la violència en termes generals.
    ---
    La primera unitat. Comença per [la benvinguda](01-welcome.md).
    """
CA_WELCOME = """\
    ---
    title: Benvinguda
    ---
    Hola i benvinguda.

    ![Un cercle de cadires](../images/circle.png)

    ### Què faràs

    Continua amb [la lliçó següent](02-next-steps.md).

    !!! reflect "El teu punt de partida"
        Què t'hi porta?
    """


@pytest.fixture
def files(tmp_path):
    files = CourseFiles(tmp_path)
    files.write(f"{T101}/ca/unit.md", textwrap.dedent(CA_UNIT))
    files.write(f"{T101}/ca/01-welcome.md", textwrap.dedent(CA_WELCOME))
    return files


def problems(files: CourseFiles) -> list[tuple[str, int, str]]:
    _, found = check_paths(files.courses, files.assessments)
    return [(str(p.path.relative_to(files.root)), p.line, p.message) for p in found]


def only(files: CourseFiles, name: str) -> list[tuple[int, str]]:
    found = problems(files)
    assert found, "expected a problem"
    assert all(path == name for path, _, _ in found), found
    return [(line, message) for _, line, message in found]


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# --- courses check --------------------------------------------------------------------------


def test_translations_beside_their_originals_are_clean(files):
    assert problems(files) == []
    unit = load_catalogue(files.courses, files.assessments).units_by_code()["T101"]
    assert unit.language == "en"
    assert unit.translations()["ca"].title == "Primers passos"
    assert set(unit.lessons[0].translations) == {"ca"}
    assert unit.lessons[1].translations == {}


def test_a_translated_lesson_with_no_original(files):
    files.write(f"{T101}/ca/03-goodbye.md", "---\ntitle: Adéu\n---\nAdéu.\n")
    [(line, message)] = only(files, f"{T101}/ca/03-goodbye.md")
    assert line == 1
    assert "there is no lesson 03-goodbye.md in T101-getting-started/" in message


def test_a_language_the_site_does_not_know(files):
    files.write(f"{T101}/fr/01-welcome.md", "---\ntitle: Bienvenue\n---\nBonjour.\n")
    [(line, message)] = only(files, f"{T101}/fr/01-welcome.md")
    assert line == 1
    assert "the site does not know the language 'fr'" in message


def test_a_translation_into_the_units_own_language(files):
    files.write(f"{T101}/en/01-welcome.md", "---\ntitle: Welcome\n---\nHello.\n")
    [(_line, message)] = only(files, f"{T101}/en/01-welcome.md")
    assert "written in 'en' already" in message


def test_a_course_in_a_language_the_site_does_not_know(files):
    files.replace(f"{QUALIFICATION}/course.yaml", "language: en", "language: xx")
    [(line, message)] = only(files, f"{QUALIFICATION}/course.yaml")
    assert line == 7
    assert "the site does not know the language 'xx'" in message


def test_a_translation_whose_front_matter_disagrees_with_the_original(files):
    files.replace(f"{T101}/ca/unit.md", "credits: 3", "credits: 4\nlevel: 2")
    found = only(files, f"{T101}/ca/unit.md")
    assert (3, found[0][1]) == found[0]
    assert "'credits' is 4 here but 3" in found[0][1]
    assert found[1][0] == 4
    assert "'level' is 2 here but 3" in found[1][1]


def test_outcomes_are_not_translated(files):
    files.replace(
        f"{T101}/ca/unit.md", "credits: 3", "outcomes:\n  - number: 1\n    text: Entendre"
    )
    [(line, message)] = only(files, f"{T101}/ca/unit.md")
    assert line == 3
    assert "learning outcomes and criteria are not translated" in message


def test_a_translation_must_keep_the_originals_content_note(files):
    files.write(f"{T101}/ca/02-next-steps.md", "---\ntitle: Passos següents\n---\nText.\n")
    [(line, message)] = only(files, f"{T101}/ca/02-next-steps.md")
    assert line == 2
    assert "has a content note, so its translation needs one too" in message


def test_a_translation_may_not_change_the_reading_time(files):
    files.replace(f"{T101}/ca/01-welcome.md", "title: Benvinguda", "title: Benvinguda\nminutes: 5")
    [(line, message)] = only(files, f"{T101}/ca/01-welcome.md")
    assert line == 3
    assert "'minutes' is 5 here but 10 in the original" in message


def test_a_translations_markdown_is_checked_like_its_originals(files):
    files.append(f"{T101}/ca/01-welcome.md", "\nVegeu [això](04-nowhere.md).\n")
    [(line, message)] = only(files, f"{T101}/ca/01-welcome.md")
    assert line == 15
    assert "broken link: 04-nowhere.md does not exist" in message


# --- quizzes --------------------------------------------------------------------------------

QUIZ = "assessments/t101-check.yaml"
QUIZ_FILE = """\
    id: t101-check
    title: Knowledge check
    unit: T101
    pass_mark: 70
    pools:
      - id: core
        questions:
          - id: q1
            type: true_false
            prompt: A mentor decides for her mentee.
            answer: false
            feedback:
              true: She decides for herself.
              false: Right.
          - id: q2
            type: single_choice
            prompt: Who steers?
            options:
              - text: She does
                correct: true
                feedback: Yes.
              - text: The mentor
              - text: Nobody
          - id: q3
            type: short_answer
            prompt: The name for regular reflective meetings?
            accept: [supervision]
    translations:
      ca:
        title: Comprovació de coneixements
        questions:
          q1:
            prompt: Una mentora decideix per la persona mentoritzada.
            feedback:
              true: Decideix ella mateixa.
              false: Exacte.
          q2:
            prompt: Qui porta el timó?
            options:
              - text: Ella
                feedback: Sí.
              - text: La mentora
              - text: Ningú
          q3:
            prompt: Com s'anomenen les trobades regulars de reflexió?
            accept: [supervisió]
    """


@pytest.fixture
def quiz_files(files):
    files.write(QUIZ, textwrap.dedent(QUIZ_FILE))
    return files


def test_a_complete_quiz_translation_is_clean(quiz_files):
    assert problems(quiz_files) == []


def test_a_quiz_translation_into_a_language_the_site_does_not_know(quiz_files):
    quiz_files.replace(QUIZ, "  ca:", "  fr:")
    [(line, message)] = only(quiz_files, QUIZ)
    assert line == 29
    assert 'the site does not know the language "fr"' in message


def test_a_quiz_translation_of_a_question_that_does_not_exist(quiz_files):
    quiz_files.replace(QUIZ, "      q3:\n", "      q4:\n")
    found = only(quiz_files, QUIZ)
    assert (44, 'the quiz has no question "q4" to translate') in found
    assert any(
        line == 31 and 'question "q3" has no translation into "ca"' in message
        for line, message in found
    )


def test_a_quiz_translation_keeps_the_options(quiz_files):
    quiz_files.replace(QUIZ, "          - text: Ningú\n", "")
    [(line, message)] = only(quiz_files, QUIZ)
    assert line == 39
    assert "has 2 options, but the original has 3" in message


def test_a_quiz_translation_cannot_change_what_is_correct(quiz_files):
    quiz_files.replace(
        QUIZ,
        "          - text: La mentora",
        "          - text: La mentora\n            correct: true",
    )
    [(line, message)] = only(quiz_files, QUIZ)
    assert line == 43
    assert 'unknown key "correct"' in message


def test_a_quiz_translation_keeps_the_originals_feedback(quiz_files):
    quiz_files.replace(QUIZ, "            feedback: Sí.\n", "")
    [(line, message)] = only(quiz_files, QUIZ)
    assert line == 40
    assert 'is missing "feedback"' in message


def test_a_translated_paper_is_marked_in_its_own_words(session, quiz_files):
    sync_catalogue(session, load_catalogue(quiz_files.courses, quiz_files.assessments))
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "t101-check"))
    catalan = quiz.parsed.in_language("ca")
    assert catalan.title == "Comprovació de coneixements"
    assert catalan.find("q3").accept == ("supervisió",)
    assert catalan.find("q2").options[0].correct
    assert catalan.find("q2").options[0].text == "Ella"
    assert quiz.parsed.in_language("es") is quiz.parsed  # not translated: as written


# --- courses sync ---------------------------------------------------------------------------


def test_sync_loads_translations_and_keeps_them_up_to_date(session, files):
    report = sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    assert report.counts["translations"]["created"] == 2
    unit = session.scalar(select(Unit).where(Unit.code == "T101"))
    assert unit.language == "en"
    unit_ca = session.scalar(select(UnitTranslation).where(UnitTranslation.unit_id == unit.id))
    assert (unit_ca.language, unit_ca.title) == ("ca", "Primers passos")
    assert unit_ca.content_note.startswith("Aquesta unitat")
    assert 'href="T101/lessons/welcome"' in unit_ca.overview_html
    lesson_ca = session.scalar(select(LessonTranslation))
    assert lesson_ca.title == "Benvinguda"
    assert "<h3" in lesson_ca.html
    assert "Hola i benvinguda." in lesson_ca.html
    assert 'href="next-steps"' in lesson_ca.html  # a lesson not translated yet: its page
    assert "/course-assets/" in lesson_ca.html  # the original's picture
    assert "<script" not in lesson_ca.html

    again = sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    assert not again.changed
    assert again.counts["translations"]["unchanged"] == 2

    files.replace(f"{T101}/ca/01-welcome.md", "Hola i benvinguda.", "Hola de nou.")
    files.path(f"{T101}/ca/unit.md").unlink()
    edited = sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    assert edited.counts["translations"]["updated"] == 1
    assert edited.counts["translations"]["removed"] == 1
    assert "Hola de nou." in session.scalar(select(LessonTranslation.html))
    assert session.scalar(select(func.count(UnitTranslation.id))) == 0


def test_raw_html_in_a_translation_is_refused_and_never_run(session, files):
    files.append(f"{T101}/ca/01-welcome.md", "\n<script>alert(1)</script>\n")
    assert any("raw HTML" in message for _, message in only(files, f"{T101}/ca/01-welcome.md"))


# --- reading --------------------------------------------------------------------------------


@pytest.fixture
def world(session, files):
    sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    partner = PartnerFactory()
    course = session.scalar(select(Course).where(Course.code == "TQ3"))
    licence_whole_course(partner, course)
    readers = {}
    for code in ("ca", "bs", "en"):
        reader = member(partner, Role.TRAINEE, locale=code)
        readers[code] = (reader, operations.enrol(session, reader, course, partner))
    session.commit()
    return readers


def _lesson(enrolment, slug: str) -> str:
    return f"/learning/{enrolment.id}/units/T101/lessons/{slug}"


def _read(client, enrolment, slug: str) -> str:
    """The lesson, once she has chosen to go on past its content note."""
    client.post(_lesson(enrolment, slug) + "/continue")
    return text(client.get(_lesson(enrolment, slug)))


def test_a_catalan_reader_reads_the_catalan_lesson(session, signed_in, world):
    reader, enrolment = world["ca"]
    client = signed_in(reader)
    page = _read(client, enrolment, "welcome")
    assert '<html lang="ca">' in page
    assert '<div class="prose" lang="ca">' in page
    assert "Hola i benvinguda." in page
    assert "Hello and welcome." not in page
    assert '<h1 lang="ca">Benvinguda</h1>' in page
    assert "translation-notice" not in page
    # The unit is translated too: its title, content note and introduction.
    unit = text(client.get(f"/learning/{enrolment.id}/units/T101"))
    assert '<span lang="ca">Primers passos</span>' in unit
    assert "Aquesta unitat parla de la violència" in unit
    assert '<div class="prose" lang="ca">' in unit
    # Lessons not translated yet are listed in their own language.
    assert re.search(r'<a href="[^"]*/lessons/welcome" lang="ca">Benvinguda</a>', unit)
    assert re.search(r'<a href="[^"]*/lessons/next-steps" lang="en">Next steps</a>', unit)


def test_a_reader_without_a_translation_reads_the_original_and_is_told(signed_in, world):
    reader, enrolment = world["bs"]
    page = _read(signed_in(reader), enrolment, "welcome")
    assert '<html lang="bs">' in page
    assert '<div class="prose" lang="en">' in page
    assert "Hello and welcome." in page
    notice = re.search(
        r'<p class="flash flash--info translation-notice" role="note">(.*?)</p>', page
    )
    assert notice is not None
    assert "Bosanski" in notice.group(1)
    assert "English" in notice.group(1)


def test_a_catalan_reader_of_an_untranslated_lesson_is_told_too(signed_in, world):
    reader, enrolment = world["ca"]
    page = _read(signed_in(reader), enrolment, "next-steps")
    assert '<div class="prose" lang="en">' in page
    assert "translation-notice" in page
    assert "Català" in page
    # The pager names the lesson before in her language.
    assert '<span lang="ca">Benvinguda</span>' in page


def test_an_english_reader_reads_the_original_without_a_notice(signed_in, world):
    reader, enrolment = world["en"]
    page = _read(signed_in(reader), enrolment, "welcome")
    assert '<div class="prose" lang="en">' in page
    assert "Hello and welcome." in page
    assert "translation-notice" not in page


def test_the_content_note_is_in_her_language(signed_in, world, files):
    reader, enrolment = world["ca"]
    gate = text(signed_in(reader).get(_lesson(enrolment, "welcome")))
    # The lesson has no note of its own; the unit's, translated, comes first.
    assert '<p lang="ca">Aquesta unitat parla de la violència en termes generals.</p>' in gate


# --- the lesson page costs the same whatever the translations ------------------------------


def _lesson_page_queries(signed_in, count_queries, languages: tuple[str, ...]) -> int:
    session = db.session
    partner = PartnerFactory()
    course = course_with_content(units=2, lessons=3, outcomes=1, criteria=1)
    licence_whole_course(partner, course)
    lessons = list(
        session.scalars(
            select(Lesson)
            .join(CourseUnit, CourseUnit.unit_id == Lesson.unit_id)
            .where(CourseUnit.course_id == course.id)
        )
    )
    for language in languages:
        for unit_id in {lesson.unit_id for lesson in lessons}:
            session.add(
                UnitTranslation(
                    unit_id=unit_id, language=language, title="T", overview_html="", content_hash=""
                )
            )
        for lesson in lessons:
            session.add(
                LessonTranslation(
                    lesson_id=lesson.id,
                    language=language,
                    title="T",
                    html="<p>T</p>",
                    content_hash="",
                )
            )
    reader = member(partner, Role.TRAINEE, locale="ca")
    enrolment = operations.enrol(session, reader, course, partner)
    session.commit()
    unit = session.get(Unit, lessons[0].unit_id)
    url = f"/learning/{enrolment.id}/units/{unit.code}/lessons/{lessons[0].slug}"
    client = signed_in(reader)
    assert client.get(url).status_code == 200
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_the_lesson_page_costs_the_same_whatever_the_translations(signed_in, count_queries):
    none = _lesson_page_queries(signed_in, count_queries, ())
    three = _lesson_page_queries(signed_in, count_queries, ("ca", "es", "bs"))
    assert none == three


# --- the introductory course, in every language ---------------------------------------------


@pytest.fixture
def intro(app, session):
    result = app.test_cli_runner().invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    return session.scalar(select(Course).where(Course.code == "INTRO-PS"))


@pytest.mark.parametrize(
    ("language", "title", "words"),
    [
        ("ca", "En què consisteix la mentoria entre iguals", "Al costat, no al davant"),
        ("es", "En qué consiste la mentoría entre iguales", "Al lado, no delante"),
        ("bs", "Šta podrazumijeva vršnjačko mentorstvo", "Uz nju, a ne ispred nje"),
    ],
)
def test_the_introductory_course_reads_in_each_language(
    session, signed_in, intro, language, title, words
):
    partner = PartnerFactory()
    reader = member(partner, Role.TRAINEE, locale=language)
    enrolment = operations.enrol(session, reader, intro, partner)
    session.commit()
    client = signed_in(reader)
    base = f"/learning/{enrolment.id}/units/PS001"
    for slug in (
        "what-peer-mentoring-involves",
        "what-it-gives-and-stirs-up",
        "training-and-support",
    ):
        client.post(f"{base}/lessons/{slug}/continue")
        page = text(client.get(f"{base}/lessons/{slug}"))
        assert f'<div class="prose" lang="{language}">' in page, slug
        assert "translation-notice" not in page
    first = text(client.get(f"{base}/lessons/what-peer-mentoring-involves"))
    assert title in first
    assert words in first
    unit = text(client.get(base))
    assert f'<div class="prose" lang="{language}">' in unit


@pytest.mark.parametrize("language", ["ca", "es", "bs"])
def test_the_check_in_quiz_is_in_her_language(session, signed_in, intro, language):
    quiz = session.scalar(
        select(Quiz).where(Quiz.slug == "ps001-check-in", Quiz.is_current.is_(True))
    )
    definition = quiz.parsed
    assert set(definition.translations) == {"ca", "es", "bs"}
    translated = definition.in_language(language)
    original = {q.id: q for q in definition.leaf_questions()}
    for question in translated.leaf_questions():
        assert question.prompt != original[question.id].prompt
        # Only the words change: the same options are correct.
        if hasattr(question, "options"):
            assert [o.correct for o in question.options] == [
                o.correct for o in original[question.id].options
            ]

    partner = PartnerFactory()
    reader = member(partner, Role.TRAINEE, locale=language)
    operations.enrol(session, reader, intro, partner)
    session.commit()
    client = signed_in(reader)
    started = client.post(f"/quizzes/{quiz.slug}/start")
    assert started.status_code in (302, 303)
    attempt = session.scalar(select(QuizAttempt).where(QuizAttempt.user_id == reader.id))
    assert attempt.paper["language"] == language
    assert attempt.paper["title"] == translated.title
    listing = text(client.get(f"/quizzes/attempts/{attempt.id}"))
    assert f'<h1 lang="{language}">{translated.title}</h1>' in listing
    first = attempt.paper["questions"][0]
    page = text(client.get(f"/quizzes/attempts/{attempt.id}/questions/{first['id']}"))
    assert f'<div class="quiz-content" lang="{language}">' in page
    assert translated.find(first["id"]).prompt.split()[0] in page
    assert client.post(f"/quizzes/attempts/{attempt.id}/submit").status_code in (302, 303)
    result = text(client.get(f"/quizzes/attempts/{attempt.id}", follow_redirects=True))
    explanation = translated.find("mentor-walks-alongside").explanation.split()[:4]
    assert " ".join(explanation) in result


def test_a_paper_keeps_the_language_it_was_drawn_in(session, intro):
    quiz = session.scalar(
        select(Quiz).where(Quiz.slug == "ps001-check-in", Quiz.is_current.is_(True))
    )
    partner = PartnerFactory()
    reader = member(partner, Role.TRAINEE)
    enrolment = operations.enrol(session, reader, intro, partner)
    attempt = quiz_operations.start_attempt(session, enrolment, quiz, seed=7, language="es")
    assert attempt.paper["language"] == "es"
    assert attempt.definition.title.startswith("Momento de pausa")
    english = quiz_operations.start_attempt(
        session,
        operations.enrol(session, member(partner, Role.TRAINEE), intro, partner),
        quiz,
        seed=7,
        language="fr",
    )
    assert english.paper["language"] == "en"
    assert english.definition.title == quiz.parsed.title


# --- labels the renderer writes, in the language of the text --------------------------------

CATALAN_LABELS = """\
msgid ""
msgstr ""
"Language: ca\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgid "Reflect"
msgstr "{reflect}"

msgid "On this page"
msgstr "En aquesta pàgina"
"""


def _catalan(root, reflect: str) -> None:
    path = catalogue_path("ca", root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CATALAN_LABELS.replace("{reflect}", reflect))
    assert compile_all(["ca"], root=root) == []


@pytest.fixture
def config_overrides(tmp_path):
    """Every test here reads a small Catalan catalogue of its own (not the project's)."""
    root = tmp_path / "catalogues"
    _catalan(root, "Reflexiona")
    return {"BABEL_TRANSLATION_DIRECTORIES": str(root)}


def test_callout_labels_are_in_the_language_of_the_text(app, session, files, tmp_path):
    sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    catalan = session.scalar(select(LessonTranslation.html))
    assert '<strong class="callout__label">Reflexiona</strong>: El teu punt de partida' in catalan
    original = session.scalar(select(Lesson.html).where(Lesson.slug == "welcome"))
    assert '<strong class="callout__label">Reflect</strong>: Your starting point' in original

    # A corrected catalogue renders the translation again at the next sync.
    _catalan(tmp_path / "catalogues", "Pensa-hi")
    app.extensions["babel"].instance.domain_instance.cache.clear()
    report = sync_catalogue(session, load_catalogue(files.courses, files.assessments))
    assert report.counts["translations"]["updated"] == 2
    assert ">Pensa-hi</strong>" in session.scalar(select(LessonTranslation.html))

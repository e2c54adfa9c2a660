"""The catalogue check and the unmarked-text check catch what they must, on small catalogues
and templates made for each test, and pass what is right."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lms.core.template_text import unmarked
from lms.core.translations import (
    ROOT,
    catalogue_path,
    check,
    compile_all,
    extract,
    translations_cli,
    update,
)

CODE = """from lms.i18n import _, _l, lazy_ngettext

LABEL = _l("Your name")
COUNT = lazy_ngettext("%(num)d trainee", "%(num)d trainees")


def greet(name):
    return _("Hello %(name)s", name=name)
"""
TEMPLATE = """<h1>{{ _("Home") }}</h1>
<p>{% trans count=n %}{{ count }} unit{% pluralize %}{{ count }} units{% endtrans %}</p>
"""
GOOD = {
    "ca": {
        "Your name": "El teu nom",
        "Hello %(name)s": "Hola, %(name)s",
        "Home": "Inici",
        ("%(num)d trainee", "%(num)d trainees"): (
            "%(num)d persona en formació",
            "%(num)d persones en formació",
        ),
        ("%(count)s unit", "%(count)s units"): ("%(count)s unitat", "%(count)s unitats"),
    },
}


@pytest.fixture
def project(tmp_path) -> Path:
    """A tiny repository: babel.cfg, one module, one template, a Catalan catalogue."""
    shutil.copy(ROOT / "babel.cfg", tmp_path / "babel.cfg")
    (tmp_path / "lms").mkdir()
    (tmp_path / "lms" / "words.py").write_text(CODE)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(TEMPLATE)
    update(extract(tmp_path), ["ca"], root=tmp_path / "translations")
    return tmp_path


def _po(project: Path) -> Path:
    return catalogue_path("ca", project / "translations")


def _translate(project: Path, entries: dict, *, fuzzy: str | None = None) -> None:
    """Fill the catalogue's msgstr lines from `entries` (msgid -> text, or a pair -> forms)."""
    from babel.messages.pofile import read_po, write_po

    with open(_po(project), "rb") as file:
        catalog = read_po(file, locale="ca")
    for message in catalog:
        key = tuple(message.id) if isinstance(message.id, list | tuple) else message.id
        if key in entries:
            message.string = entries[key]
        if fuzzy and key == fuzzy:
            message.flags.add("fuzzy")
    with open(_po(project), "wb") as file:
        write_po(file, catalog)


def _check(project: Path) -> list[str]:
    return check(extract(project), ["ca"], root=project / "translations")


def test_extraction_finds_python_and_template_messages_with_plurals(project):
    ids = {m.id if isinstance(m.id, str) else tuple(m.id) for m in extract(project) if m.id}
    assert ids == set(GOOD["ca"])


def test_a_complete_catalogue_passes_and_compiles(project):
    _translate(project, GOOD["ca"])
    assert _check(project) == []
    assert compile_all(["ca"], root=project / "translations") == []
    assert _po(project).with_suffix(".mo").stat().st_size > 0
    for code in ("es", "bs"):  # the command checks every language
        catalogue_path(code, project / "translations").parent.mkdir(parents=True)
        shutil.copy(_po(project), catalogue_path(code, project / "translations"))
    result = CliRunner().invoke(translations_cli, ["check", "--root", str(project)])
    assert result.exit_code == 0, result.output


def test_an_untranslated_entry_is_named(project):
    entries = {**GOOD["ca"], "Home": ""}
    _translate(project, entries)
    assert _check(project) == [f"{_po(project)}: 'Home': is not translated"]


def test_a_fuzzy_entry_is_named(project):
    _translate(project, GOOD["ca"], fuzzy="Hello %(name)s")
    [problem] = _check(project)
    assert problem.startswith(f"{_po(project)}: 'Hello %(name)s': is marked fuzzy")


def test_a_placeholder_changed_in_translation_is_named(project):
    _translate(project, {**GOOD["ca"], "Hello %(name)s": "Hola, %(nom)s"})
    assert _check(project) == [
        f"{_po(project)}: 'Hello %(name)s': has placeholders ['%(nom)s'] where the source "
        "has ['%(name)s']"
    ]


def test_a_plural_form_missing_its_number_is_named(project):
    forms = ("una persona en formació", "%(num)d persones en formació")
    _translate(project, {**GOOD["ca"], ("%(num)d trainee", "%(num)d trainees"): forms})
    assert _check(project) == [
        f"{_po(project)}: '%(num)d trainee': has placeholders none where the source has ['%(num)d']"
    ]


def test_a_wrong_number_of_plural_forms_is_named(project):
    _translate(project, GOOD["ca"])
    text = _po(project).read_text()
    third = 'msgstr[1] "%(num)d persones en formació"\nmsgstr[2] "%(num)d persones"\n'
    _po(project).write_text(text.replace('msgstr[1] "%(num)d persones en formació"\n', third))
    [problem] = _check(project)
    assert problem.startswith(f"{_po(project)}: does not compile: msg has more translations")


def test_a_message_missing_from_the_catalogue_fails_the_command(project):
    _translate(project, GOOD["ca"])
    (project / "templates" / "page.html").write_text(TEMPLATE + '<p>{{ _("New words") }}</p>\n')
    assert _check(project) == [f"{_po(project)}: 'New words': is missing"]
    result = CliRunner().invoke(translations_cli, ["check", "--root", str(project)])
    assert result.exit_code == 1
    assert "'New words': is missing" in result.output


def test_a_catalogue_that_does_not_compile_is_named(project):
    _po(project).write_text('msgid "Home"\nmsgstr "Inici"\nthis is not a catalogue\n')
    [problem] = _check(project)
    assert problem.startswith(f"{_po(project)}: does not compile")
    assert compile_all(["ca"], root=project / "translations")[0].startswith(str(_po(project)))


# --- unmarked template text --------------------------------------------------------------------


def test_unmarked_text_and_attributes_are_found_with_their_lines():
    source = """{% extends "base.html" %}
{% block title %}Page{% endblock %}
<p>Hello</p>
<nav aria-label="Main">
<img src="x.svg" alt="A picture">
<input type="search" placeholder="Search" title="{{ _('Search') }}">
<input type="submit" value="Save">
<a href="/x">Open {{ thing }}</a>
"""
    found = [(f.line, f.where, f.text) for f in unmarked(source, "page.html")]
    assert found == [
        (2, "text", "Page"),
        (3, "text", "Hello"),
        (4, "aria-label", "Main"),
        (5, "alt", "A picture"),
        (6, "placeholder", "Search"),
        (7, "value", "Save"),
        (8, "text", "Open"),
    ]
    assert str(unmarked("<p>Hello</p>", "t.html")[0]) == "t.html:1: unmarked text: 'Hello'"


def test_marked_text_symbols_numbers_and_code_pass():
    source = """<h1>{{ _("Home") }}</h1>
<p>{% trans count=n %}{{ count }} unit{% pluralize %}{{ count }} units{% endtrans %}</p>
<nav aria-label="{{ _('Main') }}"><a href="/" title="{{ _('Home') }}">{{ _("Home") }}</a></nav>
<p>&nbsp;&middot; 42 · {{ user.display_name }} \N{EN DASH} 3/4 (%)</p>
<input type="hidden" name="next" value="/home">
<script src="/x.js">var words = "not read";</script>
{# a comment with words #}
<p>Alongside</p>{# i18n: not text (the product's name) #}
<input type="submit" value="{{ _('Save') }}">
"""
    assert unmarked(source, "good.html") == []


def test_the_command_fails_on_unmarked_templates_and_passes_marked_ones(tmp_path):
    good, bad = tmp_path / "good.html", tmp_path / "bad.html"
    good.write_text('<p>{{ _("Hello") }}</p>\n')
    close = '<button aria-label="Close">\N{MULTIPLICATION SIGN}</button>'
    bad.write_text(f'<p>{{{{ _("Hello") }}}}</p>\n{close}\n')
    runner = CliRunner()
    assert runner.invoke(translations_cli, ["check-templates", str(good)]).exit_code == 0
    result = runner.invoke(translations_cli, ["check-templates", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: unmarked aria-label: 'Close'" in result.output


def test_the_shared_templates_are_all_marked():
    shared = [ROOT / "templates" / name for name in ("base.html", "error.html", "macros", "core")]
    from lms.core.template_text import unmarked_in

    assert [str(finding) for finding in unmarked_in(shared)] == []

"""The translation catalogues and their checks: `flask --app app translations ...`, or, with
no application (the Makefile), `python -m lms.core.translations ...`.

- `extract`: a fresh `translations/messages.pot` from the code and templates (babel.cfg).
- `update`: merge it into every language's `translations/<code>/LC_MESSAGES/messages.po`.
- `compile`: the `.mo` files Flask-Babel reads (built, never committed).
- `check`: fails, naming file, msgid and what is wrong, when a catalogue misses a message of a
  fresh extraction, leaves one untranslated or fuzzy, changes its placeholders, or does not
  compile.
- `check-templates`: fails, naming file and line, on template text a person reads that is not
  marked for translation (lms.core.template_text).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path

import click
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po, write_po

from lms.i18n import LANGUAGES, TRANSLATIONS_DIR

ROOT = TRANSLATIONS_DIR.parent
DOMAIN = "messages"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
TRANSLATED = tuple(lang.code for lang in LANGUAGES if lang.code != "en")

# Two forms in Catalan and Spanish (CLDR's third, for millions, is left to the second), three
# in Bosnian, as translators write them.
PLURAL_FORMS = {
    "ca": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "bs": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);",
}
LAST_TRANSLATOR = "Alongside translators <translations@alongside.example>"

# %(name)s, %s, %d, %.1f ... (not the literal %%)
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def catalogue_path(code: str, root: Path = TRANSLATIONS_DIR) -> Path:
    return root / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract(root: Path = ROOT) -> Catalog:
    """Every marked message of the code and templates, as babel.cfg maps them."""
    with open(root / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    catalog = Catalog(project="Alongside", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _read(path: Path, code: str) -> Catalog:
    with open(path, "rb") as file:
        return read_po(file, locale=code, abort_invalid=True)


def update(template: Catalog, codes: Iterable[str] = TRANSLATED, root: Path = TRANSLATIONS_DIR):
    """Merge `template` into each catalogue (new messages empty, changed ones fuzzy)."""
    for code in codes:
        path = catalogue_path(code, root)
        if path.exists():
            catalog = _read(path, code)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=code, project="Alongside", charset="utf-8")
            catalog.last_translator = LAST_TRANSLATOR
        if code in PLURAL_FORMS:
            headers = [(k, v) for k, v in catalog.mime_headers if k != "Plural-Forms"]
            catalog.mime_headers = [*headers, ("Plural-Forms", PLURAL_FORMS[code])]
        catalog.update(template)
        with open(path, "wb") as file:
            write_po(file, catalog, width=100)


def compile_all(codes: Iterable[str] = TRANSLATED, root: Path = TRANSLATIONS_DIR) -> list[str]:
    """Write each catalogue's .mo; the problems of those that cannot be compiled."""
    problems = []
    for code in codes:
        path = catalogue_path(code, root)
        try:
            catalog = _read(path, code)
            buffer = BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
        except (OSError, PoFileError, ValueError) as error:
            problems.append(f"{path}: does not compile: {error}")
            continue
        path.with_suffix(".mo").write_bytes(buffer.getvalue())
    return problems


def _placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


def _entry_problems(message: Message) -> list[str]:
    """What is wrong with one translated entry."""
    if message.fuzzy:
        return ["is marked fuzzy (check the translation, then remove the flag)"]
    forms = list(message.string) if isinstance(message.string, list | tuple) else [message.string]
    if not forms or any(not form for form in forms):
        return ["is not translated"]
    ids = list(message.id) if isinstance(message.id, list | tuple) else [message.id]
    expected = [_placeholders(text) for text in ids]
    problems = []
    for form in forms:
        found = _placeholders(form)
        if found not in expected:
            problems.append(
                f"has placeholders {found or 'none'} where the source has {expected[-1] or 'none'}"
            )
    return problems


def check(
    template: Catalog, codes: Iterable[str] = TRANSLATED, root: Path = TRANSLATIONS_DIR
) -> list[str]:
    """Every problem of every catalogue against a fresh extraction, one line each."""
    problems = []
    for code in codes:
        path = catalogue_path(code, root)
        try:
            catalog = _read(path, code)
            write_mo(BytesIO(), catalog)
        except (OSError, PoFileError, ValueError) as error:
            problems.append(f"{path}: does not compile: {error}")
            continue
        for source in template:
            if not source.id:
                continue
            message = catalog.get(source.id, source.context)
            if message is None:
                problems.append(f"{path}: {_show(source.id)}: is missing")
                continue
            name = f"{path}: {_show(source.id)}"
            problems += [f"{name}: {problem}" for problem in _entry_problems(message)]

    return problems


def _show(msgid) -> str:
    text = msgid[0] if isinstance(msgid, list | tuple) else msgid
    return repr(text if len(text) <= 70 else text[:67] + "...")


def _fail_if(problems: list[str]) -> None:
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s).", err=True)
        sys.exit(1)


@click.group("translations", help="The translation catalogues: extract, update, compile, check.")
def translations_cli() -> None:
    pass


@translations_cli.command("extract", help="Write a fresh translations/messages.pot.")
def extract_command() -> None:
    catalog = extract()
    TRANSLATIONS_DIR.mkdir(exist_ok=True)
    with open(TRANSLATIONS_DIR / f"{DOMAIN}.pot", "wb") as file:
        write_po(file, catalog, width=100, omit_header=False)
    click.echo(f"{len(catalog)} messages extracted.")


@translations_cli.command("update", help="Merge messages.pot into every language's catalogue.")
def update_command() -> None:
    with open(TRANSLATIONS_DIR / f"{DOMAIN}.pot", "rb") as file:
        template = read_po(file)
    update(template)
    click.echo(f"Updated: {', '.join(TRANSLATED)}.")


@translations_cli.command("compile", help="Compile every catalogue to its .mo file.")
def compile_command() -> None:
    _fail_if(compile_all())


@translations_cli.command("check", help="Fail on a missing, untranslated or fuzzy message.")
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=ROOT,
    help="The repository (babel.cfg, translations/).",
)
def check_command(root: Path) -> None:
    _fail_if(check(extract(root), root=root / "translations"))


@translations_cli.command("check-templates", help="Fail on unmarked text in templates.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def check_templates_command(paths: tuple[Path, ...]) -> None:
    from lms.core.template_text import unmarked_in

    findings = unmarked_in(paths or (Path(os.path.relpath(ROOT / "templates")),))
    _fail_if([str(finding) for finding in findings])


if __name__ == "__main__":
    translations_cli()

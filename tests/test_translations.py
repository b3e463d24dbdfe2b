"""Every staff text in our code has a Danish translation, and the compiled catalogue is the one the .po describes.

The texts are found the way `makemessages` finds them (gettext calls in Python, {% translate %} and
{% blocktranslate %} in templates), without needing gettext installed. When this fails: `make messages`, translate
the entries it names in locale/da/LC_MESSAGES/django.po (and drop their "fuzzy" flag), then `make messages` again.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "da" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# As in `make messages`: what is not ours, or not staff text.
IGNORED_DIRS = {".venv", "var", "tests", "node_modules", "locale", "migrations", "__pycache__"}

# Which arguments of each gettext function are (context, singular, plural), as makemessages tells xgettext.
KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}

Msgid = tuple[str | None, str, str | None]  # (context, singular, plural)


def source_files(*suffixes: str) -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT).parts
        if path.suffix in suffixes and not any(part in IGNORED_DIRS or part.startswith(".") for part in relative):
            yield path


def python_msgids(path: Path) -> Iterator[Msgid]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases = {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        positions = KEYWORDS.get(aliases.get(name, name))
        if positions is None:
            continue
        strings = [arg.value if isinstance(arg, ast.Constant) else None for arg in node.args]
        found = [strings[i] if i is not None and i < len(strings) else None for i in positions]
        if isinstance(found[1], str) and found[1]:
            yield found[0], found[1], found[2]


def template_msgids(path: Path) -> Iterator[Msgid]:
    """templatize() turns a template into the Python-like text makemessages hands to xgettext: read its calls."""
    for line in templatize(path.read_text(encoding="utf-8")).splitlines():
        if "gettext(" in line or "_(" in line:  # each call is on one line (its strings are repr()s)
            yield from _calls(list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline)))


def _calls(tokens: list[tokenize.TokenInfo]) -> Iterator[Msgid]:
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string not in KEYWORDS or tokens[index + 1].string != "(":
            continue
        strings = []
        for argument in tokens[index + 2 :]:
            if argument.string == ")":
                break
            if argument.type == tokenize.STRING:
                strings.append(ast.literal_eval(argument.string))
        context, singular, plural = KEYWORDS[token.string]
        yield (
            strings[context] if context is not None else None,
            strings[singular],
            strings[plural] if plural is not None else None,
        )


def code_msgids() -> dict[Msgid, str]:
    """Every text our code translates, with the first file that uses it."""
    found: dict[Msgid, str] = {}
    for path in source_files(".py"):
        for msgid in python_msgids(path):
            found.setdefault(msgid, str(path.relative_to(ROOT)))
    for path in source_files(".html", ".txt"):
        for msgid in template_msgids(path):
            found.setdefault(msgid, str(path.relative_to(ROOT)))
    return found


def catalogue_key(entry: polib.POEntry | polib.MOEntry) -> Msgid:
    return entry.msgctxt or None, entry.msgid, entry.msgid_plural or None


def translations(entries: list) -> dict[Msgid, tuple[str, ...]]:
    return {
        catalogue_key(entry): tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        if entry.msgid_plural
        else (entry.msgstr,)
        for entry in entries
        if entry.msgid
    }


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)[sdif]", text))


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO))


def test_the_extraction_finds_texts_in_python_and_templates():
    """Guards the test itself: if it found nothing, it would pass with every text untranslated."""
    found = code_msgids()
    assert (None, "cleaners on the job", None) in found  # a model field
    assert (None, "Calendar", None) in found  # {% translate %} in a template
    assert len(found) > 300


def test_every_text_in_our_code_has_a_danish_translation(po):
    translated = {catalogue_key(entry) for entry in po.translated_entries()}
    fuzzy = {catalogue_key(entry) for entry in po.fuzzy_entries()}
    missing = {msgid: where for msgid, where in code_msgids().items() if msgid not in translated or msgid in fuzzy}

    # A text that `make messages` does not add to the .po is in a call xgettext cannot see (inside an f-string).
    assert not missing, "No Danish translation (or marked fuzzy) in locale/da/LC_MESSAGES/django.po:\n" + "\n".join(
        f"  {where}: {msgid[1]!r}" + (f" (context {msgid[0]!r})" if msgid[0] else "")
        for msgid, where in sorted(missing.items(), key=lambda item: item[1])
    )


def test_translations_keep_the_placeholders_of_the_text(po):
    wrong = []
    for entry in po.translated_entries():
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, entry.msgstr_plural[i]) for i in sorted(entry.msgstr_plural) if i > 0]
            allowed_in_one = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
            if not placeholders(entry.msgstr_plural[0]) <= allowed_in_one:
                wrong.append(entry.msgid)
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        wrong += [entry.msgid for source, text in pairs if placeholders(source) != placeholders(text)]

    assert not wrong, "The translation names other %(placeholders)s than the text:\n" + "\n".join(map(repr, wrong))


def test_the_catalogue_is_danish_with_danish_plurals(po):
    assert po.metadata["Language"] == "da"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=2;plural=(n!=1);"
    assert not po.metadata_is_fuzzy  # a fuzzy header is left out of the .mo, and its plural rule with it


def test_the_compiled_catalogue_matches_the_po_file(po):
    assert MO.exists(), f"{MO.relative_to(ROOT)} is missing: run `make messages`"
    compiled = translations(list(polib.mofile(str(MO))))
    expected = translations([entry for entry in po.translated_entries() if "fuzzy" not in entry.flags])
    stale = sorted(repr(key[1]) for key in compiled.keys() | expected.keys() if compiled.get(key) != expected.get(key))

    assert not stale, f"{MO.relative_to(ROOT)} differs from the .po (run `make messages`) for:\n" + "\n".join(stale)

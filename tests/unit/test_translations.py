"""Every message a person reads has a Polish translation that is finished and keeps its placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "benefit" / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{(\w*)\}")


def _method_map() -> list[tuple[str, str]]:
    methods = []
    for line in (ROOT / "babel.cfg").read_text().splitlines():
        found = re.match(r"\[(\w+):\s*(.+)\]", line.strip())
        if found:
            methods.append((found.group(2), found.group(1)))
    return methods


def source_messages() -> set[str | tuple[str, ...]]:
    """What `make i18n` would extract from the code, pages and mail now."""
    found: set[str | tuple[str, ...]] = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), _method_map(), keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def placeholders(text: str) -> list[str]:
    return sorted("".join(group) or "%" for group in PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def polish():
    with (CATALOGUES / "pl" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale="pl")


def test_every_message_in_the_source_has_a_finished_polish_translation(polish):
    missing, fuzzy = [], []
    for message in sorted(source_messages(), key=str):
        key = message[0] if isinstance(message, tuple) else message
        entry = polish.get(key)
        strings = entry.string if entry is not None else None
        if entry is None or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(key)
        elif entry.fuzzy:
            fuzzy.append(key)
    assert not missing, f"{len(missing)} messages have no Polish translation (run make i18n): {missing[:20]}"
    assert not fuzzy, f"fuzzy Polish translations: {fuzzy[:20]}"


def test_translations_keep_the_placeholders_of_their_source(polish):
    wrong = []
    for entry in polish:
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = placeholders(ids[-1])
        for text in strings:
            # A Polish singular may say "jeden" where English says "%(num)d": plurals need the others.
            if placeholders(text) != expected and not (len(ids) > 1 and text is strings[0]):
                wrong.append((ids[0], text))
    assert not wrong, f"placeholders differ: {wrong[:10]}"


def test_the_polish_catalogue_uses_polish_plural_rules(polish):
    assert polish.num_plurals == 3

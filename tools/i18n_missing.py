"""List the messages in the source that have no finished Polish translation, file by file.

    .venv/bin/python tools/i18n_missing.py [path-prefix ...]

Run `make i18n` first so the catalogue holds every message; with prefixes (`templates/forum`,
`benefit/forum`) only messages from files under them are listed. Exit status 1 when any is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}  # fmt: skip


def _directory_filter(path: str) -> bool:
    """Babel's default skips every directory named `_…`, templates/_macros too; `make i18n` passes
    `--ignore-dirs ".* ._ __pycache__"` for the same reason."""
    name = Path(path).name
    return not (name.startswith(".") or name == "__pycache__")


def main(prefixes: list[str]) -> int:
    methods = []
    for line in (ROOT / "babel.cfg").read_text().splitlines():
        line = line.strip()
        if line.startswith("[") and ":" in line:
            method, pattern = line.strip("[]").split(":", 1)
            methods.append((pattern.strip(), method.strip()))
    with (ROOT / "benefit/translations/pl/LC_MESSAGES/messages.po").open("rb") as handle:
        polish = read_po(handle, locale="pl")
    missing = 0
    found = extract_from_dir(str(ROOT), methods, keywords=KEYWORDS, directory_filter=_directory_filter)
    for filename, lineno, message, _, _ in found:
        if prefixes and not any(filename.startswith(p) for p in prefixes):
            continue
        key = message[0] if isinstance(message, tuple) else message
        entry = polish.get(key)
        strings = entry.string if entry is not None else None
        if entry is None or entry.fuzzy or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing += 1
            print(f"{filename}:{lineno}: {key!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

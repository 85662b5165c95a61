"""`assert_polish` for the tests of one slice of the Polish interface (issue 17).

By default the whole page is checked. With BENEFIT_I18N_SLICE_ONLY=1 only the page's <main> is,
without the shared pieces inside it that other slices translate (the form macros' "(required)"
and error summary, the settings tabs, the forum's kind and category labels), so that a slice
can be checked before those are merged.
"""

from __future__ import annotations

import os

from bs4 import BeautifulSoup

from tests.i18n_check import assert_polish

# Inside <main> but rendered by templates another slice owns, or labelled by its models
# (the post kinds and mistake categories of benefit/models/forum.py, in the move form).
SHARED = ("span.required", "#form-errors > p", "nav.tabs", 'label[for^="kind-"]', "select#category")


def check_polish(html: str, where: str = "") -> None:
    if os.environ.get("BENEFIT_I18N_SLICE_ONLY"):
        assert '<html lang="pl"' in html, f"{where}: the page is not served in Polish"
        main = BeautifulSoup(html, "html.parser").find("main")
        if main is not None:
            for selector in SHARED:
                for element in main.select(selector):
                    element.decompose()
        html = f'<html lang="pl"><body>{main.decode() if main else ""}</body></html>'
    assert_polish(html, where)

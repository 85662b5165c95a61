"""What a failing journey leaves behind: a full-page screenshot and the HTML of each page it had open."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS, artifact_dir, save_page

pytestmark = pytest.mark.e2e


def test_a_page_is_saved_as_screenshot_and_html(page, tmp_path):
    page.goto("/tags")
    saved = save_page(page, tmp_path, "context1-page1")
    assert [p.name for p in saved] == ["context1-page1.png", "context1-page1.html"]
    assert saved[0].read_bytes().startswith(b"\x89PNG")
    html = saved[1].read_text()
    assert html.startswith(f"<!-- {page.url} -->") and "<h1>Tags</h1>" in html


def test_each_test_gets_its_own_folder_under_test_artifacts():
    folder = artifact_dir("tests/e2e/test_core_journeys.py::test_reply[dark mode]")
    assert folder == ARTIFACTS / "test_core_journeys.py_test_reply_dark_mode"

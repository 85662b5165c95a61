"""The README is the front door: its layout names every package of benefit/, and its links work."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _layout_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Project layout", 1)[1]
    return section.split("```", 2)[1]


def test_readme_layout_names_every_package_and_module_of_benefit():
    layout = _layout_block()
    named = set(re.findall(r"^ +([a-z0-9_]+)(?:/|\.py)", layout, flags=re.M))
    packages = {p.name for p in (ROOT / "benefit").iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in (ROOT / "benefit").glob("*.py") if p.stem != "__init__"}
    missing = sorted((packages | modules) - named - {"__init__"})
    assert not missing, f"README 'Project layout' does not describe: {missing}"
    gone = sorted(named - packages - modules - {"__init__", "models"} - {"demo"})
    assert not gone, f"README 'Project layout' describes what benefit/ no longer has: {gone}"


def test_readme_and_docs_link_only_to_files_that_exist():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to {target}, which does not exist"

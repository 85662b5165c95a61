"""How the digest feature plugs into an app: init_app, and imports without side effects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]


def test_init_app_registers_the_pages_and_the_cli_group_and_settings_shows_the_tab():
    from benefit.digests import init_app

    app = Flask(__name__)
    init_app(app)
    endpoints = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    assert endpoints["digest.subscribe"] == "/digest"
    assert endpoints["digest.unsubscribe"] == "/digest/unsubscribe/<token>"
    from benefit.accounts import SETTINGS_TABS

    assert ("digest.settings", "Email digest") in SETTINGS_TABS
    assert "digest" in app.cli.commands and "send" in app.cli.commands["digest"].commands


def test_importing_a_digest_module_does_not_import_the_views():
    code = (
        "import sys, benefit.digests.links, benefit.digests.send; "
        "print('benefit.digests.views' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"

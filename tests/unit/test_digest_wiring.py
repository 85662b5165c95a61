"""How the digest feature plugs into an app: init_app, and imports without side effects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]


def test_init_app_registers_the_pages_their_settings_tab_and_the_cli_group():
    from benefit.digests import init_app

    app = Flask(__name__)
    app.extensions["benefit.settings_pages"] = []
    init_app(app)
    endpoints = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    assert endpoints["digest.subscribe"] == "/digest"
    assert endpoints["digest.unsubscribe"] == "/digest/unsubscribe/<token>"
    assert app.extensions["benefit.settings_pages"] == [("digest.settings", "Email digest")]
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

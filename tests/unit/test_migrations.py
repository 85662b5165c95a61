from __future__ import annotations

from flask_migrate import check


def test_models_and_migrations_do_not_drift(app):
    # Raises (and so fails) when autogenerate would produce new operations.
    check()

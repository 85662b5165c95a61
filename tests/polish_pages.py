"""`check_polish`: the whole page served in Polish, header, footer and forms included."""

from __future__ import annotations

from tests.i18n_check import assert_polish


def check_polish(html: str, where: str = "") -> None:
    assert_polish(html, where)

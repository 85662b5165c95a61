"""The cached select renders exactly what WTForms' own select renders, whatever changes."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectField
from wtforms.widgets import Select

from benefit.forms_util import CachedSelect, choices


class Filters(Form):
    platform = SelectField("Platform", validate_choice=False, widget=CachedSelect())


class Plain(Form):
    platform = SelectField("Platform", validate_choice=False, widget=Select())


def render(data: dict[str, str], options: list[tuple[str, str]], **kwargs: str) -> tuple[str, str]:
    cached, plain = Filters(MultiDict(data)), Plain(MultiDict(data))
    for form in (cached, plain):
        form.platform.choices = choices(options)
    return str(cached.platform(**kwargs)), str(plain.platform(**kwargs))


def test_the_selected_option_choices_and_attributes_follow_each_request():
    options = [("", "All platforms"), ("tiktok", "TikTok"), ("instagram", "Instagram")]
    for data, kwargs in [
        ({}, {}),
        ({"platform": "tiktok"}, {}),
        ({"platform": "instagram"}, {}),
        ({"platform": "tiktok"}, {"aria-describedby": "platform-hint"}),
        ({"platform": "<script>"}, {}),
    ]:
        cached, plain = render(data, options, **kwargs)
        assert cached == plain
    cached, plain = render({"platform": "tiktok"}, [*options[:1], ("tiktok", "TikTok (ByteDance)")])
    assert cached == plain and "TikTok (ByteDance)" in cached and 'selected value="tiktok"' in cached


def test_the_cache_stays_bounded():
    widget = Filters.platform.kwargs["widget"]
    for i in range(CachedSelect.MAX_ENTRIES * 2):
        render({"platform": f"value-{i}"}, [("", "All")])
    assert 0 < len(widget._rendered) <= CachedSelect.MAX_ENTRIES

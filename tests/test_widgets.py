"""The wizard's faster widgets write exactly the markup WTForms' own widgets write."""
from __future__ import annotations

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, PasswordField, RadioField, SelectField, StringField, TextAreaField, widgets as wtforms_widgets
from wtforms.validators import InputRequired, Length

from web import widgets

AWKWARD = ['plain', 'a "quoted" <b>bold</b> & more', "l'apostrophe", "é ü 漢字 🙂", "", "  spaced  ",
           Markup('already <em>"safe"</em>'), 42]
CHOICES = [("", "Choose"), ("eu-west-1", "Europe (Ireland) (eu-west-1)"), ("x\"<y", "Odd \"one\" & <more>")]


@pytest.mark.parametrize("value", AWKWARD)
def test_html_params_match_wtforms(value):
    params = {"value": value, "class_": "input", "data_reveal_label": value, "aria_describedby": "a b",
              "autofocus": True, "aria_invalid": False, "maxlength": 256}
    assert widgets.html_params(**params) == wtforms_widgets.html_params(**params)


def both(field_type, fast_widget, value, **render):
    """The markup of WTForms' widget and of ours, for one field holding ``value``."""
    def form(widget):
        kwargs = {"validators": [InputRequired(), Length(max=50)]}
        if widget:
            kwargs["option_widget" if field_type is RadioField else "widget"] = widget

        class One(Form):
            f = field_type("Label", **kwargs)
        made = One()
        if field_type in (SelectField, RadioField):
            made.f.choices = CHOICES      # as the wizard's forms set them
        made.process(MultiDict({"f": value}))
        return made
    theirs, ours = form(None), form(fast_widget)
    if field_type is RadioField:
        return ["".join(str(o(**render)) for o in theirs.f)], ["".join(str(o(**render)) for o in ours.f)]
    return [str(theirs.f(**render))], [str(ours.f(**render))]


@pytest.mark.parametrize("value", [v for v in AWKWARD if isinstance(v, str)])
@pytest.mark.parametrize("field_type,fast_widget", [
    (StringField, widgets.TextInput()), (PasswordField, widgets.PasswordInput()),
    (TextAreaField, widgets.TextArea()), (SelectField, widgets.Select()), (RadioField, widgets.RadioInput())])
def test_widgets_render_what_wtforms_renders(field_type, fast_widget, value):
    render = {"aria-describedby": "f-help", "autocomplete": "off", "data-note": value, "autofocus": False}
    theirs, ours = both(field_type, fast_widget, value, **render)
    assert ours == theirs


@pytest.mark.parametrize("value", ["eu-west-1", "", "x\"<y", "not-a-choice"])
def test_the_select_marks_the_chosen_option_only(value):
    theirs, ours = both(SelectField, widgets.Select(), value)
    assert ours == theirs
    assert ours[0].count("selected") == (1 if value in dict(CHOICES) else 0)


def test_the_password_widget_never_renders_the_secret():
    _theirs, [ours] = both(PasswordField, widgets.PasswordInput(), "wJalrXUtnFEMI/K7MDENG")
    assert "wJalrXUtnFEMI" not in ours and 'value=""' in ours

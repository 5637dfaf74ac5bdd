"""WTForms' widgets, rendering the same markup with less work.

WTForms builds every attribute with ``Markup.format`` (about 15 µs each) and every option of a select
anew; the Kinesis page has some forty attributes and 35 regions, which cost more than the rest of the
page together. These widgets write WTForms' own markup (tests compare the two) with plain string
joins, and render each list of options once.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.widgets.core import clean_key


def html_params(**kwargs: Any) -> Markup:
    """``wtforms.widgets.html_params``: the same attributes, in the same order, escaped the same way."""
    params = []
    for key, value in sorted(kwargs.items()):
        if "_" in key:           # class_, data_x: what clean_key changes has an underscore
            key = clean_key(key)
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))


def validation_attrs(widget: Any, field: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with the field's id and the validation flags (required, maxlength…) the widget shows,
    unless given: what every WTForms widget adds before rendering."""
    kwargs.setdefault("id", field.id)
    for flag in widget.validation_attrs:
        if flag not in kwargs and getattr(field.flags, flag, None):
            kwargs[flag] = getattr(field.flags, flag)
    return kwargs


class Input(widgets.Input):
    """WTForms' ``<input>``, without looking through every name of the field's flags (``dir()``) for the
    few validation attributes the widget shows."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("type", self.input_type)
        if "value" not in kwargs:
            kwargs["value"] = field._value()
        return Markup(f"<input {html_params(name=field.name, **validation_attrs(self, field, kwargs))}>")


class TextInput(Input, widgets.TextInput):
    pass


class PasswordInput(Input, widgets.PasswordInput):
    """Never renders the value back (WTForms' ``hide_value``): the secret stays out of every page."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        if self.hide_value:
            kwargs["value"] = ""
        return super().__call__(field, **kwargs)


class RadioInput(Input, widgets.RadioInput):
    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        if field.checked:
            kwargs.setdefault("checked", True)
        return super().__call__(field, **kwargs)


class TextArea(widgets.TextArea):
    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        params = html_params(name=field.name, **validation_attrs(self, field, kwargs))
        return Markup(f"<textarea {params}>\r\n{escape(field._value())}</textarea>")


class Select(widgets.Select):
    """A single select whose options are rendered once per list of choices; only the ``selected`` mark
    changes from page to page."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        params = html_params(name=field.name, **validation_attrs(self, field, kwargs))
        chosen = field.data
        body = "".join(selected if value == chosen else plain
                       for value, plain, selected in option_markup(tuple(field.choices)))
        return Markup(f"<select {params}>{body}</select>")


@lru_cache(maxsize=16)
def option_markup(choices: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, str], ...]:
    """For each choice: its value, its ``<option>``, and the same option selected."""
    return tuple((value, f"<option {html_params(value=value)}>{escape(label)}</option>",
                  f"<option {html_params(value=value, selected=True)}>{escape(label)}</option>")
                 for value, label in choices)



def field(f: Any, help: Any = None, autocomplete: Any = None, extra: dict | None = None,
          focus: Any = None) -> Markup:
    """One field, everywhere the same: label, help, error and input, tied together for assistive
    technology (``aria-describedby``, ``aria-invalid``); the field whose id is ``focus`` takes the focus.

    A template global. It writes byte for byte what the Jinja macro it replaces wrote (whitespace
    included: tests keep that macro and compare the two), at a fraction of the cost.
    """
    fid = str(f.id)
    note = help or f.description             # a lazy description: translated once, by escape()
    note = escape(note) if note is not None else Markup("")
    errors = f.errors
    described = []
    if note:
        described.append(fid + "-help")
    if errors:
        described.append(fid + "-error")
    # WTForms leaves out an attribute whose value is false
    attrs = {"aria-describedby": " ".join(described) or False, "aria-invalid": "true" if errors else False,
             "autocomplete": autocomplete or False, "autofocus": fid == focus}
    if extra:
        attrs.update(extra)
    eid = escape(fid)
    help_p = f'<p class="help" id="{eid}-help">{note}</p>' if note else ""
    error_p = f'<p class="field-error" id="{eid}-error">{escape(errors[0])}</p>' if errors else ""
    return Markup(f'\n\n\n\n<div class="field{" has-error" if errors else ""}">\n'
                  f'  <label class="label" for="{eid}">{escape(f.label.text)}</label>\n'
                  f'  {help_p}\n  {error_p}\n  \n  \n  \n  {escape(render(f, attrs))}\n</div>\n')


def render(f: Any, attrs: dict[str, Any]) -> Markup:
    """``f(**attrs)``: the field's widget, called straight unless the field has ``render_kw`` to merge in."""
    return f.widget(f, **attrs) if getattr(f, "render_kw", None) is None else f(**attrs)

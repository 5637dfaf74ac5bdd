"""web/templating.py: the templates read a dict's keys as Jinja does, without its AttributeError."""
from __future__ import annotations

import pytest
from jinja2 import Environment, StrictUndefined, UndefinedError

from web.templating import TemplateEnvironment


@pytest.mark.parametrize("source", [
    "{{ d.name }}", "{{ d.items()|list|length }}", "{{ d.get('name') }}", "{{ d.missing is defined }}",
    "{{ o.name }}", "{{ o.real }}", "{{ n.missing is defined }}"])
def test_the_same_answers_as_jinja(app, source):
    values = {"d": {"name": "Team", "items": "shadowed by dict.items", "get": 1},
              "o": type("Thing", (), {"name": "attribute"})(), "n": None}
    theirs = Environment(autoescape=True).from_string(source).render(**values)
    ours = app.jinja_env.from_string(source).render(**values)
    assert ours == theirs


def test_a_missing_key_is_undefined(app):
    env = app.jinja_env.overlay(undefined=StrictUndefined)
    with pytest.raises(UndefinedError, match="no attribute 'missing'"):
        env.from_string("{{ d.missing }}").render(d={})


def test_the_app_uses_it(app):
    assert isinstance(app.jinja_env, TemplateEnvironment)

"""``field()``, the Python that renders each form field, writes byte for byte what the Jinja macro it
replaced wrote: every field of every form, with and without errors, in both languages."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from wizard.forms import ActionForm, KinesisForm, SandboxForm

# The macro as templates/_macros.html had it, kept here as the reference.
FIELD_MACRO = """\
{% macro field(f, help=None, autocomplete=None, extra=None, focus=None) %}
{% set described = [] %}
{% if help or f.description %}{% set _ = described.append(f.id ~ "-help") %}{% endif %}
{% if f.errors %}{% set _ = described.append(f.id ~ "-error") %}{% endif %}
<div class="field{{ ' has-error' if f.errors }}">
  <label class="label" for="{{ f.id }}">{{ f.label.text }}</label>
  {% if help or f.description %}<p class="help" id="{{ f.id }}-help">{{ help or f.description }}</p>{% endif %}
  {% if f.errors %}<p class="field-error" id="{{ f.id }}-error">{{ f.errors[0] }}</p>{% endif %}
  {# WTForms leaves out an attribute whose value is false #}
  {% set attrs = {"aria-describedby": described|join(" ") or false, "aria-invalid": "true" if f.errors else false,
                  "autocomplete": autocomplete or false, "autofocus": f.id == focus} %}
  {% if extra %}{% set _ = attrs.update(extra) %}{% endif %}
  {{ f(**attrs) }}
</div>
{% endmacro %}"""

# Each call the way the pages make it ({% set focus %} comes first), the macro's and the global's.
CALL = """{% set focus = (form|selectattr("errors")|map(attribute="id")|first) %}
[{{ field(f) }}]
[{{ field(f, focus=focus) }}]
[{{ field(f, focus=f.id) }}]
[{{ field(f, autocomplete="off", extra={"maxlength": 256}, focus=focus) }}]
[{{ field(f, extra={"rows": 3, "maxlength": 1000}, focus=focus) }}]
[{{ field(f, autocomplete="off", extra={"spellcheck": "false", "autocapitalize": "characters", "maxlength": 128}, focus=focus) }}]
[{{ field(f, help=_("A secret access key is saved for this wizard. Leave this empty to keep it, or type a new one."), autocomplete="new-password", focus=focus,
          extra={"data-reveal": _("Show"), "data-conceal": _("Hide"), "data-reveal-label": _("Show the secret access key")}) }}]
[{{ field(f, help=None, focus=focus, extra={"data-filter-label": _("Filter the regions"), "data-note": 'a "b" <c> & d'}) }}]
[{{ field(f, help='plain <b>"help"</b> & more') }}]
"""

KINESIS_GOOD = {"name": 'My "stream" <account> & co', "description": "Line one\r\nline <two>",
                "access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "region": "eu-west-1"}
KINESIS_BAD = {"name": "", "description": "x" * 1001, "access_key_id": "nope", "secret_key": "short",
               "region": "mars-1"}


def forms():
    """Each form of the wizard, filled well and badly (validated, so that the bad one carries errors)."""
    sandbox = SandboxForm(formdata=MultiDict({"sandbox": "prod"}), meta={"csrf": False})
    sandbox.sandbox.choices = [("prod", "Production"), ("dev", 'Dev "<b>"')]
    wrong_sandbox = SandboxForm(formdata=MultiDict({"sandbox": "elsewhere"}), meta={"csrf": False})
    wrong_sandbox.sandbox.choices = sandbox.sandbox.choices
    made = [sandbox, wrong_sandbox, KinesisForm(meta={"csrf": False}),
            KinesisForm(data={"name": "kept", "region": "us-east-1"}, secret_saved=True, meta={"csrf": False}),
            KinesisForm(formdata=MultiDict(KINESIS_GOOD), meta={"csrf": False}),
            KinesisForm(formdata=MultiDict(KINESIS_BAD), meta={"csrf": False}),
            KinesisForm(formdata=MultiDict({}), secret_saved=True, meta={"csrf": False}),
            ActionForm(meta={"csrf": False})]
    for form in made:
        form.validate()
    return made


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_field_writes_what_the_macro_wrote(app, lang):
    macro = app.jinja_env.from_string(FIELD_MACRO + CALL)
    ours = app.jinja_env.from_string(CALL)
    compared = errors = 0
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        for form in forms():
            for f in form:
                assert ours.render(form=form, f=f) == macro.render(form=form, f=f), (lang, type(form), f.name)
                compared += 1
                errors += bool(f.errors)
    assert compared >= 20 and errors >= 5


def test_the_pages_call_the_global_not_a_macro(app):
    assert app.jinja_env.globals["field"].__module__ == "web.widgets"
    source = app.jinja_env.loader.get_source(app.jinja_env, "_macros.html")[0]
    assert "macro field(" not in source

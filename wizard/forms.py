"""One WTForms form per step: the one home of each step's rules. Every message is marked for translation."""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from flask_babel import get_locale
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from connector.kinesis import check_access_key_id, check_region, check_secret_access_key, kinesis_regions
from web import widgets
from web.forms import Form
from web.i18n import gettext, lazy_gettext as _l
from web.messages import MESSAGES

NAME_MAX = 256
DESCRIPTION_MAX = 1000


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def problem(code: str | None) -> None:
    """Raise the translated message for a connector problem code, if there is one."""
    if code:
        raise ValidationError(gettext(MESSAGES[code]))


@lru_cache(maxsize=8)
def region_choices(locale: str) -> list[tuple[str, str]]:
    """The region select's options in one language (built once per language)."""
    return [("", gettext("Choose a region"))] + [
        (region.code, f"{gettext(region.name)} ({region.code})") for region in kinesis_regions()]


@lru_cache(maxsize=8)
def region_names(locale: str) -> dict[str, str]:
    """Each region's name and code as people read it ("Europe (Ireland) (eu-west-1)"), in one language."""
    return dict(region_choices(locale)[1:])


def no_hidden_characters(allowed: str = ""):
    """A validator refusing control and format characters (right-to-left overrides, zero-width spaces…):
    a name shown to other people must read as what it is. ``allowed`` lets line breaks into a description."""
    def check(form: Any, field: Any) -> None:
        if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") and char not in allowed
               for char in field.data or ""):
            raise ValidationError(gettext("Remove the invisible or control characters: they make the text read "
                                          "differently from what it is."))
    return check


class SandboxForm(Form):
    """Step 1: where the connection will live."""

    sandbox = RadioField(_l("Sandbox"), choices=[], validate_choice=False, option_widget=widgets.RadioInput(),
                         validators=[InputRequired(message=_l("Choose the sandbox for the connection."))])

    def validate_sandbox(self, field: RadioField) -> None:
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(gettext("Choose one of the sandboxes listed."))


class KinesisForm(Form):
    """Step 2: the Kinesis account's name, key pair and region."""

    name = StringField(
        _l("Connection name"), filters=[strip], widget=widgets.TextInput(),
        validators=[InputRequired(message=_l("Enter a name for the connection.")),
                    Length(max=NAME_MAX, message=_l("Keep the name under %(max)d characters.", max=NAME_MAX)),
                    no_hidden_characters()],
        description=_l("How the connection will be listed among Experience Platform's sources."))
    description = TextAreaField(
        _l("Description"), filters=[strip], widget=widgets.TextArea(),
        validators=[Optional(), Length(max=DESCRIPTION_MAX, message=_l(
            "Keep the description under %(max)d characters.", max=DESCRIPTION_MAX)),
            no_hidden_characters(allowed="\r\n\t")],
        description=_l("Optional: what this account's streams carry, who owns it."))
    access_key_id = StringField(
        _l("Access key ID"), filters=[strip], widget=widgets.TextInput(),
        description=_l("In the AWS console: IAM › Users › your user › Security credentials › Access keys. "
                       "It starts with AKIA."))
    secret_key = PasswordField(
        _l("Secret access key"), filters=[strip], widget=widgets.PasswordInput(),
        description=_l("Shown by AWS only once, when the key is created. Temporary keys (ASIA…) cannot work: "
                       "Flow Service stores no session token."))
    region = SelectField(_l("Region"), choices=[], validate_choice=False, widget=widgets.Select())

    def __init__(self, *args, secret_saved: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.secret_saved = secret_saved
        self.region.choices = region_choices(str(get_locale()))

    def validate_access_key_id(self, field: StringField) -> None:
        problem(check_access_key_id(field.data or ""))

    def validate_secret_key(self, field: PasswordField) -> None:
        if not field.data and self.secret_saved:
            return  # the secret entered before is kept
        problem(check_secret_access_key(field.data or ""))

    def validate_region(self, field: SelectField) -> None:
        problem(check_region(field.data or ""))


class ActionForm(Form):
    """A button that acts (Create connection, Start over): a POST with its CSRF token, nothing more."""


def kinesis_problems(data: dict[str, Any], secret: str) -> dict[str, list[str]]:
    """The Kinesis step's stored data (and secret) bound to its form again: every rule, as on the page.
    Stored values that are not text were not written by the form: they count as a problem."""
    if any(not isinstance(value, (str, type(None))) for value in data.values()):
        return {"data": ["not text"]}
    values = {name: value for name, value in data.items() if value is not None}
    form = KinesisForm(formdata=MultiDict({**values, "secret_key": secret}), meta={"csrf": False})
    form.validate()
    return form.errors

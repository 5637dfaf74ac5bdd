"""One WTForms form per step; every message is marked for translation."""
from __future__ import annotations

from functools import lru_cache

from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from connector.kinesis import MESSAGES, check_access_key_id, check_region, check_secret_key, kinesis_regions

from . import widgets
from .i18n import gettext, lazy_gettext as _l

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


class SandboxForm(FlaskForm):
    """Step 1: where the connection will live."""

    sandbox = RadioField(_l("Sandbox"), choices=[], validate_choice=False, option_widget=widgets.RadioInput(),
                         validators=[InputRequired(message=_l("Choose the sandbox for the connection."))])

    def validate_sandbox(self, field: RadioField) -> None:
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(gettext("Choose one of the sandboxes listed."))


class KinesisForm(FlaskForm):
    """Step 2: the Kinesis account's name, key pair and region."""

    name = StringField(
        _l("Connection name"), filters=[strip], widget=widgets.TextInput(),
        validators=[InputRequired(message=_l("Enter a name for the connection.")),
                    Length(max=NAME_MAX, message=_l("Keep the name under %(max)d characters.", max=NAME_MAX))],
        description=_l("How the connection will be listed among Experience Platform's sources."))
    description = TextAreaField(
        _l("Description"), filters=[strip], widget=widgets.TextArea(),
        validators=[Optional(), Length(max=DESCRIPTION_MAX, message=_l(
            "Keep the description under %(max)d characters.", max=DESCRIPTION_MAX))],
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
        problem(check_secret_key(field.data or ""))

    def validate_region(self, field: SelectField) -> None:
        problem(check_region(field.data or ""))


class ActionForm(FlaskForm):
    """A button that acts (Create connection, Start over): a POST with its CSRF token, nothing more."""

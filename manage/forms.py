"""The forms of the manage pages: each one's rules in one place, every message marked for translation.

Key, secret and region follow the wizard's own rules (the same connector checks, the same sentences);
each form that changes a connection carries the etag it was shown with, so that a change made by
someone else in the meantime is found, never overwritten.
"""
from __future__ import annotations

from wtforms import HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from connector.kinesis import check_access_key_id, check_region, check_secret_access_key
from flask_babel import get_locale
from web import widgets
from web.forms import Form
from web.i18n import gettext, lazy_gettext as _l
from wizard.forms import DESCRIPTION_MAX, NAME_MAX, no_hidden_characters, problem, region_choices, strip

# An etag is Adobe's opaque version: a quoted UUID in practice; anything longer or odder was not ours.
ETAG = r'^[\x21-\x7e]{1,200}$'
# What a search may hold: part of a name, or an access key ID's last four characters.
SEARCH_MAX = 100


def etag_field() -> HiddenField:
    """The version of the connection the form was shown with (only a tampered form lacks it)."""
    lost = _l("The form lost the version of the connection it was opened on. Reload the page, then send it again.")
    return HiddenField(_l("Version"), validators=[InputRequired(message=lost), Regexp(ETAG, message=lost)])


class RotateForm(Form):
    """A new access key for a connection (and its region), checked as the wizard checks one."""

    etag = etag_field()
    access_key_id = StringField(
        _l("New access key ID"), filters=[strip], widget=widgets.TextInput(),
        description=_l("Make a second key for the same IAM user in the AWS console (IAM › Users › your user › "
                       "Security credentials › Create access key). It starts with AKIA."))
    secret_key = PasswordField(
        _l("New secret access key"), filters=[strip], widget=widgets.PasswordInput(),
        description=_l("Shown by AWS only once, when the key is created."))
    region = SelectField(_l("Region"), choices=[], validate_choice=False, widget=widgets.Select())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.region.choices = region_choices(str(get_locale()))

    def validate_access_key_id(self, field: StringField) -> None:
        problem(check_access_key_id(field.data or ""))

    def validate_secret_key(self, field: PasswordField) -> None:
        problem(check_secret_access_key(field.data or ""))

    def validate_region(self, field: SelectField) -> None:
        problem(check_region(field.data or ""))


class RenameForm(Form):
    """A connection's name and description."""

    etag = etag_field()
    name = StringField(
        _l("Connection name"), filters=[strip], widget=widgets.TextInput(),
        validators=[InputRequired(message=_l("Enter a name for the connection.")),
                    # Spaces alone pass InputRequired; stripped, they are no name.
                    DataRequired(message=_l("Enter a name for the connection.")),
                    Length(max=NAME_MAX, message=_l("Keep the name under %(max)d characters.", max=NAME_MAX)),
                    no_hidden_characters()])
    description = TextAreaField(
        _l("Description"), filters=[strip], widget=widgets.TextArea(),
        validators=[Optional(), Length(max=DESCRIPTION_MAX, message=_l(
            "Keep the description under %(max)d characters.", max=DESCRIPTION_MAX)),
            no_hidden_characters(allowed="\r\n\t")])


class ConfirmForm(Form):
    """A button that acts (Test now, Delete): a POST with its CSRF token, nothing more."""


def search_text(value: str | None) -> str:
    """What a person searched for, trimmed and bounded (a longer one could match nothing anyway)."""
    text = (value or "").strip()[:SEARCH_MAX]
    if any(not char.isprintable() for char in text):
        raise ValidationError(gettext("Remove the invisible or control characters from the search."))
    return text

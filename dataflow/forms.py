"""One form per step of the dataflow wizard: the one home of each step's rules."""
from __future__ import annotations

from typing import Any

from wtforms import RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from web import widgets
from web.forms import Form
from web.i18n import gettext, lazy_gettext as _l
from wizard.forms import NAME_MAX, no_hidden_characters, strip

from .fields import shown

DATASET_NAME_MAX = 256
NOT_MAPPED = ""


def one_of_the_choices(message: Any):
    """A validator: the value is one of the field's choices (``message``, lazily translated, otherwise)."""
    def check(form: Any, field: Any) -> None:
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(str(message))
    return check


class StreamForm(Form):
    """Step 1: which stream, what its records are, where reading starts."""

    stream = RadioField(_l("Stream"), choices=[], validate_choice=False, option_widget=widgets.RadioInput(),
                        validators=[InputRequired(message=_l("Choose the stream to bring in.")),
                                    one_of_the_choices(_l("Choose one of the streams listed."))])
    data_type = RadioField(_l("Data type"), choices=[], validate_choice=False, option_widget=widgets.RadioInput(),
                           validators=[InputRequired(message=_l("Choose what the records are.")),
                                       one_of_the_choices(_l("Choose one of the data types listed."))])
    reset = RadioField(_l("Start reading from"), choices=[], validate_choice=False,
                       option_widget=widgets.RadioInput(),
                       validators=[InputRequired(message=_l("Choose where reading starts.")),
                                   one_of_the_choices(_l("Choose one of the starting points listed."))])

    def __init__(self, *args: Any, streams: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream.choices = [(name, name) for name in streams]
        self.data_type.choices = [("raw", gettext("Raw JSON")), ("xdm", gettext("XDM"))]
        self.reset.choices = [("latest", gettext("Latest")), ("earliest", gettext("Earliest"))]


class DestinationForm(Form):
    """Step 2: an existing dataset that takes streaming data, or a new one on an existing schema."""

    mode = RadioField(_l("Destination"), choices=[], validate_choice=False, option_widget=widgets.RadioInput(),
                      validators=[InputRequired(message=_l("Choose an existing dataset or a new one.")),
                                  one_of_the_choices(_l("Choose an existing dataset or a new one."))])
    # No Optional(): it would stop the chain before the inline checks, which depend on the mode.
    dataset = SelectField(_l("Dataset"), choices=[], validate_choice=False, widget=widgets.Select())
    new_name = StringField(_l("New dataset name"), filters=[strip], widget=widgets.TextInput(),
                           validators=[Length(max=DATASET_NAME_MAX, message=_l(
                               "Keep the name under %(max)d characters.", max=DATASET_NAME_MAX)),
                                       no_hidden_characters()])
    schema = SelectField(_l("XDM schema"), choices=[], validate_choice=False, widget=widgets.Select(),
                         description=_l("The new dataset's records will have this schema's fields."))

    def __init__(self, *args: Any, datasets: list[tuple[str, str]], schemas: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode.choices = [("existing", gettext("An existing dataset")), ("new", gettext("A new dataset"))]
        self.dataset.choices = [("", gettext("Choose a dataset"))] + datasets
        self.schema.choices = [("", gettext("Choose a schema"))] + schemas

    def validate_dataset(self, field: SelectField) -> None:
        if self.mode.data == "existing" and field.data not in {v for v, _l in field.choices[1:]}:
            raise ValidationError(gettext("Choose one of the datasets listed."))

    def validate_new_name(self, field: StringField) -> None:
        if self.mode.data == "new" and not field.data:
            raise ValidationError(gettext("Enter a name for the new dataset."))

    def validate_schema(self, field: SelectField) -> None:
        if self.mode.data == "new" and field.data not in {v for v, _l in field.choices[1:]}:
            raise ValidationError(gettext("Choose one of the schemas listed."))


class ReviewForm(Form):
    """Step 4: the dataflow's name, checked as a connection's name is."""

    name = StringField(
        _l("Dataflow name"), filters=[strip], widget=widgets.TextInput(),
        validators=[InputRequired(message=_l("Enter a name for the dataflow.")),
                    Length(max=NAME_MAX, message=_l("Keep the name under %(max)d characters.", max=NAME_MAX)),
                    no_hidden_characters()],
        description=_l("How the dataflow will be listed in Experience Platform."))


CALCULATE, LEAVE = "calculated", "none"


def mapping_form(sources: list[tuple[str, str]], targets: list[tuple[str, str]], data: dict[str, str],
                 formdata: Any = None, required: tuple[str, ...] = (), calculate: dict[str, str] | None = None) -> Form:
    """Step 3: for each stream field (path, type), the schema field it lands in, or none; for each field the
    schema's class needs in every record (``required``), whether a calculated field fills it when no stream
    field does (``calculate``: ``{path: CALCULATE or LEAVE}``, calculated unless said otherwise)."""
    fields: dict[str, Any] = {
        f"map_{n}": SelectField(shown(path), choices=[], validate_choice=False, widget=widgets.Select(),
                                description=gettext("Stream field of type %(type)s", type=kind))
        for n, (path, kind) in enumerate(sources)}
    fields.update({f"calc_{n}": RadioField(gettext("%(field)s when no stream field goes to it", field=path),
                                           choices=[], validate_choice=False, option_widget=widgets.RadioInput())
                   for n, path in enumerate(required)})

    class MappingForm(Form):
        def validate(self, extra_validators: Any = None) -> bool:
            valid = super().validate(extra_validators)
            allowed = {value for value, _label in targets}
            seen: dict[str, str] = {}
            for n, (path, _kind) in enumerate(sources):
                field = self[f"map_{n}"]
                if field.data and field.data not in allowed:
                    field.errors.append(gettext("Choose one of the schema's fields listed."))
                    valid = False
                elif field.data and field.data in seen:
                    field.errors.append(gettext("%(field)s already goes to this schema field.", field=seen[field.data]))
                    valid = False
                elif field.data:
                    seen[field.data] = path
            for n in range(len(required)):
                if self[f"calc_{n}"].data not in (CALCULATE, LEAVE):
                    self[f"calc_{n}"].errors.append(gettext("Choose one of the choices listed."))
                    valid = False
            if valid and not seen:
                self["map_0"].errors.append(gettext("Map at least one field: nothing would be ingested."))
                valid = False
            return valid

    for name, field in fields.items():
        setattr(MappingForm, name, field)
    initial = {f"map_{n}": data.get(path, NOT_MAPPED) for n, (path, _kind) in enumerate(sources)}
    initial.update({f"calc_{n}": (calculate or {}).get(path, CALCULATE) for n, path in enumerate(required)})
    if formdata is not None:      # a form posted before these fields were offered: the default, not an error
        formdata = formdata.copy()
        for n in range(len(required)):
            formdata.setdefault(f"calc_{n}", CALCULATE)
    form = MappingForm(formdata=formdata, data=initial)
    choices = [(NOT_MAPPED, gettext("Not mapped"))] + targets
    for name in fields:        # given after binding: WTForms deprecates (value, label) pairs in the declaration
        if name.startswith("map_"):
            form[name].choices = choices
    for n, path in enumerate(required):
        form[f"calc_{n}"].choices = [(CALCULATE, CALCULATED_LABELS.get(path, gettext("A calculated value"))),
                                     (LEAVE, gettext("Nothing"))]
    return form


# What each calculated field gives, in plain words (its expression is in ``routes.CALCULATED``).
CALCULATED_LABELS: dict[str, Any] = {"_id": _l("A new unique identifier (UUID) for each record"),
                                     "timestamp": _l("The time each record is ingested")}

"""The dataflow wizard's steps, one URL each, post/redirect/get: stream, destination, mapping, review.

Each step is reached only through a wizard started from a connection's page (``start``), by a person who
may create in its sandbox (checked again on every request), and only once the steps before it are done.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable
from uuid import UUID

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from auth.identity import may
from connector import InvalidRequest, NotFound, PlatformError, suggest
from connector.session import is_sandbox_name
from explore.routes import PREVIEW_RECORDS, no_such_connection, table
from web.clients import cached, get_platform
from web.errors import error_page, explain
from web.extensions import limiter, posts_only
from web.i18n import gettext
from web.once import StillRunning

from . import bp
from .create import KINDS, STEP_OF, CreateFailed, create_dataflow, names, progress
from .fields import COLLISION, shown, unmappable
from .forms import CALCULATE, DestinationForm, ReviewForm, StreamForm, mapping_form
from .state import STEPS, DataflowWizard, current

bp.add_app_template_filter(shown, "shown")
# Fields every record of the class must have (XDM ExperienceEvent: an id and a time): a record without them
# fails to ingest, so the mapping step offers a calculated field for each (Data Prep's functions: uuid()
# "generates a pseudo-random ID", now() "retrieves the current time"), used when no stream field goes to it.
REQUIRED = {"https://ns.adobe.com/xdm/context/experienceevent": ("_id", "timestamp")}
CALCULATED = {"_id": "uuid()", "timestamp": "now()"}
LISTING_TTL = 30      # seconds a sandbox's streams, datasets and schemas are shared between views
create_limit = limiter.shared_limit(lambda: current_app.config["CREATE_RATE_LIMIT"], scope="create")


def go_to(name: str) -> Response:
    return redirect(url_for(f"dataflow.{name}"))


def render(name: str, wizard: DataflowWizard, status: int = 200, **context: Any):
    return render_template(f"dataflow/{name}.html", wizard=wizard, number=STEPS.index(name) + 1,
                           total=len(STEPS), **context), status


def not_started():
    return error_page(404, gettext("Page not found"), gettext(
        "Start a dataflow from a connection's page: open the connection, then choose Create a dataflow."))


def guarded(name: str) -> Callable[[Callable], Callable]:
    """The guard every step wears: a started wizard, the right to create in its sandbox, the steps before
    done; a finished wizard goes to its dataflow."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            wizard = current()
            if not wizard.started or not may("create", wizard.sandbox):
                return not_started()
            if name == "review" and request.method == "POST" and request.form.get("wizard") != wizard.page_mark:
                return replaced(wizard)         # before anything else: its choices are not this wizard's
            if wizard.result:
                return redirect(url_for("dataflow.page", sandbox=wizard.sandbox, flow_id=wizard.result["flow_id"]))
            before = STEPS[:STEPS.index(name)]
            if before and not wizard.complete(before[-1]):
                return go_to(wizard.first_incomplete())
            return view(wizard, *args, **kwargs)
        return wrapper
    return decorate


@bp.post("/start")
def start():
    """From a connection's page: a new dataflow wizard for that connection (and the stream shown there)."""
    sandbox, raw_id = request.form.get("sandbox", ""), request.form.get("connection_id", "")
    try:
        connection_id = str(UUID(raw_id))
    except ValueError:
        return no_such_connection()
    if not is_sandbox_name(sandbox) or not may("create", sandbox):
        return no_such_connection()
    flow = get_platform().connections
    try:
        found = flow.get_connection(sandbox, connection_id)
    except PlatformError:
        return no_such_connection()
    if not flow.is_kinesis_source(found) or found.sandbox_name.lower() not in ("", sandbox.lower()):
        return no_such_connection()
    current().start(sandbox, connection_id, found.name, request.form.get("stream", ""))
    return go_to("stream")


def streams_of(wizard: DataflowWizard) -> list[str]:
    key = f"explore:{wizard.sandbox.lower()}:{wizard.connection_id}:streams"
    items = cached(key, LISTING_TTL, lambda: get_platform().connections.explore(wizard.sandbox, wizard.connection_id))
    return [str(item.get("name")) for item in items if item.get("name")]


def preview_of(wizard: DataflowWizard, stream: str) -> tuple[dict[str, Any], list[tuple[str, str]], dict[str, str]]:
    """A stream's latest records for the page, its fields that can map with their types, and those that
    cannot, with the reason (see ``fields.unmappable``)."""
    answer = get_platform().connections.preview_stream(wizard.sandbox, wizard.connection_id, stream, PREVIEW_RECORDS)
    columns = ((answer.get("schema") or {}).get("columns") or []) if isinstance(answer, dict) else []
    columns = [c for c in columns if isinstance(c, dict) and c.get("name") is not None]
    refused = unmappable([str(c["name"]) for c in columns])
    fields = [(str(c["name"]), str(c.get("type") or "string")) for c in columns if str(c["name"]) not in refused]
    return table(answer.get("data") or []), fields, refused


@bp.route("/stream", methods=["GET", "POST"])
@guarded("stream")
def stream(wizard: DataflowWizard):
    """Step 1: one of the connection's streams, with its preview (another stream's with "Show its records");
    data type and where reading starts."""
    try:
        streams = streams_of(wizard)
    except PlatformError as error:
        return render("stream", wizard, explain(error).status, form=None, error=explain(error))
    form = StreamForm(data={"data_type": "raw", "reset": "latest", **wizard.data("stream"), **wizard.draft("stream")},
                      streams=streams)
    pressed = request.form.get("action", "next") if request.method == "POST" else None
    if pressed not in (None, "next", "preview", "back"):
        abort(400)
    if pressed == "back":
        wizard.save_draft("stream", {name: form[name].data for name in ("stream", "data_type", "reset")})
        return redirect(url_for("explore.connection", sandbox=wizard.sandbox, connection_id=wizard.connection_id))
    if pressed == "next" and form.validate_on_submit():
        try:
            _preview, fields, refused = preview_of(wizard, form.stream.data)
        except PlatformError as error:
            return render("stream", wizard, explain(error).status, form=form, error=explain(error))
        if not fields:
            form.stream.errors.append(gettext("This stream holds no records yet, so its fields are not known. "
                                              "Put a record on it, then choose it again."))
        else:
            if (form.stream.data, fields) != (wizard.data("stream").get("stream"),
                                              [tuple(f) for f in wizard.data("stream").get("fields") or []]):
                wizard.save("mapping", {})      # other fields: the mapping starts again from suggestions
                wizard.save_draft("mapping", None)
            wizard.save("stream", {"stream": form.stream.data, "data_type": form.data_type.data,
                                   "reset": form.reset.data, "fields": fields, "unmappable": refused})
            wizard.save_draft("stream", None)
            return go_to("destination")
    shown = form.stream.data if form.stream.data in streams else ""
    preview, preview_error = None, None
    if shown:
        try:
            preview = preview_of(wizard, shown)[0]
        except PlatformError as error:
            preview_error = explain(error)
    # "Show its records" posts the form to see another stream's records: nothing is saved or checked.
    return render("stream", wizard, 422 if form.errors else 200, form=form, error=None, preview=preview,
                  preview_error=preview_error, shown=shown)


def destinations(wizard: DataflowWizard) -> tuple[list, dict]:
    """The sandbox's datasets that take streaming data, and its schemas that can, by id."""
    platform, sandbox = get_platform(), wizard.sandbox
    schemas = {s.id: s for s in cached(f"schemas:{sandbox.lower()}", LISTING_TTL,
                                       lambda: platform.schemas.schemas(sandbox)) if s.streamable}
    datasets = [d for d in cached(f"datasets:{sandbox.lower()}", LISTING_TTL, lambda: platform.catalog.datasets(sandbox))
                if d.schema_id in schemas]
    return datasets, schemas


@bp.route("/destination", methods=["GET", "POST"])
@guarded("destination")
def destination(wizard: DataflowWizard):
    """Step 2: an existing dataset of the sandbox that takes streaming data, or a new one on a schema."""
    try:
        datasets, schemas = destinations(wizard)
    except PlatformError as error:
        return render("destination", wizard, explain(error).status, form=None, error=explain(error))
    saved = wizard.data("destination")
    form = DestinationForm(data={"mode": "existing" if datasets else "new", "dataset": saved.get("dataset_id"),
                                 "schema": saved.get("schema_id") if saved.get("mode") == "new" else None, **{
                                     k: v for k, v in saved.items() if k in ("mode", "new_name")},
                                 **wizard.draft("destination")},
                           datasets=[(d.id, f"{d.name} ({schemas[d.schema_id].title})") for d in datasets],
                           schemas=[(s.id, s.title) for s in schemas.values()])
    if request.method == "POST" and request.form.get("action") == "back":
        wizard.save_draft("destination", {name: form[name].data for name in ("mode", "dataset", "new_name", "schema")})
        return go_to("stream")
    if form.validate_on_submit():
        if form.mode.data == "existing":
            chosen = next(d for d in datasets if d.id == form.dataset.data)
            values = {"mode": "existing", "dataset_id": chosen.id, "dataset_name": chosen.name,
                      "schema_id": chosen.schema_id}
        else:
            values = {"mode": "new", "new_name": form.new_name.data, "schema_id": form.schema.data}
        values["schema_title"] = schemas[values["schema_id"]].title
        if values["schema_id"] != wizard.data("destination").get("schema_id"):
            wizard.save("mapping", {})              # another schema: the mapping starts again from suggestions
            wizard.save_draft("mapping", None)
        wizard.save("destination", values)
        wizard.save_draft("destination", None)
        return go_to("mapping")
    return render("destination", wizard, 422 if form.errors else 200, form=form, error=None,
                  has_datasets=bool(datasets))


@bp.route("/mapping", methods=["GET", "POST"])
@guarded("mapping")
def mapping(wizard: DataflowWizard):
    """Step 3: the stream's fields against the schema's, suggested by name and type, editable."""
    schema_id = wizard.data("destination")["schema_id"]
    try:
        schema = cached(f"schema:{wizard.sandbox.lower()}:{schema_id}", LISTING_TTL,
                        lambda: get_platform().schemas.schema(wizard.sandbox, schema_id))
    except PlatformError as error:
        return render("mapping", wizard, explain(error).status, form=None, error=explain(error))
    sources = [tuple(pair) for pair in wizard.data("stream")["fields"]]
    saved = wizard.draft("mapping") or wizard.data("mapping").get("mappings")
    suggested = suggest(dict(sources), schema.fields)
    targets = [(f.path, f"{f.path} ({f.type})") for f in schema.fields]
    required = tuple(path for path in REQUIRED.get(schema.xdm_class, ()) if path in {f.path for f in schema.fields})
    form = mapping_form(sources, targets, saved if saved is not None else suggested,
                        request.form if request.method == "POST" else None, required,
                        wizard.draft("mapping_calculate") or wizard.data("mapping").get("calculate"))
    calculate = {path: form[f"calc_{n}"].data for n, path in enumerate(required)}
    if request.method == "POST" and request.form.get("action") == "back":
        wizard.save_draft("mapping", {path: form[f"map_{n}"].data or "" for n, (path, _kind) in enumerate(sources)})
        wizard.save_draft("mapping_calculate", calculate)
        return go_to("destination")
    if request.method == "POST" and form.validate():
        chosen = {path: form[f"map_{n}"].data for n, (path, _kind) in enumerate(sources) if form[f"map_{n}"].data}
        # A stream field mapped onto a required field wins: the calculated one is sent only where none is.
        calculated = {path: CALCULATED[path] for path, choice in calculate.items()
                      if choice == CALCULATE and path not in chosen.values()}
        wizard.save("mapping", {"mappings": chosen, "calculate": calculate, "calculated": calculated})
        wizard.save_draft("mapping", None)
        wizard.save_draft("mapping_calculate", None)
        return go_to("review")
    rows = [(form[f"map_{n}"], path, kind, path in suggested) for n, (path, kind) in enumerate(sources)]
    unmatched = [path for path, _kind in sources if path not in suggested]
    refused = [(path, gettext("it is a value in some records and holds other fields in others")
                if reason == COLLISION else gettext("one of its keys is empty, so no path can name it"))
               for path, reason in (wizard.data("stream").get("unmappable") or {}).items()]
    chosen = {form[f"map_{n}"].data for n in range(len(sources))}
    unfilled = [path for path in required if path not in chosen and calculate[path] != CALCULATE]
    calculations = [(form[f"calc_{n}"], path, CALCULATED[path], path in chosen) for n, path in enumerate(required)]
    return render("mapping", wizard, 422 if form.errors else 200, form=form, rows=rows, unmatched=unmatched,
                  refused=refused, unfilled=unfilled, calculations=calculations, schema=schema, error=None)


def replaced(wizard: DataflowWizard) -> Response:
    """A review page from a wizard since replaced (started again in another tab): nothing is made from its
    choices; the person is told so and taken to the wizard that replaced it."""
    flash(gettext("That page belonged to an earlier dataflow wizard, replaced when a new one was started (in "
                  "another tab or window). Nothing was created from it. This is the current wizard, for "
                  "%(connection)s: check its choices before creating.", connection=wizard.connection_name), "error")
    return redirect(url_for(f"dataflow.{wizard.first_incomplete()}"), 303)


@bp.route("/review", methods=["GET", "POST"])
@posts_only(create_limit)
@guarded("review")
def review(wizard: DataflowWizard):
    """Step 4: every choice, then the creates in Adobe's order; a failed create is explained on the step
    that can fix it, and what was made by then is named (it is reused on the next try)."""
    made = progress(wizard.attempt)
    form = ReviewForm(data={"name": names(wizard)["flow"], **wizard.draft("review")})
    context = dict(names=names(wizard), made=made, kinds=KINDS, error=None, failed=None, form=form)
    if request.method == "POST":
        pressed = request.form.get("action", "create")
        if pressed not in ("create", "back"):
            abort(400)
        if pressed == "back":
            wizard.save_draft("review", {"name": form.name.data})
            return go_to("mapping")
        if not form.validate_on_submit():
            return render("review", wizard, 422, **context)
        wizard.save("review", {"name": form.name.data})
        wizard.save_draft("review", None)
        context["names"] = names(wizard)
        try:
            result = create_dataflow(wizard)
        except CreateFailed as failed:
            explained = explain(failed.error)
            where = STEP_OF[failed.kind]
            if isinstance(failed.error, (InvalidRequest, NotFound)) and where != "review":
                flash(gettext("Experience Platform refused this part of the dataflow: %(message)s",
                              message=explained.message), "error")
                if explained.detail:
                    flash(gettext("Adobe says: %(detail)s", detail=explained.detail), "detail")
                return go_to(where)
            context.update(error=explained, failed=failed.kind, made=failed.made)
            return render("review", wizard, explained.status, **context)
        except StillRunning:
            context.update(busy=True)
            return render("review", wizard, 409, **context)
        wizard.finish(result)
        return redirect(url_for("dataflow.page", sandbox=result["sandbox"], flow_id=result["flow_id"]))
    return render("review", wizard, **context)

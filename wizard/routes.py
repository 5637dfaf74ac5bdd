"""One route per step, post/redirect/get. Forms check input; ``Wizard`` keeps the state."""
from __future__ import annotations

import logging

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response

from auth.identity import may
from connector import PlatformError
from web.audit import audit
from web.clients import existing_connections, get_ledger, get_platform
from web.errors import explain
from web.extensions import limiter, posts_only
from web.i18n import gettext
from web.messages import check_message
from web.once import FAILED, PENDING, Pending, StillRunning, now_ms

from . import bp
from .loading import sandboxes_or_none
from .picker import picker, remember
from .forms import ActionForm, KinesisForm, SandboxForm, region_names
from .create import create_again_after, create_connection, record_created
from .steps import KINESIS_FIELDS, Steps, Wizard, current_wizard, step

EXISTING_SHOWN = 10
# The buttons of each step's form; the first is what a submission without one means.
KINESIS_ACTIONS = ("next", "back", "test")
REVIEW_ACTIONS = ("create", "test")
# How often the page waiting for an unanswered create checks again by itself (seconds).
PENDING_REFRESH = 5
# How often the sandbox step, while Adobe is slow to list the sandboxes, comes back by itself (seconds).
LOADING_REFRESH = 1
log = logging.getLogger(__name__)


def go_to(name: str) -> Response:
    return redirect(url_for(f"wizard.{name}"))


def render_step(name: str, status: int = 200, **context) -> tuple[str, int]:
    return render_template(f"wizard/{name}.html", step=name, steps=Steps, **context), status


def action(known: tuple[str, ...]) -> str:
    """The button pressed: one of ``known`` (the first when none was named); anything else is a 400."""
    pressed = request.form.get("action", known[0])
    if pressed not in known:
        abort(400)
    return pressed


@bp.get("/")
def index() -> Response:
    """The wizard starts where the user left off."""
    return go_to(current_wizard().first_incomplete())


@bp.route("/sandbox", methods=["GET", "POST"])
@step("sandbox")
def sandbox(wizard: Wizard):
    """Step 1: choose one of the caller's active sandboxes, listed live."""
    try:
        listing = sandboxes_or_none()
    except PlatformError as error:
        return render_step("sandbox", explain(error).status, form=None, error=explain(error), sandboxes={})
    if listing is None:    # Adobe is slow: say so, and come back by itself (no JavaScript needed)
        page = render_template("wizard/sandbox_loading.html", step="sandbox", steps=Steps)
        return page, 202, {"Refresh": str(LOADING_REFRESH)}
    sandboxes = [s for s in listing if may("create", s.name)]
    form = SandboxForm(data=wizard.data("sandbox"))
    form.sandbox.choices = [(s.name, s.title) for s in sandboxes]
    if request.method == "GET" and not form.sandbox.data and sandboxes:
        form.sandbox.data = next((s.name for s in sandboxes if s.is_default), sandboxes[0].name)
    if form.validate_on_submit():
        title = next(s.title for s in sandboxes if s.name == form.sandbox.data)
        wizard.save("sandbox", {"sandbox": form.sandbox.data, "title": title})
        remember(form.sandbox.data)
        return go_to("kinesis")
    query = request.args.get("q", "")[:100]
    return render_step("sandbox", 422 if form.errors else 200, form=form,
                       sandboxes={s.name: s for s in sandboxes},
                       picker=picker(sandboxes, form.sandbox.data or "", query, form.sandbox))


def unless_action(*actions: str):
    """Exempt a POST from a rate limit unless it does one of ``actions`` (a POST naming no action does its
    form's first one)."""
    return lambda: request.form.get("action", actions[0]) not in actions


# They count POSTs only: on a page that is also shown (GET), they are applied with posts_only.
test_limit = limiter.shared_limit(lambda: current_app.config["TEST_RATE_LIMIT"], scope="kinesis-test",
                                  exempt_when=unless_action("test"))
create_limit = limiter.shared_limit(lambda: current_app.config["CREATE_RATE_LIMIT"], scope="create",
                                    exempt_when=unless_action("create"))


@bp.route("/kinesis", methods=["GET", "POST"])
@posts_only(test_limit)
@step("kinesis")
def kinesis(wizard: Wizard):
    """Step 2: the Kinesis account, or one of the sandbox's existing connections.

    Back saves a draft without validating; Test connection asks Kinesis about the key and stays.
    """
    form = KinesisForm(data=wizard.data("kinesis"), secret_saved=bool(wizard.secret))
    key_check = None
    if request.method == "POST":
        pressed = action(KINESIS_ACTIONS)
        if pressed == "back":
            wizard.save("kinesis", {name: form[name].data for name in KINESIS_FIELDS})
            if form.secret_key.data:
                wizard.set_secret(form.secret_key.data)
            return go_to("sandbox")
        valid = form.validate_on_submit()
        if pressed == "test" and not valid and not form.name.data and set(form.errors) == {"name"}:
            form.name.errors, valid = [], True   # the test asks Kinesis about the key: no name needed yet
        if form.secret_key.data and not form.secret_key.errors:
            wizard.set_secret(form.secret_key.data)
            form.secret_saved = True
        if valid:
            wizard.save("kinesis", {name: form[name].data for name in KINESIS_FIELDS})
            if pressed != "test":
                return go_to("review")
            key_check = check_key(wizard)
    existing, existing_error = list_existing(wizard.sandbox())
    shown = existing[::-1][:EXISTING_SHOWN]   # the newest first; the rest are counted
    return render_step("kinesis", 422 if form.errors else 200, form=form, secret_saved=bool(wizard.secret),
                       key_check=key_check, existing=shown, more_existing=len(existing) - len(shown),
                       existing_error=existing_error, sandbox=wizard.sandbox(),
                       region_names=region_names(str(get_locale())), demo_keys=demo_keys())


def demo_keys() -> list[dict]:
    """Demo mode's Kinesis keys (emulator/demo.py), offered on the page: none outside demo mode."""
    kinesis = current_app.extensions.get("demo_kinesis")
    return getattr(kinesis, "demo_keys", [])


@bp.post("/kinesis/reuse")
@limiter.limit(lambda: current_app.config["CREATE_RATE_LIMIT"], scope="reuse")
@step("kinesis")
def reuse(wizard: Wizard):
    """Take one of the sandbox's Kinesis connections instead of creating another; go on to its data."""
    chosen = request.form.get("connection_id", "")
    existing, _error = list_existing(wizard.sandbox())
    match = next((c for c in existing if c["id"] == chosen), None)
    if match is None:
        flash(gettext("That connection is not one of this sandbox's Kinesis connections."), "error")
        return go_to("kinesis")
    wizard.set_result({"id": match["id"], "sandbox": wizard.sandbox(), "name": match["name"], "reused": True})
    audit("connection.reused", sandbox=wizard.sandbox(), connection_id=match["id"], name=match["name"],
          key_hint=match["key_hint"])
    return redirect(url_for("explore.connection", sandbox=wizard.sandbox(), connection_id=match["id"]))


@bp.route("/review", methods=["GET", "POST"])
@posts_only(test_limit, create_limit)
@step("review")
def review(wizard: Wizard):
    """Step 3: every value on one page; the create, made once whatever the user does."""
    form = ActionForm()
    # Made when the page is shown, so that every submission of it (two tabs, a double click reaching two
    # instances at once) names the same attempt.
    attempt = wizard.attempt_id()
    if not form.validate_on_submit():
        return render_step("review", **review_context(wizard, form))
    if action(REVIEW_ACTIONS) == "test":
        return render_step("review", key_check=check_key(wizard), **review_context(wizard, form))
    try:
        result = create_connection(wizard, get_ledger(), attempt)
    except (Pending, StillRunning):
        return go_to("pending")      # sent, or being sent by another request: that page follows it
    except PlatformError as error:
        return create_failed(wizard, form, error, attempt)
    wizard.set_result(result)
    return go_to("done")


def review_context(wizard: Wizard, form: ActionForm) -> dict:
    """What the review page shows: every value, the secret masked, an existing connection for the same key
    in the same region (a connection is tied to one region: the same key elsewhere is another connection)."""
    existing, _error = list_existing(wizard.sandbox())
    kinesis = wizard.data("kinesis")
    same = (kinesis.get("access_key_id"), kinesis.get("region"))
    region = str(kinesis.get("region") or "")
    return dict(form=form, sandbox=wizard.sandbox(), kinesis=kinesis, masked_secret=wizard.masked_secret,
                sandbox_title=wizard.data("sandbox").get("title") or "",
                region_name=region_names(str(get_locale())).get(region, region),
                duplicate=next((c for c in existing if (c["access_key_id"], c["region"]) == same), None))


def create_failed(wizard: Wizard, form: ActionForm, error: PlatformError, attempt: str):
    """A create Adobe refused (or that could not be sent): on the step that can fix it, else on the review."""
    explanation = explain(error)
    log.warning("create failed: %s (attempt %s)", type(error).__name__, attempt[:8])
    if explanation.step in ("sandbox", "kinesis"):
        flash(explanation.message, "error")
        if explanation.detail:
            flash(gettext("Adobe says: %(detail)s", detail=explanation.detail), "detail")
        return go_to(explanation.step)
    return render_step("review", explanation.status, error=explanation, **review_context(wizard, form))


@bp.get("/review/pending")
@step("review")
def pending(wizard: Wizard):
    """A create went unanswered: whether Adobe made the connection is not known. Every visit looks for it
    (one list call, one request at a time across instances), and the page comes back by itself (the
    Refresh header: no JavaScript needed); when found, it is the result. Only when nothing was found long after
    the create was sent is the person offered to create it again."""
    ledger, attempt = get_ledger(), wizard.attempt_id()
    data, sandbox, credentials = wizard.data("kinesis"), wizard.sandbox(), wizard.credentials()
    connections = get_platform().connections

    def find(since_ms: int) -> dict | None:
        made = connections.find_recent(sandbox, data["name"], credentials.access_key_id, since_ms)
        return None if made is None else record_created(wizard, made)

    look_failed = False
    try:
        result = ledger.look(attempt, find)
    except PlatformError as error:
        log.warning("look for an unanswered create failed: %s (attempt %s)", type(error).__name__, attempt[:8])
        result, look_failed = None, True
    if result is not None:
        wizard.set_result(result)
        return go_to("done")
    state = ledger.state(attempt)
    if state is None or state["state"] == FAILED:
        return go_to("review")       # nothing is waiting: the review page says what happened, or creates
    waited = max(0, now_ms() - state["sent_at"]) // 1000
    after = create_again_after()
    auto = request.args.get("auto") != "off"
    page = render_template("wizard/pending.html", step="review", steps=Steps, form=ActionForm(),
                           sandbox=sandbox, name=data.get("name", ""), sent_at=state["sent_at"], waited=waited,
                           may_create_again=state["state"] == PENDING and waited >= after,
                           again_minutes=round(after / 60), look_failed=look_failed,
                           refresh=PENDING_REFRESH if auto else None, auto=auto)
    # The Refresh header brings the page back by itself, with no JavaScript; a link on the page turns it
    # off (WCAG 2.2.1), and no meta element in the page moves under the reader's eyes.
    return page, 202, ({"Refresh": str(PENDING_REFRESH)} if auto else {})


@bp.post("/review/pending")
@create_limit
@step("review")
def create_again(wizard: Wizard):
    """The person's "Create again" for a create whose outcome stayed unknown: sent once, however many tabs
    or instances press it (the ledger decides under its claim, for the create sent at ``sent_at``)."""
    form = ActionForm()
    if not form.validate_on_submit():
        return go_to("pending")
    try:
        sent_at = int(request.form.get("sent_at", ""))
    except ValueError:
        abort(400)
    attempt = wizard.attempt_id()
    try:
        result = create_connection(wizard, get_ledger(), attempt, again_since=sent_at)
    except (Pending, StillRunning):
        return go_to("pending")
    except PlatformError as error:
        return create_failed(wizard, form, error, attempt)
    wizard.set_result(result)
    return go_to("done")


def check_key(wizard: Wizard) -> dict:
    """Ask Kinesis about the wizard's key; the answer, in the user's words, for the page."""
    result = get_platform().check_kinesis(wizard.credentials())
    return {"ok": result.ok, "warning": result.problem == "no_streams",
            "message": check_message(result), "streams": result.streams}


def list_existing(sandbox: str) -> tuple[list[dict], object]:
    """The sandbox's Kinesis connections, or the explanation of why they could not be listed; none for
    someone who may not explore the sandbox."""
    if not may("explore", sandbox):
        return [], None
    try:
        return existing_connections(sandbox), None
    except PlatformError as error:
        return [], explain(error)

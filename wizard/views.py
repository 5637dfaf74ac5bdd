"""One route per step, post/redirect/get. Forms check input; ``Wizard`` keeps the state."""
from __future__ import annotations

import hashlib
import logging
import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from connector import KinesisCredentials, PlatformError
from connector.kinesis import CHECK_MESSAGES

from .errors import explain
from .forms import ActionForm, KinesisForm, SandboxForm
from .i18n import LANGUAGES, gettext
from .once import OnceLedger, StillRunning
from .platform import available_sandboxes, existing_connections, get_ledger, get_platform, remember_connection
from .security import audit, limiter
from .steps import KINESIS_FIELDS, Steps, Wizard

bp = Blueprint("wizard", __name__)
EXISTING_SHOWN = 10
log = logging.getLogger(__name__)


def current_wizard() -> Wizard:
    """This user's wizard, its secret sealed with the app's key."""
    return Wizard(session, current_app.extensions["secret_box"])


def go_to(step: str) -> Response:
    return redirect(url_for(f"wizard.{step}"))


def guard(wizard: Wizard, step: str) -> Response | None:
    """Send the user to the first incomplete step when ``step`` cannot be shown yet."""
    if wizard.may_show(step):
        return None
    return go_to(wizard.first_incomplete())


def render_step(step: str, status: int = 200, **context) -> tuple[str, int]:
    return render_template(f"wizard/{step}.html", step=step, steps=Steps, **context), status


@bp.get("/")
def index() -> Response:
    """The wizard starts where the user left off."""
    return go_to(current_wizard().first_incomplete())


@bp.route("/sandbox", methods=["GET", "POST"])
def sandbox():
    """Step 1: choose one of the caller's active sandboxes, listed live."""
    wizard = current_wizard()
    if (elsewhere := guard(wizard, "sandbox")) is not None:
        return elsewhere
    try:
        sandboxes = available_sandboxes()
    except PlatformError as error:
        return render_step("sandbox", explain(error).status, form=None, error=explain(error), sandboxes={})
    form = SandboxForm(data=wizard.data("sandbox"))
    form.sandbox.choices = [(s.name, s.title) for s in sandboxes]
    if request.method == "GET" and not form.sandbox.data and sandboxes:
        form.sandbox.data = next((s.name for s in sandboxes if s.is_default), sandboxes[0].name)
    if form.validate_on_submit():
        wizard.save("sandbox", {"sandbox": form.sandbox.data})
        return go_to("kinesis")
    return render_step("sandbox", 422 if form.errors else 200, form=form,
                       sandboxes={s.name: s for s in sandboxes})


def unless_action(*actions: str):
    """Exempt a request from a rate limit unless it is a POST doing one of ``actions``."""
    return lambda: request.method != "POST" or request.form.get("action", "create") not in actions


test_limit = limiter.shared_limit(lambda: current_app.config["TEST_RATE_LIMIT"], scope="kinesis-test",
                                  exempt_when=unless_action("test"))
create_limit = limiter.shared_limit(lambda: current_app.config["CREATE_RATE_LIMIT"], scope="create",
                                    exempt_when=unless_action("create"))


@bp.route("/kinesis", methods=["GET", "POST"])
@test_limit
def kinesis():
    """Step 2: the Kinesis account, or one of the sandbox's existing connections.

    Back saves a draft without validating; Test connection asks Kinesis about the key and stays.
    """
    wizard = current_wizard()
    if (elsewhere := guard(wizard, "kinesis")) is not None:
        return elsewhere
    form = KinesisForm(data=wizard.data("kinesis"), secret_saved=bool(wizard.secret))
    key_check = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "back":
            wizard.save("kinesis", {name: form[name].data for name in KINESIS_FIELDS})
            if form.secret_key.data:
                wizard.set_secret(form.secret_key.data)
            return go_to("sandbox")
        valid = form.validate_on_submit()
        if form.secret_key.data and not form.secret_key.errors:
            wizard.set_secret(form.secret_key.data)
            form.secret_saved = True
        if valid:
            wizard.save("kinesis", {name: form[name].data for name in KINESIS_FIELDS})
            if action != "test":
                return go_to("review")
            key_check = check_key(wizard)
    existing, existing_error = list_existing(wizard.sandbox())
    shown = existing[::-1][:EXISTING_SHOWN]   # the newest first; the rest are counted
    return render_step("kinesis", 422 if form.errors else 200, form=form, secret_saved=bool(wizard.secret),
                       key_check=key_check, existing=shown, more_existing=len(existing) - len(shown),
                       existing_error=existing_error, sandbox=wizard.sandbox())


@bp.post("/kinesis/reuse")
@limiter.limit(lambda: current_app.config["CREATE_RATE_LIMIT"], scope="reuse")
def reuse():
    """Take one of the sandbox's Kinesis connections instead of creating another; go on to its data."""
    wizard = current_wizard()
    if (elsewhere := guard(wizard, "kinesis")) is not None:
        return elsewhere
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


def attempt_id(wizard: Wizard) -> str:
    """The same id for every submission of the same details in this wizard, a new one when they change."""
    nonce = wizard.attempt
    if nonce is None:
        nonce = secrets.token_urlsafe(16)
        wizard.set_attempt(nonce)
    details = repr((wizard.sandbox(), sorted(wizard.data("kinesis").items()),
                    hashlib.sha256(wizard.secret.encode()).hexdigest()))
    return nonce + "-" + hashlib.sha256(details.encode()).hexdigest()[:32]


def mask(secret: str) -> str:
    """The secret as the review page shows it: dots and at most its last four characters."""
    return "•" * 8 + secret[-4:] if len(secret) >= 12 else "•" * 8


@bp.route("/review", methods=["GET", "POST"])
@test_limit
@create_limit
def review():
    """Step 3: every value on one page; the create, made once whatever the user does."""
    wizard = current_wizard()
    if wizard.result is not None:
        return go_to("done")
    if (elsewhere := guard(wizard, "review")) is not None:
        return elsewhere
    form = ActionForm()
    attempt = attempt_id(wizard)
    existing, _error = list_existing(wizard.sandbox())
    key = wizard.data("kinesis").get("access_key_id")
    context = dict(form=form, sandbox=wizard.sandbox(), kinesis=wizard.data("kinesis"),
                   masked_secret=mask(wizard.secret), duplicate=next((c for c in existing
                                                                      if c["access_key_id"] == key), None))
    if not form.validate_on_submit():
        return render_step("review", **context)
    if request.form.get("action") == "test":
        return render_step("review", key_check=check_key(wizard), **context)
    try:
        result = create_connection(wizard, get_ledger(), attempt)
    except (PlatformError, StillRunning) as error:
        explanation = explain(error)
        log.warning("create failed: %s (attempt %s)", type(error).__name__, attempt[:8])
        if explanation.step in ("sandbox", "kinesis"):
            flash(explanation.message, "error")
            if explanation.detail:
                flash(gettext("Adobe says: %(detail)s", detail=explanation.detail), "detail")
            return go_to(explanation.step)
        return render_step("review", explanation.status, error=explanation, **context)
    wizard.set_result(result)
    return go_to("done")


def check_key(wizard: Wizard) -> dict:
    """Ask Kinesis about the wizard's key; the answer, in the user's words, for the page."""
    data = wizard.data("kinesis")
    result = get_platform().check_kinesis(KinesisCredentials(data["access_key_id"], wizard.secret, data["region"]))
    return {"ok": result.ok, "warning": result.problem == "no_streams",
            "message": gettext(CHECK_MESSAGES[result.code], **result.values()), "streams": result.streams}


def list_existing(sandbox: str) -> tuple[list[dict], object]:
    """The sandbox's Kinesis connections, or the explanation of why they could not be listed."""
    try:
        return existing_connections(sandbox), None
    except PlatformError as error:
        return [], explain(error)


def create_connection(wizard: Wizard, ledger: OnceLedger, attempt: str) -> dict:
    """Create the connection for ``attempt`` once; a retry first looks for what an earlier try made."""
    data, sandbox = wizard.data("kinesis"), wizard.sandbox()
    credentials = KinesisCredentials(data["access_key_id"], wizard.secret, data["region"])
    flow = get_platform().flow

    def create(earlier_try_ms: int | None) -> dict:
        made = None
        if earlier_try_ms is not None:
            made = flow.find_recent(sandbox, data["name"], credentials.access_key_id, earlier_try_ms)
        if made is None:
            made = flow.create_kinesis_connection(sandbox, data["name"], data.get("description") or "", credentials)
        audit("connection.created", sandbox=sandbox, connection_id=made.id, name=data["name"],
              key_hint=credentials.key_hint)
        remember_connection(sandbox, {"id": made.id, "name": data["name"], "key_hint": credentials.key_hint,
                                      "access_key_id": credentials.access_key_id, "region": credentials.region,
                                      "state": "enabled"})
        return {"id": made.id, "sandbox": sandbox, "name": data["name"]}

    return ledger.run(attempt, create)


@bp.get("/done")
def done():
    """Step 4: the new connection's id, its sandbox, Flow Service's test of it, the way on to its data."""
    wizard = current_wizard()
    if (elsewhere := guard(wizard, "done")) is not None:
        return elsewhere
    result = wizard.result
    if "test" not in result:  # asked once; a refresh shows the same answer
        try:
            result = {**result, "test": get_platform().flow.test_connection(result["sandbox"], result["id"])}
            wizard.set_result(result)
        except PlatformError:
            pass
    return render_step("done", result=result, test_result=result.get("test"))


@bp.get("/language/<code>")
def language(code: str) -> Response:
    """Switch the language; the wizard's state stays as it is."""
    if code in LANGUAGES:
        session["lang"] = code
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("wizard.index")
    return redirect(target)


@bp.post("/start-over")
def start_over() -> Response:
    """Forget the whole wizard, the secret included."""
    current_wizard().reset()
    flash(gettext("Everything was cleared. You can start again."), "info")
    return go_to("sandbox")


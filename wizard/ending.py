"""The wizard's last page and its ways out: the done page, Connect another account (the same sandbox, a
new account), Start over (asked for first, on a page of its own: it works without JavaScript), the
language switch."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from connector import PlatformError
from web.clients import get_platform
from web.i18n import LANGUAGES, gettext
from web.urls import local_path

from . import bp
from .forms import ActionForm, KinesisForm
from .steps import KINESIS_FIELDS, Steps, Wizard, current_wizard, step


@bp.get("/done")
@step("done")
def done(wizard: Wizard):
    """Step 4: the new connection's id, its sandbox, Flow Service's test of it, the way on to its data."""
    result = wizard.result
    if "test" not in result:  # asked once; a refresh shows the same answer
        try:
            result = {**result, "test": get_platform().connections.test_connection(result["sandbox"], result["id"])}
            wizard.set_result(result)
        except PlatformError:
            pass
    return render_template("wizard/done.html", step="done", steps=Steps, result=result,
                           test_result=result.get("test"), skipped=("review",) if result.get("reused") else ())


@bp.post("/another")
def another() -> Response:
    """Connect another account: a new wizard in the same sandbox, at the Kinesis step."""
    form = ActionForm()
    wizard = current_wizard()
    if not form.validate_on_submit():
        return redirect(url_for("wizard.index"))
    chosen = wizard.data("sandbox")
    wizard.reset()
    if chosen:
        current_wizard().save("sandbox", chosen)
    return redirect(url_for("wizard.index"))


@bp.route("/language/<code>", methods=["GET", "POST"])
def language(code: str) -> Response:
    """Switch the language; the wizard's state stays as it is. A POST comes from the Kinesis step's form
    (its language buttons): what was typed there is saved first, as Back saves it, the secret sealed."""
    if code in LANGUAGES:
        session["lang"] = code
    if request.method == "POST":
        save_typed()
    return redirect(local_path(request.args.get("next", "")) or url_for("wizard.index"),
                    303 if request.method == "POST" else 302)


def save_typed() -> None:
    """Save what the Kinesis step's form sent, unchecked, as Back saves it (the secret sealed)."""
    wizard = current_wizard()
    if "name" in request.form and wizard.may_show("kinesis") and wizard.result is None:
        form = KinesisForm(meta={"csrf": False})
        wizard.save("kinesis", {name: form[name].data for name in KINESIS_FIELDS})
        if form.secret_key.data:
            wizard.set_secret(form.secret_key.data)


@bp.post("/start-over/ask")
def ask_start_over() -> Response:
    """Start over pressed on the Kinesis step: its form is saved, then the question asked."""
    save_typed()
    return redirect(url_for("wizard.confirm_start_over", back=local_path(request.args.get("back", "")) or None), 303)


@bp.get("/start-over")
def confirm_start_over():
    """Start over asks first: what it clears, and a way back."""
    back = local_path(request.args.get("back", "")) or url_for("wizard.index")
    return render_template("wizard/start_over.html", form=ActionForm(), back=back)


@bp.post("/start-over")
def start_over() -> Response:
    """Forget the whole wizard, the secret included."""
    current_wizard().reset()
    flash(gettext("Everything was cleared. You can start again."), "info")
    return redirect(url_for("wizard.sandbox"))

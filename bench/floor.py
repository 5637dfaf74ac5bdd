"""The stack floor: the app as it is served, plus one page that does what every page of it does and no
more. It reads the session and renders a small template with one CSRF form, through the same
extensions and middleware as the wizard's pages (security headers, proxy rules, session checks, CSRF,
languages). The benchmark serves this app, so the floor and the pages are measured by the same
gunicorn processes in the same run; the page exists nowhere else.

A second page, for context, is the wizard's layout (``base.html``: masthead, language links, the step
list, the footer's form) around the same one form: what every step pays before its own content.

    gunicorn 'bench.floor:create_app()'
"""
from __future__ import annotations

from flask import Blueprint, Flask, render_template, session

import app as wizard_app
from wizard.steps import Steps

FLOOR_PATH = "/_bench/floor"
LAYOUT_PATH = "/_bench/layout"
bp = Blueprint("bench_floor", __name__, template_folder="templates")


@bp.get(FLOOR_PATH)
def floor():
    """The floor page: the session read, a small template, one CSRF form."""
    return render_template("bench/floor.html", returning=session.get("seen") is not None)


@bp.get(LAYOUT_PATH)
def layout():
    """The wizard's layout around the floor's one form, as the second step shows it."""
    return render_template("bench/layout.html", step="kinesis", steps=Steps)


def create_app() -> Flask:
    """The wizard's app (``app.create_app()``, settings from the environment) with the two pages above."""
    app = wizard_app.create_app()
    app.register_blueprint(bp)
    return app

"""The stack floor: the app as it is served, plus one page that does what every page of it does and no
more. It reads the session and renders a small template with one CSRF form, through the same
extensions and middleware as the wizard's pages (security headers, proxy rules, session checks, CSRF,
languages). The benchmark serves this app, so the floor and the pages are measured by the same
gunicorn processes in the same run; the page exists nowhere else.

A second page, for context, is the wizard's layout (``base.html``: masthead, language links, the step
list, the footer's form) around the same one form: what every step pays before its own content.

And any page asked with ``?_bench_template=off`` does everything it does (the guard, the session, its
forms, its reads of Adobe's answers, the context processors) except render its template, answering a
short text instead: the report's "without its template" rows, what no work on the templates can go below.

    gunicorn 'bench.floor:create_app()'
"""
from __future__ import annotations

from flask import Blueprint, Flask, has_request_context, render_template, request, session
from jinja2 import Template

import app as wizard_app
from wizard.steps import Steps

FLOOR_PATH = "/_bench/floor"
LAYOUT_PATH = "/_bench/layout"
NO_TEMPLATE = "_bench_template=off"
bp = Blueprint("bench_floor", __name__, template_folder="templates")


@bp.get(FLOOR_PATH)
def floor():
    """The floor page: the session read, a small template, one CSRF form."""
    return render_template("bench/floor.html", returning=session.get("seen") is not None)


@bp.get(LAYOUT_PATH)
def layout():
    """The wizard's layout around the floor's one form, as the second step shows it."""
    return render_template("bench/layout.html", step="kinesis", steps=Steps)


class SkippableTemplate(Template):
    """A template that is not rendered for a request asking ``?_bench_template=off``."""

    def render(self, *args, **kwargs) -> str:
        if has_request_context() and request.query_string == NO_TEMPLATE.encode():
            return "template skipped"
        return super().render(*args, **kwargs)


def add_bench_pages(app: Flask) -> Flask:
    """``app`` with the two pages above, and templates that a request can ask to skip."""
    app.jinja_env.template_class = SkippableTemplate
    app.jinja_env.cache.clear()
    app.register_blueprint(bp)
    return app


def create_app() -> Flask:
    """The wizard's app (``app.create_app()``, settings from the environment), with the benchmark's pages."""
    return add_bench_pages(wizard_app.create_app())

"""For context only: the smallest Flask app, one plain page, served by the same gunicorn settings.

Pages are measured against the stack floor (bench/floor.py), not against this page: it has none of the
app's extensions or middleware.
"""
from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def page():
        return "<!doctype html><title>ok</title><p>ok</p>"

    return app

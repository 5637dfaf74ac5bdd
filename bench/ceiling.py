"""The ceiling: the smallest Flask app, one plain page, served by the same gunicorn settings."""
from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def page():
        return "<!doctype html><title>ok</title><p>ok</p>"

    return app

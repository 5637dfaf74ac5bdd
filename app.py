"""The Kinesis connection wizard: create_app() builds the Flask app.

With no Adobe credentials configured (environment or `.env`, see config.py) it starts the platform
emulator in this process and runs on it (demo mode); with AEP_* set it talks to that platform and
starts nothing. Whichever way it is started (gunicorn, flask run, python app.py), create_app also sets
up logging and compiles a missing message catalogue.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

import web
from auth import init_auth
from config import Config, require_strong_secret_key
from connector import Platform, Settings
from web.clients import init_platform
from web.logs import configure_logging
from web.templating import WebApp

log = logging.getLogger(__name__)
DEMO_CLIENT_ID = "kinesis-wizard-demo"


def create_app(test_config: Mapping[str, Any] | None = None, *, config: Config | None = None) -> Flask:
    """Build the app: settings, the platform client, extensions, blueprints, error pages.

    ``config`` is every setting, read once (``Config.load()``: the environment, then `.env`, when not
    given); ``test_config`` overrides single Flask config keys on top of it.
    """
    config = config or Config.load()
    app = WebApp(__name__, instance_relative_config=True,
                 instance_path=(test_config or {}).get("INSTANCE_PATH"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.flask_config())
    if test_config:
        app.config.update(test_config)
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])

    settings = app.config["AEP_SETTINGS"] or config.aep
    if settings.demo_mode:
        settings = start_demo_platform(app, settings)
    app.config["DEMO_MODE"] = app.extensions.get("demo_emulator") is not None
    if app.config["SESSION_COOKIE_SECURE"] is None:        # HTTPS-only cookies outside demo mode
        app.config["SESSION_COOKIE_SECURE"] = not app.config["DEMO_MODE"]
    if app.config["DEMO_MODE"] and not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret(app)
    require_strong_secret_key(app.config["SECRET_KEY"])

    init_platform(app, Platform(settings))
    web.init_app(app)
    init_auth(app)
    register_blueprints(app)
    return app


def register_blueprints(app: Flask) -> None:
    """The app's areas: the create wizard, a connection's page, looking after connections, the dataflow
    wizard with its page; and the ``flask kinesis`` commands."""
    import dataflow
    import explore
    import manage
    import wizard
    from cli import kinesis

    app.register_blueprint(wizard.bp)
    app.register_blueprint(explore.bp)
    app.register_blueprint(manage.bp)
    app.cli.add_command(kinesis)
    app.register_blueprint(dataflow.bp)


def start_demo_platform(app: Flask, settings: Settings) -> Settings:
    """Start the emulator on a free loopback port, and a local Kinesis (moto, with demo streams) unless
    ``settings`` name one (KINESIS_ENDPOINT_URL: a developer's own LocalStack or moto, explored as it is);
    return ``settings`` aimed at them."""
    from emulator import DEFAULT_ORG_ID, EmulatorServer
    from emulator.demo import seed_demo_platform, start_demo_kinesis

    kinesis_url = settings.kinesis_endpoint_url
    if not kinesis_url:
        kinesis = start_demo_kinesis(keys=True)    # offered on the Kinesis step (demo_keys)
        app.extensions["demo_kinesis"] = kinesis
        kinesis_url = kinesis.url
    data_dir = Path(app.config["EMULATOR_DATA_DIR"] or Path(app.instance_path) / "emulator")
    org_id = app.config["EMULATOR_ORG_ID"] or DEFAULT_ORG_ID
    server = EmulatorServer(data_dir, org_id=org_id, kinesis_endpoint_url=kinesis_url).start()
    seed_demo_platform(server.app)
    app.extensions["demo_emulator"] = server
    log.info("Demo mode: platform emulator on %s, Kinesis on %s%s", server.url, kinesis_url,
             "" if "demo_kinesis" in app.extensions else " (KINESIS_ENDPOINT_URL)")
    return replace(settings.with_endpoints(server.url, server.url, kinesis_url), client_id=DEMO_CLIENT_ID,
                   client_secret=secrets.token_urlsafe(24), org_id=org_id)


def instance_secret(app: Flask) -> str:
    """A secret key kept in the instance folder, so that demo sessions survive a restart."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


if __name__ == "__main__":
    config = Config.load()
    print(f"Kinesis wizard on http://127.0.0.1:{config.port}/", flush=True)
    create_app(config=config).run(host="127.0.0.1", port=config.port, threaded=True)

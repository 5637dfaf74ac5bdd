"""The Kinesis connection wizard: create_app() builds the Flask app.

With no Adobe credentials in the environment it starts the platform emulator in this process and
runs on it (demo mode); with AEP_* set it talks to that platform and starts nothing.
"""
from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from config import Config, require_strong_secret_key
from connector import Platform, Settings

log = logging.getLogger(__name__)
DEMO_CLIENT_ID = "kinesis-wizard-demo"


def create_app(test_config: Mapping[str, Any] | None = None, *, config: Config | None = None) -> Flask:
    """Build the app: settings, the platform client, extensions, blueprints, error pages.

    ``config`` is every setting, read once (``Config.load()``: the environment, then `.env`, when not
    given); ``test_config`` overrides single Flask config keys on top of it.
    """
    config = config or Config.load()
    app = Flask(__name__, instance_relative_config=True,
                instance_path=(test_config or {}).get("INSTANCE_PATH"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.flask_config())
    if test_config:
        app.config.update(test_config)

    settings = app.config["AEP_SETTINGS"] or config.aep
    if settings.demo_mode:
        settings = start_demo_platform(app)
    app.config["DEMO_MODE"] = app.extensions.get("demo_emulator") is not None
    if app.config["SESSION_COOKIE_SECURE"] is None:        # HTTPS-only cookies outside demo mode
        app.config["SESSION_COOKIE_SECURE"] = not app.config["DEMO_MODE"]
    if app.config["DEMO_MODE"] and not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret(app)
    require_strong_secret_key(app.config["SECRET_KEY"])
    app.extensions["platform"] = Platform(settings)

    from wizard import register

    register(app)
    return app


def start_demo_platform(app: Flask) -> Settings:
    """Start a local Kinesis (moto, with demo streams) and the emulator on free loopback ports; return
    settings aimed at them."""
    from emulator import DEFAULT_ORG_ID, EmulatorServer
    from emulator.demo import start_demo_kinesis

    kinesis = start_demo_kinesis()
    data_dir = Path(app.config["EMULATOR_DATA_DIR"] or Path(app.instance_path) / "emulator")
    org_id = app.config["EMULATOR_ORG_ID"] or DEFAULT_ORG_ID
    server = EmulatorServer(data_dir, org_id=org_id, kinesis_endpoint_url=kinesis.url).start()
    app.extensions["demo_emulator"] = server
    app.extensions["demo_kinesis"] = kinesis
    log.info("Demo mode: platform emulator on %s, Kinesis on %s", server.url, kinesis.url)
    return Settings(platform_url=server.url, ims_url=server.url, client_id=DEMO_CLIENT_ID,
                    client_secret=secrets.token_urlsafe(24), org_id=org_id, kinesis_endpoint_url=kinesis.url)


def instance_secret(app: Flask) -> str:
    """A secret key kept in the instance folder, so that demo sessions survive a restart."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = Config.load()
    print(f"Kinesis wizard on http://127.0.0.1:{config.port}/", flush=True)
    create_app(config=config).run(host="127.0.0.1", port=config.port, threaded=True)

"""The Kinesis connection wizard: create_app() builds the Flask app.

With no Adobe credentials configured (environment or `.env`, see config.py) it starts the platform
emulator in this process and runs on it (demo mode); with AEP_* set it talks to that platform and
starts nothing. Whichever way it is started (gunicorn, flask run, python app.py), create_app also sets
up logging and compiles a missing message catalogue.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import tempfile
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
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
    app.extensions["platform"] = Platform(settings)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(app.root_path) / "translations"))
    compile_catalogues(app)

    from wizard import register

    register(app)
    return app


LOG_HANDLER = "kinesis-wizard"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str, form: str) -> None:
    """Send log records to stdout, one JSON object per line (``form`` "json") or as text, at ``level``.

    Done here rather than where the app is run, so that gunicorn, ``flask run`` and ``python app.py``
    all log alike. Idempotent: the handler is found by name and reset, never added twice. Only the root
    logger is touched; gunicorn's error and access loggers keep their own handlers (they do not
    propagate to the root).
    """
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == LOG_HANDLER), None)
    if handler is None:
        handler = StdoutHandler()
        handler.set_name(LOG_HANDLER)
        root.addHandler(handler)
    handler.setFormatter(JsonLines() if form == "json" else logging.Formatter(TEXT_FORMAT))
    root.setLevel(level)


class StdoutHandler(logging.StreamHandler):
    """A handler writing to whatever ``sys.stdout`` is when a record comes (not the one at start, which
    a test's capture or a server's redirection may have replaced and closed since)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stdout

    @stream.setter
    def stream(self, value) -> None:
        pass


class JsonLines(logging.Formatter):
    """A record as one JSON object: ``at``, ``level``, ``logger``, ``message``, and ``exception`` when
    there is one.

    A message that is itself a JSON object (the audit log's) comes out as that object with the
    envelope's fields added, not as a string of JSON inside JSON; the envelope wins a clash, so that a
    message cannot pass itself off as another level or logger. Its ``message`` is its ``event``.
    """

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        fields = json_object(message)
        line = {"at": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name,
                "message": message if fields is None else str(fields.get("message", fields.get("event", "")))}
        if fields:
            line = {**line, **{k: v for k, v in fields.items() if k not in line}}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def json_object(message: str) -> dict | None:
    """The message as a dict when it is a JSON object, else None."""
    if not (message.startswith("{") and message.endswith("}")):
        return None
    try:
        value = json.loads(message)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def compile_catalogues(app: Flask) -> None:
    """Compile each ``*/LC_MESSAGES/messages.po`` whose ``.mo`` is missing or older than it.

    Without this, an app started by gunicorn or ``flask run`` before ``make`` compiled the catalogues
    serves English under ``lang="fr"`` and says nothing. The ``.mo`` goes beside its ``.po``; where that
    folder cannot be written, every catalogue of it is compiled into the instance folder instead and
    ``BABEL_TRANSLATION_DIRECTORIES`` points there. Must run before Flask-Babel reads that setting.
    """
    roots = []
    for root in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"):
        source = Path(app.root_path, root)
        try:
            compile_stale(source, source)
        except OSError as error:
            target = Path(app.instance_path) / "translations"
            log.warning("cannot write compiled catalogues into %s (%s); compiling them into %s",
                        source, type(error).__name__, target)
            compile_stale(source, target)
            root = str(target)
        roots.append(root)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(roots)


def compile_stale(source: Path, target: Path) -> None:
    """Compile ``source/<lang>/LC_MESSAGES/messages.po`` to ``target/<lang>/...messages.mo`` where that is
    missing or older."""
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as file:
            catalogue = read_po(file, locale=po.parent.parent.name)
        mo.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then renamed over: gunicorn's workers start together, and none may read half a file.
        with tempfile.NamedTemporaryFile(dir=mo.parent, prefix=".messages-", suffix=".mo", delete=False) as out:
            try:
                write_mo(out, catalogue)
            except BaseException:
                os.unlink(out.name)
                raise
        os.chmod(out.name, 0o644)
        os.replace(out.name, mo)
        log.info("compiled %s", mo)


def start_demo_platform(app: Flask, settings: Settings) -> Settings:
    """Start the emulator on a free loopback port, and a local Kinesis (moto, with demo streams) unless
    ``settings`` name one (KINESIS_ENDPOINT_URL: a developer's own LocalStack or moto, explored as it is);
    return ``settings`` aimed at them."""
    from emulator import DEFAULT_ORG_ID, EmulatorServer
    from emulator.demo import start_demo_kinesis

    kinesis_url = settings.kinesis_endpoint_url
    if not kinesis_url:
        kinesis = start_demo_kinesis()
        app.extensions["demo_kinesis"] = kinesis
        kinesis_url = kinesis.url
    data_dir = Path(app.config["EMULATOR_DATA_DIR"] or Path(app.instance_path) / "emulator")
    org_id = app.config["EMULATOR_ORG_ID"] or DEFAULT_ORG_ID
    server = EmulatorServer(data_dir, org_id=org_id, kinesis_endpoint_url=kinesis_url).start()
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

"""Logging for every way of starting the app: JSON lines (or text) on stdout, at the configured level."""
from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path
from datetime import datetime, timezone

LOG_HANDLER = "kinesis-wizard"
# The sign-in's callback carries a one-time code and the state in its query: access lines show neither.
SIGN_IN_VALUES = re.compile(r"([?&](?:code|state)=)[^&\s\"]+")
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
    if not any(isinstance(f, HideSignInValues) for f in handler.filters):
        handler.addFilter(HideSignInValues())
    root.setLevel(level)


def running_a_command() -> bool:
    """True when this process runs ``flask … kinesis …`` (Flask's CLI, with the app's own commands)."""
    # Started as .../bin/flask, or as .../flask/__main__.py (python -m flask).
    started_as = Path(sys.argv[0]).parts[-2:] if sys.argv else ()
    return any(part.startswith("flask") for part in started_as) and "kinesis" in sys.argv[1:]


def logs_to_stderr() -> None:
    """Write the app's log records to stderr from now on (the ``flask kinesis`` commands)."""
    for handler in logging.getLogger().handlers:
        if handler.get_name() == LOG_HANDLER and isinstance(handler, StdoutHandler):
            handler.to_stderr = True


class HideSignInValues(logging.Filter):
    """Blank out the sign-in callback's ``code`` and ``state`` in any line (the development server's
    access lines quote the whole URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "code=" in message or "state=" in message:
            record.msg, record.args = SIGN_IN_VALUES.sub(r"\1[hidden]", message), None
        return True


class StdoutHandler(logging.StreamHandler):
    """A handler writing to whatever ``sys.stdout`` is when a record comes (not the one at start, which
    a test's capture or a server's redirection may have replaced and closed since)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)
        # The command line keeps stdout for its own output (a table, or JSON for scripts), from the start:
        # the app is built (and may log) before any command runs.
        self.to_stderr = running_a_command()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr if self.to_stderr else sys.stdout

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

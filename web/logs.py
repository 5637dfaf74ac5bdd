"""Logging for every way of starting the app: JSON lines (or text) on stdout, at the configured level."""
from __future__ import annotations

import json
import logging
import re
import sys
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

"""The server-side stores: sessions (Flask-Session, wrapped by ``web.sessions``), the general cache and
the create ledger, in files under the instance folder, or in Redis when ``REDIS_URL`` is set."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import redis
from cachelib import BaseCache, FileSystemCache, RedisCache
from flask import Flask

from .extensions import server_session
from .once import CacheClaims, FileClaims, OnceLedger
from .sessions import ResilientSessions

log = logging.getLogger(__name__)
PRUNE_EVERY = 300.0   # seconds between two passes over a folder of files that remove the expired ones


def init_stores(app: Flask) -> None:
    """Bind sessions, the general cache and the create ledger to files or Redis."""
    instance = Path(app.instance_path)
    if app.config["REDIS_URL"]:
        client = redis.Redis.from_url(app.config["REDIS_URL"])
        app.config.setdefault("SESSION_TYPE", "redis")
        app.config.setdefault("SESSION_REDIS", client)
        cache: BaseCache = RedisCache(host=client, key_prefix="kinesis-wizard:cache:")
        ledger_store: BaseCache = RedisCache(host=client, key_prefix="kinesis-wizard:")
        claims: Any = CacheClaims(ledger_store)
    else:
        app.config.setdefault("SESSION_TYPE", "cachelib")
        app.config.setdefault("SESSION_CACHELIB", ExpiringFileCache(str(instance / "sessions"), mode=0o600))
        cache = ExpiringFileCache(str(instance / "cache"), mode=0o600)
        ledger_store = ExpiringFileCache(str(instance / "once"), mode=0o600)
        claims = FileClaims(instance / "claims")
    app.config.setdefault("SESSION_PERMANENT", True)
    app.config.setdefault("SESSION_SERIALIZATION_FORMAT", "json")
    server_session.init_app(app)
    app.session_interface = ResilientSessions(app.session_interface)
    app.extensions["cache"] = cache
    app.extensions["once_ledger"] = OnceLedger(ledger_store, claims)


class ExpiringFileCache(FileSystemCache):
    """Files that expire, at the same cost whatever their number.

    cachelib's ``threshold`` counts the files and, once past it, lists the whole folder and reads every
    file's header on each write (0.3 s a request past 10,000 sessions). This cache counts nothing
    (threshold 0) and removes expired files instead at most once every ``prune_every`` seconds, in a
    background thread that no request waits for. An expired file is never read as a session in the
    meantime: ``get`` checks each file's expiry.
    """

    def __init__(self, cache_dir: str, prune_every: float = PRUNE_EVERY, **options: Any) -> None:
        super().__init__(cache_dir, threshold=0, **options)
        self.prune_every = prune_every
        self.next_prune = 0.0             # the first write after a start clears what expired meanwhile
        self._scheduling = threading.Lock()
        self._pruner: threading.Thread | None = None

    def _prune(self) -> None:
        # cachelib calls this before every write: it only starts a pass when one is due.
        if time.time() < self.next_prune or not self._scheduling.acquire(blocking=False):
            return
        try:
            if time.time() >= self.next_prune and not (self._pruner and self._pruner.is_alive()):
                self.next_prune = time.time() + self.prune_every
                self._pruner = threading.Thread(target=self._remove_expired_files, name="expired-files-prune",
                                                daemon=True)
                self._pruner.start()
        finally:
            self._scheduling.release()

    def _remove_expired_files(self) -> None:
        try:
            self._remove_expired(time.time())
        except OSError as error:          # the folder itself unreadable: try again at the next pass
            log.warning("expired files not removed from %s: %s", self._path, type(error).__name__)

    def wait_for_prune(self, timeout: float | None = None) -> None:
        """Wait until the pass in progress, if any, has ended (for tests and orderly shutdowns)."""
        pruner = self._pruner
        if pruner is not None:
            pruner.join(timeout)

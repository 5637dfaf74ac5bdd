"""The transport shared by IMS and the platform: connection reuse, timeouts, bounded retries."""
from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset({429, 502, 503, 504})
CONNECT_TIMEOUT = 3.05
MAX_RETRY_AFTER = 10.0


class PlatformRetry(Retry):
    """Adobe's retry rules on top of urllib3's.

    Idempotent calls are retried on 429, 502, 503, 504, refused connections and read errors. A POST
    is retried only where Adobe surely did not act: a refused connection or a 429. A ``Retry-After``
    longer than ``MAX_RETRY_AFTER`` is not slept through inside a web request: the 429 is handed back.
    """

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if not self._is_method_retryable(method):
            return status_code == 429 and bool(self.total)
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None and (self.get_retry_after(response) or 0) > MAX_RETRY_AFTER:
            raise MaxRetryError(_pool, url, error)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def retry_policy(total: int = 3, backoff: float = 0.3) -> PlatformRetry:
    """The retry policy for every call to Adobe."""
    return PlatformRetry(
        total=total,
        backoff_factor=backoff,
        backoff_max=4.0,
        read=2,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "PUT"}),
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )


def make_http_session(retries: PlatformRetry | None = None) -> requests.Session:
    """A requests session with Adobe's retry policy mounted for both schemes."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retries or retry_policy(), pool_maxsize=16)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session

"""The transport shared by IMS and the platform: connection reuse, timeouts, bounded retries, and the
request's deadline (``connector.deadline``) over all of them."""
from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError
from urllib3.util import Timeout
from urllib3.util.retry import Retry

from . import deadline
from .errors import DeadlineExceeded

RETRY_STATUSES = frozenset({429, 502, 503, 504})
CONNECT_TIMEOUT = 3.05
MAX_RETRY_AFTER = 10.0


class PlatformRetry(Retry):
    """Adobe's retry rules on top of urllib3's.

    Idempotent calls are retried on 429, 502, 503, 504, refused connections and read errors. A POST
    is retried only where Adobe surely did not act: a refused connection or a 429. A ``Retry-After``
    longer than ``MAX_RETRY_AFTER`` is not slept through inside a web request: the 429 is handed back.
    Nor is a retry started when the request's deadline cannot cover its pause and a call: the last
    answer (or error) is handed back instead.
    """

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if not self._is_method_retryable(method):
            return status_code == 429 and bool(self.total)
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None and (self.get_retry_after(response) or 0) > MAX_RETRY_AFTER:
            raise MaxRetryError(_pool, url, error)
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if not deadline.can_cover(retry.pause_before_next(response)):
            # urllib3 hands a status answer back as it is, and re-raises an error: no retry, no sleep
            raise MaxRetryError(_pool, url, error)
        return retry

    def pause_before_next(self, response=None) -> float:
        """How long ``sleep(response)`` would wait: the ``Retry-After`` honoured, else the backoff."""
        if self.respect_retry_after_header and response is not None:
            retry_after = self.get_retry_after(response)
            if retry_after:
                return retry_after
        return self.get_backoff_time()


class DeadlineTimeout(Timeout):
    """A timeout that urllib3 copies before each try (``clone``): each copy allows at most what remains
    of the request's deadline at that moment, so retries cannot outlast it."""

    def clone(self) -> Timeout:
        left = deadline.remaining()
        if left is None:
            return Timeout(connect=self._connect, read=self._read, total=self.total)
        return Timeout(connect=self._connect, read=self._read, total=max(left, 0.001))


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, holding every call within the request's deadline: a call with no time left is
    not sent, and a call cut short by the deadline raises ``DeadlineExceeded``."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if deadline.remaining() is not None:
            if not deadline.can_cover(0.0):
                raise DeadlineExceeded(sent=False)
            connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
            timeout = DeadlineTimeout(connect=connect, read=read)
        try:
            return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)
        except requests.RequestException as exc:
            if deadline.can_cover(0.0):
                raise
            raise DeadlineExceeded(sent=reached_server(exc)) from None


def reached_server(exc: requests.RequestException) -> bool:
    """False when the connection was refused or never made, so that nothing was sent; True when the request
    may have arrived (a read timeout, a dropped answer)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)        # urllib3's MaxRetryError wraps the cause
    # urllib3's NewConnectionError (refused, unresolvable) is a ConnectTimeoutError too
    return not isinstance(reason, ConnectTimeoutError)


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
    """A requests session with Adobe's retry policy and the request's deadline mounted for both schemes."""
    session = requests.Session()
    adapter = DeadlineAdapter(max_retries=retries or retry_policy(), pool_maxsize=16)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session

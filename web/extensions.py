"""The Flask extensions, unbound: ``web.init_app`` binds them to the app (as cookiecutter-flask does)."""
from __future__ import annotations

from functools import partial, wraps
from typing import Callable

from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_qualified_name, get_remote_address
from flask_session import Session
from flask_wtf.csrf import CSRFProtect


class RouteLimiter(Limiter):
    """Flask-Limiter, run only on the routes that carry a limit.

    Flask-Limiter hooks every request: before it (for limits that apply to every route), after it (the
    ``X-RateLimit-*`` headers) and at its end (to forget what it saw), although a route's own limits
    are checked by its decorator as the view is called. This app's limits are all on routes
    (``limit``, ``shared_limit``), so those hooks run for these routes' requests alone: a health check,
    a static file or any other page never reaches the limiter or its storage. Should a limit that
    covers other routes ever be set (default, application, meta or a blueprint's limits), every route
    counts as limited and the hooks run everywhere, as Flask-Limiter's own do.
    """

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        if not self.enabled:                      # disabled: Flask-Limiter hooked nothing
            return
        limits = self.route_test(app)
        guarded = 0
        for hooks, returns_response in ((app.before_request_funcs, False), (app.after_request_funcs, True),
                                        (app.teardown_request_funcs, False)):
            chain = hooks.get(None, [])
            for position, hook in enumerate(chain):
                if self.owns(hook):
                    chain[position] = only_where_limited(hook, limits, returns_response)
                    guarded += 1
        if guarded != 3:   # a Flask-Limiter that hooks requests differently: fail here, not silently
            raise RuntimeError(f"expected Flask-Limiter's three request hooks, found {guarded}")

    def owns(self, hook: Callable) -> bool:
        """Whether ``hook`` is one of the request hooks Flask-Limiter registered for this limiter."""
        return getattr(hook, "__self__", None) is self or (isinstance(hook, partial) and hook.args[:1] == (self,))

    def route_test(self, app: Flask) -> Callable[[str | None], bool]:
        """The test of whether an endpoint of ``app`` carries a limit: its view was decorated with one,
        or a limit was used inside it (Flask-Limiter's hints). The list is made at the first request,
        when every route is known (Flask refuses new routes after it)."""
        limited: frozenset[str] | None = None

        def carries_a_limit(endpoint: str | None) -> bool:
            nonlocal limited
            if limited is None:
                limited = self.limited_endpoints(app)
            return endpoint in limited or self.limit_manager.has_hints(endpoint or "")
        return carries_a_limit

    def limited_endpoints(self, app: Flask) -> frozenset[str]:
        """The endpoints of ``app`` that carry a limit: all of them when a limit covers more than its
        own route."""
        manager = self.limit_manager
        if manager._application_limits or manager._default_limits or manager._blueprint_limits or self._meta_limits:
            return frozenset(app.view_functions)
        return frozenset(endpoint for endpoint, view in app.view_functions.items()
                         if get_qualified_name(view) in self._marked_for_limiting)


def only_where_limited(hook: Callable, limits: Callable[[str | None], bool], returns_response: bool) -> Callable:
    """``hook``, run only for requests to an endpoint that carries a limit; elsewhere it passes."""
    @wraps(hook)
    def run_where_limited(*args):
        if limits(request.endpoint):
            return hook(*args)
        return args[0] if returns_response else None
    return run_where_limited


csrf = CSRFProtect()
babel = Babel()
server_session = Session()
# No default limits: only the routes that carry a limit are checked (see RouteLimiter).
limiter = RouteLimiter(key_func=get_remote_address, default_limits=[])

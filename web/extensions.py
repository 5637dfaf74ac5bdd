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

    Flask-Limiter hooks every request: before it (for limits that cover every route), after it (the
    ``X-RateLimit-*`` headers) and at its end (to forget what it saw), although a route's own limits
    are checked by its decorator as the view is called. This app's limits are all on routes
    (``limit``, ``shared_limit``), so the hook before a request has nothing to check and does not run,
    and the other two run for the limited routes' requests alone: a health check, a static file or
    any other page never reaches the limiter or its storage. Should a limit that covers other routes
    ever be set (default, application, meta, a blueprint's, in-memory fallback), every hook runs on
    every route again, as Flask-Limiter's own do.
    """

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        if not self.enabled:                      # disabled: Flask-Limiter hooked nothing
            return
        routes = LimitedRoutes(self, app)
        guarded = 0
        for hooks, runs_for, returns_response in ((app.before_request_funcs, routes.checked_before, False),
                                                  (app.after_request_funcs, routes.limited, True),
                                                  (app.teardown_request_funcs, routes.limited, False)):
            chain = hooks.get(None, [])
            for position, hook in enumerate(chain):
                if self.owns(hook):
                    chain[position] = only_for(runs_for, hook, returns_response)
                    guarded += 1
        if guarded != 3:   # a Flask-Limiter that hooks requests differently: fail here, not silently
            raise RuntimeError(f"expected Flask-Limiter's three request hooks, found {guarded}")

    def owns(self, hook: Callable) -> bool:
        """Whether ``hook`` is one of the request hooks Flask-Limiter registered for this limiter."""
        return getattr(hook, "__self__", None) is self or (isinstance(hook, partial) and hook.args[:1] == (self,))

    def covers_every_route(self) -> bool:
        """Whether a limit is set that applies beyond the route it decorates."""
        manager = self.limit_manager
        return bool(manager._application_limits or manager._default_limits or manager._blueprint_limits
                    or self._meta_limits or self._in_memory_fallback)


class LimitedRoutes:
    """Which of an app's endpoints the limiter has work on. Worked out at the first request, when every
    route and limit is known (Flask refuses new routes after it)."""

    def __init__(self, limiter: RouteLimiter, app: Flask) -> None:
        self.limiter, self.app = limiter, app
        self.everywhere: bool | None = None
        self.decorated: frozenset[str] = frozenset()

    def learn(self) -> None:
        self.decorated = frozenset(endpoint for endpoint, view in self.app.view_functions.items()
                                   if get_qualified_name(view) in self.limiter._marked_for_limiting)
        self.everywhere = self.limiter.covers_every_route()

    def checked_before(self, endpoint: str | None) -> bool:
        """Whether limits are checked before the view: only those that cover every route are."""
        if self.everywhere is None:
            self.learn()
        return bool(self.everywhere)

    def limited(self, endpoint: str | None) -> bool:
        """Whether ``endpoint`` carries a limit: its view was decorated with one, a limit was used inside
        it (Flask-Limiter's hints), or a limit covers every route."""
        if self.everywhere is None:
            self.learn()
        return bool(self.everywhere) or endpoint in self.decorated or self.limiter.limit_manager.has_hints(endpoint or "")


def posts_only(*limits: Callable[[Callable], Callable]) -> Callable[[Callable], Callable]:
    """A route's ``limits`` (Flask-Limiter's decorators, outermost first) for its POST requests alone,
    the ones they count.

    Flask-Limiter looks a GET over as well before finding it exempt (about 40 µs a request, with its
    ``methods`` argument too); here a GET goes straight to the view and never reaches the limiter.
    """
    def decorate(view: Callable) -> Callable:
        limited = view
        for limit in reversed(limits):    # stacked as decorators are, so Flask-Limiter checks them once
            limited = limit(limited)

        @wraps(view)
        def route(*args, **kwargs):
            return (limited if request.method == "POST" else view)(*args, **kwargs)
        return route
    return decorate


def only_for(runs_for: Callable[[str | None], bool], hook: Callable, returns_response: bool) -> Callable:
    """``hook``, run only for requests whose endpoint ``runs_for`` accepts; elsewhere it passes."""
    @wraps(hook)
    def guarded(*args):
        if runs_for(request.endpoint):
            return hook(*args)
        return args[0] if returns_response else None
    return guarded


csrf = CSRFProtect()
babel = Babel()
server_session = Session()
# No default limits: only the routes that carry a limit are checked (see RouteLimiter).
limiter = RouteLimiter(key_func=get_remote_address, default_limits=[])

"""The Flask extensions, unbound: ``web.init_app`` binds them to the app (as cookiecutter-flask does)."""
from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_session import Session
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
server_session = Session()
# Checked only on the routes that carry a limit: no default limits, so other pages pay nothing for it.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

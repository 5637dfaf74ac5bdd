"""Looking after the connections that exist: the list, one connection, a new key, a new name, delete."""
from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage", template_folder="templates")

from . import changes, routes  # noqa: E402,F401  (the routes attach themselves to bp)

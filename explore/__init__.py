"""A connection's page: what it is, Flow Service's test of it, its streams, a stream's latest records."""
from flask import Blueprint

bp = Blueprint("explore", __name__, url_prefix="/connections", template_folder="templates")

from . import routes  # noqa: E402,F401  (the routes attach themselves to bp)

"""The second wizard, from a connection to data arriving: stream, destination, mapping, review; and the
dataflow page. Its routes, forms, state and templates."""
from flask import Blueprint

bp = Blueprint("dataflow", __name__, url_prefix="/dataflows", template_folder="templates")

from . import page, routes  # noqa: E402,F401  (the routes attach themselves to bp)

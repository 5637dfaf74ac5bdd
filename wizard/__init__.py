"""The create wizard: sandbox, Kinesis account, review, done. Its routes, forms, state and templates."""
from flask import Blueprint

bp = Blueprint("wizard", __name__, template_folder="templates")

from . import ending, routes  # noqa: E402,F401  (the routes attach themselves to bp)

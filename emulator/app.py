"""The emulator's Flask app: blueprints for IMS, Sandbox Management and Flow Service, with faults."""
from __future__ import annotations

import time
import uuid
from pathlib import Path

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

# patch and signin add their routes to flowservice's and ims's blueprints: imported for that.
from . import catalog, control, dataprep, flows, flowservice, ims, ingest, patch, sandboxes, signin  # noqa: F401
from .faults import Fault
from .state import ApiError, EmulatorState, drop_connection, flow_error, gateway_error
from .store import Store


def create_emulator_app(data_dir: Path, org_id: str | None = None, kinesis_endpoint_url: str | None = None) -> Flask:
    """An emulator keeping its state in ``data_dir``, asking the Kinesis at ``kinesis_endpoint_url``."""
    app = Flask(__name__)
    app.json.sort_keys = False  # records keep the field order Kinesis gave them
    state = EmulatorState(store=Store(Path(data_dir) / "platform.sqlite3"), kinesis_endpoint_url=kinesis_endpoint_url)
    if org_id:
        state.org_id = org_id
    app.extensions["emulator"] = state
    for blueprint in (ims.bp, sandboxes.bp, flowservice.bp, flows.bp, ingest.bp, catalog.registry, catalog.catalog,
                      dataprep.bp, control.bp):
        app.register_blueprint(blueprint)

    @app.before_request
    def start() -> Response | None:
        g.request_id = uuid.uuid4().hex
        if request.path.startswith("/_emulator"):
            return None
        fault = g.fault = state.faults.take(request.method, request.path)
        if fault and not fault.act:
            return apply_fault(fault)
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        if request.url_rule is not None and not request.path.startswith("/_emulator"):
            state.count_call(request.method, request.url_rule.rule)
        fault = g.get("fault")
        if fault and fault.act:
            response = apply_fault(fault) or response
        response.headers["x-request-id"] = g.get("request_id", "")
        return response

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return error.response()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        answer = jsonify(error_code=f"{error.code}000", message=error.description)
        answer.status_code = error.code or 500
        return answer

    return app


def apply_fault(fault: Fault) -> Response | None:
    """Carry out a fault: sleep (and let the call go on), answer with an error, or hang up."""
    if fault.kind == "latency":
        time.sleep(fault.seconds)
        return None
    if fault.kind == "drop":
        return drop_connection()
    return fault_answer(fault)


def fault_answer(fault: Fault) -> Response:
    """The error Adobe would give for this status (and code) on this path."""
    detail = fault.detail or "The service is temporarily unavailable. Please try again."
    if fault.status == 429:
        error = gateway_error(429, "429050", "Too many requests",
                              {"Retry-After": str(fault.retry_after if fault.retry_after is not None else 1)})
    elif request.path.startswith("/ims/"):
        error = ApiError(fault.status, {"error": fault.code or "server_error", "error_description": detail})
    elif fault.code and fault.code.isdigit():
        error = gateway_error(fault.status, fault.code, detail)
    elif request.path.startswith("/data/foundation/flowservice"):
        code = fault.code or {500: "1102-500", 503: "1103-503", 504: "1104-504"}.get(
            fault.status, f"1409-{fault.status}")
        error = flow_error(code, "Service error" if fault.status >= 500 else "Invalid request", detail)
    else:
        error = gateway_error(fault.status, f"{fault.status}000", detail)
    return error.response()

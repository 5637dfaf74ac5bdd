"""The requests that come after a base connection in Adobe's flow: for now, the source connection that
reads one Kinesis stream, as a JSON body and as the curl command that sends it."""
from __future__ import annotations

import json
import shlex
from typing import Any

from .flowservice import BASE_PATH, ConnectionSpec

DATA_TYPES = ("raw", "xdm")       # the stream's records as they are, or already in XDM
RESETS = ("latest", "earliest")   # where reading starts: new records only, or all the stream holds


def source_connection_body(spec: ConnectionSpec, connection_id: str, name: str, stream: str,
                           data_type: str = "raw", reset: str = "latest") -> dict[str, Any]:
    """The body of ``POST /sourceConnections`` that reads ``stream`` through the base connection: the same
    connection spec, JSON records, and the Kinesis params ``stream``, ``dataType`` and ``reset``."""
    if data_type not in DATA_TYPES or reset not in RESETS:
        raise ValueError("dataType must be raw or xdm, and reset latest or earliest")
    return {
        "name": f"{name}: {stream}",
        "description": f"Amazon Kinesis stream {stream}",
        "baseConnectionId": connection_id,
        "connectionSpec": {"id": spec.id, "version": spec.version},
        "data": {"format": "json"},
        "params": {"stream": stream, "dataType": data_type, "reset": reset},
    }


def curl_command(body: dict[str, Any], sandbox: str, gateway_url: str) -> str:
    """The source-connection request as a curl command; the token, API key and organization are left as
    placeholders, so that the command carries no credential."""
    lines = [f"curl -X POST {shlex.quote(gateway_url.rstrip('/') + BASE_PATH + '/sourceConnections')}",
             "-H 'Authorization: Bearer {ACCESS_TOKEN}'",
             "-H 'x-api-key: {API_KEY}'",
             "-H 'x-gw-ims-org-id: {ORG_ID}'",
             f"-H {shlex.quote('x-sandbox-name: ' + sandbox.lower())}",
             "-H 'Content-Type: application/json'",
             f"-d {shlex.quote(json.dumps(body, indent=2))}"]
    return " \\\n  ".join(lines)

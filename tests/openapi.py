"""Adobe's published OpenAPI files, with the defects PLATFORM.md §5 lists mended in memory."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

SPECS = Path(__file__).resolve().parent / "specs"


def _mend_sandbox_yaml(text: str) -> str:
    text = text.replace("'/#components/responses/Forbidden'", "'#/components/responses/Forbidden'")
    # `schemaMapping` sits two spaces too deep, inside `packageVisibility`: move it out.
    lines, mended, inside = text.splitlines(), [], False
    for line in lines:
        if line == "          schemaMapping:":
            inside = True
        elif inside and (len(line) - len(line.lstrip()) < 12):
            inside = False
        mended.append(line[2:] if inside else line)
    return "\n".join(mended)


def _mend_flow_service(spec: dict) -> dict:
    spec["servers"] = [{"url": "/data/foundation/flowservice"}]
    paths = spec["paths"]
    # DELETE and PATCH are declared only with a trailing slash; Adobe's docs call them without one.
    for method in ("delete", "patch"):
        operation = dict(paths["/connections/{BASE_CONNECTION_ID}/"][method])
        operation["operationId"] += "WithoutSlash"
        paths["/connections/{BASE_CONNECTION_ID}"][method] = operation
    # PATCH is declared as one PatchInstruction, its op in upper case and its value an object; Adobe's
    # update guide sends an RFC 6902 array, ops in lower case, a name's value as a string.
    instruction = {"type": "object", "required": ["op", "path"],
                   "properties": {"op": {"type": "string", "enum": ["add", "replace", "remove"]},
                                  "path": {"type": "string"}}}
    for path in ("/connections/{BASE_CONNECTION_ID}", "/connections/{BASE_CONNECTION_ID}/"):
        body = paths[path]["patch"]["requestBody"]["content"]["application/json"]
        body["schema"] = {"type": "array", "minItems": 1, "items": instruction}
    # objectType is declared upper case; the documented calls use lower case.
    for parameter in paths["/connections/{BASE_CONNECTION_ID}/explore"]["get"]["parameters"]:
        if parameter["name"] == "objectType":
            enum = parameter["schema"]["enum"]
            parameter["schema"]["enum"] = enum + [value.lower() for value in enum]
    # Explore declares only the listing (an array); a table (objectType=table, object=...) answers with an
    # object holding the format and the columns, and with preview=true the data too, as Adobe's explore
    # tutorials show.
    listing = spec["components"]["schemas"]["ExploreConnectionResponse"]
    spec["components"]["schemas"]["ExploreConnectionResponse"] = {"oneOf": [listing, {
        "type": "object", "required": ["format", "schema"],
        "properties": {"format": {"type": "string"},
                       "schema": {"type": "object", "required": ["columns"], "properties": {"columns": {
                           "type": "array", "items": {"type": "object", "required": ["name", "type"],
                                                      "properties": {"name": {"type": "string"},
                                                                     "type": {"type": "string"}}}}}},
                       "data": {"type": "array", "items": {"type": "object"}}}}]}
    # Answers without a body are declared with an empty content map, which validators read as
    # "a body of no known type is required": drop the empty maps.
    for operations in paths.values():
        for operation in operations.values():
            for answer in (operation.get("responses") or {}).values() if isinstance(operation, dict) else ():
                if answer.get("content") == {}:
                    del answer["content"]
    return spec


@lru_cache(maxsize=None)
def flow_service() -> OpenAPI:
    spec = yaml.safe_load((SPECS / "flow-service.yaml").read_text())
    return OpenAPI.from_dict(_mend_flow_service(spec))


@lru_cache(maxsize=None)
def sandbox_management() -> OpenAPI:
    spec = yaml.safe_load(_mend_sandbox_yaml((SPECS / "sandbox.yaml").read_text()))
    spec["servers"] = [{"url": "/data/foundation"}]
    return OpenAPI.from_dict(spec)


def spec_for(path: str) -> OpenAPI | None:
    """The published contract that covers ``path``, if any."""
    if path.startswith("/data/foundation/flowservice"):
        return flow_service()
    if path.startswith("/data/foundation/sandbox-management"):
        return sandbox_management()
    return None


def validate_exchange(response: requests.Response) -> None:
    """Check a request and its answer against Adobe's contract; raise on any mismatch."""
    path = re.sub(r"^https?://[^/]+", "", response.request.url or "").split("?")[0]
    api = spec_for(path)
    if api is None:
        return
    request = RequestsOpenAPIRequest(response.request)
    api.validate_request(request)
    if response.status_code in (200, 201, 204):
        api.validate_response(request, RequestsOpenAPIResponse(response))

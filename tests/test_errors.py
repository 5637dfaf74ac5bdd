"""connector/errors.py: every one of Adobe's error shapes, as the emulator really sends them, mapped to its type."""
from __future__ import annotations

import pytest
import requests

from connector import (AuthenticationError, InvalidRequest, NotEntitled, NotFound, PermissionDenied,
                       PlatformError, RateLimited, SandboxNotFound, ServiceUnavailable)
from connector.errors import error_from_response

FLOW = "/data/foundation/flowservice"


@pytest.fixture
def headers(platform):
    return platform.session.headers(platform.session.tokens.token(), "prod", False)


def get(emulator, path, headers, **kwargs):
    return requests.get(emulator.url + path, headers=headers, timeout=5, **kwargs)


@pytest.mark.parametrize("drop, status, code, kind", [
    ("Authorization", 403, "403010", AuthenticationError),
    ("x-api-key", 403, "403000", AuthenticationError),
    ("x-gw-ims-org-id", 400, "400003", AuthenticationError),
])
def test_gateway_refusals(emulator, headers, drop, status, code, kind):
    del headers[drop]
    response = get(emulator, f"{FLOW}/connections", headers)
    assert response.status_code == status and set(response.json()) == {"error_code", "message"}
    error = error_from_response(response)
    assert type(error) is kind and error.code == code and error.status == status and error.detail


def test_invalid_token_and_wrong_api_key(emulator, headers):
    bad_token = dict(headers, Authorization="Bearer emu-forged")
    assert error_from_response(get(emulator, f"{FLOW}/connections", bad_token)).code == "401013"
    wrong_key = dict(headers, **{"x-api-key": "someone-else"})
    assert error_from_response(get(emulator, f"{FLOW}/connections", wrong_key)).code == "403003"


def test_flow_service_shape_with_request_id(emulator, headers):
    response = get(emulator, f"{FLOW}/connections/nope", headers)
    body = response.json()
    assert body["type"] == "https://ns.adobe.com/aep/errors/FLOW-1101-404" and body["status"] == 404
    error = error_from_response(response)
    assert type(error) is NotFound and error.code == "1101-404"
    assert error.request_id == body["report"]["request-id"] == response.headers["x-request-id"]
    assert error.detail == body["report"]["detailed-message"]


@pytest.mark.parametrize("change, code, kind", [
    ({"x-sandbox-name": None}, "2105-400", InvalidRequest),
    ({"x-sandbox-name": "nowhere"}, "2100-404", SandboxNotFound),
])
def test_flow_service_header_errors(emulator, headers, change, code, kind):
    for name, value in change.items():
        headers.pop(name) if value is None else headers.__setitem__(name, value)
    error = error_from_response(get(emulator, f"{FLOW}/connections", headers))
    assert type(error) is kind and error.code == code


@pytest.mark.parametrize("path", [f"{FLOW}/connections", f"{FLOW}/connectionSpecs/x",
                                  "/data/foundation/sandbox-management/"])
def test_a_wrong_organization_is_refused_by_the_gateway(emulator, headers, path):
    """Adobe's troubleshooting guide: 403027 for an incorrect organization header, in the gateway's shape,
    before Sandbox Management or Flow Service sees the call."""
    response = get(emulator, path, dict(headers, **{"x-gw-ims-org-id": "OTHER@AdobeOrg"}))
    assert response.status_code == 403 and response.json() == {"error_code": "403027",
                                                              "message": "User region is missing"}
    error = error_from_response(response)
    assert type(error) is AuthenticationError and error.code == "403027"


def test_bad_content_type_shape(emulator, headers):
    response = requests.post(emulator.url + f"{FLOW}/connections", data="x", timeout=5,
                             headers=dict(headers, **{"Content-Type": "text/plain"}))
    assert response.json()["title"] == "BadRequestError"
    error = error_from_response(response)
    assert type(error) is InvalidRequest and "content-type" in error.detail


@pytest.mark.parametrize("body, code", [
    (None, "1405-400"),
    ({"name": "x", "auth": {"specName": "x", "params": {}}, "connectionSpec": {"id": "nope", "version": "1.0"}},
     "1413-400"),
    ({"name": "x", "auth": {"specName": "Basic Authentication for Kinesis", "params": {}},
      "connectionSpec": {"id": "86043421-563b-46ec-8e6c-e23184711bf6", "version": "1.0"}}, "1415-400"),
    ({"name": "x", "auth": {"specName": "Aws Kinesis authentication credentials", "params": {"region": "x"}},
      "connectionSpec": {"id": "86043421-563b-46ec-8e6c-e23184711bf6", "version": "1.0"}}, "1409-400"),
])
def test_create_refusals(emulator, headers, body, code):
    response = requests.post(emulator.url + f"{FLOW}/connections", json=body, timeout=5,
                             headers=dict(headers, **{"Content-Type": "application/json"}))
    error = error_from_response(response)
    assert isinstance(error, InvalidRequest) and error.code == code and error.status == 400
    assert error.detail in error.message or code == "1405-400"


def test_ims_oauth_shape(emulator):
    response = requests.post(emulator.url + "/ims/token/v3", data={"grant_type": "password"}, timeout=5)
    error = error_from_response(response)
    assert type(error) is InvalidRequest and error.code == "unsupported_grant_type"
    response = requests.post(emulator.url + "/ims/token/v3", timeout=5,
                             data={"grant_type": "client_credentials", "client_id": "x", "scope": "openid"})
    assert type(error_from_response(response)) is AuthenticationError


def test_sandbox_management_shape(emulator, headers):
    response = get(emulator, "/data/foundation/sandbox-management/", headers, params={"offset": 3})
    error = error_from_response(response)
    assert type(error) is InvalidRequest and error.code == "2074-400" and error.detail


def _fake(status, json=None, text="", headers=None):
    response = requests.Response()
    response.status_code = status
    response._content = (requests.compat.json.dumps(json) if json is not None else text).encode()
    response.headers.update(headers or {})
    return response


@pytest.mark.parametrize("status, body, kind", [
    (403, {"error_code": "403025", "message": "Profile is not valid"}, NotEntitled),
    (400, {"type": "https://ns.adobe.com/aep/errors/FLOW-1100-400", "title": "Invalid request",
           "report": {"detailed-message": "Not entitled to this operation."}}, NotEntitled),
    (403, {"type": "https://ns.adobe.com/aep/errors/FLOW-2118-403", "title": "Forbidden"}, PermissionDenied),
    (403, {"type": "https://ns.adobe.com/aep/errors/FLOW-2121-403", "title": "Forbidden"}, PermissionDenied),
    (403, {"error_code": "403027", "message": "User region is missing"}, AuthenticationError),
    (500, {"type": "https://ns.adobe.com/aep/errors/FLOW-1102-500"}, ServiceUnavailable),
    (429, {"error_code": "429050", "message": "Too many requests"}, RateLimited),
    (302, None, PlatformError),
])
def test_codes_that_need_a_real_organization_to_happen(status, body, kind):
    """Entitlement and permission refusals cannot be provoked in the emulator; their documented shapes can."""
    error = error_from_response(_fake(status, body, headers={"Retry-After": "7"}))
    assert type(error) is kind
    assert error.message == kind.default_message or kind is PlatformError


def test_a_non_json_answer_still_maps():
    error = error_from_response(_fake(502, text="<html>Bad gateway</html>", headers={"x-request-id": "r1"}))
    assert type(error) is ServiceUnavailable and error.request_id == "r1" and "Bad gateway" in error.detail


def test_rate_limit_carries_retry_after():
    assert error_from_response(_fake(429, {"error_code": "429050"}, headers={"Retry-After": "7"})).retry_after == 7


def test_str_names_status_code_and_request_id():
    error = NotFound(status=404, code="1101-404", request_id="abc")
    assert str(error) == f"{NotFound.default_message} (status 404, code 1101-404, request id abc)"


def test_redact_blanks_an_echoed_secret():
    error = InvalidRequest(detail="value wJalrXUtnFEMI is bad").redact("wJalrXUtnFEMI")
    assert "wJalrXUtnFEMI" not in str(error) and "wJalrXUtnFEMI" not in error.detail

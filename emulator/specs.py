"""The connection specs the emulator knows: Amazon Kinesis, as Adobe's connection spec describes it.

Adobe documents one auth spec for the Kinesis source, ``Aws Kinesis authentication credentials`` (access
key, secret key, region). A connection spec's ``authSpec`` is a list, and a client must pick its entry
by name, not by place. So the emulator's Kinesis spec lists a second entry first: a role-based one,
``ROLE_AUTH_SPEC_NAME``. It is NOT documented by Adobe (no role-based auth is documented for the Kinesis
source); it is a plausible stand-in that is here so that a client which takes ``authSpec[0]`` fails.
The connector must never choose it. The emulator accepts connections made with it but cannot ask
Kinesis with them (it holds no key): test and explore refuse them.
"""
from __future__ import annotations

KINESIS_SPEC_ID = "86043421-563b-46ec-8e6c-e23184711bf6"
KINESIS_PROVIDER_ID = "521eee4d-8cbe-4906-bb48-fb6bd4450033"
KINESIS_AUTH_SPEC_NAME = "Aws Kinesis authentication credentials"
ROLE_AUTH_SPEC_NAME = "Aws Kinesis role-based authentication"

ROLE_AUTH_SPEC = {
    "name": ROLE_AUTH_SPEC_NAME,
    "type": "RoleBased",
    "spec": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "description": "Emulator only (not documented by Adobe): an IAM role that the platform would assume",
        "properties": {
            "roleArn": {"type": "string", "description": "ARN of the IAM role to assume"},
            "externalId": {"type": "string", "description": "External ID the role's trust policy requires",
                           "format": "password"},
            "region": {"type": "string", "description": "AWS region of the streams"},
        },
        "required": ["roleArn", "region"],
    },
}

KINESIS_SPEC = {
    "id": KINESIS_SPEC_ID,
    "name": "amazon-kinesis",
    "providerId": KINESIS_PROVIDER_ID,
    "version": "1.0",
    "authSpec": [ROLE_AUTH_SPEC, {
        "name": KINESIS_AUTH_SPEC_NAME,
        "type": "KeyBased",
        "spec": {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "description": "Defines the auth params required for connecting to Amazon Kinesis",
            "properties": {
                "accessKeyId": {"type": "string", "description": "Access key ID"},
                "secretKey": {"type": "string", "description": "Secret access key", "format": "password"},
                "region": {"type": "string", "description": "AWS region of the streams"},
            },
            "required": ["accessKeyId", "secretKey", "region"],
        },
    }],
    "sourceSpec": {
        "name": "Streaming",
        "type": "Streaming",
        "attributes": {"uiAttributes": {"isSource": True, "category": "streaming", "icon": "amazonKinesis",
                                        "label": "Amazon Kinesis",
                                        "documentationLink": "https://www.adobe.com/go/sources-kinesis-en"}},
        "spec": {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {
                "stream": {"type": "string", "description": "Name of the Kinesis stream"},
                "dataType": {"type": "string", "enum": ["raw", "xdm"], "default": "raw"},
                "reset": {"type": "string", "enum": ["latest", "earliest"], "default": "latest"},
            },
            "required": ["stream"],
        },
    },
    "exploreSpec": {"name": "Stream", "type": "Stream", "requestSpec": {}, "responseSpec": {}},
    "attributes": {"category": "Streaming", "connectorName": "Amazon Kinesis", "isSource": True,
                   "uiAttributes": {"apiFeatures": {"explorePaginationSupported": False}}},
    "permissionsInfo": {"view": [{"@type": "lowLevel", "name": "SourceConnection", "permissions": ["read"]}],
                        "manage": [{"@type": "lowLevel", "name": "SourceConnection", "permissions": ["write"]}]},
}

SPECS = {KINESIS_SPEC_ID: KINESIS_SPEC}

# The Amazon Kinesis *destination* shares the source's connection spec id (Adobe's streaming destinations
# API tutorial lists 86043421-... as "Amazon Kinesis" among destinations). That tutorial names its auth spec
# "Aws Kinesis authentication credentials" too, with accessKeyId, secretKey and region, so the name alone
# does not tell a destination connection from a source one. Its provider id is not documented: the one
# below is invented, only so that it differs from the source's.
KINESIS_DESTINATION_PROVIDER_ID = "a0d11c4e-8f6c-4a58-9e1a-000000de5717"
KINESIS_DESTINATION_AUTH_SPEC_NAME = KINESIS_AUTH_SPEC_NAME
KINESIS_DESTINATION_SECRETS = frozenset({"secretKey"})

def secret_params(spec: dict, auth_spec_name: str) -> set[str]:
    """The auth params that the spec marks as secret (``format: password``)."""
    for auth in spec["authSpec"]:
        if auth["name"] == auth_spec_name:
            return {name for name, prop in auth["spec"]["properties"].items() if prop.get("format") == "password"}
    return set()


# The target side of a source dataflow: Adobe's Data Lake connection spec (``c604ff05-...``, "the connection
# specification ID that corresponds with data lake. This ID value is fixed.") and the flow spec for streaming
# sources to the data lake (PLATFORM.md §7). Streaming flows have no flow runs.
DATA_LAKE_SPEC_ID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
STREAMING_FLOW_SPEC_ID = "d69717ba-71b4-4313-b654-49f9cf126d7a"
STREAMING_FLOW_SPEC = {
    "id": STREAMING_FLOW_SPEC_ID, "name": "Streaming sources to data lake", "providerId": KINESIS_PROVIDER_ID,
    "version": "1.0",
    "sourceConnectionSpecIds": [KINESIS_SPEC_ID], "targetConnectionSpecIds": [DATA_LAKE_SPEC_ID],
    # One object, not a list: flow-service.yaml's FlowSpecItemDTO declares it so.
    "transformationSpecs": {"name": "Mapping", "spec": {
        "schema": "http://json-schema.org/draft-07/schema#", "type": "object",
        "properties": {"mappingId": {"type": "string"}, "mappingVersion": {"type": "string"}}}},
    "attributes": {"flowRunsSupported": False},
}
FLOW_SPECS = {STREAMING_FLOW_SPEC_ID: STREAMING_FLOW_SPEC}

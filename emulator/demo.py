"""Demo mode's Kinesis: moto's Kinesis server on loopback, with a few streams holding a few records."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import boto3
import requests

DEMO_REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-west-3", "eu-central-1", "ap-northeast-1")
DEMO_KEY = ("AKIADEMODEMODEMODEMO", "demo" * 10)


def demo_records(stream: str, count: int = 6) -> list[dict]:
    """Plausible events for a demo stream, the same on every start."""
    rng = random.Random(stream)
    start = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
    events = []
    for n in range(count):
        at = (start + timedelta(minutes=7 * n)).isoformat()
        customer = f"cust-{rng.randint(1000, 9999)}"
        if stream == "order-updates":
            events.append({"orderId": f"ord-{rng.randint(10000, 99999)}", "customer": customer, "at": at,
                           "status": rng.choice(["placed", "paid", "shipped"]),
                           "total": {"amount": round(rng.uniform(10, 300), 2), "currency": "EUR"}})
        elif stream == "mobile-app-events":
            events.append({"event": rng.choice(["app_open", "add_to_cart", "search"]), "customer": customer,
                           "at": at, "device": {"os": rng.choice(["iOS", "Android"]), "appVersion": "4.2.1"}})
        else:
            events.append({"event": "page_view", "customer": customer, "at": at,
                           "page": {"path": rng.choice(["/", "/shoes", "/cart", "/checkout"]), "referrer": "search"}})
    return events


def seed_streams(endpoint_url: str, regions=DEMO_REGIONS, streams=("web-clickstream", "mobile-app-events",
                                                                     "order-updates")) -> None:
    """Create the demo streams in each region, each with a handful of records."""
    for region in regions:
        client = boto3.client("kinesis", region_name=region, endpoint_url=endpoint_url,
                              aws_access_key_id=DEMO_KEY[0], aws_secret_access_key=DEMO_KEY[1])
        existing = set(client.list_streams().get("StreamNames", []))
        for stream in streams:
            if stream in existing:
                continue
            client.create_stream(StreamName=stream, ShardCount=1)
            client.put_records(StreamName=stream, Records=[
                {"Data": json.dumps(event).encode(), "PartitionKey": event["customer"]}
                for event in demo_records(stream)])


# The demo's keys, each named for what it shows, the same on every start (the README lists them). The key
# that works is DEMO_KEY, which the seeded demo connection stores too.
EVERY_ACTION = ["kinesis:ListStreams", "kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords"]
LISTER_KEY = ("AKIADEMOLISTONLY2345", "list" * 10)
# The key of the dataflow page's put-record command: it writes only (a Kinesis source reads, so the
# wizard's keys never need to write), and it is not among the keys the wizard offers.
WRITER_KEY = ("AKIADEMOWRITER234567", "write" * 8)
DEMO_USERS = {"demo-reader": (EVERY_ACTION, DEMO_KEY), "demo-lister": (EVERY_ACTION[:1], LISTER_KEY),
              "demo-writer": (["kinesis:PutRecord", "kinesis:PutRecords"], WRITER_KEY)}
UNKNOWN_KEY = ("AKIAZZZZDEMOUNKNOWN7", "unknown" + "K" * 33)
WRONG_SECRET = "wrong" * 8


def seed_demo_keys(endpoint_url: str) -> list[dict]:
    """IAM users in moto with the demo's access keys, then moto's IAM checks turned on, so that each key
    answers as AWS would: ``works`` (every permission), ``missing_permission`` (kinesis:ListStreams only),
    ``wrong_secret`` (the working key's id with another secret) and ``unknown_key`` (no such key).

    moto makes up its keys: they are set to the demo's own in moto's IAM state, which is this process's
    (demo mode's moto runs in the app's process). Its checks are process-wide too: call this only in a
    process of demo mode's own (``python app.py``, ``make run``)."""
    from moto.iam.models import iam_backends

    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint_url,
                       aws_access_key_id=DEMO_KEY[0], aws_secret_access_key=DEMO_KEY[1])
    wanted = {}
    for user, (actions, key) in DEMO_USERS.items():
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="kinesis", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
        wanted[iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]] = key
    for account in iam_backends.values():
        for backend in account.values():
            for user in backend.users.values():
                for made in user.access_keys:
                    if made.access_key_id in wanted:
                        made.access_key_id, made.secret_access_key = wanted[made.access_key_id]
    requests.post(endpoint_url + "/moto-api/reset-auth", data="0", timeout=5).raise_for_status()
    return [{"code": "works", "access_key_id": DEMO_KEY[0], "secret_key": DEMO_KEY[1]},
            {"code": "missing_permission", "access_key_id": LISTER_KEY[0], "secret_key": LISTER_KEY[1]},
            {"code": "wrong_secret", "access_key_id": DEMO_KEY[0], "secret_key": WRONG_SECRET},
            {"code": "unknown_key", "access_key_id": UNKNOWN_KEY[0], "secret_key": UNKNOWN_KEY[1]}]


def start_demo_kinesis(keys: bool = False):
    """Start moto's Kinesis on a free loopback port, seeded with the demo streams; with ``keys``, the demo's
    keys too (``server.demo_keys``, and ``server.demo_writer_key`` for putting records), after which only
    they are let in."""
    from .server import kinesis_server

    server = kinesis_server().start()
    seed_streams(server.url)
    server.demo_keys = seed_demo_keys(server.url) if keys else []
    server.demo_writer_key = WRITER_KEY if keys else None
    return server


# What demo mode finds on the platform besides the streams: a Kinesis connection already in use by a
# dataflow, so that a refused delete (1418-400) and a running dataflow can be seen without making them.
DEMO_SANDBOX = "prod"
DEMO_CLIENT = "acp_demo_seed"
DEMO_CONNECTION_NAME = "Demo clickstream account"
DEMO_STREAM = "web-clickstream"
DEMO_REGION = "us-east-1"
DEMO_FLOW_NAME = "Demo clickstream to Experience Platform"
# Catalog ids are 24 hexadecimal digits; this one is the seeded "Web clickstream events" dataset.
DEMO_DATASET_ID = "65a0c0de5eed00d5e7000001"
DEMO_SCHEMA_ID = "https://ns.adobe.com/demotenant/schemas/webclickstream"


def _text(**extra) -> dict:
    return {"type": "string", **extra}


def _object(**properties) -> dict:
    return {"type": "object", "properties": properties}


# A few XDM schemas of the demo tenant, fields resolved; the first three can take streaming data, the last
# (an ad-hoc class, as a CSV upload makes) cannot. Their fields are named after the demo streams' own.
DEMO_SCHEMAS = (
    ("Web clickstream events", "https://ns.adobe.com/xdm/context/experienceevent", "webclickstream", {
        "_id": _text(), "timestamp": _text(format="date-time"), "eventType": _text(),
        "_demotenant": _object(event=_text(), customer=_text(), at=_text(format="date-time"),
                               page=_object(path=_text(), referrer=_text()))}),
    ("Order events", "https://ns.adobe.com/xdm/context/experienceevent", "orderevents", {
        "_id": _text(), "timestamp": _text(format="date-time"),
        "_demotenant": _object(orderId=_text(), customer=_text(), status=_text(), at=_text(format="date-time"),
                               total=_object(amount={"type": "number"}, currency=_text()))}),
    ("Mobile app users", "https://ns.adobe.com/xdm/context/profile", "mobileappusers", {
        "_id": _text(), "_demotenant": _object(customer=_text(), event=_text(),
                                               device=_object(os=_text(), appVersion=_text()))}),
    ("CSV uploads", "https://ns.adobe.com/xdm/data/adhoc", "csvuploads", {
        "_demotenant": _object(customer=_text(), amount={"type": "number"})}),
)
# Datasets: (name, schema's place in DEMO_SCHEMAS); the clickstream one in prod has DEMO_DATASET_ID.
DEMO_DATASETS = (("Web clickstream events", 0), ("Order updates", 1), ("CSV uploads (batch only)", 3))


def seed_catalog(sandbox: str) -> None:
    """The demo schemas and datasets in ``sandbox``, unless it has schemas (inside an emulator request)."""
    import uuid

    from .catalog import add_dataset, add_schema

    from .entities import SCHEMAS
    from .state import current_state

    if current_state().store.entities.list(SCHEMAS, sandbox):
        return                                   # seeded already
    schemas = [add_schema(sandbox, title, klass, properties, alt) for title, klass, alt, properties in DEMO_SCHEMAS]
    for name, place in DEMO_DATASETS:
        dataset_id = DEMO_DATASET_ID if (sandbox, place) == (DEMO_SANDBOX, 0) else \
            uuid.uuid5(uuid.NAMESPACE_DNS, f"{sandbox}.{name}").hex[:24]
        add_dataset(sandbox, name, schemas[place]["$id"], f"Seeded by demo mode ({DEMO_SCHEMAS[place][0]})",
                    dataset_id, DEMO_CLIENT)


def seed_demo_platform(app) -> dict[str, str] | None:
    """Give ``app``'s platform its demo objects (once: nothing is added when the demo connection exists).
    Returns the ids made, or None when they were already there."""
    from flask import g

    from .dataprep import new_mapping_set
    from .entities import FLOWS, MAPPING_SETS, SOURCE_CONNECTIONS, TARGET_CONNECTIONS
    from .flows import new_flow, new_source_connection, new_target_connection
    from .flowservice import store_connection
    from .specs import (DATA_LAKE_SPEC_ID, KINESIS_AUTH_SPEC_NAME, KINESIS_PROVIDER_ID, KINESIS_SPEC_ID,
                        STREAMING_FLOW_SPEC_ID)
    from .state import current_state

    with app.test_request_context(), current_state().store.seeding():
        # Looked for and made under the folder's seed lock: two processes starting at once make them once.
        store = current_state().store
        if any(c["name"] == DEMO_CONNECTION_NAME for c in store.connections(DEMO_SANDBOX)):
            return None
        g.sandbox, g.client_id, g.user = DEMO_SANDBOX, DEMO_CLIENT, None
        for sandbox in ("prod", "dev"):
            seed_catalog(sandbox)
        connection = store_connection(
            DEMO_SANDBOX, DEMO_CLIENT, DEMO_CONNECTION_NAME, "Seeded by demo mode: in use by a dataflow",
            KINESIS_SPEC_ID, "1.0", KINESIS_PROVIDER_ID, KINESIS_AUTH_SPEC_NAME,
            {"accessKeyId": DEMO_KEY[0], "secretKey": DEMO_KEY[1], "region": DEMO_REGION}, {"secretKey"})
        spec = {"id": KINESIS_SPEC_ID, "version": "1.0"}
        source = store.entities.add(SOURCE_CONNECTIONS, DEMO_SANDBOX, new_source_connection({
            "name": f"{DEMO_STREAM} source", "baseConnectionId": connection["id"], "connectionSpec": spec,
            "data": {"format": "json"}, "params": {"stream": DEMO_STREAM, "dataType": "raw", "reset": "latest"}}))
        target = store.entities.add(TARGET_CONNECTIONS, DEMO_SANDBOX, new_target_connection({
            "name": "Web clickstream events target", "connectionSpec": {"id": DATA_LAKE_SPEC_ID, "version": "1.0"},
            "data": {"format": "parquet_xdm", "schema": {"id": DEMO_SCHEMA_ID, "version": "1.0"}},
            "params": {"dataSetId": DEMO_DATASET_ID}}))
        # Its records become ExperienceEvents: calculated fields give each the _id and timestamp it must have.
        mapping = store.entities.add(MAPPING_SETS, DEMO_SANDBOX, new_mapping_set({
            "name": "Web clickstream mapping", "xdmSchema": DEMO_SCHEMA_ID, "mappings": [
                {"sourceType": "ATTRIBUTE", "source": "customer", "destination": "_demotenant.customer"},
                {"sourceType": "ATTRIBUTE", "source": "event", "destination": "_demotenant.event"},
                {"sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id"},
                {"sourceType": "EXPRESSION", "source": "now()", "destination": "timestamp"}]}))
        flow = store.entities.add(FLOWS, DEMO_SANDBOX, new_flow({
            "name": DEMO_FLOW_NAME, "flowSpec": {"id": STREAMING_FLOW_SPEC_ID, "version": "1.0"},
            "sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]],
            "transformations": [{"name": "Mapping", "params": {"mappingId": mapping["id"], "mappingVersion": "0"}}]}))
    return {"connection": connection["id"], "sourceConnection": source["id"], "targetConnection": target["id"],
            "flow": flow["id"]}

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


# The demo's keys, each named for what it shows: (code, IAM user or None, what the key pair is made of).
EVERY_ACTION = ["kinesis:ListStreams", "kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords"]
DEMO_USERS = {"demo-reader": EVERY_ACTION, "demo-lister": EVERY_ACTION[:1]}
UNKNOWN_KEY = ("AKIAZZZZDEMOUNKNOWN7", "unknown" + "K" * 33)


def seed_demo_keys(endpoint_url: str) -> list[dict]:
    """IAM users in moto with their own access keys, then moto's IAM checks turned on, so that each key
    answers as AWS would: ``works`` (every permission), ``missing_permission`` (kinesis:ListStreams only),
    ``wrong_secret`` (the working key's id with another secret) and ``unknown_key`` (no such key).

    moto's checks are process-wide: call this only in a process of demo mode's own (``python app.py``)."""
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint_url,
                       aws_access_key_id=DEMO_KEY[0], aws_secret_access_key=DEMO_KEY[1])
    keys = {}
    for user, actions in DEMO_USERS.items():
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="kinesis", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
        made = iam.create_access_key(UserName=user)["AccessKey"]
        keys[user] = (made["AccessKeyId"], made["SecretAccessKey"])
    reader = keys["demo-reader"]
    requests.post(endpoint_url + "/moto-api/reset-auth", data="0", timeout=5).raise_for_status()
    return [{"code": "works", "access_key_id": reader[0], "secret_key": reader[1]},
            {"code": "missing_permission", "access_key_id": keys["demo-lister"][0], "secret_key": keys["demo-lister"][1]},
            {"code": "wrong_secret", "access_key_id": reader[0], "secret_key": reader[1][::-1]},
            {"code": "unknown_key", "access_key_id": UNKNOWN_KEY[0], "secret_key": UNKNOWN_KEY[1]}]


def start_demo_kinesis(keys: bool = False):
    """Start moto's Kinesis on a free loopback port, seeded with the demo streams; with ``keys``, the demo's
    keys too (``server.demo_keys``), after which only they are let in."""
    from .server import kinesis_server

    server = kinesis_server().start()
    seed_streams(server.url)
    server.demo_keys = seed_demo_keys(server.url) if keys else []
    return server

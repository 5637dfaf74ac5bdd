"""Demo mode's Kinesis: moto's Kinesis server on loopback, with a few streams holding a few records."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import boto3

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


def start_demo_kinesis():
    """Start moto's Kinesis on a free loopback port, seeded with the demo streams."""
    from .server import kinesis_server

    server = kinesis_server().start()
    seed_streams(server.url)
    return server

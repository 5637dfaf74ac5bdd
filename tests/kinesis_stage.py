"""A Kinesis for the tests: moto's server on loopback, with streams, records and IAM users.

Auth is off by default (any key works, as in demo mode); the ``kinesis_auth`` fixture turns moto's IAM
checks on for one test, so that unknown keys, wrong secrets and missing permissions answer as AWS would.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import boto3
import requests

from connector import KinesisCredentials
from emulator.server import kinesis_server

REGION = "eu-west-1"
EMPTY_REGION = "us-west-1"
STREAMS = {"web-clickstream": [{"event": "page_view", "customer": "c-1", "page": {"path": "/", "ref": "ad"}},
                               {"event": "page_view", "customer": "c-2", "page": {"path": "/cart"}},
                               {"event": "add_to_cart", "customer": "c-2", "sku": "SHOE-42", "qty": 2}],
           "order-updates": [{"orderId": "o-1", "status": "paid", "total": {"amount": 42.5, "currency": "EUR"}}]}
EVERY_ACTION = ["kinesis:ListStreams", "kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords"]
ANY = ("AKIAANYKEYANYKEYANYK", "any" + "k" * 37)
# A region of its own for the very wide records, so that the other regions' stream lists stay as they are.
WIDE_REGION, WIDE_STREAM, WIDE_FIELDS = "eu-north-1", "wide-events", 30_000


def wide_record(seq: int) -> dict:
    """A record with WIDE_FIELDS keys (about 430 KB of JSON): its sequence number, a 500-character note,
    then numbered fields."""
    return {"seq": seq, "note": "x" * 500, **{f"f{n}": n for n in range(WIDE_FIELDS - 2)}}


@dataclass
class Stage:
    url: str
    users: dict[str, KinesisCredentials]
    checking: bool = False

    def client(self, service: str, region: str = REGION, key: tuple[str, str] = ANY):
        return boto3.client(service, region_name=region, endpoint_url=self.url, aws_access_key_id=key[0],
                            aws_secret_access_key=key[1])

    def auth(self, on: bool) -> None:
        """Turn moto's IAM checks on (every call needs a real key with the right policy) or off."""
        requests.post(self.url + "/moto-api/reset-auth", data="0" if on else "inf", timeout=5).raise_for_status()
        self.checking = on

    def admin(self, action):
        """Do an IAM chore as the account's administrator (with the checks off for that moment)."""
        checking = self.checking
        self.auth(False)
        try:
            return action(self.client("iam", "us-east-1"))
        finally:
            self.auth(checking)

    def new_user(self, name: str, actions: list[str]) -> KinesisCredentials:
        """A user of its own for a test that changes it, with a policy allowing ``actions``."""
        def create(iam):
            iam.create_user(UserName=name)
            if actions:
                iam.put_user_policy(UserName=name, PolicyName="kinesis", PolicyDocument=json.dumps({
                    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
            key = iam.create_access_key(UserName=name)["AccessKey"]
            return KinesisCredentials(key["AccessKeyId"], key["SecretAccessKey"], REGION)
        self.users[name] = self.admin(create)
        return self.users[name]

    def wide_stream(self, records: int = 3) -> str:
        """A stream in WIDE_REGION holding ``records`` very wide records (made once); its name."""
        kinesis = self.client("kinesis", WIDE_REGION)
        if WIDE_STREAM not in kinesis.list_streams().get("StreamNames", []):
            kinesis.create_stream(StreamName=WIDE_STREAM, ShardCount=1)
            for seq in range(records):
                kinesis.put_record(StreamName=WIDE_STREAM, PartitionKey="wide",
                                   Data=json.dumps(wide_record(seq), separators=(",", ":")).encode())
        return WIDE_STREAM

    def deactivate(self, user: str) -> None:
        """Delete a user's access key, as an AWS admin rotating it would."""
        key = self.users[user].access_key_id
        self.admin(lambda iam: iam.delete_access_key(UserName=user, AccessKeyId=key))


def build_stage() -> tuple[object, Stage]:
    server = kinesis_server().start()
    requests.post(server.url + "/moto-api/reset", timeout=5).raise_for_status()  # moto's state is process-wide
    stage = Stage(server.url, {})
    kinesis = stage.client("kinesis")
    for name, events in STREAMS.items():
        kinesis.create_stream(StreamName=name, ShardCount=1)
        for event in events:
            kinesis.put_record(StreamName=name, Data=json.dumps(event).encode(), PartitionKey=str(len(event)))
    policies = {"reader": EVERY_ACTION, "lister": EVERY_ACTION[:1], "describer": EVERY_ACTION[:2],
                "no-records": EVERY_ACTION[:3], "nobody": []}
    for user, actions in policies.items():
        stage.new_user(user, actions)
    return server, stage

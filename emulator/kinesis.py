"""The Kinesis behind a Kinesis connection: what explore and test ask, through boto3.

The endpoint is KINESIS_ENDPOINT_URL (moto's Kinesis locally); unset, it is AWS's own for the region.
Nothing here is made up: every stream and record comes from Kinesis.
"""
from __future__ import annotations

import base64
import json
import re
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

TIMEOUTS = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2})


class KinesisUnavailable(Exception):
    """Kinesis could not be reached."""


class KinesisRefused(Exception):
    """Kinesis refused the connection's credentials or a call; the text is the provider's message."""


def provider_message(error: ClientError) -> str:
    """AWS's message, also when it comes as moto's XML."""
    message = error.response.get("Error", {}).get("Message", "") or str(error)
    inner = re.search(r"<Message>(.*?)</Message>", message, re.S)
    return (inner.group(1) if inner else message).strip()


@lru_cache(maxsize=256)
def client_for(endpoint_url: str | None, region: str, access_key_id: str, secret_key: str):
    """A boto3 Kinesis client per endpoint, region and key (making one costs more than a call)."""
    return boto3.session.Session().client(
        "kinesis", region_name=region, endpoint_url=endpoint_url or None, aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_key, config=TIMEOUTS)


class Kinesis:
    """Kinesis, seen with one connection's stored credentials."""

    def __init__(self, endpoint_url: str | None, params: dict[str, Any], secrets: dict[str, Any]) -> None:
        self.client = client_for(endpoint_url, params.get("region") or "us-east-1", params.get("accessKeyId") or "",
                                 secrets.get("secretKey") or "")

    def _call(self, name: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self.client, name)(**kwargs)
        except ClientError as error:
            raise KinesisRefused(provider_message(error)) from None
        except BotoCoreError as error:
            raise KinesisUnavailable(type(error).__name__) from None

    def streams(self) -> list[str]:
        """Every stream's name, page after page."""
        names: list[str] = []
        answer = self._call("list_streams", Limit=100)
        names += answer.get("StreamNames", [])
        while answer.get("HasMoreStreams") and names:
            answer = self._call("list_streams", Limit=100, ExclusiveStartStreamName=names[-1])
            names += answer.get("StreamNames", [])
        return names

    def recent_values(self, stream: str, limit: int, budget: int) -> list[Any]:
        """The data of the stream's latest ``limit`` records, oldest first, decoded (``decode``).

        At most ``budget`` bytes of record data are decoded: counting from the newest record, older ones
        are left out once the budget is spent (the newest is always kept, cut to the budget if it is
        larger on its own, which a real Kinesis record, at most 1 MiB, never is with a 1 MiB budget).
        """
        shards = self._call("describe_stream", StreamName=stream)["StreamDescription"]["Shards"]
        records: list[dict[str, Any]] = []
        for shard in shards:
            iterator = self._call("get_shard_iterator", StreamName=stream, ShardId=shard["ShardId"],
                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            for _ in range(20):  # enough pages for a preview; a busy shard is cut short
                answer = self._call("get_records", ShardIterator=iterator, Limit=1000)
                records += answer.get("Records", [])
                iterator = answer.get("NextShardIterator")
                if not iterator or not answer.get("Records") or not answer.get("MillisBehindLatest", 0):
                    break
        records.sort(key=lambda r: (r.get("ApproximateArrivalTimestamp") or 0, r["SequenceNumber"]))
        chosen: list[bytes] = []
        spent = 0
        for record in reversed(records[-limit:]):
            data: bytes = record["Data"]
            if chosen and spent + len(data) > budget:
                break
            chosen.append(data)
            spent += len(data)
        return [decode(data, budget) for data in reversed(chosen)]


def decode(data: bytes, budget: int) -> Any:
    """A record's data as explore shows it: parsed JSON; else UTF-8 text; else base64. Data longer than
    ``budget`` is not parsed: its first ``budget`` bytes are shown as text."""
    if len(data) > budget:
        return data[:budget].decode("utf-8", errors="replace")
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(data).decode()

"""Kinesis credentials: the formats AWS uses, the regions botocore ships for Kinesis, and a direct test
of a key against Kinesis itself."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from functools import lru_cache

import botocore.session
from botocore.config import Config
from botocore.exceptions import (BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError,
                                 ReadTimeoutError)

ACCESS_KEY_ID = re.compile(r"^[A-Z0-9]{20}$")
SECRET_KEY = re.compile(r"^[A-Za-z0-9/+]{40}$")


@dataclass(frozen=True)
class Region:
    """An AWS region that offers Kinesis."""

    code: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


@lru_cache(maxsize=1)
def kinesis_regions() -> tuple[Region, ...]:
    """Kinesis regions of the standard AWS partition, from botocore's endpoint data."""
    session = botocore.session.get_session()
    names = {}
    for partition in session.get_data("endpoints")["partitions"]:
        if partition["partition"] == "aws":
            names = {code: info.get("description", code) for code, info in partition["regions"].items()}
    codes = session.get_available_regions("kinesis", partition_name="aws")
    return tuple(Region(code, names.get(code, code)) for code in sorted(codes))


def is_kinesis_region(code: str) -> bool:
    """True when ``code`` is a region where Kinesis runs."""
    return any(region.code == code for region in kinesis_regions())


@dataclass(frozen=True)
class KinesisCredentials:
    """An IAM user's long-term access key and the region of its streams."""

    access_key_id: str
    secret_key: str = field(repr=False)
    region: str

    def auth_params(self) -> dict[str, str]:
        """The ``auth.params`` of a Kinesis base connection."""
        return {"accessKeyId": self.access_key_id, "secretKey": self.secret_key, "region": self.region}

    @property
    def key_hint(self) -> str:
        """The last four characters of the access key ID, safe to show and log."""
        return self.access_key_id[-4:]


def check_access_key_id(value: str) -> str | None:
    """The problem code for an access key ID, or None when it is well-formed."""
    value = (value or "").strip()
    if not value:
        return "access_key_missing"
    if value.upper().startswith("ASIA"):
        return "access_key_temporary"
    if not ACCESS_KEY_ID.match(value):
        return "access_key_format"
    if not value.startswith("AKIA"):
        return "access_key_prefix"
    return None


def check_secret_access_key(value: str) -> str | None:
    """The problem code for a secret access key, or None when it is well-formed."""
    value = (value or "").strip()
    if not value:
        return "secret_missing"
    if not SECRET_KEY.match(value):
        return "secret_format"
    return None


def check_region(value: str) -> str | None:
    """The problem code for a region, or None when Kinesis runs there."""
    if not value:
        return "region_missing"
    if not is_kinesis_region(value):
        return "region_unknown"
    return None


def check_credentials(access_key_id: str, secret_key: str, region: str) -> dict[str, str]:
    """Every problem with the credentials, as ``{field: problem code}``; empty when all is well.

    Codes: ``access_key_missing``, ``access_key_temporary`` (ASIA keys need a session token that Flow
    Service cannot store), ``access_key_format``, ``access_key_prefix``, ``secret_missing``,
    ``secret_format``, ``region_missing``, ``region_unknown``.
    """
    problems = {
        "access_key_id": check_access_key_id(access_key_id),
        "secret_key": check_secret_access_key(secret_key),
        "region": check_region(region),
    }
    return {name: code for name, code in problems.items() if code}


# The direct key test: ask Kinesis itself, before anything is created in Adobe ---------------------

CHECK_DEADLINE = 5.0       # seconds: the user gets an answer by then, whatever AWS does
CALL_TIMEOUT = 2.5

@dataclass(frozen=True)
class KinesisCheck:
    """What Kinesis said of a key: ``problem`` is None when every needed call worked.

    Problems: ``no_streams``, ``unknown_key``, ``wrong_secret``, ``missing_permission`` (``action`` names
    the call refused), ``unreachable``, ``timeout``, ``refused`` (``detail`` holds AWS's words).
    """

    problem: str | None
    region: str
    streams: tuple[str, ...] = ()
    action: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def code(self) -> str:
        return self.problem or "ok"

    def values(self) -> dict[str, object]:
        """The values the message for ``code`` refers to."""
        return {"count": len(self.streams), "region": self.region, "action": self.action, "detail": self.detail}


_botocore_lock = threading.Lock()
_botocore_session = None


def kinesis_client(credentials: KinesisCredentials, endpoint_url: str | None, timeout: float = CALL_TIMEOUT):
    """A botocore Kinesis client for these credentials: short timeouts, no retries."""
    global _botocore_session
    with _botocore_lock:  # botocore sessions are not thread-safe; the clients they make are
        if _botocore_session is None:
            _botocore_session = botocore.session.get_session()
        return _botocore_session.create_client(
            "kinesis", region_name=credentials.region, endpoint_url=endpoint_url or None,
            aws_access_key_id=credentials.access_key_id, aws_secret_access_key=credentials.secret_key,
            config=Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 1}))


def _classify(error: ClientError, region: str, action: str) -> KinesisCheck:
    """Tell apart the causes by code and by message: moto answers 403 with XML, AWS with its own codes."""
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "") or str(error)
    inner = re.search(r"<Message>(.*?)</Message>", message, re.S)
    text = inner.group(1) if inner else message
    if code in ("UnrecognizedClientException", "InvalidClientTokenId") or "security token included" in text:
        return KinesisCheck("unknown_key", region)
    if code in ("InvalidSignatureException", "SignatureDoesNotMatch") or "signature we calculated" in text:
        return KinesisCheck("wrong_secret", region)
    denied = re.search(r"not authorized to perform:? (kinesis:\w+)", text)
    if code in ("AccessDeniedException", "AccessDenied") or denied:
        return KinesisCheck("missing_permission", region, action=denied.group(1) if denied else action)
    return KinesisCheck("refused", region, detail=text[:200])


def _probe(credentials: KinesisCredentials, endpoint_url: str | None) -> KinesisCheck:
    region, action = credentials.region, "kinesis:ListStreams"
    try:
        client = kinesis_client(credentials, endpoint_url)
        streams = tuple(client.list_streams(Limit=100).get("StreamNames", []))
        if not streams:
            return KinesisCheck("no_streams", region)
        action = "kinesis:DescribeStream"
        shards = client.describe_stream(StreamName=streams[0], Limit=1)["StreamDescription"]["Shards"]
        if shards:
            action = "kinesis:GetShardIterator"
            iterator = client.get_shard_iterator(StreamName=streams[0], ShardId=shards[0]["ShardId"],
                                                 ShardIteratorType="LATEST")["ShardIterator"]
            action = "kinesis:GetRecords"
            client.get_records(ShardIterator=iterator, Limit=1)
        return KinesisCheck(None, region, streams)
    except ClientError as error:
        return _classify(error, region, action)
    except (ConnectTimeoutError, ReadTimeoutError):
        return KinesisCheck("timeout", region)
    except (EndpointConnectionError, BotoCoreError):
        return KinesisCheck("unreachable", region)


def check_kinesis_access(credentials: KinesisCredentials, endpoint_url: str | None = None,
                         deadline: float = CHECK_DEADLINE) -> KinesisCheck:
    """List the streams with these keys and try each call Experience Platform will make; answer by ``deadline``."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kinesis-check")
    future = pool.submit(_probe, credentials, endpoint_url)
    try:
        return future.result(timeout=deadline)
    except FutureTimeout:
        return KinesisCheck("timeout", credentials.region)
    finally:
        pool.shutdown(wait=False)  # a hung call ends on its own socket timeout

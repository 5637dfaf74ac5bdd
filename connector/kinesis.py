"""Kinesis credentials: the formats AWS uses, and the regions botocore ships for Kinesis."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import botocore.session

ACCESS_KEY_ID = re.compile(r"^[A-Z0-9]{20}$")
SECRET_KEY = re.compile(r"^[A-Za-z0-9/+]{40}$")


def N_(message: str) -> str:
    """Mark a message for translation; the wizard translates it when it shows it."""
    return message


# What went wrong, by code; the wizard shows these (translated) next to the field.
MESSAGES = {
    "access_key_missing": N_("Enter the access key ID."),
    "access_key_temporary": N_("This is a temporary access key (it starts with ASIA). Flow Service cannot store "
                                "the session token such keys need, so they stop working; use a long-term "
                                "access key of an IAM user, which starts with AKIA."),
    "access_key_format": N_("An access key ID is 20 capital letters and digits, like AKIAIOSFODNN7EXAMPLE."),
    "access_key_prefix": N_("An IAM user's access key ID starts with AKIA."),
    "secret_missing": N_("Enter the secret access key."),
    "secret_format": N_("A secret access key is 40 characters: letters, digits, / and +. Copy it again from "
                         "the file AWS offered when the key was created."),
    "region_missing": N_("Choose the region of your Kinesis streams."),
    "region_unknown": N_("Choose a region where Amazon Kinesis is available."),
}


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


def check_secret_key(value: str) -> str | None:
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
    """Every problem with the credentials, as ``{field: problem code}``; empty when all is well."""
    problems = {
        "access_key_id": check_access_key_id(access_key_id),
        "secret_key": check_secret_key(secret_key),
        "region": check_region(region),
    }
    return {name: code for name, code in problems.items() if code}

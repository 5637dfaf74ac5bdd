"""connector/kinesis.py: access key formats, secrets, and regions from botocore."""
from __future__ import annotations

import botocore.session
import pytest

from connector.kinesis import (MESSAGES, check_access_key_id, check_credentials, check_region, check_secret_key,
                               is_kinesis_region, kinesis_regions)
from helpers import ACCESS_KEY_ID, SECRET_KEY, credentials


@pytest.mark.parametrize("value, problem", [
    (ACCESS_KEY_ID, None),
    (f"  {ACCESS_KEY_ID} ", None),
    ("", "access_key_missing"),
    ("   ", "access_key_missing"),
    ("ASIAIOSFODNN7EXAMPLE", "access_key_temporary"),
    ("asiaiosfodnn7example", "access_key_temporary"),
    ("AKIAIOSFODNN7EXAMPL", "access_key_format"),
    ("AKIAIOSFODNN7EXAMPLE1", "access_key_format"),
    ("akiaiosfodnn7example", "access_key_format"),
    ("AKIA-OSFODNN7EXAMPLE", "access_key_format"),
    ("AIDAIOSFODNN7EXAMPLE", "access_key_prefix"),
])
def test_access_key_id(value, problem):
    assert check_access_key_id(value) == problem


def test_temporary_keys_are_refused_with_the_reason():
    assert "session token" in MESSAGES["access_key_temporary"] and "AKIA" in MESSAGES["access_key_temporary"]


@pytest.mark.parametrize("value, problem", [
    (SECRET_KEY, None),
    ("", "secret_missing"),
    (SECRET_KEY[:-1], "secret_format"),
    (SECRET_KEY + "A", "secret_format"),
    ("*" * 40, "secret_format"),
    (SECRET_KEY[:-1] + "!", "secret_format"),
])
def test_secret_key(value, problem):
    assert check_secret_key(value) == problem


def test_regions_come_from_botocore():
    expected = set(botocore.session.get_session().get_available_regions("kinesis"))
    regions = kinesis_regions()
    assert {r.code for r in regions} == expected
    paris = next(r for r in regions if r.code == "eu-west-3")
    assert paris.label == "Europe (Paris) (eu-west-3)"


@pytest.mark.parametrize("value, problem", [("us-east-1", None), ("", "region_missing"),
                                            ("cn-north-1", "region_unknown"), ("mars-1", "region_unknown")])
def test_region(value, problem):
    assert check_region(value) == problem
    assert is_kinesis_region(value) is (problem is None)


def test_check_credentials_reports_every_field():
    assert check_credentials(ACCESS_KEY_ID, SECRET_KEY, "eu-west-1") == {}
    assert check_credentials("", "short", "") == {
        "access_key_id": "access_key_missing", "secret_key": "secret_format", "region": "region_missing"}


def test_credentials_hide_the_secret():
    creds = credentials()
    assert SECRET_KEY not in repr(creds) and creds.key_hint == "MPLE"
    assert creds.auth_params() == {"accessKeyId": ACCESS_KEY_ID, "secretKey": SECRET_KEY, "region": "eu-west-1"}

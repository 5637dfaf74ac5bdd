"""connector/kinesis.py: access key formats, secrets, and regions from botocore."""
from __future__ import annotations

import socket
from dataclasses import replace

import botocore.session
import pytest

from connector.kinesis import (check_access_key_id, check_credentials,
                               check_kinesis_access, check_region, check_secret_access_key, is_kinesis_region,
                               kinesis_regions)
from tests.helpers import ACCESS_KEY_ID, SECRET_KEY, credentials
from web.messages import CHECK_MESSAGES, MESSAGES


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
    assert check_secret_access_key(value) == problem


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


# The direct key test, against moto's Kinesis with its IAM checks on

@pytest.fixture
def check(kinesis_auth):
    return lambda creds, **kw: check_kinesis_access(creds, kinesis_auth.url, **kw)


def test_a_working_key_lists_the_streams(check, kinesis_auth):
    result = check(kinesis_auth.users["reader"])
    assert result.ok and set(result.streams) == {"web-clickstream", "order-updates"}
    assert result.code == "ok" and result.values()["count"] == 2


def test_an_unknown_key(check, kinesis_auth):
    assert check(credentials()).problem == "unknown_key"


def test_a_wrong_secret(check, kinesis_auth):
    reader = kinesis_auth.users["reader"]
    assert check(replace(reader, secret_key=SECRET_KEY)).problem == "wrong_secret"


@pytest.mark.parametrize("user, action", [("nobody", "kinesis:ListStreams"), ("lister", "kinesis:DescribeStream"),
                                          ("describer", "kinesis:GetShardIterator"),
                                          ("no-records", "kinesis:GetRecords")])
def test_a_missing_permission_is_named(check, kinesis_auth, user, action):
    result = check(kinesis_auth.users[user])
    assert result.problem == "missing_permission" and result.action == action
    assert action in CHECK_MESSAGES["missing_permission"] % result.values()


def test_a_region_without_streams(check, kinesis_auth):
    result = check(replace(kinesis_auth.users["reader"], region="us-west-1"))
    assert result.problem == "no_streams" and "us-west-1" in CHECK_MESSAGES["no_streams"] % result.values()


def test_an_unreachable_endpoint():
    assert check_kinesis_access(credentials(), "http://127.0.0.1:9").problem == "unreachable"


def test_an_endpoint_that_never_answers_is_cut_off_at_the_deadline():
    with socket.socket() as silent:          # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        assert check_kinesis_access(credentials(), url, deadline=0.5).problem == "timeout"
        assert check_kinesis_access(credentials(), url).problem == "timeout"   # botocore's own read timeout


def test_every_check_message_has_its_values():
    values = {"count": 3, "region": "eu-west-1", "action": "kinesis:GetRecords", "detail": "x"}
    assert all(message % values for message in CHECK_MESSAGES.values())


@pytest.mark.parametrize("lang, one, many", [
    ("en", "Kinesis lists 1 stream in Europe (Ireland) (eu-west-1),", "Kinesis lists 3 streams in Europe (Ireland) (eu-west-1),"),
    ("fr", "Kinesis liste 1 flux dans Europe (Irlande) (eu-west-1),", "Kinesis liste 3 flux dans Europe (Irlande) (eu-west-1),")])
def test_a_working_key_is_told_in_plural_forms_with_the_regions_name(app, lang, one, many):
    """What Kinesis said, as people read it: the language's plural form, the region by name and code."""
    from connector.kinesis import KinesisCheck
    from web.messages import check_message
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        assert one in check_message(KinesisCheck(None, "eu-west-1", ("a",)))
        assert many in check_message(KinesisCheck(None, "eu-west-1", ("a", "b", "c")))
        assert "(eu-west-1)" in check_message(KinesisCheck("no_streams", "eu-west-1"))

"""``flask kinesis …`` run as a process, as an operator runs it, against the emulator over HTTP: output for
people and for scripts, exit codes, the secret never from a flag nor shown, one create however often run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Callable

import pytest

from tests.helpers import ACCESS_KEY_ID, CLIENT_ID, CLIENT_SECRET, ROOT, SECRET_KEY, credentials
from tests.kinesis_stage import EVERY_ACTION

CREATE = "POST /data/foundation/flowservice/connections"
PATCH = "PATCH /data/foundation/flowservice/connections/<connection_id>"
NEW_KEY = ("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY")
FLAGS = ["--sandbox", "prod", "--name", "From the CLI", "--access-key-id", ACCESS_KEY_ID, "--region", "eu-west-1"]


@pytest.fixture
def cli_env(settings) -> dict[str, str]:
    """The environment of an operator's terminal: the app's settings, nothing of this test run's."""
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("AEP_", "KINESIS_", "AUTH_", "LANG", "LC_"))}
    base.update(AEP_PLATFORM_URL=settings.platform_url, AEP_IMS_URL=settings.ims_url, AEP_CLIENT_ID=CLIENT_ID,
                AEP_CLIENT_SECRET=CLIENT_SECRET, AEP_ORG_ID=settings.org_id, AUTH_MODE="portal",
                TRUSTED_PROXIES="1", TRUSTED_USER_HEADER="X-User", ACCESS_POLICY=str(ROOT / "docs/access-policy.example.toml"),
                SECRET_KEY="dcRupNkZCPs-cnGTw7OBQhKQcZuxKatZ7cGE2kgqkxM", KINESIS_ENDPOINT_URL=settings.kinesis_endpoint_url,
                LOG_FORMAT="json")
    return base


@pytest.fixture
def flask(cli_env, tmp_path):
    """Run ``flask --app app kinesis …`` in a process of its own, configured as an operator would."""
    base = cli_env

    def run(*args: str, secret: str | None = SECRET_KEY, stdin: str | None = None, **env: str):
        environment = {**base, **env}
        if secret is not None:
            environment["KINESIS_SECRET_ACCESS_KEY"] = secret
        return subprocess.run([sys.executable, "-m", "flask", "--app", str(ROOT / "app.py"), "kinesis", *args],
                              cwd=tmp_path, env=environment, input=stdin or "", capture_output=True, text=True,
                              timeout=60)
    return run


def out(result) -> dict | list:
    return json.loads(result.stdout)


def test_sandboxes_as_a_table_and_as_json(flask):
    table = flask("sandboxes")
    assert table.returncode == 0 and table.stdout.splitlines()[0].split() == ["Sandbox", "Title", "Default"]
    assert out(flask("sandboxes", "--output", "json"))[0] == {"name": "prod", "title": "Production", "default": True}


def test_create_once_then_already_existed(flask, emulator, caplog):
    made = flask("create", *FLAGS, "--output", "json")
    assert made.returncode == 0, made.stderr
    created = out(made)
    assert created["outcome"] == "created" and created["sandbox"] == "prod"
    again = flask("create", *FLAGS, "--output", "json")
    assert again.returncode == 3 and out(again)["id"] == created["id"] and out(again)["outcome"] == "existed"
    assert emulator.calls(CREATE) == 1
    audit = [json.loads(line) for line in made.stderr.splitlines() if '"logger": "audit"' in line]
    assert audit[0]["event"] == "connection.created" and audit[0]["user"].startswith("cli:")
    assert SECRET_KEY not in made.stdout + made.stderr + again.stdout + again.stderr


def test_create_from_a_toml_file_with_the_secret_on_stdin(flask, tmp_path, platform):
    (tmp_path / "connection.toml").write_text('sandbox = "dev"\nname = "From a file"\naccess_key_id = '
                                              f'"{ACCESS_KEY_ID}"\nregion = "eu-west-1"\n')
    made = flask("create", "--from", "connection.toml", "--secret-stdin", secret=None, stdin=SECRET_KEY + "\n")
    assert made.returncode == 0, made.stderr
    [found] = platform.connections.list_kinesis_connections("dev")
    assert found.name == "From a file" and found.id in made.stdout


def test_create_from_json_with_flags_overriding_the_file(flask, tmp_path, platform):
    (tmp_path / "c.json").write_text(json.dumps({"sandbox": "prod", "name": "Json", "access_key_id": ACCESS_KEY_ID,
                                                 "region": "eu-west-1"}))
    assert flask("create", "--from", "c.json", "--name", "Flag wins").returncode == 0
    assert [c.name for c in platform.connections.list_kinesis_connections("prod")] == ["Flag wins"]


@pytest.mark.parametrize("content, words", [('secret_key = "x"\n', "holds a secret"),
                                            ('colour = "blue"\n', "does not know: colour"),
                                            ("not [ valid", "neither JSON nor TOML")])
def test_a_file_that_cannot_be_used_is_refused(flask, tmp_path, emulator, content, words):
    (tmp_path / "bad.toml").write_text(content)
    refused = flask("create", "--from", "bad.toml")
    assert refused.returncode == 2 and words in refused.stderr and emulator.calls(CREATE) == 0


def test_the_secret_is_never_a_flag_and_must_come_from_somewhere(flask, emulator):
    assert flask("create", *FLAGS, "--secret-key", SECRET_KEY).returncode == 2     # no such flag
    missing = flask("create", *FLAGS, secret=None)
    assert missing.returncode == 2 and "KINESIS_SECRET_ACCESS_KEY" in missing.stderr and emulator.calls(CREATE) == 0


def test_a_malformed_key_is_explained_in_the_wizards_words(flask, emulator):
    refused = flask("create", *FLAGS[:-3], "ASIAIOSFODNN7EXAMPLE", "--region", "eu-west-1", "--output", "json")
    assert refused.returncode == 2 and out(refused)["problems"] == {"access_key_id": "access_key_temporary"}
    assert "temporary access key" in refused.stderr and emulator.calls(CREATE) == 0


def test_dry_run_prints_the_request_with_the_secret_masked_and_sends_nothing(flask, emulator):
    shown = flask("create", *FLAGS, "--dry-run", "--output", "json")
    assert shown.returncode == 0 and emulator.calls(CREATE) == 0
    request = out(shown)["request"]
    assert request["method"] == "POST" and request["url"].endswith("/data/foundation/flowservice/connections")
    assert request["body"]["auth"]["params"] == {"accessKeyId": ACCESS_KEY_ID, "secretKey": "****",
                                                 "region": "eu-west-1"}
    assert SECRET_KEY not in shown.stdout + shown.stderr
    people = flask("create", *FLAGS, "--dry-run")
    assert people.stdout.startswith("POST ") and '"secretKey": "****"' in people.stdout


def test_platform_unavailable_has_its_own_exit_code(flask, emulator):
    emulator.fault(kind="status", path="sandbox-management", status=503, times=20)
    down = flask("sandboxes", "--output", "json")
    assert down.returncode == 5 and out(down)["outcome"] == "unavailable" and "not answering" in down.stderr


def test_an_unanswered_create_is_unknown_and_never_made_twice(flask, emulator, platform):
    emulator.fault(kind="status", path="/flowservice/connections$", method="POST", status=504, act=True, times=1)
    first = flask("create", *FLAGS)
    assert first.returncode in (0, 6), first.stderr           # found at once, or not yet: never twice
    again = flask("create", *FLAGS)
    assert again.returncode == 3 and len(list(platform.connections.list_kinesis_connections("prod"))) == 1


def test_list_show_and_test(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Listed", "", credentials())
    listed = out(flask("connections", "list", "--sandbox", "prod", "--output", "json"))
    assert [(c["id"], c["key_last4"]) for c in listed] == [(made.id, "MPLE")]
    assert "Listed" in flask("connections", "list", "--sandbox", "prod", "--search", "list").stdout
    assert flask("connections", "list", "--sandbox", "prod", "--search", "zzz").stdout.count("\n") == 1
    assert "Listed" in flask("connections", "list", "--sandbox", "prod", "--search", "mple").stdout   # last four
    for probe in (ACCESS_KEY_ID, "AKIA", "7EXAMPLE"):      # never more of the key than pages show
        assert flask("connections", "list", "--sandbox", "prod", "--search", probe).stdout.count("\n") == 1
    shown = out(flask("connections", "show", "--sandbox", "prod", made.id, "--output", "json"))
    assert shown["name"] == "Listed" and shown["etag"] == made.etag
    tested = flask("connections", "test", "--sandbox", "prod", made.id)
    assert tested.returncode == 0 and "Test passed" in tested.stdout
    assert flask("connections", "show", "--sandbox", "prod", "../sandboxes").returncode == 2   # not an id
    missing = flask("connections", "show", "--sandbox", "prod", "6f0e1f5e-0000-4000-8000-000000000000")
    assert missing.returncode == 4


def test_a_failing_test_exits_1(flask, platform, kinesis_auth):
    key = kinesis_auth.new_user("cli-test", EVERY_ACTION)
    made = platform.connections.create_kinesis_connection("prod", "Soon broken", "", key)
    kinesis_auth.deactivate("cli-test")
    failed = flask("connections", "test", "--sandbox", "prod", made.id, "--output", "json")
    assert failed.returncode == 1 and out(failed) == {"id": made.id, "result": False}


def test_rotate_tests_the_key_then_names_the_old_one(flask, platform, kinesis_auth):
    new = kinesis_auth.new_user("cli-rotate", EVERY_ACTION)
    made = platform.connections.create_kinesis_connection("prod", "Rotated", "", credentials())
    rotated = flask("connections", "rotate", "--sandbox", "prod", made.id, "--access-key-id", new.access_key_id,
                    "--region", new.region, "--secret-stdin", secret=None, stdin=new.secret_key, )
    assert rotated.returncode == 0, rotated.stderr
    assert f"ending in {new.key_hint}" in rotated.stdout and "old key, ending in MPLE" in rotated.stdout
    assert platform.connections.get_connection("prod", made.id).access_key_id == new.access_key_id
    assert new.secret_key not in rotated.stdout + rotated.stderr
    assert '"event": "connection.key_rotated"' in rotated.stderr


def test_rotate_refuses_a_key_kinesis_refuses(flask, platform, kinesis_auth, emulator):
    broken = kinesis_auth.new_user("cli-broken", EVERY_ACTION)
    kinesis_auth.deactivate("cli-broken")
    made = platform.connections.create_kinesis_connection("prod", "Kept", "", credentials())
    refused = flask("connections", "rotate", "--sandbox", "prod", made.id, "--access-key-id", broken.access_key_id,
                    "--region", broken.region, secret=broken.secret_key)
    assert refused.returncode == 1 and "AWS does not know this access key" in refused.stdout
    assert emulator.calls(PATCH) == 0


def test_rotate_against_a_version_someone_changed_is_refused_with_the_current_state(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Raced", "", credentials())
    platform.connections.rename("prod", made.id, made.etag, "Changed by someone", "")
    stale = flask("connections", "rotate", "--sandbox", "prod", made.id, "--access-key-id", NEW_KEY[0],
                  "--etag", made.etag, "--output", "json", secret=NEW_KEY[1])
    assert stale.returncode == 4 and out(stale)["current"]["name"] == "Changed by someone"
    assert emulator.calls(PATCH) == 1          # the rename only


def test_rotate_dry_run_masks_the_secret(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Dry", "", credentials())
    shown = out(flask("connections", "rotate", "--sandbox", "prod", made.id, "--access-key-id", NEW_KEY[0],
                      "--dry-run", "--output", "json", secret=NEW_KEY[1]))
    assert shown["request"]["method"] == "PATCH" and shown["request"]["headers"]["If-Match"] == made.etag
    assert shown["request"]["body"][0]["value"]["secretKey"] == "****" and emulator.calls(PATCH) == 0


def test_delete_asks_then_deletes_and_is_refused_while_in_use(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Doomed", "", credentials())
    in_use = platform.connections.create_kinesis_connection("prod", "Busy", "", credentials())
    emulator.mark_in_use(in_use.id)
    assert flask("connections", "delete", "--sandbox", "prod", made.id).returncode == 2    # no --yes, no terminal
    gone = flask("connections", "delete", "--sandbox", "prod", made.id, "--yes")
    assert gone.returncode == 0 and "Deleted the connection Doomed" in gone.stdout
    refused = flask("connections", "delete", "--sandbox", "prod", in_use.id, "--yes", "--output", "json")
    assert refused.returncode == 4 and out(refused)["outcome"] == "refused" and "dataflows use it" in refused.stderr
    assert [c.name for c in platform.connections.list_kinesis_connections("prod")] == ["Busy"]


def test_messages_follow_the_terminals_language(flask):
    french = flask("create", *FLAGS, secret=None, LANG="fr_FR.UTF-8")
    assert french.returncode == 2 and "variable d’environnement" in french.stderr.replace("'", "’")


def test_delete_names_the_dataflows_that_use_it(flask, platform, emulator):
    from tests.test_emulator_flows import Api, a_flow
    made = platform.connections.create_kinesis_connection("prod", "Flowing", "", credentials())
    flow = a_flow(Api(platform, emulator.url), made.id)[2]
    refused = flask("connections", "delete", "--sandbox", "prod", made.id, "--yes", "--output", "json")
    assert refused.returncode == 4 and out(refused)["dataflows"] == [{"id": flow, "name": "flow"}]
    assert f"flow ({flow})" in refused.stderr
    listed = out(flask("connections", "list", "--sandbox", "prod", "--output", "json"))
    assert listed[0]["dataflows"] == [{"id": flow, "name": "flow"}]


@pytest.mark.parametrize("command", [["show"], ["test"], ["delete", "--yes"],
                                     ["rotate", "--access-key-id", NEW_KEY[0]], ["rename", "--name", "x", "--yes"]])
def test_what_is_not_a_kinesis_source_of_that_sandbox_is_no_such_connection(flask, emulator, platform, command):
    destination = emulator.add_destination(sandbox="prod")
    elsewhere = platform.connections.create_kinesis_connection("dev", "In dev", "", credentials())
    for connection_id in (destination, elsewhere.id):
        answer = flask("connections", command[0], "--sandbox", "prod", connection_id, *command[1:],
                       "--output", "json", secret=NEW_KEY[1])
        assert answer.returncode == 4, answer.stderr
        assert "no such connection" in out(answer)["message"]
    assert emulator.calls(PATCH) == 0
    assert emulator.calls("DELETE /data/foundation/flowservice/connections/<connection_id>") == 0
    assert emulator.calls("GET /data/foundation/flowservice/connections/<connection_id>/test") == 0


@pytest.mark.parametrize("fault", [{"kind": "drop"}, {"kind": "status", "status": 500}])
def test_a_rotate_whose_answer_is_lost_but_made_is_done_and_audited(flask, platform, emulator, fault):
    made = platform.connections.create_kinesis_connection("prod", "Lost answer", "", credentials())
    emulator.fault(**fault, method="PATCH", path="/connections/", act=True, times=1)
    rotated = flask("connections", "rotate", "--sandbox", "prod", made.id, "--access-key-id", NEW_KEY[0],
                    "--output", "json", secret=NEW_KEY[1])
    assert rotated.returncode == 0, rotated.stderr
    assert out(rotated)["old_key_last4"] == "MPLE" and '"event": "connection.key_rotated"' in rotated.stderr


def test_a_rotate_whose_answer_is_lost_and_not_made_exits_6_with_the_current_state(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Not made", "", credentials())
    emulator.fault(kind="drop", method="PATCH", path="/connections/", act=False, times=1)
    unknown = flask("connections", "rotate", "--sandbox", "prod", made.id, "--access-key-id", NEW_KEY[0],
                    "--output", "json", secret=NEW_KEY[1])
    assert unknown.returncode == 6 and out(unknown)["current"]["key_last4"] == "MPLE"
    assert "not known whether" in unknown.stderr and "connection.key_rotated" not in unknown.stderr


def test_a_delete_whose_answer_is_lost_but_made_is_done(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Gone quietly", "", credentials())
    emulator.fault(kind="drop", method="DELETE", path="/connections/", act=True, times=1)
    gone = flask("connections", "delete", "--sandbox", "prod", made.id, "--yes")
    assert gone.returncode == 0 and '"event": "connection.deleted"' in gone.stderr



def at_a_terminal(env: dict, cwd, *args: str, asks: str, typed: str,
                  meanwhile: Callable[[], object] | None = None) -> tuple[int, str, str]:
    """Run the command with a terminal (a pseudo-terminal) as its stdin and stderr; once it shows ``asks``,
    call ``meanwhile`` (what someone else does while the question waits), then type ``typed``. Return the
    exit code, stdout, and everything the terminal showed (echo included)."""
    import pty
    import select
    import time
    master, slave = pty.openpty()
    # A session of its own: no controlling terminal but this one on stdin (getpass then works on stdin).
    child = subprocess.Popen([sys.executable, "-m", "flask", "--app", str(ROOT / "app.py"), "kinesis", *args],
                             stdin=slave, stderr=slave, stdout=subprocess.PIPE, text=True, env=env, cwd=cwd,
                             start_new_session=True)
    os.close(slave)
    shown, sent, give_up = b"", False, time.monotonic() + 60
    while time.monotonic() < give_up:
        if select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:           # the child closed the terminal: it ended
                break
            shown += chunk
        if not sent and asks.encode() in shown:
            if meanwhile is not None:
                meanwhile()
            os.write(master, typed.encode())
            sent = True
        if child.poll() is not None and not select.select([master], [], [], 0.2)[0]:
            break
    stdout = child.communicate(timeout=60)[0]
    os.close(master)
    return child.returncode, stdout, shown.decode(errors="replace")


def test_answering_no_to_delete_is_its_own_exit_code_and_json(cli_env, tmp_path, platform):
    made = platform.connections.create_kinesis_connection("prod", "Kept on no", "", credentials())
    code, stdout, shown = at_a_terminal(cli_env, tmp_path, "connections", "delete", "--sandbox", "prod", made.id,
                                        "--output", "json", asks="Delete Kept on no", typed="n\n")
    assert code == 7, shown
    assert json.loads(stdout) == {"outcome": "declined", "message": "Not deleted: you answered no. Nothing was "
                                  "changed.", "id": made.id}
    assert "Aborted" not in shown and platform.connections.get_connection("prod", made.id).name == "Kept on no"


def test_the_secret_typed_at_a_terminal_is_not_echoed(cli_env, tmp_path, platform):
    made = platform.connections.create_kinesis_connection("prod", "Typed", "", credentials())
    code, stdout, shown = at_a_terminal(cli_env, tmp_path, "connections", "rotate", "--sandbox", "prod", made.id,
                                        "--access-key-id", NEW_KEY[0], "--secret-stdin", "--dry-run",
                                        asks="Secret access key", typed=NEW_KEY[1] + "\n")
    assert code == 0, shown
    assert stdout.startswith("PATCH ") and NEW_KEY[1] not in shown + stdout


def test_a_from_file_that_is_not_utf8_is_refused_without_a_traceback(flask, tmp_path, emulator):
    (tmp_path / "latin1.toml").write_bytes('name = "Caf\u00e9"\n'.encode("latin-1"))
    refused = flask("create", "--from", "latin1.toml", "--sandbox", "prod")
    assert refused.returncode == 2 and "not UTF-8" in refused.stderr and "Traceback" not in refused.stderr
    assert emulator.calls(CREATE) == 0


@pytest.mark.parametrize("file, content, field", [
    ("null.json", json.dumps({"sandbox": "prod", "name": None, "access_key_id": ACCESS_KEY_ID}), "name"),
    ("table.toml", f'sandbox = "prod"\naccess_key_id = "{ACCESS_KEY_ID}"\n[region]\nname = "eu-west-1"\n', "region"),
    ("number.json", json.dumps({"sandbox": "prod", "name": "x", "description": 7}), "description")])
def test_a_from_file_value_that_is_not_text_is_refused_with_its_name(flask, tmp_path, emulator, file, content, field):
    (tmp_path / file).write_text(content)
    refused = flask("create", "--from", file, "--name", "Flag", "--output", "json")
    assert refused.returncode == 2 and out(refused)["problems"] == {field: "not_text"}, refused.stderr
    assert f"{field} must be text" in refused.stderr and emulator.calls(CREATE) == 0


def test_help_is_english_whatever_the_language_and_dry_run_does_not_claim_to_send_nothing(flask):
    helped = flask("connections", "rotate", "--help", LANG="fr_FR.UTF-8")
    text = " ".join(helped.stdout.split())
    assert helped.returncode == 0 and "change nothing (the connection and its spec are still read)" in text
    assert "send nothing" not in text and "Give a connection a new access key" in text


def test_every_exit_code_is_in_the_readme():
    from cli.common import EXIT
    readme = (ROOT / "README.md").read_text()
    for code in EXIT.values():
        assert f"\n| {code} | " in readme, code
    assert "`--help` is in English" in readme

"""``flask kinesis connections rename`` run as a process, as an operator runs it, against the emulator over
HTTP: the manage pages' rules checked before anything is read or sent, ``If-Match``, a change made meanwhile
refused with the connection as it is now, a lost answer settled, the question, every exit code it can end with."""
from __future__ import annotations

import json

import pytest

from tests.helpers import credentials
from tests.test_cli import PATCH, at_a_terminal, cli_env, flask, out  # noqa: F401  (fixtures: cli_env, flask)

GET = "GET /data/foundation/flowservice/connections/<connection_id>"


def audited(result) -> list[dict]:
    return [json.loads(line) for line in result.stderr.splitlines() if '"logger": "audit"' in line]


def rename(flask, connection_id: str, *args: str, **env: str):
    return flask("connections", "rename", "--sandbox", "prod", connection_id, *args, **env)


def test_a_new_name_keeps_the_description_and_is_audited(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Old name", "Orders, EU", credentials())
    renamed = rename(flask, made.id, "--name", "  New name  ", "--yes")
    assert renamed.returncode == 0, renamed.stderr
    assert f"the connection {made.id} is now named New name." in renamed.stdout
    now = platform.connections.get_connection("prod", made.id)
    assert (now.name, now.description) == ("New name", "Orders, EU") and now.etag != made.etag   # trimmed, as the form
    [line] = audited(renamed)
    assert line["event"] == "connection.renamed" and line["old_name"] == "Old name" and line["name"] == "New name"
    assert line["user"].startswith("cli:") and line["access_key_id_last4"] == "MPLE"
    assert emulator.calls(PATCH) == 1


def test_a_description_alone_as_json_then_cleared(flask, platform):
    made = platform.connections.create_kinesis_connection("prod", "Described", "Before", credentials())
    described = rename(flask, made.id, "--description", "Clicks\nfrom the EU shop", "--yes", "--output", "json")
    assert described.returncode == 0, described.stderr
    answer = out(described)
    now = platform.connections.get_connection("prod", made.id)
    assert answer == {"outcome": "renamed", "id": made.id, "name": "Described", "description": "Clicks\nfrom the EU shop",
                      "old_name": "Described", "etag": now.etag}
    assert now.description == "Clicks\nfrom the EU shop"       # line breaks are allowed in a description, as on the page
    cleared = rename(flask, made.id, "--description", "", "--name", "Both", "--yes")
    assert cleared.returncode == 0 and "Its new description is saved too." in cleared.stdout
    now = platform.connections.get_connection("prod", made.id)
    assert (now.name, now.description) == ("Both", "")


def test_nothing_to_change_is_a_usage_error_before_anything_is_read(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Untouched", "", credentials())
    before = emulator.calls(GET)
    refused = rename(flask, made.id, "--yes", "--output", "json")
    assert refused.returncode == 2 and "--name, --description or both" in out(refused)["message"]
    assert emulator.calls(GET) == before and emulator.calls(PATCH) == 0


@pytest.mark.parametrize("option, value, words", [
    ("--name", "   ", "Enter a name for the connection."),
    ("--name", "n" * 257, "Keep the name under 256 characters."),
    ("--name", "Invoice\u202eexe.pdf", "Remove the invisible or control characters"),
    ("--name", "Tab\tinside", "Remove the invisible or control characters"),
    ("--description", "d" * 1001, "Keep the description under 1000 characters."),
    ("--description", "zero\u200bwidth", "Remove the invisible or control characters")])
def test_what_the_page_refuses_is_refused_before_anything_is_sent(flask, platform, emulator, option, value, words):
    made = platform.connections.create_kinesis_connection("prod", "Kept", "", credentials())
    before = emulator.calls(GET)
    refused = rename(flask, made.id, option, value, "--yes", "--output", "json")
    field = option.removeprefix("--")
    problems = out(refused)["problems"]
    assert refused.returncode == 2 and list(problems) == [field] and problems[field].startswith(words), refused.stderr
    assert f"{option}: {words}" in refused.stderr
    assert emulator.calls(GET) == before and emulator.calls(PATCH) == 0
    assert platform.connections.get_connection("prod", made.id).name == "Kept"


def test_the_refusal_is_in_the_terminals_language(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Kept", "", credentials())
    refused = rename(flask, made.id, "--name", "a\u200bb", "--yes", LANG="fr_FR.UTF-8")
    assert refused.returncode == 2 and "--name: Retirez les caractères invisibles ou de contrôle\u00a0:" in refused.stderr
    assert emulator.calls(PATCH) == 0


def test_a_malformed_etag_is_refused_before_anything_is_sent(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Kept", "", credentials())
    refused = rename(flask, made.id, "--name", "x", "--etag", "not an\netag", "--yes")
    assert refused.returncode == 2 and "--etag" in refused.stderr and "Traceback" not in refused.stderr
    assert emulator.calls(PATCH) == 0


def test_dry_run_prints_the_patch_and_sends_nothing(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Dry", "Kept words", credentials())
    shown = out(rename(flask, made.id, "--name", "Wet", "--dry-run", "--output", "json"))
    request = shown["request"]
    assert shown["outcome"] == "dry_run" and request["method"] == "PATCH" and request["url"].endswith(made.id)
    assert request["headers"]["If-Match"] == made.etag and request["headers"]["x-sandbox-name"] == "prod"
    assert request["body"] == [{"op": "replace", "path": "/name", "value": "Wet"},
                               {"op": "replace", "path": "/description", "value": "Kept words"}]
    people = rename(flask, made.id, "--name", "Wet", "--dry-run")          # no --yes: a dry run asks nothing
    assert people.returncode == 0 and people.stdout.startswith("PATCH ") and f"If-Match: {made.etag}" in people.stdout
    assert emulator.calls(PATCH) == 0 and platform.connections.get_connection("prod", made.id).name == "Dry"


def test_an_etag_someone_changed_is_refused_with_the_connection_as_it_is(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Raced", "", credentials())
    platform.connections.rename("prod", made.id, made.etag, "Changed by someone", "Theirs")
    stale = rename(flask, made.id, "--name", "Mine", "--etag", made.etag, "--yes", "--output", "json")
    assert stale.returncode == 4 and out(stale)["outcome"] == "refused"
    assert out(stale)["current"]["name"] == "Changed by someone" and out(stale)["current"]["description"] == "Theirs"
    assert "It is now: Changed by someone" in stale.stderr
    assert emulator.calls(PATCH) == 1 and not audited(stale)          # the other rename only: nothing sent


def test_a_change_made_while_the_question_waits_is_refused_never_retried(cli_env, tmp_path, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Asked", "", credentials())
    code, stdout, shown = at_a_terminal(
        cli_env, tmp_path, "connections", "rename", "--sandbox", "prod", made.id, "--name", "Mine", "--output",
        "json", asks="Rename Asked", typed="y\n",
        meanwhile=lambda: platform.connections.rename("prod", made.id, made.etag, "Theirs", ""))
    assert code == 4, shown
    assert json.loads(stdout)["current"]["name"] == "Theirs" and "Someone else changed" in json.loads(stdout)["message"]
    assert emulator.calls(PATCH) == 2           # theirs, and ours refused by If-Match (412): not sent again
    assert platform.connections.get_connection("prod", made.id).name == "Theirs"
    assert "connection.renamed" not in shown


def test_answering_no_exits_7_and_changes_nothing(cli_env, tmp_path, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Kept on no", "", credentials())
    code, stdout, shown = at_a_terminal(cli_env, tmp_path, "connections", "rename", "--sandbox", "prod", made.id,
                                        "--description", "New", "--output", "json",
                                        asks="Change the description of Kept on no", typed="n\n")
    assert code == 7, shown
    assert json.loads(stdout) == {"outcome": "declined", "message": "Not renamed: you answered no. Nothing was "
                                  "changed.", "id": made.id}
    assert emulator.calls(PATCH) == 0 and "Aborted" not in shown


def test_without_a_terminal_it_needs_yes(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Scripted", "", credentials())
    refused = rename(flask, made.id, "--name", "Renamed")
    assert refused.returncode == 2 and "--yes" in refused.stderr and emulator.calls(PATCH) == 0


def test_platform_unavailable_exits_5(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Down", "", credentials())
    emulator.fault(kind="status", path="/flowservice/connections/", method="GET", status=503, times=20)
    down = rename(flask, made.id, "--name", "Up", "--yes", "--output", "json")
    assert down.returncode == 5 and out(down)["outcome"] == "unavailable" and emulator.calls(PATCH) == 0


@pytest.mark.parametrize("fault", [{"kind": "drop"}, {"kind": "status", "status": 500}])
def test_a_lost_answer_to_a_rename_made_is_done_and_audited(flask, platform, emulator, fault):
    made = platform.connections.create_kinesis_connection("prod", "Lost answer", "", credentials())
    emulator.fault(**fault, method="PATCH", path="/connections/", act=True, times=1)
    renamed = rename(flask, made.id, "--name", "Found again", "--yes", "--output", "json")
    assert renamed.returncode == 0, renamed.stderr
    assert out(renamed)["name"] == "Found again" and audited(renamed)[0]["event"] == "connection.renamed"
    assert emulator.calls(PATCH) == 1                                  # read again, never sent again


def test_a_lost_answer_to_a_rename_not_made_exits_6_with_the_current_state(flask, platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Not made", "", credentials())
    emulator.fault(kind="drop", method="PATCH", path="/connections/", act=False, times=1)
    unknown = rename(flask, made.id, "--name", "Maybe", "--yes", "--output", "json")
    assert unknown.returncode == 6 and out(unknown)["current"]["name"] == "Not made"
    assert "not known whether" in unknown.stderr and not audited(unknown) and emulator.calls(PATCH) == 1

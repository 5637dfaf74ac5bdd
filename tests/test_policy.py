"""auth/policy.py: who may do what in which sandbox; default deny; a malformed policy refused at the line at
fault, a missing one by its path and the system's reason."""
from __future__ import annotations

import errno
import os
import re
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

import auth.policy
from auth.policy import ACTIONS, AccessPolicy, Grant
from connector.settings import ConfigurationError

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "access-policy.example.toml"

POLICY = """\
[[grant]]
users = ["Ana@Example.com"]
sandboxes = ["dev-*", "stage-apac"]
actions = ["create", "explore"]

[[grant]]
groups = ["data-engineering"]
sandboxes = ["stage-?", "prod-[ae]*"]
actions = ["explore"]

[[grant]]
users = ["ana@example.com"]
groups = ["aep-admins"]
sandboxes = ["prod-emea"]
actions = ["manage"]
"""


@pytest.fixture(scope="module")
def policy():
    return AccessPolicy.parse(POLICY)


def grant(users=(), groups=(), sandboxes=("*",), actions=("explore",), extra=""):
    """One [[grant]] as TOML text, for policies written in a test."""
    def toml_list(values):
        return "[" + ", ".join(f'"{value}"' for value in values) + "]"
    lines = ["[[grant]]"]
    lines += [f"users = {toml_list(users)}"] if users else []
    lines += [f"groups = {toml_list(groups)}"] if groups else []
    lines += [f"sandboxes = {toml_list(sandboxes)}", f"actions = {toml_list(actions)}", extra]
    return "\n".join(lines) + "\n"


def refusal(text: str) -> str:
    with pytest.raises(ConfigurationError) as caught:
        AccessPolicy.parse(text, source="teams/policy.toml")
    return str(caught.value)


# Who: users by address in any case, groups exactly ---------------------------------------------------

@pytest.mark.parametrize("user, allowed", [
    ("ana@example.com", True),
    ("ANA@EXAMPLE.COM", True),
    ("Ana@example.COM", True),
    ("ana@example.org", False),
    ("bob@example.com", False),
    (" ana@example.com", False),            # the policy names an address, not something like it
    ("\u212ana@example.com", False),        # a look-alike (the Kelvin sign) is not folded into an ASCII letter
    ("", False),
])
def test_users_match_by_address_without_regard_to_case(user, allowed):
    policy = AccessPolicy.parse(grant(users=["Ana@Example.com", "kna@example.com"]))
    assert policy.allows(user, [], "explore", "dev") is allowed


@pytest.mark.parametrize("groups, allowed", [
    (["data-engineering"], True),
    (("marketing", "data-engineering"), True),
    ({"data-engineering"}, True),
    (iter(["data-engineering"]), True),
    (["Data-Engineering"], False),          # groups compare exactly: another case is another group
    (["data-engineering "], False),
    (["data"], False),
    ([], False),
    ([""], False),
])
def test_groups_match_exactly(groups, allowed):
    policy = AccessPolicy.parse(grant(groups=["data-engineering"]))
    assert policy.allows("anyone@example.com", groups, "explore", "dev") is allowed


def test_a_grant_for_groups_only_names_every_member_and_nobody_else(policy):
    assert policy.allows("zoe@example.com", ["data-engineering"], "explore", "stage-1")
    assert policy.allows("", ["data-engineering"], "explore", "stage-1")     # the group is enough
    assert not policy.allows("zoe@example.com", [], "explore", "stage-1")


def test_an_empty_user_is_nobody(policy):
    assert policy.actions_for("", [], "dev-1") == frozenset()
    assert policy.sandboxes_for("", [], "create", ["dev-1", "stage-apac"]) == []


def test_groups_given_as_one_string_are_a_mistake(policy):
    with pytest.raises(TypeError):
        policy.allows("zoe@example.com", "data-engineering", "explore", "stage-1")


# Where: shell-style patterns on sandbox names, in any case --------------------------------------------

@pytest.mark.parametrize("pattern, sandbox, allowed", [
    ("prod", "prod", True),
    ("prod", "prod2", False),
    ("prod", "pro", False),
    ("dev-*", "dev-1", True),
    ("dev-*", "dev-", True),
    ("dev-*", "dev", False),
    ("dev-*", "prod-dev-1", False),         # a pattern matches the whole name, not a part of it
    ("*-apac", "stage-apac", True),
    ("stage-?", "stage-1", True),
    ("stage-?", "stage-10", False),
    ("stage-?", "stage-", False),
    ("prod-[ae]*", "prod-apac", True),
    ("prod-[ae]*", "prod-emea", True),
    ("prod-[ae]*", "prod-us", False),
    ("prod-[!a]*", "prod-apac", False),
    ("prod-[!a]*", "prod-us", True),
    ("prod-[0-9]", "prod-7", True),
    ("*", "anything", True),
    ("DEV-*", "dev-1", True),               # patterns and names compare in lower case
    ("dev-*", "DEV-1", True),
    ("Stage_[A-C]", "stage_b", True),
    ("*", "", False),                       # no name is no sandbox, whatever the pattern
])
def test_sandbox_patterns(pattern, sandbox, allowed):
    policy = AccessPolicy.parse(grant(users=["ana@example.com"], sandboxes=[pattern]))
    assert policy.allows("ana@example.com", [], "explore", sandbox) is allowed


# What: default deny, grants add up --------------------------------------------------------------------

@pytest.mark.parametrize("user, groups, action, sandbox", [
    ("ana@example.com", [], "manage", "dev-1"),            # an action no grant gives her there
    ("ana@example.com", [], "create", "prod-apac"),        # a sandbox no grant of hers matches
    ("bob@example.com", [], "explore", "dev-1"),           # nobody's grant names him
    ("bob@example.com", ["aep-admins"], "create", "prod-emea"),
])
def test_anything_not_granted_is_refused(policy, user, groups, action, sandbox):
    assert not policy.allows(user, groups, action, sandbox)


def test_an_empty_policy_refuses_everything():
    for policy in (AccessPolicy(), AccessPolicy.parse(""), AccessPolicy.parse("# nobody yet\n")):
        assert policy.grants == ()
        for action in ACTIONS:
            assert not policy.allows("ana@example.com", ["aep-admins"], action, "dev")


def test_grants_add_up(policy):
    assert policy.actions_for("ANA@example.com", [], "prod-emea") == {"manage"}
    assert policy.actions_for("ana@example.com", ["data-engineering"], "prod-emea") == {"explore", "manage"}
    assert policy.actions_for("ana@example.com", ["data-engineering"], "stage-apac") == {"create", "explore"}
    assert policy.actions_for("bob@example.com", ["aep-admins"], "prod-emea") == {"manage"}
    assert isinstance(policy.actions_for("bob@example.com", [], "dev-1"), frozenset)


def test_sandboxes_for_keeps_the_order_given(policy):
    names = ["prod-emea", "dev-b", "stage-apac", "stage-1", "prod-us", "dev-a", "DEV-C", ""]
    assert policy.sandboxes_for("ana@example.com", [], "create", names) == ["dev-b", "stage-apac", "dev-a", "DEV-C"]
    assert policy.sandboxes_for("zoe@example.com", ["data-engineering"], "explore", reversed(names)) == [
        "stage-1", "prod-emea"]
    assert policy.sandboxes_for("bob@example.com", [], "explore", names) == []


@pytest.mark.parametrize("action", ["delete", "Create", "", "explore "])
def test_an_unknown_action_is_a_programming_error(policy, action):
    with pytest.raises(ValueError, match="unknown action"):
        policy.allows("ana@example.com", [], action, "dev-1")
    with pytest.raises(ValueError, match="unknown action"):
        policy.sandboxes_for("ana@example.com", [], action, ["dev-1"])


def test_the_policy_cannot_be_changed_once_read(policy):
    with pytest.raises(FrozenInstanceError):
        policy.grants = ()
    with pytest.raises(FrozenInstanceError):
        policy.grants[0].actions = frozenset(ACTIONS)
    assert policy.grants[0] == Grant(frozenset({"ana@example.com"}), frozenset(), ("dev-*", "stage-apac"),
                                     frozenset({"create", "explore"}), line=1)


# A malformed policy: refused, naming the file and the line at fault --------------------------------------

GOOD = grant(users=["ana@example.com"], sandboxes=["dev-*"], actions=["create"])      # four lines and a blank

IN_A_GRANT = [
    # TOML itself: tomllib's message (with its line and column) is kept
    ('[[grant]]\nusers = ["ana@example.com"\nsandboxes = ["dev"]\n', 3, "not valid TOML"),
    ('[[grant]]\nusers = ["ana@example.com"]\nusers = ["bob@example.com"]\n', 3, "not valid TOML"),
    ('[[grant]]\nactions = ["create",\n\n', 2, "end of document"),
    # a grant's keys
    (grant(users=["ana@example.com"], extra='sandbox = ["dev"]'), 5, "unknown key 'sandbox'; a grant takes users, "
     "groups, sandboxes and actions"),
    (grant(users=["ana@example.com"]) + '[grant.limits]\nper_day = 3\n', 6, "unknown key 'limits'"),
    (grant(users=["ana@example.com"], actions=["create", "delete"]), 4,
     "unknown action 'delete'; an action is create, explore or manage"),
    (grant(users=["ana@example.com"], actions=["Create"]), 4, "unknown action 'Create'"),
    (grant(), 1, "nobody is named: give it users"),
    (grant().replace("[[grant]]\n", '[[grant]]\n\nusers = []\n'), 3, "nobody is named"),
    (grant(users=["ana@example.com"], sandboxes=[]), 3, "no sandboxes"),
    ('[[grant]]\nusers = ["ana@example.com"]\nactions = ["create"]\n', 1, "no sandboxes: give it sandboxes = [...]"),
    (grant(users=["ana@example.com"], actions=[]), 4, "no actions: give it actions = [...] from create, explore and "
     "manage"),
    ('[[grant]]\nusers = ["ana@example.com"]\nsandboxes = ["dev"]\n', 1, "no actions"),
    # wrong types, empty entries
    ('[[grant]]\nusers = "ana@example.com"\n', 2, 'users must be a list of strings, such as users = ["ana@'),
    ('[[grant]]\ngroups = "data"\n', 2, "groups must be a list of strings"),
    (grant(users=["ana@example.com"]).replace('sandboxes = ["*"]', "sandboxes = [1, 2]"), 3,
     "sandboxes must be a list of strings"),
    (grant(users=["ana@example.com"]).replace('actions = ["explore"]', 'actions = "explore"'), 4,
     "actions must be a list of strings"),
    ('[[grant]]\nsandboxes = ["dev"]\nactions = ["create"]\nusers.name = "ana"\n', 4, "users must be a list"),
    (grant(users=["ana@example.com", ""]), 2, "entry 2 of users is empty"),
    (grant(groups=["  "]), 2, "entry 1 of groups is empty"),
    (grant(users=["ana@example.com "]), 2, "entry 1 of users has blank space around it"),
    (grant(users=["ana@example.com"], sandboxes=["dev-*", ""]), 3, "entry 2 of sandboxes is empty"),
    (grant(users=["ana@example.com"], sandboxes=["dev-*,stage"]), 3, "the pattern 'dev-*,stage' can never match"),
    (grant(users=["ana@example.com"], sandboxes=["dev one"]), 3, "can never match"),
]

AT_THE_TOP = [
    ('# who may do what\n\ntitle = "ours"\n' + GOOD, 3, "unknown key 'title'; a policy holds only [[grant]]"),
    (GOOD + '[grants]\nusers = ["bob@example.com"]\n', 6, "unknown key 'grants'"),
    ('[grant]\nusers = ["ana@example.com"]\n', 1, "grant must be an array of tables"),
    ('# comment\ngrant = 1\n', 2, "grant must be an array of tables"),
    ('\ngrant = [{users = ["ana@example.com"], sandboxes = ["dev"], actions = ["create"]}]\n', 2,
     "under its own [[grant]] header"),
    ('grant.users = ["ana@example.com"]\n', 1, "grant must be an array of tables"),
]
MALFORMED = IN_A_GRANT + AT_THE_TOP


@pytest.mark.parametrize("text, line, says", MALFORMED, ids=[says for *_, says in MALFORMED])
def test_a_malformed_policy_is_refused_at_the_line_at_fault(text, line, says):
    message = refusal(text)
    assert message.startswith(f"Access policy teams/policy.toml, line {line}: ")
    assert says in message


@pytest.mark.parametrize("text, line, says", IN_A_GRANT, ids=[says for *_, says in IN_A_GRANT])
def test_the_line_at_fault_is_found_in_the_right_grant(text, line, says):
    # The same mistake after two good grants, a commented-out header, a quoted header and a multi-line
    # array with a header in a comment: headers are counted, not guessed, so the line moves on by just that.
    before = GOOD + "# [[grant]]\n" + GOOD.replace("[[grant]]\n", '[[ "grant" ]]\n', 1)
    before = before.replace('users = ["ana@example.com"]', 'users = [\n  "ana@example.com", # [[grant]]\n]', 1)
    message = refusal(before + text)
    shift = before.count("\n")
    assert message.startswith(f"Access policy teams/policy.toml, line {line + shift}: ")
    assert says in message
    assert "grant 3" in message or "not valid TOML" in message


SPANNING = [
    # an array over several lines: its entries are not keys
    ('[[grant]]\nusers = [\n  "ana@example.com",  # [[grant]]\n]\nsandboxes = ["dev"]\nactions = ["delete"]\n',
     6, "grant 1, unknown action 'delete'"),
    # a string over several lines that holds a key: the real key is further down
    ('[[grant]]\nusers = ["""\nana@example.com\nactions = ["create"]"""]\nsandboxes = ["dev"]\nactions = "create"\n',
     6, "grant 1, actions must be a list"),
    # a string over several lines that holds a header, in a good grant: the next grant is still the second
    ("[[grant]]\ngroups = ['''\n[[grant]]''']\nsandboxes = ['dev']\nactions = ['create']\n" + grant(), 6,
     "grant 2, nobody is named"),
]


@pytest.mark.parametrize("text, line, says", SPANNING, ids=["array", "string with a key", "string with a header"])
def test_a_value_over_several_lines_holds_no_keys_or_headers(text, line, says):
    message = refusal(text)
    assert message.startswith(f"Access policy teams/policy.toml, line {line}: ") and says in message


def test_the_message_says_where_and_what_but_quotes_only_the_word_at_fault():
    message = refusal(grant(users=["ana@example.com"], actions=["create", "x" * 200]))
    assert re.fullmatch(r"Access policy teams/policy\.toml, line 4: in grant 1, unknown action 'x{40}\.\.\.'; "
                        r"an action is create, explore or manage\.", message)
    assert "ana@example.com" not in message


# The file --------------------------------------------------------------------------------------------

def test_load_reads_a_file(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("\ufeff" + POLICY, encoding="utf-8")           # a byte order mark is tolerated
    policy = AccessPolicy.load(path)
    assert policy.source == str(path) and len(policy.grants) == 3
    assert policy == AccessPolicy.parse(POLICY, source=str(path))


def test_load_names_the_file_in_its_errors(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(GOOD + grant(users=["bob@example.com"], actions=["drop"]))
    with pytest.raises(ConfigurationError, match=rf"^Access policy {re.escape(str(path))}, line 9: in grant 2, "):
        AccessPolicy.load(str(path))


def test_a_missing_file_is_named_with_the_systems_reason(tmp_path):
    path = tmp_path / "nowhere" / "policy.toml"
    with pytest.raises(ConfigurationError) as caught:
        AccessPolicy.load(path)
    assert str(caught.value) == f"Access policy {path} cannot be read: No such file or directory."


def test_a_folder_is_not_a_policy(tmp_path):
    with pytest.raises(ConfigurationError, match="cannot be read: Is a directory"):
        AccessPolicy.load(tmp_path)


def test_an_unreadable_file_is_named_but_never_quoted(tmp_path, monkeypatch):
    path = tmp_path / "policy.toml"
    path.write_text('[[grant]]\nusers = ["secret-person@example.com"]\n')

    def refuse(file, mode="r"):             # what open() does without read permission (root is never refused)
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
    monkeypatch.setattr(auth.policy, "open", refuse, raising=False)
    with pytest.raises(ConfigurationError) as caught:
        AccessPolicy.load(path)
    assert str(caught.value) == f"Access policy {path} cannot be read: Permission denied."


def test_a_file_that_is_not_utf8_is_refused_at_its_line(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_bytes(GOOD.encode() + b'# caf\xe9\n')
    with pytest.raises(ConfigurationError, match=r"policy\.toml, line 6: not UTF-8 text\.$"):
        AccessPolicy.load(path)


def test_the_example_policy_loads_and_means_what_its_comments_say():
    policy = AccessPolicy.load(EXAMPLE)
    assert len(policy.grants) == 3
    team = ["data-engineering"]
    assert policy.actions_for("zoe@example.com", team, "dev-kinesis") == {"create", "explore"}
    assert policy.actions_for("zoe@example.com", team, "stage-apac") == {"create", "explore"}
    assert policy.actions_for("zoe@example.com", team, "prod-apac") == frozenset()
    assert policy.actions_for("Ana@Example.com", [], "prod-apac") == {"explore"}
    assert policy.actions_for("ana@example.com", [], "prod-us") == frozenset()
    assert policy.actions_for("root@example.com", ["aep-admins"], "prod-us") == set(ACTIONS)
    assert policy.actions_for("root@example.com", ["AEP-Admins"], "prod-us") == frozenset()


@pytest.mark.parametrize("grant, line", [
    ('[[grant]]\nusers = ["*"]\nsandboxes = ["dev"]\nactions = ["explore"]\n', 2),
    ('[[grant]]\ngroups = ["team-?"]\nsandboxes = ["dev"]\nactions = ["explore"]\n', 2),
    ('[[grant]]\nusers = ["a@example.com"]\nsandboxes = ["dev-["]\nactions = ["explore"]\n', 3),
])
def test_entries_that_would_never_do_what_they_seem_are_refused(grant, line):
    with pytest.raises(ConfigurationError, match=f"line {line}:"):
        AccessPolicy.parse(grant)

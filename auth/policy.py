"""The access policy: who may do what in which sandbox, read from a TOML file; anything not granted is refused.

    [[grant]]
    users = ["ana@example.com"]           # and/or: groups = ["data-engineering"]
    sandboxes = ["dev-*", "stage-apac"]   # names or shell-style patterns
    actions = ["create", "explore"]       # from ACTIONS

Grants only add up: a person may do an action in a sandbox when some grant names them (by address or by
one of their groups), lists the action and matches the sandbox. ``AccessPolicy.load`` refuses a malformed
file with a ``ConfigurationError`` that names the file and the line at fault, so a mistake stops the
start instead of silently refusing (or allowing) someone later. No Flask here: views ask ``allows``,
``sandboxes_for`` and ``actions_for``.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Iterable

from connector.settings import ConfigurationError

ACTIONS = ("create", "explore", "manage")
GRANT_KEYS = ("users", "groups", "sandboxes", "actions")

# Only ASCII letters are folded: str.lower() also folds look-alikes such as the Kelvin sign (U+212A) into
# "k", which would let a crafted non-ASCII address match an ASCII one.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# What a pattern may hold: a sandbox name's characters (connector.session.SANDBOX_NAME) and *, ?, [, ], !.
# Anything else (a space, a comma between two names) could never match, so it is a mistake worth a refusal.
_PATTERN = re.compile(r"[A-Za-z0-9_\-*?\[\]!]+")


def fold(text: str) -> str:
    """``text`` with its ASCII letters in lower case: how addresses, sandbox names and patterns compare."""
    return text.translate(_ASCII_LOWER)


def _check_action(action: str) -> None:
    # The action comes from the code, never from a person: an unknown one is a bug to fail loudly on.
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")


def _check_groups(groups: Iterable[str]) -> frozenset[str]:
    # A string is iterable too: "admins" would become the groups a, d, m, i, n, s.
    if isinstance(groups, str):
        raise TypeError("groups must be a collection of group names, not one string")
    return frozenset(groups)


@dataclass(frozen=True)
class Grant:
    """One ``[[grant]]``: the people it names may do its actions in the sandboxes it matches.

    ``users`` are held folded (see ``fold``): addresses compare without regard to ASCII case, since
    identity providers hand back whatever case a person typed and mainstream mail systems ignore it.
    ``groups`` compare exactly: they arrive verbatim from the identity provider, which may hold two groups
    whose names differ only in case, and folding would hand one group's rights to the other; a name
    written in the wrong case fails closed (refused, and the fix is to copy the name as the provider sends
    it). ``sandboxes`` are folded patterns (Adobe's sandbox names are lower case); ``line`` is the grant's
    ``[[grant]]`` line.
    """

    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    sandboxes: tuple[str, ...] = ()
    actions: frozenset[str] = frozenset()
    line: int = 0

    def names(self, user: str, groups: frozenset[str]) -> bool:
        """True when this grant names ``user`` (any ASCII case) or one of ``groups`` (exactly)."""
        # An empty user is nobody: no grant can name "", and none is looked up.
        return (bool(user) and fold(user) in self.users) or not self.groups.isdisjoint(groups)

    def matches(self, sandbox: str) -> bool:
        """True when one of this grant's patterns matches ``sandbox`` (any ASCII case; "" matches none)."""
        name = fold(sandbox)
        return bool(name) and any(fnmatchcase(name, pattern) for pattern in self.sandboxes)


@dataclass(frozen=True)
class AccessPolicy:
    """The grants of one policy file, in order. With none (``AccessPolicy()``), everything is refused."""

    grants: tuple[Grant, ...] = ()
    source: str = ""

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AccessPolicy:
        """Read the policy file at ``path``; a missing, unreadable or malformed one raises ConfigurationError."""
        source = os.fsdecode(path)
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError as exc:
            # The path and the system's reason; the content is never quoted.
            reason = exc.strerror or type(exc).__name__
            raise ConfigurationError(f"Access policy {source} cannot be read: {reason}.") from None
        try:
            text = data.decode("utf-8-sig")     # tolerate the byte order mark some Windows editors write
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise ConfigurationError(f"Access policy {source}, line {line}: not UTF-8 text.") from None
        return cls.parse(text, source)

    @classmethod
    def parse(cls, text: str, source: str = "policy.toml") -> AccessPolicy:
        """The policy written in ``text``; ``source`` names it in error messages."""
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            # tomllib's own message says what is wrong and where (line and column): kept whole.
            raise _error(source, _error_line(exc, text), f"not valid TOML: {exc}.") from None
        layout = _Layout.of(text)
        for key in document:
            if key != "grant":
                raise _error(source, layout.top.get(key, 1), f"unknown key {_show(key)}; a policy holds only "
                             "[[grant]] tables.")
        grants = document.get("grant", [])
        if not isinstance(grants, list) or "grant" in layout.assigned or len(grants) != len(layout.grants):
            raise _error(source, layout.top.get("grant", 1), "grant must be an array of tables: write each "
                         "grant under its own [[grant]] header.")
        return cls(tuple(_grant(table, index, layout, source) for index, table in enumerate(grants)), source)

    def allows(self, user: str, groups: Iterable[str], action: str, sandbox: str) -> bool:
        """True when some grant lets ``user`` (with ``groups``) do ``action`` in ``sandbox``."""
        _check_action(action)
        return action in self.actions_for(user, groups, sandbox)

    def sandboxes_for(self, user: str, groups: Iterable[str], action: str, names: Iterable[str]) -> list[str]:
        """The sandbox ``names`` in which ``user`` (with ``groups``) may do ``action``, in their order."""
        _check_action(action)
        groups = _check_groups(groups)
        grants = [grant for grant in self.grants if action in grant.actions and grant.names(user, groups)]
        return [name for name in names if any(grant.matches(name) for grant in grants)]

    def actions_for(self, user: str, groups: Iterable[str], sandbox: str) -> frozenset[str]:
        """Every action ``user`` (with ``groups``) may do in ``sandbox``; empty when none."""
        groups = _check_groups(groups)
        return frozenset(action for grant in self.grants if grant.names(user, groups) and grant.matches(sandbox)
                         for action in grant.actions)


# Reading a grant ---------------------------------------------------------------------------------------

def _grant(table: dict[str, Any], index: int, layout: _Layout, source: str) -> Grant:
    """The grant written in ``table``, the ``index``-th ``[[grant]]``; checked key by key."""
    header, keys = layout.grants[index], layout.grant_keys[index]

    def fail(key: str | None, problem: str) -> ConfigurationError:
        # The key's own line when it is there, else the grant's header.
        return _error(source, keys.get(key, header) if key else header, f"in grant {index + 1}, {problem}")

    for key in table:
        if key not in GRANT_KEYS:
            raise fail(key, f"unknown key {_show(key)}; a grant takes {_words(GRANT_KEYS, 'and')}.")
    users = _strings(table, "users", fail)
    groups = _strings(table, "groups", fail)
    sandboxes = _strings(table, "sandboxes", fail)
    actions = _strings(table, "actions", fail)
    if not users and not groups:
        which = "users" if "users" in table else "groups" if "groups" in table else None
        raise fail(which, 'nobody is named: give it users = ["ana@example.com"], groups = ["a-group"], or both.')
    if not sandboxes:
        raise fail("sandboxes" if "sandboxes" in table else None, 'no sandboxes: give it sandboxes = [...] with '
                   'names or shell-style patterns, such as ["dev-*", "stage-apac"].')
    for who, names in (("users", users), ("groups", groups)):
        for name in names:
            if "*" in name or "?" in name:
                raise fail(who, f"{who} are named one by one: {_show(name)} is not a pattern (only sandboxes "
                           "take *, ? and [...]).")
    for pattern in sandboxes:
        if not _PATTERN.fullmatch(pattern) or not _brackets_close(pattern):
            raise fail("sandboxes", f"the pattern {_show(pattern)} can never match: sandbox names hold letters, "
                       "digits, - and _, and patterns add *, ? and [...].")
    if not actions:
        raise fail("actions" if "actions" in table else None,
                   f"no actions: give it actions = [...] from {_words(ACTIONS, 'and')}.")
    for action in actions:
        if action not in ACTIONS:
            raise fail("actions", f"unknown action {_show(action)}; an action is {_words(ACTIONS, 'or')}.")
    return Grant(frozenset(map(fold, users)), frozenset(groups), tuple(map(fold, sandboxes)), frozenset(actions),
                 header)


def _brackets_close(pattern: str) -> bool:
    """True when every ``[`` of the pattern has its ``]`` (an open one would only match itself, which no
    sandbox name holds)."""
    depth = 0
    for char in pattern:
        if char == "[":
            if depth:
                return False
            depth = 1
        elif char == "]" and depth:
            depth = 0
    return depth == 0


def _strings(table: dict[str, Any], key: str, fail) -> list[str]:
    """The list of strings at ``key`` ([] when absent); no entry empty or with blank space around it."""
    values = table.get(key, [])
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise fail(key, f'{key} must be a list of strings, such as {key} = ["{_EXAMPLES[key]}"].')
    for number, value in enumerate(values, 1):
        if not value.strip():
            raise fail(key, f"entry {number} of {key} is empty; remove it.")
        if value != value.strip():
            # It could never match anything, so it is a typing mistake rather than a wish.
            raise fail(key, f"entry {number} of {key} has blank space around it; write it without.")
    return values


_EXAMPLES = {"users": "ana@example.com", "groups": "data-engineering", "sandboxes": "dev-*", "actions": "explore"}


def _error(source: str, line: int, problem: str) -> ConfigurationError:
    return ConfigurationError(f"Access policy {source}, line {line}: {problem}")


def _error_line(exc: tomllib.TOMLDecodeError, text: str) -> int:
    """The line tomllib's message names ("at line 3, column 7"), or for "at end of document" the last line
    with something on it (where an unclosed array or string was left)."""
    found = re.search(r"at line (\d+)", str(exc))
    return int(found.group(1)) if found else text.rstrip().count("\n") + 1


def _show(value: str) -> str:
    """``value`` quoted for a message: escaped (no line breaks into a log) and cut short."""
    return repr(value if len(value) <= 40 else value[:40] + "...")


def _words(words: Iterable[str], last: str) -> str:
    *most, final = words
    return f"{', '.join(most)} {last} {final}"


# Where things are in the text -----------------------------------------------------------------------------

# A key, or one part of a dotted key: bare, "basic" (with escapes) or 'literal'.
_KEY_PART = re.compile(r"""\s*(?:([A-Za-z0-9_-]+)|("(?:[^"\\]|\\.)*")|'([^']*)')\s*""")
_BASIC_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


@dataclass(frozen=True)
class _Layout:
    """Where the policy's keys and ``[[grant]]`` headers are: tomllib gives no positions, messages need them.

    ``top``: the first line of each top-level key (written ``key = ...`` or as a table header);
    ``assigned``: the top-level keys written ``key = ...``; ``grants``: the line of each ``[[grant]]``
    header, in order; ``grant_keys``: for each grant, the first line of each of its keys. The text has
    already been parsed by tomllib, so only valid TOML needs reading right.
    """

    top: dict[str, int]
    assigned: frozenset[str]
    grants: tuple[int, ...]
    grant_keys: tuple[dict[str, int], ...]

    @classmethod
    def of(cls, text: str) -> _Layout:
        top: dict[str, int] = {}
        assigned: set[str] = set()
        grants: list[int] = []
        grant_keys: list[dict[str, int]] = []
        table: tuple[str, ...] | None = ()      # the header's path the next keys belong to; None: a grant's
        state: tuple[str, int] = ("", 0)         # inside which multi-line string, how deep in [ and {
        for number, line in enumerate(text.split("\n"), 1):
            if state != ("", 0):                 # this line continues a value begun above
                state = _scan(line, 0, state)
                continue
            stripped = line.lstrip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("["):
                array = stripped.startswith("[[")
                path, _ = _key_path(stripped, 2 if array else 1)
                top.setdefault(path[0], number)
                if array and path == ["grant"]:
                    grants.append(number)
                    grant_keys.append({})
                    table = None
                elif path[0] == "grant" and len(path) > 1 and grants:
                    grant_keys[-1].setdefault(path[1], number)    # [grant.x]: x is a key of the last grant
                    table = ("grant", path[1])
                else:
                    table = tuple(path)
                continue
            path, end = _key_path(line, 0)
            if table is None:
                grant_keys[-1].setdefault(path[0], number)
            elif table == ():
                top.setdefault(path[0], number)
                assigned.add(path[0])
            state = _scan(line, line.index("=", end) + 1, state)
        return cls(top, frozenset(assigned), tuple(grants), tuple(grant_keys))


def _key_path(line: str, start: int) -> tuple[list[str], int]:
    """The parts of the dotted key at ``start`` in ``line``, and where it ends."""
    parts, position = [], start
    while found := _KEY_PART.match(line, position):
        bare, basic, literal = found.groups()
        if basic is not None:                    # let tomllib undo the escapes it understands
            bare = tomllib.loads(f"k = {basic}")["k"]
        parts.append(bare if bare is not None else literal)
        position = found.end()
        if not line.startswith(".", position):
            break
        position += 1
    return parts, position


def _scan(line: str, position: int, state: tuple[str, int]) -> tuple[str, int]:
    """Read a value's text from ``position`` to the end of ``line``; return the state the next line starts in.

    The state is the multi-line string being read (its quotes, or "") and how many [ and { are open:
    a line that begins inside either is part of a value, never a key or a header.
    """
    quotes, depth = state
    while position < len(line):
        if quotes:
            if quotes == '"""' and line[position] == "\\":
                position += 2
            elif line.startswith(quotes, position):
                position += 3
                while position < len(line) and line[position] == quotes[0]:   # up to two quotes end the text
                    position += 1
                quotes = ""
            else:
                position += 1
            continue
        char = line[position]
        if char == "#":
            break
        if line.startswith(('"""', "'''"), position):
            quotes, position = line[position:position + 3], position + 3
            continue
        if char == '"':
            position = _BASIC_STRING.match(line, position).end()
            continue
        if char == "'":
            position = line.index("'", position + 1) + 1
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        position += 1
    return quotes, depth

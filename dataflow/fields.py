"""A stream's field paths as the mapping step shows them: which cannot be mapped, and why, and how a path is
shown so that no character in it can rearrange the page."""
from __future__ import annotations

import unicodedata
from typing import Any

COLLISION = "collision"     # one path is a value in one record and an object in another ("a" and "a.b")
EMPTY = "empty"             # a key is the empty string: no path can name it
HIDDEN = ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")     # control, format (bidi overrides…), surrogates, separators


def shown(path: str) -> str:
    """``path`` with its control and format characters written out (``\\u202e``): a right-to-left override
    in a field name shows as what it is instead of flipping the text after it."""
    return "".join(f"\\u{ord(char):04x}" if unicodedata.category(char) in HIDDEN else char for char in str(path))


def unmappable(columns: list[str]) -> dict[str, str]:
    """The preview's column names (flat, dotted: Adobe's tabular answer) that cannot map, with the reason:
    ``EMPTY`` when a key in the path is the empty string (``""``, ``a.``, ``a..b``), ``COLLISION`` when a
    path is both a value and an object holding other fields (``a`` and ``a.b``), so no one field is meant.

    A dotted key and a nesting of the same name (``{"a.b": 1}`` and ``{"a": {"b": 1}}``) are one column
    already in Adobe's flat answer: that cannot be seen from here."""
    found: dict[str, str] = {}
    names = set(columns)
    for name in columns:
        if "" in name.split("."):
            found[name] = EMPTY
        elif any(".".join(name.split(".")[:n]) in names for n in range(1, name.count(".") + 1)):
            found[name] = COLLISION
            for n in range(1, name.count(".") + 1):
                prefix = ".".join(name.split(".")[:n])
                if prefix in names:
                    found[prefix] = COLLISION
    return found

"""Faults on demand: latency, 429 with Retry-After, 5xx, dropped connections.

A fault is a rule: which requests it matches (method, a regular expression searched in the path),
what it does, whether the emulator first carries the request out (``act``: the platform did the
work but the answer is late, wrong or lost), and how many requests it applies to (``times``).
"""
from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("latency", "status", "drop")


@dataclass
class Fault:
    kind: str
    path: str = ""
    method: str | None = None
    status: int = 503
    seconds: float = 0.0
    retry_after: int | None = None
    code: str | None = None
    detail: str | None = None
    act: bool = False
    times: int | None = None
    id: int = 0
    _pattern: re.Pattern[str] = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        self._pattern = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and bool(self._pattern.search(path))

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}


class Faults:
    """The active fault rules; the first matching rule fires and counts one use."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()
        self._next_id = 1

    def add(self, **spec: Any) -> Fault:
        fault = Fault(**{k: v for k, v in spec.items() if k != "id"})
        with self._lock:
            fault.id, self._next_id = self._next_id, self._next_id + 1
            self._rules.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any, counting it against the rule's ``times``."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    return rule
        return None

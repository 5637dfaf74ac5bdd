"""connector/sandboxes.py against the emulator: every page, only active ones, default first."""
from __future__ import annotations

import pytest
import requests

from connector import InvalidRequest
from connector.sandboxes import AVAILABLE_PATH, iter_available_sandboxes


def test_lists_active_sandboxes_default_first(platform):
    sandboxes = platform.sandboxes()
    assert [s.name for s in sandboxes] == ["prod", "dev", "marketing-qa"]
    prod = sandboxes[0]
    assert prod.is_default and prod.title == "Production" and prod.type == "production" and prod.region == "VA7"


def test_inactive_sandboxes_are_listed_by_adobe_but_not_offered(platform):
    every = {s.name: s.state for s in iter_available_sandboxes(platform.session)}
    assert every["eu-pilot"] == "creating"
    assert "eu-pilot" not in {s.name for s in platform.sandboxes()}


def test_reads_every_page_of_a_large_organization(platform, emulator):
    emulator.add_sandboxes([{"name": f"team-{n:03}", "title": f"Team {n:03}"} for n in range(120)])
    names = [s.name for s in platform.sandboxes()]
    assert len(names) == 123 and len(set(names)) == 123
    assert emulator.calls("GET /data/foundation/sandbox-management/") == 3


def test_a_full_page_is_followed_by_another_look(platform, emulator):
    """Exactly 50 sandboxes: the first page is full, so the next is asked for, and comes back empty."""
    emulator.add_sandboxes([{"name": f"team-{n:02}", "title": f"Team {n:02}"} for n in range(46)])
    every = list(iter_available_sandboxes(platform.session))
    assert len(every) == 50 and len({s.name for s in every}) == 50
    assert emulator.calls("GET /data/foundation/sandbox-management/") == 2


def test_fifty_one_sandboxes_need_two_pages(platform, emulator):
    emulator.add_sandboxes([{"name": f"team-{n:02}", "title": f"Team {n:02}"} for n in range(47)])
    assert len(list(iter_available_sandboxes(platform.session))) == 51
    assert emulator.calls("GET /data/foundation/sandbox-management/") == 2


def test_a_short_page_is_the_last(platform, emulator):
    list(iter_available_sandboxes(platform.session))
    assert emulator.calls("GET /data/foundation/sandbox-management/") == 1


def test_pages_ask_with_limit_and_offset_together(platform, emulator):
    platform.sandboxes()
    token = platform.session.tokens.token()
    headers = platform.session.headers(token, None, False)
    alone = requests.get(emulator.url + AVAILABLE_PATH, params={"limit": 2}, headers=headers, timeout=5)
    assert alone.status_code == 400
    assert alone.json()["type"].endswith("SMS-2074-400")
    page = requests.get(emulator.url + AVAILABLE_PATH, params={"limit": 2, "offset": 1}, headers=headers,
                        timeout=5).json()
    assert [s["name"] for s in page["sandboxes"]] == ["dev", "marketing-qa"]
    # As in Adobe's example of this listing: a templated page link, no next link.
    assert page["_page"] == {"limit": 2, "count": 2} and "next" not in page["_links"]
    assert page["_links"]["page"]["templated"] is True


def test_a_refused_page_is_a_typed_error(platform, emulator):
    emulator.fault(kind="status", status=400, path="sandbox-management")
    with pytest.raises(InvalidRequest):
        platform.sandboxes()

"""Demo mode's seeded objects exist once, also when several processes start on one data folder at once
(app workers, or two ``make run``), each seeding as it starts."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from emulator.app import create_emulator_app
from emulator.demo import DEMO_CONNECTION_NAME, DEMO_FLOW_NAME, DEMO_SANDBOX
from emulator.entities import FLOWS
from tests.helpers import ROOT

# One process: its own emulator app on the shared folder, seeding the moment the go file appears.
SEEDER = """
import sys, time
from pathlib import Path
from emulator.app import create_emulator_app
from emulator.demo import seed_demo_platform
folder = Path(sys.argv[1])
app = create_emulator_app(folder)
print("ready", flush=True)
while not (folder / "go").exists():
    time.sleep(0.0005)
print(seed_demo_platform(app) is not None)
"""


@pytest.mark.parametrize("round_", [1, 2])      # a race shows only sometimes: two rounds, four processes each
def test_processes_seeding_at_once_make_the_demo_connection_once(tmp_path, round_):
    folder = tmp_path / "emulator"
    store = create_emulator_app(folder).extensions["emulator"].store     # the key and the tables, first
    seeders = [subprocess.Popen([sys.executable, "-c", SEEDER, str(folder)], cwd=ROOT, stdout=subprocess.PIPE,
                                text=True) for _ in range(4)]
    for seeder in seeders:
        assert seeder.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    (folder / "go").touch()
    made = [seeder.communicate(timeout=60)[0].strip() for seeder in seeders]
    assert sorted(made) == ["False", "False", "False", "True"], made
    assert [c["name"] for c in store.connections(DEMO_SANDBOX)] == [DEMO_CONNECTION_NAME]
    assert [f["name"] for f in store.entities.list(FLOWS, DEMO_SANDBOX)] == [DEMO_FLOW_NAME]


def test_the_demo_flow_fills_an_experience_events_id_and_timestamp_with_calculated_fields(tmp_path):
    from emulator.demo import seed_demo_platform
    from emulator.entities import MAPPING_SETS

    app = create_emulator_app(tmp_path / "emulator")
    assert seed_demo_platform(app) is not None
    entities = app.extensions["emulator"].store.entities
    [flow] = entities.list(FLOWS, DEMO_SANDBOX)
    mapping = entities.get(MAPPING_SETS, DEMO_SANDBOX, flow["transformations"][0]["params"]["mappingId"])
    assert {(m["sourceType"], m["source"], m["destination"]) for m in mapping["mappings"]} >= {
        ("EXPRESSION", "uuid()", "_id"), ("EXPRESSION", "now()", "timestamp")}

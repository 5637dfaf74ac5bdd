"""connector/catalog.py and connector/schemas.py against the emulator: datasets, a new dataset made once,
schemas with their fields and whether they take streaming data, and the suggested mapping."""
from __future__ import annotations

import pytest

from connector.schemas import Field, suggest

from .test_emulator_flows import DATASET, SCHEMA


@pytest.fixture
def seeded(emulator):
    emulator.seed_catalog("prod")


def test_datasets_are_read_with_their_schema(platform, seeded):
    datasets = {d.id: d for d in platform.catalog.datasets("prod")}
    assert datasets[DATASET].schema_id == SCHEMA and len(datasets) == 3
    assert platform.catalog.dataset("prod", DATASET).name == "Web clickstream events"


def test_a_new_dataset_is_made_once_even_when_its_answer_is_lost(platform, emulator, seeded):
    emulator.fault(kind="status", status=503, method="POST", path="/dataSets$", act=True, times=1)
    made = platform.catalog.create_dataset("prod", "Kinesis events", SCHEMA, "mine")
    again = platform.catalog.create_dataset("prod", "Kinesis events", SCHEMA, "mine", earlier_ms=0)
    assert again == made and [d.name for d in platform.catalog.datasets("prod")].count("Kinesis events") == 1
    assert emulator.calls("POST /data/foundation/catalog/dataSets") == 1
    # Another attempt's dataset of the same name and schema is never taken for this one's.
    other = platform.catalog.create_dataset("prod", "Kinesis events", SCHEMA, "other", earlier_ms=0)
    assert other != made and [d.name for d in platform.catalog.datasets("prod")].count("Kinesis events") == 2


def test_schemas_say_whether_they_take_streaming_data(platform, seeded):
    schemas = {s.title: s for s in platform.schemas.schemas("prod")}
    assert schemas["Web clickstream events"].streamable and schemas["Mobile app users"].streamable
    assert not schemas["CSV uploads"].streamable
    paths = [f.path for f in schemas["Web clickstream events"].fields]
    assert "_demotenant.page.path" in paths and "timestamp" in paths


def test_suggestions_match_by_path_then_by_name_and_only_fitting_types():
    fields = (Field("_t.page.path", "string"), Field("_t.customer", "string"), Field("_t.total.amount", "number"),
              Field("_t.qty", "string"))
    chosen = suggest({"page.path": "string", "customer": "string", "amount": "number", "qty": "integer",
                      "other": "string"}, fields)
    assert chosen == {"page.path": "_t.page.path", "customer": "_t.customer", "amount": "_t.total.amount"}

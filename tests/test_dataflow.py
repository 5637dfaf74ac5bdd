"""The dataflow wizard (dataflow/): from a connection's page through stream, destination, mapping and
review to the dataflow page, over the test emulator; a failure at each of the four creates, and the retry
that reuses what was made; access rules on every URL."""
from __future__ import annotations

import html
import json
import uuid
import re

import pytest

from .test_emulator_flows import DATASET

SELECT = re.compile(r'<select[^>]*name="(map_\d+)"[^>]*>(.*?)</select>', re.S)
SELECTED = re.compile(r'<option[^>]*value="([^"]*)"[^>]*selected|<option selected[^>]*value="([^"]*)"')
CHECKED_CALCULATED = re.compile(r'<input[^>]*name="calc_\d"[^>]*value="calculated"[^>]*checked'
                                r'|<input[^>]*checked[^>]*name="calc_\d"[^>]*value="calculated"')
FLOW_PAGE = re.compile(r"/dataflows/prod/([0-9a-f-]{36})$")
CREATES = ["sourceConnections", "targetConnections", "mappingSets", "flows"]
POSTS = {"sourceConnections": "POST /data/foundation/flowservice/sourceConnections",
         "targetConnections": "POST /data/foundation/flowservice/targetConnections",
         "mappingSets": "POST /data/foundation/conversion/mappingSets",
         "flows": "POST /data/foundation/flowservice/flows"}


@pytest.fixture
def connection_id(walker, emulator) -> str:
    emulator.seed_catalog("prod")
    return walker.done()


def start(walker, connection_id: str, stream: str = "web-clickstream", token_from: str | None = None):
    explore = token_from or f"/connections/prod/{connection_id}?stream={stream}"
    return walker.post("/dataflows/start", {"sandbox": "prod", "connection_id": connection_id, "stream": stream},
                       token_from=explore)


def mapping_choices(page: str) -> dict[str, str]:
    """The mapping form as the page shows it: each select's chosen option."""
    chosen = {}
    for name, options in SELECT.findall(page):
        found = SELECTED.search(options)
        chosen[name] = (found.group(1) or found.group(2)) if found else ""
    return chosen


def to_review(walker, connection_id: str, reset: str = "earliest") -> None:
    assert start(walker, connection_id).location.endswith("/dataflows/stream")
    answer = walker.post("/dataflows/stream", {"stream": "web-clickstream", "data_type": "raw", "reset": reset,
                                               "action": "next"})
    assert answer.location.endswith("/dataflows/destination"), answer.get_data(as_text=True)
    answer = walker.post("/dataflows/destination", {"mode": "existing", "dataset": DATASET})
    assert answer.location.endswith("/dataflows/mapping"), answer.get_data(as_text=True)
    page = walker.client.get("/dataflows/mapping").get_data(as_text=True)
    answer = walker.post("/dataflows/mapping", mapping_choices(page))
    assert answer.location.endswith("/dataflows/review"), answer.get_data(as_text=True)


MARK = re.compile(r'name="wizard" value="([^"]+)"')
NAME = re.compile(r'<input[^>]*name="name"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*name="name"')


def create(walker, **fields):
    """Press Create on the review page as it is now: the page carries its wizard's mark."""
    page = walker.client.get("/dataflows/review").get_data(as_text=True)
    named = NAME.search(page)
    name = html.unescape(named.group(1) or named.group(2) or "")
    return walker.post("/dataflows/review", {"action": "create", "wizard": MARK.search(page).group(1), "name": name,
                                             **fields})


def listed(platform, path: str) -> list:
    body = platform.session.get_json(path, sandbox="prod")
    return body.get("items", body.get("data", []))


COLLECTION_PATHS = {"sourceConnections": "/data/foundation/flowservice/sourceConnections",
                    "targetConnections": "/data/foundation/flowservice/targetConnections",
                    "mappingSets": "/data/foundation/conversion/mappingSets",
                    "flows": "/data/foundation/flowservice/flows"}


def test_from_a_connection_to_a_dataflow_that_counts_its_records(walker, connection_id, platform):
    to_review(walker, connection_id)
    review = walker.client.get("/dataflows/review").get_data(as_text=True)
    assert "Nothing has been created yet" in review and "web-clickstream" in review
    assert "<code>uuid()</code></dt><dd><code>_id</code>" in review and "<code>now()</code>" in review
    answer = create(walker)
    flow_id = FLOW_PAGE.search(answer.location).group(1)
    [mapping_set] = listed(platform, COLLECTION_PATHS["mappingSets"])
    sent = {(m["sourceType"], m["source"], m["destination"]) for m in mapping_set["mappings"]}
    assert {("EXPRESSION", "uuid()", "_id"), ("EXPRESSION", "now()", "timestamp")} <= sent
    page = walker.client.get(f"/dataflows/prod/{flow_id}")
    text = page.get_data(as_text=True)
    assert page.headers["Refresh"] == "10" and "a few minutes after a dataflow is created" in text
    assert re.search(r'id="records">3<', text) and re.search(r'id="ingested">3<', text)
    assert "dataflows/ui/monitor-sources" in text and "then the Dataflows tab" in text
    assert "Refresh" not in walker.client.get(f"/dataflows/prod/{flow_id}?auto=off").headers
    # The wizard is over: its steps lead to the dataflow, and a second create makes nothing.
    assert walker.client.get("/dataflows/review").location.endswith(f"/dataflows/prod/{flow_id}")
    assert [f["id"] for f in listed(platform, COLLECTION_PATHS["flows"])] == [flow_id]


def test_the_mapping_suggests_by_name_and_shows_what_does_not_fit(walker, connection_id):
    to_review(walker, connection_id)
    page = walker.client.get("/dataflows/mapping").get_data(as_text=True)
    chosen = mapping_choices(page)
    assert "_demotenant.customer" in chosen.values() and "_demotenant.page.path" in chosen.values()
    assert 'id="unmatched"' in page and "<code>sku</code>" in page
    # _id and timestamp: no stream field fits them, so their calculated fields are offered, chosen already.
    assert 'id="unfilled"' not in page and "a new unique identifier for each record" in page
    assert len(CHECKED_CALCULATED.findall(page)) == 2


def test_without_the_calculated_id_the_page_warns_and_records_fail_with_adobes_words(walker, connection_id, platform):
    to_review(walker, connection_id)
    page = walker.client.get("/dataflows/mapping").get_data(as_text=True)
    answer = walker.post("/dataflows/mapping", {**mapping_choices(page), "calc_0": "none", "calc_1": "calculated"})
    assert answer.location.endswith("/dataflows/review")
    page = walker.client.get("/dataflows/mapping").get_data(as_text=True)
    warned = page[page.index('id="unfilled"'):]
    assert "<code>_id</code>" in warned[:warned.index("</div>")] and "<code>timestamp</code>" not in warned[:200]
    assert "uuid()" not in walker.client.get("/dataflows/review").get_data(as_text=True)
    flow_id = FLOW_PAGE.search(create(walker).location).group(1)
    [mapping_set] = listed(platform, COLLECTION_PATHS["mappingSets"])
    assert [m["source"] for m in mapping_set["mappings"] if m["sourceType"] == "EXPRESSION"] == ["now()"]
    text = walker.client.get(f"/dataflows/prod/{flow_id}").get_data(as_text=True)
    assert re.search(r'id="ingested">0<', text) and re.search(r'id="failed">3<', text)
    assert "required key [_id] not found" in text and 'id="missing-required"' in text


def test_a_stream_field_mapped_to_the_id_is_sent_instead_of_the_calculated_one(walker, connection_id, platform):
    to_review(walker, connection_id)
    page = walker.client.get("/dataflows/mapping").get_data(as_text=True)
    choices = {name: ("_id" if value == "_demotenant.customer" else value)
               for name, value in mapping_choices(page).items()}
    assert walker.post("/dataflows/mapping", choices).location.endswith("/dataflows/review")
    assert "that field is used, not the calculated one" in walker.client.get("/dataflows/mapping").get_data(
        as_text=True)
    create(walker)
    [mapping_set] = listed(platform, COLLECTION_PATHS["mappingSets"])
    assert [(m["sourceType"], m["source"]) for m in mapping_set["mappings"] if m["destination"] == "_id"] == [
        ("ATTRIBUTE", "customer")]


def test_mistakes_are_explained_next_to_their_field_and_keep_what_was_typed(walker, connection_id):
    assert start(walker, connection_id).location.endswith("/dataflows/stream")
    answer = walker.post("/dataflows/stream", {"stream": "nope", "data_type": "raw", "reset": "latest"})
    assert answer.status_code == 422 and "Choose one of the streams listed." in answer.get_data(as_text=True)
    walker.post("/dataflows/stream", {"stream": "web-clickstream", "data_type": "raw", "reset": "latest"})
    answer = walker.post("/dataflows/destination", {"mode": "new", "new_name": "My events", "schema": ""})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Choose one of the schemas listed." in text and 'value="My events"' in text
    walker.post("/dataflows/destination", {"mode": "existing", "dataset": DATASET})
    page = walker.client.get("/dataflows/mapping").get_data(as_text=True)
    same = {name: "_demotenant.customer" for name in mapping_choices(page)}
    answer = walker.post("/dataflows/mapping", same)
    assert answer.status_code == 422 and "already goes to this schema field" in answer.get_data(as_text=True)
    nothing = {name: "" for name in same}
    assert "Map at least one field" in walker.post("/dataflows/mapping", nothing).get_data(as_text=True)


def test_steps_cannot_be_skipped_or_reached_without_a_connection(walker, connection_id):
    assert walker.client.get("/dataflows/review").status_code == 404      # no wizard started
    start(walker, connection_id)
    assert walker.client.get("/dataflows/review").location.endswith("/dataflows/stream")
    other = "00000000-0000-4000-8000-000000000000"
    assert start(walker, other, token_from="/dataflows/stream").status_code == 404


@pytest.mark.parametrize("failing", CREATES)
def test_a_failed_create_is_retried_without_making_anything_twice(walker, connection_id, emulator, platform, failing):
    """The create at ``failing`` is carried out but its answer is lost, and looking for it fails too: the
    review says what exists; the retry finds it, reuses the earlier ones, and makes the rest once."""
    to_review(walker, connection_id)
    emulator.fault(kind="status", status=503, method="POST", path=f"/{failing}$", act=True, times=1)
    emulator.fault(kind="status", status=503, method="GET", path=f"/{failing}$", times=20)
    failed = create(walker)
    text = failed.get_data(as_text=True)
    assert failed.status_code >= 500 or failed.status_code == 409 or "notice-error" in text
    earlier = CREATES[:CREATES.index(failing)]
    for kind in earlier:
        assert listed(platform, COLLECTION_PATHS[kind])[0]["id"] in text       # named: it exists
    emulator.clear_faults()
    answer = create(walker)
    assert FLOW_PAGE.search(answer.location), answer.get_data(as_text=True)
    for kind in CREATES:
        assert len(listed(platform, COLLECTION_PATHS[kind])) == 1, kind
        assert emulator.calls(POSTS[kind]) == 1, kind


@pytest.mark.parametrize("fault", [dict(kind="drop", act=False), dict(kind="status", status=400, code="2403-400")])
def test_a_retry_never_takes_someone_elses_dataflow_of_the_same_name(walker, connection_id, emulator, platform, fault):
    """Another attempt made the same choices a moment ago (same names): after this attempt's lost or refused
    flow create, the next try makes this attempt's own flow instead of taking the other one."""
    to_review(walker, connection_id)
    theirs = FLOW_PAGE.search(create(walker).location).group(1)
    to_review(walker, connection_id)            # a new attempt, the same stream, dataset and mapping
    emulator.fault(method="POST", path="/flows$", times=1, **fault)
    failed = create(walker)
    assert failed.status_code != 302 and theirs not in failed.get_data(as_text=True)
    answer = create(walker)
    mine = FLOW_PAGE.search(answer.location).group(1)
    assert mine != theirs and len(listed(platform, COLLECTION_PATHS["flows"])) == 2
    for kind in ("sourceConnections", "targetConnections", "mappingSets"):
        assert len(listed(platform, COLLECTION_PATHS[kind])) == 2, kind
    flows = {f["id"]: f for f in listed(platform, COLLECTION_PATHS["flows"])}
    assert flows[mine]["sourceConnectionIds"] != flows[theirs]["sourceConnectionIds"]


@pytest.mark.parametrize("failing", CREATES)
def test_a_refused_create_sends_the_person_to_the_step_that_can_fix_it(walker, connection_id, emulator, failing):
    to_review(walker, connection_id)
    emulator.fault(kind="status", status=400, code="1409-400", method="POST", path=f"/{failing}$", times=1,
                   detail="refused for the test")
    answer = create(walker)
    expected = {"sourceConnections": "stream", "targetConnections": "destination", "mappingSets": "mapping",
                "flows": "review"}[failing]
    if expected == "review":
        assert answer.status_code == 422 and "refused for the test" in answer.get_data(as_text=True)
    else:
        assert answer.location.endswith(f"/dataflows/{expected}")
        assert "refused for the test" in walker.client.get(answer.location).get_data(as_text=True)


def test_a_dataflow_page_needs_a_dataflow_of_that_sandbox(client, emulator):
    seeded = emulator.seed_demo()
    assert client.get(f"/dataflows/prod/{seeded['flow']}").status_code == 200
    assert client.get(f"/dataflows/dev/{seeded['flow']}").status_code == 404
    assert client.get("/dataflows/prod/00000000-0000-4000-8000-000000000000").status_code == 404


def test_the_policy_is_checked_on_every_dataflow_url(settings, tmp_path, emulator, platform):
    """In portal mode: starting a dataflow needs create in the sandbox, a dataflow's page needs explore, and
    a wizard started by one person is not another's."""
    from .helpers import Walker, credentials
    from .test_auth import as_person, make_app, portal_config

    seeded = emulator.seed_demo()                                   # a dataflow in prod
    made = platform.connections.create_kinesis_connection("dev", "Team's", "", credentials()).id
    app = make_app(settings, tmp_path, **portal_config(tmp_path))
    viewer = as_person(app.test_client(), "vic@example.com", "viewers")      # explore in prod only
    assert viewer.get(f"/dataflows/prod/{seeded['flow']}").status_code == 200
    assert viewer.get(f"/dataflows/dev/{seeded['flow']}").status_code == 404
    ana = Walker(as_person(app.test_client(), "ana@example.com"))             # create and explore in dev
    assert ana.client.get(f"/dataflows/prod/{seeded['flow']}").status_code == 404
    prod_start = {"sandbox": "prod", "connection_id": seeded["connection"], "stream": "web-clickstream"}
    assert ana.post("/dataflows/start", prod_start,
                    token_from=f"/connections/dev/{made}?stream=web-clickstream").status_code == 404
    started = ana.post("/dataflows/start", {"sandbox": "dev", "connection_id": made, "stream": "web-clickstream"},
                       token_from=f"/connections/dev/{made}?stream=web-clickstream")
    assert started.location.endswith("/dataflows/stream")
    assert ana.client.get("/dataflows/stream").status_code == 200
    as_person(ana.client, "eve@example.com")            # the same browser, now someone without create there
    assert ana.client.get("/dataflows/stream").status_code == 404


def test_show_its_records_shows_another_streams_records_and_saves_nothing(walker, connection_id):
    start(walker, connection_id)
    page = walker.post("/dataflows/stream", {"stream": "order-updates", "data_type": "raw", "reset": "latest",
                                             "action": "preview"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Latest records of order-updates" in text and "o-1" in text
    assert walker.client.get("/dataflows/destination").location.endswith("/dataflows/stream")   # nothing saved


def test_a_try_whose_request_died_is_taken_up_again_once_its_claim_is_stale(walker, connection_id, app, platform):
    """A try left "sending" by a dead worker: the next press waits while it may still be at work, then
    resumes it, looking first for what it made."""
    from web.once import SENDING, now_ms

    to_review(walker, connection_id)
    with walker.client.session_transaction() as stored:
        attempt = stored["dataflow_wizard"]["attempt"]
    ledger = app.extensions["once_ledger"]
    ledger._set_state(attempt, SENDING, now_ms())
    assert create(walker).status_code == 409   # it may still be at work
    ledger._set_state(attempt, SENDING, now_ms() - 10 * 60 * 1000)
    answer = create(walker)
    assert FLOW_PAGE.search(answer.location)
    assert len(listed(platform, COLLECTION_PATHS["flows"])) == 1


def test_another_stream_after_review_starts_the_mapping_again(walker, connection_id, platform):
    """The mapping was made from web-clickstream's fields: choosing order-updates clears it, so the review
    cannot show (nor Create make) one stream with another's mapping."""
    to_review(walker, connection_id)
    answer = walker.post("/dataflows/stream", {"stream": "order-updates", "data_type": "raw", "reset": "latest",
                                               "action": "next"})
    assert answer.location.endswith("/dataflows/destination")
    walker.post("/dataflows/destination", {"mode": "existing", "dataset": DATASET, "action": "next"})
    assert walker.client.get("/dataflows/review").location.endswith("/dataflows/mapping")
    page = walker.client.get("/dataflows/mapping").get_data(as_text=True)
    assert "orderId" in page and not re.search(r"<label[^>]*>\s*page\.path", page)
    assert "<code>page.path</code>" not in walker.client.get("/dataflows/review").get_data(as_text=True)


def test_a_review_page_from_a_replaced_wizard_creates_nothing_and_says_where_the_wizard_is(
        walker, connection_id, platform):
    to_review(walker, connection_id)
    stale = walker.client.get("/dataflows/review").get_data(as_text=True)
    start(walker, connection_id, stream="order-updates")           # a second tab starts again
    answer = walker.post("/dataflows/review", {"action": "create", "wizard": MARK.search(stale).group(1),
                                               "name": "stale"}, token_from="/dataflows/stream")
    assert answer.status_code == 303 and answer.location.endswith("/dataflows/stream")
    told = walker.client.get(answer.location).get_data(as_text=True)
    assert "replaced when a new one was started" in told and "Nothing was created from it" in told
    assert listed(platform, COLLECTION_PATHS["sourceConnections"]) == []


def test_the_dataflow_is_named_on_the_review_checked_like_a_connection_name(walker, connection_id, platform):
    to_review(walker, connection_id)
    page = walker.client.get("/dataflows/review").get_data(as_text=True)
    assert 'value="web-clickstream to Web clickstream events"' in page
    refused = create(walker, name="bad\u202ename")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "name-error" in text and "bad" in text
    refused = create(walker, name="")
    assert refused.status_code == 422 and "Enter a name for the dataflow." in refused.get_data(as_text=True)
    answer = create(walker, name="Clicks into the lake")
    assert FLOW_PAGE.search(answer.location)
    assert [f["name"] for f in listed(platform, COLLECTION_PATHS["flows"])] == ["Clicks into the lake"]


def test_back_keeps_a_draft_of_each_step(walker, connection_id):
    to_review(walker, connection_id)
    mark = MARK.search(walker.client.get("/dataflows/review").get_data(as_text=True)).group(1)
    answer = walker.post("/dataflows/review", {"action": "back", "wizard": mark, "name": "My draft name"})
    assert answer.location.endswith("/dataflows/mapping")
    page = walker.client.get("/dataflows/mapping").get_data(as_text=True)
    choices = {name: "" for name in mapping_choices(page)}
    assert walker.post("/dataflows/mapping", {**choices, "action": "back"}).location.endswith("/dataflows/destination")
    assert set(mapping_choices(walker.client.get("/dataflows/mapping").get_data(as_text=True)).values()) == {""}
    answer = walker.post("/dataflows/destination", {"mode": "new", "new_name": "Half typed", "action": "back"})
    assert answer.location.endswith("/dataflows/stream")
    assert 'value="Half typed"' in walker.client.get("/dataflows/destination").get_data(as_text=True)
    answer = walker.post("/dataflows/stream", {"stream": "web-clickstream", "data_type": "xdm", "reset": "latest",
                                               "action": "back"})
    assert "/connections/prod/" in answer.location
    stream_page = walker.client.get("/dataflows/stream").get_data(as_text=True)
    assert re.search(r'value="xdm"[^>]*checked|checked[^>]*value="xdm"', stream_page)


@pytest.fixture
def awkward_stream(kinesis_stage):
    """A stream whose keys cannot all map: ``a`` is a value and an object, a key is empty, one flips text."""
    name = f"awkward-{uuid.uuid4().hex[:6]}"
    kinesis = kinesis_stage.client("kinesis", "eu-west-1")
    kinesis.create_stream(StreamName=name, ShardCount=1)
    for record in ({"a": 1, "ok": "x"}, {"a": {"b": 2}}, {"x": {"": 1}}, {"\u202eevil": "v"}):
        kinesis.put_record(StreamName=name, Data=json.dumps(record).encode(), PartitionKey="k")
    yield name
    kinesis.delete_stream(StreamName=name)


def test_fields_that_cannot_map_are_shown_with_the_reason_and_names_cannot_flip_the_page(
        walker, connection_id, awkward_stream):
    start(walker, connection_id, stream=awkward_stream)
    answer = walker.post("/dataflows/stream", {"stream": awkward_stream, "data_type": "raw", "reset": "earliest",
                                               "action": "next"})
    assert answer.location.endswith("/dataflows/destination"), answer.get_data(as_text=True)
    walker.post("/dataflows/destination", {"mode": "existing", "dataset": DATASET, "action": "next"})
    page = walker.client.get("/dataflows/mapping").get_data(as_text=True)
    cannot = page[page.index('id="cannot-map"'):]
    cannot = cannot[:cannot.index("</div>")]
    assert "<code>a</code>: it is a value in some records" in cannot and "<code>a.b</code>" in cannot
    assert "<code>x.</code>: one of its keys is empty" in cannot
    assert "\u202e" not in page and "\\u202eevil" in page
    assert not re.search(r"<label[^>]*>\s*a\.b", page)           # not offered for mapping


def test_what_changed_choices_left_unused_is_named_and_the_rest_reused(walker, connection_id, emulator, platform):
    to_review(walker, connection_id)
    emulator.fault(kind="status", status=400, code="1409-400", method="POST", path="/mappingSets$", times=1)
    assert create(walker).location.endswith("/dataflows/mapping")      # source and target made by now
    first_source = listed(platform, COLLECTION_PATHS["sourceConnections"])[0]["id"]
    walker.post("/dataflows/stream", {"stream": "order-updates", "data_type": "raw", "reset": "latest",
                                      "action": "next"})
    walker.post("/dataflows/destination", {"mode": "existing", "dataset": DATASET, "action": "next"})
    page = walker.client.get("/dataflows/mapping").get_data(as_text=True)
    choices = mapping_choices(page)
    choices[next(iter(choices))] = "_demotenant.customer"
    assert walker.post("/dataflows/mapping", choices).location.endswith("/dataflows/review")
    emulator.fault(kind="status", status=400, code="1409-400", method="POST", path="/flows$", times=1)
    refused = create(walker)
    text = refused.get_data(as_text=True)
    unused = text[text.index('id="unused"'):]
    assert refused.status_code == 422 and first_source in unused[:unused.index("</div>")]
    assert len(listed(platform, COLLECTION_PATHS["sourceConnections"])) == 2
    assert len(listed(platform, COLLECTION_PATHS["targetConnections"])) == 1       # same dataset: reused

"""The mapping step's calculated fields over the test emulator: a choice that is not offered is explained
next to its field, and Back keeps what was chosen."""
from __future__ import annotations

from .test_dataflow import connection_id, mapping_choices, to_review  # noqa: F401


def test_a_choice_not_offered_is_explained_next_to_it_and_back_keeps_the_choice(walker, connection_id):
    to_review(walker, connection_id)
    choices = mapping_choices(walker.client.get("/dataflows/mapping").get_data(as_text=True))
    answer = walker.post("/dataflows/mapping", {**choices, "calc_0": "sha256(customer)"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Choose one of the choices listed." in text
    assert text.rindex("Choose one of the choices listed.") > text.index('id="calculated"')
    back = walker.post("/dataflows/mapping", {**choices, "calc_0": "none", "action": "back"})
    assert back.location.endswith("/dataflows/destination")
    page = walker.client.get("/dataflows/mapping").get_data(as_text=True)
    warned = page[page.index('id="unfilled"'):]
    assert "<code>_id</code>" in warned[:warned.index("</div>")]

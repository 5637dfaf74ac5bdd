"""bench/floor.py: the benchmark's own pages, and the pages without their template, measure what they say."""
from __future__ import annotations

from bench.floor import FLOOR_PATH, LAYOUT_PATH, NO_TEMPLATE, add_bench_pages


def text(response) -> str:
    return response.get_data(as_text=True)



def test_the_floor_reads_the_session_and_renders_one_csrf_form(app):
    client = add_bench_pages(app).test_client()
    page = text(client.get(FLOOR_PATH))
    assert page.count('name="csrf_token"') == 1 and "Welcome." in page
    assert 'class="steps"' in text(client.get(LAYOUT_PATH))        # the layout, with the step list


def test_a_page_without_its_template_does_everything_else(app, walker):
    add_bench_pages(app)
    walker.sandbox()
    bare = walker.client.get(f"/kinesis?{NO_TEMPLATE}")
    assert (bare.status_code, text(bare)) == (200, "template skipped")
    assert "Your Amazon Kinesis account" in text(walker.client.get("/kinesis"))
    # still the page's own view: its guard sends a wizard without a sandbox back to the first step
    fresh = app.test_client().get(f"/review?{NO_TEMPLATE}")
    assert fresh.status_code == 302 and fresh.location.endswith("/sandbox")
    # anything else in the query renders the template
    assert "Your Amazon Kinesis account" in text(walker.client.get(f"/kinesis?{NO_TEMPLATE}&q=1"))

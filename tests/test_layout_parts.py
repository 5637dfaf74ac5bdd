"""The layout's parts worked out once: ``page_url()`` (``url_for`` once per prefix and host), the CSRF input
(once per request), the step list (once per language and step). The same markup as before."""
from __future__ import annotations

import re

from flask import render_template_string, url_for

from .test_security import make_app

LINKS = [("static", {"filename": "style.css"}), ("static", {"filename": "wizard.js"}), ("wizard.index", {}),
         ("wizard.start_over", {}), ("wizard.reuse", {}), ("wizard.sandbox", {}), ("auth.sign_out", {}),
         ("wizard.language", {"code": "fr", "next": "/kinesis?"}),
         ("wizard.language", {"code": "en", "next": "/review?x=1&y=%C3%A9 é\"<>#"})]


def test_page_url_is_url_for_under_each_prefix_and_host(settings, tmp_path):
    app = make_app(settings, tmp_path, TRUSTED_PROXIES=1)
    page_url = app.jinja_env.globals["page_url"]
    for _ in range(2):   # the second time from what was built
        for prefix, host in [("", "localhost"), ("/portal", "localhost"), ("/other/place", "a.example"), ("", "a.example")]:
            with app.test_request_context("/sandbox", base_url=f"http://{host}{prefix}/"):
                for endpoint, values in LINKS:
                    assert page_url(endpoint, **values) == url_for(endpoint, **values)
                    assert page_url(endpoint, **values).startswith(prefix + "/")


def test_pages_link_under_each_requests_prefix(settings, tmp_path):
    client = make_app(settings, tmp_path, TRUSTED_PROXIES=1).test_client()
    for prefix in ["/portal/kinesis", "", "/elsewhere", "/portal/kinesis"]:
        text = client.get("/sandbox", headers={"X-Forwarded-Prefix": prefix} if prefix else {}).get_data(as_text=True)
        assert f'href="{prefix}/static/style.css?v=' in text and f'src="{prefix}/static/wizard.js?v=' in text
        assert f'href="{prefix}/sandbox"' in text or f'href="{prefix}/"' in text


def test_every_csrf_input_of_a_request_carries_its_token(app):
    with app.test_request_context("/"):
        first = render_template_string("{{ csrf_field() }}{{ csrf_field() }}")
        tokens = re.findall(r'value="([^"]+)"', first)
        assert len(tokens) == 2 and tokens[0] == tokens[1]
    with app.test_request_context("/"):   # another session, another token
        again = re.findall(r'value="([^"]+)"', render_template_string("{{ csrf_field() }}"))
        assert again and again[0] != tokens[0]


def test_the_step_list_is_its_template_rendered_for_this_language_and_step(app):
    """step_list() (kept once per language and step) writes what _steps.html renders afresh: never another
    language's or another step's list."""
    from wizard.steps import STEPS, Steps

    inline = app.jinja_env.get_template("_steps.html")
    for lang in ("en", "fr"):
        for _ in range(2):   # the second time from what was rendered
            with app.test_request_context("/", headers={"Accept-Language": lang}):
                for step in STEPS:
                    ours = render_template_string("[{{ step_list(step, steps) }}]", step=step, steps=Steps)
                    assert ours == "[" + inline.render(step=step, steps=Steps) + "]"
                    assert 'aria-current="step"' in ours and ('aria-label="Progress"' in ours) == (lang == "en")


def test_one_status_light_for_connections_and_dataflows(app):
    """_crumbs.html's ``state()``: a connection's and a dataflow's state look the same; each is worded for
    what it is (French: la connexion activée, le flux activé), and a state Adobe adds later shows as itself."""
    source = ('{% from "_crumbs.html" import state %}{{ state(value) }}|{{ state(value, of="dataflow", id="flow-state") }}')
    for lang, words in [("en", {"enabled": ("enabled", "enabled"), "disabled": ("disabled", "disabled")}),
                        ("fr", {"enabled": ("activée", "activé"), "disabled": ("désactivée", "désactivé")})]:
        with app.test_request_context("/", headers={"Accept-Language": lang}):
            for value, (connection, dataflow) in words.items():
                assert render_template_string(source, value=value) == (
                    f'<span class="status status-{value}">{connection}</span>|'
                    f'<span class="status status-{value}" id="flow-state">{dataflow}</span>')
            assert render_template_string(source, value="draining<") == (
                '<span class="status status-other">draining&lt;</span>|'
                '<span class="status status-other" id="flow-state">draining&lt;</span>')

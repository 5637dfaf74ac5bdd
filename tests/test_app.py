"""app.py: demo mode starts the emulator and says so; AEP_* settings aim elsewhere and start nothing;
`python app.py` serves a wizard that a newcomer can walk through over a real port."""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from app import create_app
from config import SETTING_NAMES
from tests.helpers import ANONYMOUS, CLIENT_ID, CLIENT_SECRET, KINESIS, ROOT, Walker, first_answer, free_port
from connector import ConfigurationError
from emulator import DEFAULT_ORG_ID

BANNER = "Demo mode."
AEP_VARIABLES = ("AEP_PLATFORM_URL", "AEP_IMS_URL", "AEP_CLIENT_ID", "AEP_CLIENT_SECRET", "AEP_ORG_ID",
                 "AEP_ACCESS_TOKEN", "AEP_SCOPES", "SECRET_KEY", "REDIS_URL")


STRONG_KEY = secrets.token_urlsafe(48)


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return monkeypatch


def adobe_settings(emulator) -> dict[str, str]:
    """AEP_* aimed at the test emulator, as an operator would set them."""
    return {"AEP_PLATFORM_URL": emulator.url, "AEP_IMS_URL": emulator.url, "AEP_CLIENT_ID": CLIENT_ID,
            "AEP_CLIENT_SECRET": CLIENT_SECRET, "AEP_ORG_ID": DEFAULT_ORG_ID, "AUTH_MODE": "none",
            "ALLOW_ANONYMOUS": "1"}


def test_with_adobe_settings_it_talks_to_that_platform_and_starts_nothing(clean_env, emulator, tmp_path):
    for name, value in (("AEP_PLATFORM_URL", emulator.url), ("AEP_IMS_URL", emulator.url),
                        ("AEP_CLIENT_ID", CLIENT_ID), ("AEP_CLIENT_SECRET", CLIENT_SECRET),
                        ("AEP_ORG_ID", DEFAULT_ORG_ID), ("SECRET_KEY", STRONG_KEY)):
        clean_env.setenv(name, value)
    app = create_app({"TESTING": True, **ANONYMOUS, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert not app.config["DEMO_MODE"]
    assert "demo_emulator" not in app.extensions and "demo_kinesis" not in app.extensions
    page = app.test_client().get("/sandbox").get_data(as_text=True)
    assert BANNER not in page and "Production" in page
    assert emulator.calls("POST /ims/token/v3") == 1


def test_outside_demo_mode_a_secret_key_is_required(clean_env, emulator, tmp_path):
    for name, value in (("AEP_PLATFORM_URL", emulator.url), ("AEP_IMS_URL", emulator.url),
                        ("AEP_CLIENT_ID", CLIENT_ID), ("AEP_CLIENT_SECRET", CLIENT_SECRET),
                        ("AEP_ORG_ID", DEFAULT_ORG_ID)):
        clean_env.setenv(name, value)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({**ANONYMOUS, "INSTANCE_PATH": str(tmp_path / "instance")})


@pytest.mark.parametrize("key", ["aaaaaaaaaaaaaaaa", "password1234567890", "s" * 32])
def test_outside_demo_mode_a_weak_secret_key_is_refused(clean_env, emulator, tmp_path, key):
    for name, value in {**adobe_settings(emulator), "SECRET_KEY": key}.items():
        clean_env.setenv(name, value)
    with pytest.raises(ConfigurationError, match="SECRET_KEY") as refused:
        create_app({**ANONYMOUS, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert key not in str(refused.value)


def test_demo_mode_explores_the_developers_own_kinesis(clean_env, kinesis_stage, tmp_path):
    """The test stage's moto stands for a developer's LocalStack: demo mode starts no Kinesis of its own
    and hands that one to the emulator and to Test connection."""
    clean_env.setenv("KINESIS_ENDPOINT_URL", kinesis_stage.url)
    app = create_app({"TESTING": True, **ANONYMOUS, "INSTANCE_PATH": str(tmp_path / "instance")})
    try:
        assert app.config["DEMO_MODE"] and app.extensions.get("demo_kinesis") is None
        assert app.extensions["demo_emulator"].state.kinesis_endpoint_url == kinesis_stage.url
        assert app.extensions["platform"].settings.kinesis_endpoint_url == kinesis_stage.url
        walker = Walker(app.test_client())
        connection_id = walker.done()
        page = walker.client.get(f"/connections/prod/{connection_id}?stream=web-clickstream").get_data(as_text=True)
        assert "web-clickstream" in page and "order-updates" in page and "SHOE-42" in page   # the stage's records
    finally:
        app.extensions["demo_emulator"].stop()


def test_demo_mode_starts_with_a_kinesis_connection_in_use_by_a_dataflow(clean_env, kinesis_stage, tmp_path):
    """Seeded once: a second start on the same emulator data finds it and adds nothing."""
    from connector import ConnectionInUse
    from emulator.demo import DEMO_CONNECTION_NAME, DEMO_FLOW_NAME

    clean_env.setenv("KINESIS_ENDPOINT_URL", kinesis_stage.url)
    for _ in range(2):
        app = create_app({"TESTING": True, **ANONYMOUS, "INSTANCE_PATH": str(tmp_path / "instance")})
        try:
            platform = app.extensions["platform"]
            seeded = [c for c in platform.connections.list_kinesis_connections("prod")
                      if c.name == DEMO_CONNECTION_NAME]
            assert len(seeded) == 1
            flows = platform.session.get_json("/data/foundation/flowservice/flows", sandbox="prod")["items"]
            assert [f["name"] for f in flows] == [DEMO_FLOW_NAME]
            with pytest.raises(ConnectionInUse):
                platform.connections.delete_connection("prod", seeded[0].id)
        finally:
            app.extensions["demo_emulator"].stop()


def test_half_configured_adobe_settings_stop_the_start(clean_env, tmp_path):
    clean_env.setenv("AEP_CLIENT_ID", "only-this")
    with pytest.raises(ConfigurationError, match="AEP_ORG_ID"):
        create_app({**ANONYMOUS, "INSTANCE_PATH": str(tmp_path / "instance")})


def test_a_dotenv_file_alone_starts_the_app_outside_demo_mode(clean_env, emulator, tmp_path):
    lines = {**adobe_settings(emulator), "SECRET_KEY": STRONG_KEY}
    (tmp_path / ".env").write_text("".join(f"{name}={value}\n" for name, value in lines.items()))
    app = create_app({"TESTING": True, **ANONYMOUS, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert not app.config["DEMO_MODE"] and app.config["SECRET_KEY"] == STRONG_KEY
    page = app.test_client().get("/sandbox").get_data(as_text=True)
    assert BANNER not in page and "Production" in page


def test_the_environment_wins_over_the_dotenv_file(clean_env, emulator, tmp_path):
    from_env = secrets.token_urlsafe(48)
    lines = {**adobe_settings(emulator), "SECRET_KEY": STRONG_KEY, "SESSION_MINUTES": "5"}
    (tmp_path / ".env").write_text("".join(f"{name}={value}\n" for name, value in lines.items()))
    clean_env.setenv("SECRET_KEY", from_env)
    clean_env.setenv("SESSION_MINUTES", "30")
    app = create_app({"TESTING": True, **ANONYMOUS, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["SECRET_KEY"] == from_env
    assert app.permanent_session_lifetime.total_seconds() == 30 * 60


@pytest.mark.parametrize("name, value", [("SESSION_MINUTES", "abc"), ("TRUSTED_PROXIES", "-1"),
                                         ("SESSION_COOKIE_SECURE", "maybe"), ("LOG_LEVEL", "loud")])
def test_a_malformed_setting_stops_the_start_by_name(clean_env, tmp_path, name, value):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name) as refused:
        create_app({**ANONYMOUS, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert value not in str(refused.value)


FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


def uncompiled_translations(tmp_path):
    """A copy of the translations folder as a fresh checkout has it: .po files, no .mo."""
    copy = tmp_path / "translations"
    shutil.copytree(Path(ROOT, "translations"), copy, ignore=shutil.ignore_patterns("*.mo"))
    assert not list(copy.rglob("*.mo"))
    return copy


def start_in_french(emulator, translations, instance, prefix=()) -> tuple[list[dict], dict]:
    """Start the app in a process of its own, its catalogues at ``translations``; return its log lines,
    and the translation folders it used with its sandbox page in French.

    A process of its own, as gunicorn or ``flask run`` would start it: Flask-Babel keeps its catalogues
    in a cache shared by every app of a process, keyed by language only.
    """
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env.update({name: "" for name in SETTING_NAMES}, **adobe_settings(emulator), SECRET_KEY=STRONG_KEY)
    script = ("import json\nfrom app import create_app\n"
              f"app = create_app({{'TESTING': True, 'INSTANCE_PATH': {str(instance)!r}, "
              f"'BABEL_TRANSLATION_DIRECTORIES': {str(translations)!r}}})\n"
              f"page = app.test_client().get('/sandbox', headers={FRENCH!r}).get_data(as_text=True)\n"
              "print(json.dumps({'used': app.config['BABEL_TRANSLATION_DIRECTORIES'], 'page': page}))\n")
    result = subprocess.run([*prefix, sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    *logs, last = result.stdout.splitlines()
    return [json.loads(line) for line in logs], json.loads(last)


def test_french_pages_are_french_before_anyone_compiled_the_catalogue(emulator, tmp_path):
    translations = uncompiled_translations(tmp_path)
    _, started = start_in_french(emulator, translations, tmp_path / "instance")
    assert '<html lang="fr">' in started["page"] and "Choisissez un sandbox" in started["page"]
    assert (translations / "fr" / "LC_MESSAGES" / "messages.mo").is_file()          # beside its .po


def test_a_catalogue_older_than_its_source_is_compiled_again(emulator, tmp_path):
    translations = uncompiled_translations(tmp_path)
    start_in_french(emulator, translations, tmp_path / "instance")
    po = translations / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text().replace('msgstr "Choisissez un sandbox"', 'msgstr "Choisissez votre sandbox"'))
    os.utime(po.with_suffix(".mo"), (po.stat().st_mtime - 60,) * 2)    # as after a pull that changed the .po
    _, started = start_in_french(emulator, translations, tmp_path / "instance")
    assert "Choisissez votre sandbox" in started["page"]


def test_a_read_only_catalogue_folder_is_compiled_into_the_instance_folder(emulator, tmp_path):
    """As root, the app runs without the capability that lets root write anywhere."""
    translations, instance = uncompiled_translations(tmp_path), tmp_path / "instance"
    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to run without root's power to write anywhere"
        prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]
    folders = [translations, *(path for path in translations.rglob("*") if path.is_dir())]
    for folder in folders:
        folder.chmod(0o555)
    try:
        logs, started = start_in_french(emulator, translations, instance, prefix)
    finally:
        for folder in folders:
            folder.chmod(0o755)
    assert started["used"] == str(instance / "translations") and "Choisissez un sandbox" in started["page"]
    assert (instance / "translations" / "fr" / "LC_MESSAGES" / "messages.mo").is_file()
    assert not list(translations.rglob("*.mo"))
    assert any("cannot write compiled catalogues" in line["message"] for line in logs)


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
DEMO_KEY = re.compile(r'<li><span class="demo-name">([^<]+)</span>\s*<span><span class="demo-label">[^<]+</span> '
                      r'<code>([^<]+)</code></span>\s*<span><span class="demo-label">[^<]+</span> <code>([^<]+)</code>')


def test_a_newcomer_runs_python_app_py_and_creates_a_connection(tmp_path):
    """The README's first command, then the wizard over a real port, as a browser would walk it.

    Demo mode runs in a process of its own: moto keeps its Kinesis in process-wide state, which the
    demo's streams must not share with the tests' own.
    """
    port, keys = free_port(), {}
    env = {k: v for k, v in os.environ.items() if k not in AEP_VARIABLES}
    env.update(PORT=str(port), EMULATOR_DATA_DIR=str(tmp_path / "emulator"))
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    browser = requests.Session()
    try:
        first = first_answer(base + "/", seconds=15, session=browser)
        assert first.url == base + "/sandbox" and BANNER in first.text
        assert BANNER in browser.get(base + "/nowhere", timeout=5).text       # on every page, errors too

        def post(path, data):
            token = CSRF.search(browser.get(base + path, timeout=5).text).group(1)
            return browser.post(base + path, data={**data, "csrf_token": token}, timeout=10)

        kinesis = post("/sandbox", {"sandbox": "prod"})
        assert kinesis.url == base + "/kinesis"
        # The page offers the demo's keys, each named for what it shows, and Kinesis (moto, its IAM checks
        # on) answers each as AWS would; any other key is unknown there.
        keys = {name: (key, secret) for name, key, secret in DEMO_KEY.findall(kinesis.text)}
        assert set(keys) == {"A key that works", "A key missing a permission (kinesis:DescribeStream)",
                             "A known key with the wrong secret", "A key AWS does not know"}
        expected = {"A key missing a permission (kinesis:DescribeStream)": "kinesis:DescribeStream",
                    "A known key with the wrong secret": "secret access key does not match",
                    "A key AWS does not know": "AWS does not know"}
        for name, words in expected.items():
            key, secret = keys[name]
            tested = post("/kinesis", {**KINESIS, "access_key_id": key, "secret_key": secret, "action": "test"})
            assert words in tested.text, (name, re.search(r'id="key-check".*?</div>', tested.text, re.S).group(0))
        good = {**KINESIS, "access_key_id": keys["A key that works"][0], "secret_key": keys["A key that works"][1]}
        tested = post("/kinesis", {**good, "action": "test"})
        assert "The key works" in tested.text and "web-clickstream" in tested.text
        assert post("/kinesis", {**good, "action": "next"}).url == base + "/review"
        done = post("/review", {})
        assert done.url == base + "/done" and "Your Kinesis connection is ready" in done.text
        connection_id = re.search(r'id="connection-id"[^>]*value="([^"]+)"', done.text).group(1)
        explore = browser.get(f"{base}/connections/prod/{connection_id}?stream=order-updates", timeout=10)
        assert explore.status_code == 200 and "web-clickstream" in explore.text
        assert "Latest records of order-updates" in explore.text and "orderId" in explore.text
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert KINESIS["secret_key"] not in output
    assert not any(secret in output for _key, secret in keys.values())

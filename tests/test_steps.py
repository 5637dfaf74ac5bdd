"""wizard/steps.py: the state under one key, completeness, and where an early visitor is sent."""
from __future__ import annotations

import pytest

from tests.helpers import ACCESS_KEY_ID, SECRET_KEY
from web.sealed import SecretBox
from wizard import steps
from wizard.steps import KEY, Passes, Steps, Wizard

BOX = SecretBox("steps-test-secret-key-0123456789")


@pytest.fixture(autouse=True)
def request_context(app):
    """Completeness binds the stored data to the steps' forms, which live in a request."""
    with app.test_request_context():
        yield


def complete_wizard() -> tuple[dict, Wizard]:
    session: dict = {}
    wizard = Wizard(session, BOX)
    wizard.save("sandbox", {"sandbox": "prod"})
    wizard.save("kinesis", {"name": "n", "description": "", "access_key_id": ACCESS_KEY_ID, "region": "eu-west-1"})
    wizard.set_secret(SECRET_KEY)
    return session, wizard


def test_steps_helper():
    assert (Steps.first, Steps.last, Steps.count) == ("sandbox", "done", 4)
    assert Steps.next("sandbox") == "kinesis" and Steps.prev("sandbox") is None
    assert Steps.prev("done") == "review" and Steps.next("done") is None


def test_state_lives_under_one_key_and_is_reassigned_on_every_change():
    session: dict = {}
    wizard = Wizard(session, BOX)
    wizard.save("sandbox", {"sandbox": "dev"})
    first = session[KEY]
    wizard.save("kinesis", {"name": "x"})
    assert session[KEY] is not first and list(session) == [KEY]


def test_first_incomplete_step():
    session: dict = {}
    wizard = Wizard(session, BOX)
    assert wizard.first_incomplete() == "sandbox" and not wizard.may_show("kinesis")
    wizard.save("sandbox", {"sandbox": "prod"})
    assert wizard.first_incomplete() == "kinesis" and wizard.may_show("kinesis") and not wizard.may_show("review")
    _, wizard = complete_wizard()
    assert wizard.first_incomplete() == "review" and wizard.may_show("review") and not wizard.may_show("done")


def test_tampered_kinesis_data_is_incomplete():
    session, wizard = complete_wizard()
    wizard.save("kinesis", {**wizard.data("kinesis"), "access_key_id": "ASIAIOSFODNN7EXAMPLE"})
    assert wizard.first_incomplete() == "kinesis"
    for tampered in ({"name": "n" * 5000}, {"description": "d" * 20000}, {"name": "evil\u202etxt.exe"},
                     {"name": ["a list"]}):
        _, wizard = complete_wizard()
        wizard.save("kinesis", {**wizard.data("kinesis"), **tampered})
        assert wizard.first_incomplete() == "kinesis", tampered   # every rule of the step's form, again
    session[KEY] = "garbage"
    assert Wizard(session, BOX).first_incomplete() == "sandbox"


def test_a_page_shown_again_reuses_the_verdict_a_post_binds_again(monkeypatch):
    bound = []
    real = steps.kinesis_problems
    monkeypatch.setattr(steps, "kinesis_problems", lambda data, secret: bound.append(1) or real(data, secret))
    monkeypatch.setattr(steps, "KINESIS_PASSES", Passes(size=1))
    _, wizard = complete_wizard()
    assert wizard.may_show("review", fresh=False) and wizard.may_show("review", fresh=False) and len(bound) == 1
    assert wizard.may_show("review") and len(bound) == 2                # fresh: bound again
    wizard.save("kinesis", {**wizard.data("kinesis"), "access_key_id": "ASIAIOSFODNN7EXAMPLE"})
    assert not wizard.may_show("review", fresh=False) and not wizard.may_show("review", fresh=False)
    assert len(bound) == 4                                              # a failure is never remembered
    wizard.save("kinesis", {**wizard.data("kinesis"), "name": ["a list"]})
    assert not wizard.may_show("review", fresh=False)


def test_the_result_wipes_the_secret_and_closes_the_steps():
    session, wizard = complete_wizard()
    wizard.set_result({"id": "c1", "sandbox": "prod", "name": "n"})
    assert wizard.secret == "" and SECRET_KEY not in repr(session)
    assert wizard.first_incomplete() == "done"
    assert wizard.may_show("done") and not wizard.may_show("kinesis")


def test_the_secret_is_kept_sealed():
    session, wizard = complete_wizard()
    assert wizard.secret == SECRET_KEY
    assert SECRET_KEY not in repr(session) and session[KEY]["secret"].startswith("gAAAA")
    other = Wizard(session, SecretBox("another-secret-key-0123456789"))
    assert other.secret == "" and other.first_incomplete() == "kinesis"   # a broken seal is no secret


def test_reset_forgets_everything():
    session, wizard = complete_wizard()
    wizard.reset()
    assert session[KEY] == {} and Wizard(session, BOX).first_incomplete() == "sandbox"


def test_the_secret_is_opened_once_per_request():
    class CountingBox(SecretBox):
        opened = 0

        def open(self, sealed: str) -> str:
            CountingBox.opened += 1
            return super().open(sealed)

    session, _ = complete_wizard()
    wizard = Wizard(session, CountingBox("steps-test-secret-key-0123456789"))
    wizard.first_incomplete()
    assert wizard.secret == SECRET_KEY and wizard.may_show("review")
    assert CountingBox.opened == 1
    wizard.reset()
    assert wizard.secret == ""

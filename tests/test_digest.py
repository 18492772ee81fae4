"""`journey alerts digest`: per council, the last 7 days' new breaches and every alert
still open; printed without SMTP settings, sent to a local SMTP server (aiosmtpd on
127.0.0.1) with them."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from factories import cli, d, make_settings, read_model_clock_rows, read_model_stream_rows, sweep_child

from journey import alerts
from journey.domain import clock
from journey.alerts import digest
from journey.store.application import JourneyTracker

BY = "tester"
AGENCY = """name = "Adoption Central England"

[[councils]]
name = "Coventry"
digest_to = ["tracking@coventry.example", "head.of.service@coventry.example"]

[[councils]]
name = "Warwickshire"
digest_to = ["tracking@warwickshire.example"]

[[councils]]
name = "Solihull"
"""


# `journey alerts` registered on journey.cli's main for every test (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("alerts_command_registered")


@pytest.fixture(autouse=True)
def today():
    clock.set_today(d("2024-07-05"))
    yield
    clock.set_today(None)


@pytest.fixture
def data_dir(tmp_path):
    settings = make_settings(tmp_path)
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "agency.toml").write_text(AGENCY)
    app = JourneyTracker(settings)

    def order(la, ref, day):
        app.record(la, ref, "placement_order", day, {"authority": "placement_order"}, recorded_by=BY)

    order("Coventry", "CV-NEW", "2024-03-01")  # breached from 1 July: new this week
    order("Coventry", "CV-OLD", "2024-01-01")  # breached from 2 May: still open, not new
    order("Coventry", "CV-DONE", "2024-02-28")  # breached from 29 June, then matched
    order("Warwickshire", "WK-1", "2024-04-01")  # warning since 30 June
    alerts.sweep(app, read_model_clock_rows(app), stream_clock_rows=read_model_stream_rows(app))
    app.record("Coventry", "CV-DONE", "matched", "2024-07-02", {"household": "H-1"}, recorded_by=BY)
    sweep_child(app, "Coventry", "CV-DONE")
    app.close()
    return settings.data_dir


def test_weekly_digests_per_council(data_dir):
    app = JourneyTracker(make_settings(data_dir.parent))
    found = {x.council: x for x in digest.weekly_digests(app)}

    assert list(found) == ["Coventry", "Warwickshire", "Solihull"]
    coventry = found["Coventry"]
    assert (coventry.first_day, coventry.last_day) == (d("2024-06-29"), d("2024-07-05"))
    assert [a["child_ref"] for a in coventry.new_breaches] == ["CV-DONE", "CV-NEW"]
    assert sorted(a["child_ref"] for a in coventry.still_open) == ["CV-NEW", "CV-OLD"]
    assert [a["child_ref"] for a in found["Warwickshire"].still_open] == ["WK-1"]
    assert found["Warwickshire"].new_breaches == ()
    assert "none" in found["Solihull"].text()


def test_the_digest_is_printed_without_smtp_settings(data_dir):
    result = cli(data_dir, "alerts", "digest", "--la", "coventry")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Subject: Adoption tracker weekly review: Coventry, week ending 05 Jul 2024" in out
    assert "New breaches this week (2):" in out and "Still open (2), by who is dealing with each:" in out and "Not assigned (2):" in out
    assert "child CV-NEW: order-to-match (breach)" in out and "breached 2024-07-01" in out
    assert "Warwickshire" not in out


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def test_the_digest_is_sent_to_each_councils_addresses(data_dir, smtp_server):
    controller, handler = smtp_server
    env = {
        "JOURNEY_SMTP_HOST": "127.0.0.1",
        "JOURNEY_SMTP_PORT": str(controller.port),
        "JOURNEY_SMTP_SENDER": "tracker@ace.example",
    }

    result = cli(data_dir, "alerts", "digest", env=env)

    assert result.exit_code == 0, result.output
    sent = {tuple(to): message for to, message in handler.messages}
    assert set(sent) == {("tracking@coventry.example", "head.of.service@coventry.example"), ("tracking@warwickshire.example",)}
    coventry = sent[("tracking@coventry.example", "head.of.service@coventry.example")]
    assert coventry["From"] == "tracker@ace.example"
    assert coventry["Subject"].startswith("Adoption tracker weekly review: Coventry")
    assert "child CV-NEW" in coventry.get_content()
    # Solihull has no address: printed instead, and said so.
    assert "Solihull: no digest_to address" in result.stderr
    assert "Subject: Adoption tracker weekly review: Solihull" in result.stdout
    # What is logged names no child.
    assert "CV-" not in result.stderr


def test_smtp_settings_come_from_the_environment():
    assert digest.SmtpSettings.from_env({}) is None
    settings = digest.SmtpSettings.from_env({"JOURNEY_SMTP_HOST": "mail.example", "JOURNEY_SMTP_PORT": "587", "JOURNEY_SMTP_USER": "u", "JOURNEY_SMTP_PASSWORD": "s3cret-pw"})
    assert (settings.host, settings.port, settings.user) == ("mail.example", 587, "u")
    assert "s3cret-pw" not in repr(settings) and settings.password == "s3cret-pw"
    with pytest.raises(digest.ConfigurationError):
        digest.SmtpSettings.from_env({"JOURNEY_SMTP_HOST": "mail.example", "JOURNEY_SMTP_PORT": "smtp"})

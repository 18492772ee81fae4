"""The service and the web view with the events on PostgreSQL and two servers,
each keeping its own read models (a data folder each): accounts, alerts, the view
log and a page agree across them. Skipped locally without a server (the reason
printed); .ci/run starts one, and there it fails instead."""

from __future__ import annotations

import shutil

import pytest
from factories import BY, LA, TODAY, write_agency
from web_support import PASSWORD, sign_in, text_of

from journey.domain import clock
from journey.service import Tracker
from journey.settings import Settings
from web import create_app

pytestmark = pytest.mark.postgres


def a_server(tmp_path, name: str, postgres_env: dict) -> Tracker:
    folder = tmp_path / name
    write_agency(folder)
    return Tracker(Settings(folder, database_url=postgres_env["JOURNEY_DATABASE_URL"]))


def test_two_servers_on_one_postgresql_store_share_accounts_alerts_and_the_view_log(tmp_path, postgres_env):
    clock.set_today(TODAY)
    first = a_server(tmp_path, "server-1", postgres_env)
    second = a_server(tmp_path, "server-2", postgres_env)
    try:
        first.record(LA, "CV-1", "entered_care", "2023-01-10", recorded_by=BY)
        first.record(LA, "CV-1", "adm_decision", "2023-04-01", recorded_by=BY)
        first.record(LA, "CV-1", "placement_order", "2023-06-01", {"authority": "placement_order"}, recorded_by=BY)
        first.add_user("terry", role="tracker", councils=[LA], password=PASSWORD, by=BY)
        first.add_user("audrey", role="auditor", password=PASSWORD, by=BY)

        # the second server: its own read models, built from the shared log
        assert second.sign_in("terry", PASSWORD, address="10.0.0.2")["councils"] == [LA]
        theirs = [a for a in second.alerts() if a["child_ref"] == "CV-1" and a["status"] == "open"]
        assert theirs and {a["id"] for a in theirs} <= {a["id"] for a in first.alerts()}
        done = second.acknowledge_alert(theirs[0]["id"], by="terry", note="family finding widened", within=[LA])
        assert first.alert(theirs[0]["id"])["status"] == "acknowledged"  # seen by the first at once
        assert first.wait_for(done["position"])

        second.child_history(LA, "CV-1", viewer={"username": "audrey", "role": "auditor", "via": "web"})
        assert [e["by"] for e in first.view_log()["entries"]] == ["audrey"]
        assert {u["username"] for u in first.users()} == {"audrey", "terry"}

        # journey check: the first's findings kept by its commands, the second's worked
        # out from the shared log (the streams changed read by their ids and topics)
        found = first.check(la=LA)
        assert {(p["child_ref"], p["rule"]) for p in found["problems"]} >= {("CV-1", "Header")}
        assert second.check(la=LA) == found

        # and a page served by the second
        client = create_app(second, config={"TESTING": True}).test_client()
        assert sign_in(client, "terry").status_code == 302
        page = client.get("/alerts")
        assert page.status_code == 200 and "CV-1" in text_of(page)
        assert client.get("/children/waiting").status_code == 200
    finally:
        for tracker in (first, second):
            tracker.close()
            if tracker._store is not None:
                tracker.store.close()
        clock.set_today(None)
        shutil.rmtree(tmp_path / "server-1", ignore_errors=True)

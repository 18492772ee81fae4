"""The sample agency goes only into an empty data folder: checked before anything is
written; a second loader at the same time is told, not given a traceback."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys

import pytest
from factories import BY, LA, TODAY, make_settings, write_agency

from journey.domain import clock
from journey.service import SAMPLE_LOCK_FILE, SampleBeingLoaded, StoreNotEmpty, Tracker


@pytest.fixture(autouse=True)
def today():
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


def test_the_sample_is_refused_on_a_store_holding_one_real_child_with_nothing_written(tmp_path):
    settings = make_settings(tmp_path)
    write_agency(settings.data_dir)
    tracker = Tracker(settings)
    tracker.record(LA, "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    events, agency = tracker.log_length(), (settings.data_dir / "agency.toml").read_text()
    with pytest.raises(StoreNotEmpty) as refused:
        tracker.load_sample()
    assert "already holds children or households" in refused.value.message
    assert tracker.log_length() == events
    assert (settings.data_dir / "agency.toml").read_text() == agency


def test_an_agency_file_without_the_samples_councils_is_refused_before_anything_is_written(tmp_path):
    settings = make_settings(tmp_path)
    write_agency(settings.data_dir)  # Coventry, Warwickshire, Solihull: not the sample's five
    tracker = Tracker(settings)
    with pytest.raises(StoreNotEmpty) as refused:
        tracker.load_sample()
    assert "does not list the sample's councils" in refused.value.message
    assert tracker.log_length() == 0


def test_the_sample_loads_once(tmp_path):
    tracker = Tracker(make_settings(tmp_path))
    done = tracker.load_sample()
    assert done["loaded"]
    # with one account per role, their passwords in the data folder
    assert done["sample_accounts"] == ["sample.tracker", "sample.manager", "sample.auditor", "sample.admin"]
    assert [(u["username"], u["councils"]) for u in tracker.users()] == [
        ("sample.admin", []), ("sample.auditor", []), ("sample.manager", []), ("sample.tracker", ["Coventry"]),
    ]
    assert [a["username"] for a in tracker.sample_accounts()] == done["sample_accounts"]
    events = tracker.log_length()
    with pytest.raises(StoreNotEmpty):
        tracker.load_sample()
    assert tracker.log_length() == events
    assert tracker.load_sample(wait=True)["loaded"] is False  # as `journey run` asks: nothing more
    assert tracker.log_length() == events


def test_a_second_loader_is_told_another_is_loading(tmp_path):
    settings = make_settings(tmp_path)
    settings.data_dir.mkdir(parents=True)
    with open(settings.data_dir / SAMPLE_LOCK_FILE, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(SampleBeingLoaded) as busy:
            Tracker(settings).load_sample()
        fcntl.flock(held, fcntl.LOCK_UN)
    assert "another process is loading the sample agency" in busy.value.message
    assert Tracker(settings).log_length() == 0


def test_two_demos_at_once_on_an_empty_folder_load_it_once_and_say_why_for_the_other(tmp_path):
    data_dir = tmp_path / "var"
    env = {**os.environ, "JOURNEY_TODAY": TODAY.isoformat()}
    command = [sys.executable, "-m", "journey.cli", "--data-dir", str(data_dir), "demo"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    results = [(r.wait(timeout=120), *r.communicate()) for r in runs]
    assert sorted(code for code, _, _ in results) == [0, 1], results
    [(_, _, refused)] = [r for r in results if r[0] == 1]
    assert "Traceback" not in refused and "IntegrityError" not in refused
    assert "another process is loading the sample agency" in refused or "already holds children or households" in refused
    clock.set_today(TODAY)
    assert Tracker(make_settings(tmp_path)).stages()["stages"]["adopted"] > 0

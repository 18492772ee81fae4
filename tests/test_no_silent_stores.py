"""No silent stores: a reading command on a folder with no tracker data is refused,
naming the folder, and creates nothing; what the tracker creates is its owner's only."""

from __future__ import annotations

import stat

import pytest
from factories import BY, LA, TODAY, cli, make_settings, write_agency

from journey.domain import clock
from journey.service import NoTrackerData, Tracker


@pytest.fixture(autouse=True)
def today():
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


@pytest.mark.parametrize("args", [
    ("stages",), ("waiting",), ("alerts", "list"), ("scorecard", "--from", "2023-04-01", "--to", "2024-03-31"),
    ("report", "quarterly", "--quarter", "2023-24-Q4"), ("history", "--la", LA, "CV-1"), ("check",),
    ("projections", "status"), ("alerts", "sweep"), ("export", "milestones", "out.csv"),
])
def test_a_reading_command_on_a_typo_is_refused_naming_the_folder_and_creates_nothing(tmp_path, args):
    typo = tmp_path / "vra"
    result = cli(typo, *args)
    assert result.exit_code == 1, result.output
    assert f"there is no tracker data in {typo}" in result.stderr
    assert not typo.exists()


def test_the_service_refuses_too(tmp_path):
    tracker = Tracker(make_settings(tmp_path))
    with pytest.raises(NoTrackerData):
        tracker.waiting()
    tracker.close()  # nothing to close, nothing refused
    assert not make_settings(tmp_path).data_dir.exists()


def test_a_writing_command_starts_a_store_its_owner_alone_can_read(tmp_path):
    settings = make_settings(tmp_path)
    tracker = Tracker(settings)
    tracker.record(LA, "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
    for path in settings.data_dir.glob("*.sqlite3*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    out = tracker.export_milestones(tmp_path / "out.csv")
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o600 and out["milestones"] == 1


def test_a_folder_with_only_an_agency_file_is_not_yet_a_store(tmp_path):
    settings = make_settings(tmp_path)
    write_agency(settings.data_dir)
    assert cli(settings.data_dir, "stages").exit_code == 1
    assert cli(settings.data_dir, "record", "--la", LA, "CV-1", "entered_care", "2024-01-10").exit_code == 0
    assert cli(settings.data_dir, "stages").exit_code == 0


def test_the_sample_leaves_no_file_others_can_read(tmp_path):
    settings = make_settings(tmp_path)
    Tracker(settings).load_sample()
    for path in settings.data_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name


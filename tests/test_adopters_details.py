"""A household keeps its adopters' details, as the 903's AD1 table codes them."""

from __future__ import annotations

import pytest
from factories import BY, VIEWER, cli, write_agency

from journey.service import InvalidValue


def test_the_adopters_details_are_kept_each_change_an_event(service):
    done = service.household("HH-1", adopters={"number": "2", "sex": "mf", "legal_status": "L11"}, recorded_by=BY)
    assert done["adopters"] == {"number": "2", "sex": "MF", "legal_status": "L11"}
    again = service.household("HH-1", adopters={"number": "2", "sex": "MF"}, recorded_by=BY)
    assert again["position"] is None and again["event_ids"] == []  # nothing differs: nothing written
    service.household("HH-1", adopters={"legal_status": "L3"}, recorded_by=BY)
    entries = [e for e in service.household_history("HH-1", viewer=VIEWER)["entries"] if e.get("change") == "adopters"]
    assert [e["adopters"] for e in entries] == [{"number": "2", "sex": "MF", "legal_status": "L11"}, {"legal_status": "L3"}]
    assert "Adopters' details: legal status L3" in entries[1]["sentence"]


@pytest.mark.parametrize("adopters, field", [
    ({"number": "3"}, "adopters_number"), ({"sex": "FM"}, "adopters_sex"), ({"legal_status": "L1"}, "adopters_legal_status"),
    ({"number": "1", "sex": "MF"}, "adopters_sex"),
])
def test_codes_outside_the_dfe_lists_are_refused(service, adopters, field):
    with pytest.raises(InvalidValue) as refused:
        service.household("HH-1", adopters=adopters, recorded_by=BY)
    assert refused.value.field == field
    assert service.log_length() == 0


def test_the_command_line_names_the_option(tmp_path):
    write_agency(tmp_path / "var")
    done = cli(tmp_path / "var", "household", "HH-2", "--adopters", "1", "--adopters-sex", "F1", "--adopters-legal-status", "L0")
    assert done.exit_code == 0 and "adopters: 1, sex F1, legal status L0" in done.stdout
    refused = cli(tmp_path / "var", "household", "HH-2", "--adopters-legal-status", "L9")
    assert refused.exit_code == 1 and "(--adopters-legal-status)" in refused.stderr

"""The clinic settings file: every value checked, one clear error naming the field."""

import pytest
import yaml

from assistant.settings import ClinicSettingsError, load_settings, parse_settings
from tests.conftest import TEST_SETTINGS


def document():
    return yaml.safe_load(TEST_SETTINGS.read_text())


def test_valid_file_gives_every_placeholder():
    values = load_settings(TEST_SETTINGS).template_values()
    assert values["clinic_name"] == "Riverside Ketamine Clinic"
    assert values["crisis_phone"] == "988"
    assert values["emergency_number"] == "911"
    assert values["retention_days"] == "30"


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("clinic", "phone"), None, "'clinic.phone' is missing"),
        (
            ("clinic", "booking_url"),
            "ftp://x",
            "'clinic.booking_url' must be an http or https link",
        ),
        (("clinic", "name"), "", "'clinic.name' must be a non-empty text value"),
        (("crisis", "call_or_text"), "call us", "'crisis.call_or_text' must be a phone number"),
        (("crisis", "emergency_number"), None, "'crisis.emergency_number' is missing"),
        (("clinic", "name"), "Evil {slot}", "must not contain { or }"),
        (("privacy", "retention_days"), 0, "'privacy.retention_days' must be a whole number"),
        (("web", "allowed_origins"), ["https://x.com/path"], "invalid origin"),
    ],
)
def test_each_bad_field_is_named(path, value, message):
    doc = document()
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if value is None:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    with pytest.raises(ClinicSettingsError) as error:
        parse_settings(doc, "clinic.yml")
    assert message in str(error.value)
    assert str(error.value).startswith("clinic.yml: ")


def test_missing_file(tmp_path):
    with pytest.raises(ClinicSettingsError, match="not found"):
        load_settings(tmp_path / "nope.yml")


def test_malformed_yaml(tmp_path):
    bad = tmp_path / "clinic.yml"
    bad.write_text("clinic: [unclosed\n")
    with pytest.raises(ClinicSettingsError, match="not valid YAML at line"):
        load_settings(bad)


def test_the_shipped_file_is_valid():
    from assistant.paths import PROJECT_ROOT

    assert load_settings(PROJECT_ROOT / "clinic.yml").clinic_name

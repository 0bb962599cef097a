"""Reading an uploaded import file: one limit per kind of import, read no further than one byte
past it whatever size the upload claims, and the same refusals for both importers."""

import io

import pytest
from django.core.exceptions import ValidationError

from residents.importers import uploads
from residents.importers.residents import read_residents_csv
from residents.importers.rosters import read_roster


class Endless(io.RawIOBase):
    """A stream that never ends and remembers how much was asked of it."""

    asked = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size >= 0, "an upload must never be read to its end"
        self.asked += size
        return b"x" * size


@pytest.mark.parametrize("kind", [uploads.RESIDENTS, uploads.ROSTERS])
def test_it_reads_no_further_than_one_byte_past_the_limit(kind):
    stream = Endless()
    with pytest.raises(ValidationError) as refused:
        uploads.read_upload(stream, kind)
    assert stream.asked == kind.max_bytes + 1
    assert refused.value.code == "too_large"


def test_each_kind_of_import_has_its_own_limit_and_advice():
    with pytest.raises(ValidationError) as residents:
        uploads.read_upload(Endless(), uploads.RESIDENTS)
    with pytest.raises(ValidationError) as rosters:
        uploads.read_upload(Endless(), uploads.ROSTERS)
    assert residents.value.messages == [
        "The file is larger than 2 MB. Split it into smaller files."]
    assert rosters.value.messages == [
        "The file is larger than 25 MB. Split it by period or department."]


def test_a_file_within_the_limit_is_read_whole():
    assert uploads.read_upload(io.BytesIO(b"email\n"), uploads.RESIDENTS) == b"email\n"


@pytest.mark.parametrize("text", [",,,\n", " ; ; \r\n\r\n", "\t\t\n"])
def test_a_file_of_nothing_but_separators_is_empty_for_both_importers(text):
    (residents,) = read_residents_csv(text).problems
    (rosters,) = read_roster(text, file_format="csv", tz="Europe/Amsterdam").problems
    assert residents.reason == rosters.reason == "The file is empty."


def test_an_unreadable_encoding_names_its_line_and_advises_the_fix_of_its_import():
    residents_data = "email\nzoë@hospital.example\n".encode("cp1252") + b"\x81\n"
    (residents,) = read_residents_csv(residents_data).problems
    (rosters,) = read_roster(residents_data, file_format="csv", tz="Europe/Amsterdam").problems
    assert residents.line == rosters.line == 3
    assert "neither UTF-8 nor Windows-1252" in residents.reason and "Save as" in residents.reason
    assert "neither UTF-8 nor Windows-1252" in rosters.reason and "Export it as UTF-8" in rosters.reason

"""The imports read the files hospitals have: Dutch Excel's CSV (semicolons, byte order mark,
CRLF, decimal comma, Dutch headers, day-first dates, Windows-1252) and Excel workbooks, with
names and addresses beyond ASCII. A refused file names each problem once, by line and column,
and saves nothing."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from residents.importers import uploads
from residents.importers.residents import check_residents_csv, read_residents_csv, residents_import
from residents.models import Resident, User
from residents.validators import validate_email_address

DUTCH_HEADER = "email;voornaam;achternaam;specialisme;afdeling;opleidingsjaar;fte"
DUTCH_ROWS = [
    "r011.Özdemir@hospital.example;Rüya;Özdemir;Interne geneeskunde;Interne;2;0,8",
    "r012.devries@hospital.example;Ĳsbrand;van Ĳsselmeer;Chirurgie;Chirurgie;4;1",
]


def dutch_excel_csv(rows=DUTCH_ROWS, header=DUTCH_HEADER, encoding="utf-8-sig") -> bytes:
    """A list as Dutch Excel saves it: ';', CRLF, and a byte order mark in 'CSV UTF-8'."""
    return "\r\n".join([header, *rows, ""]).encode(encoding)


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "AIOS"
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.now("2027-09-27 10:00")
def test_a_dutch_excel_list_imports_with_only_the_columns_it_has(db, clock):
    plan = check_residents_csv(dutch_excel_csv())

    assert plan.problems == []
    assert plan.source == "CSV, UTF-8 with byte order mark, separated by ';'"
    assert {s.name for s in plan.new_specialties} == {"Interne geneeskunde", "Chirurgie"}

    residents_import(rows=read_residents_csv(dutch_excel_csv()).rows)
    ozdemir = Resident.objects.get(user__email="r011.özdemir@hospital.example")
    assert (ozdemir.user.first_name, ozdemir.fte, ozdemir.training_year) == ("Rüya", Decimal("0.80"), 2)
    assert ozdemir.start_date == dt.date(2027, 9, 27)  # the day of the import
    assert ozdemir.end_date is None and not ozdemir.supervisors.exists()
    assert User.objects.get(email="r012.devries@hospital.example").last_name == "van Ĳsselmeer"


def test_the_windows_1252_variant_reads_the_same_and_says_so(db):
    rows = [DUTCH_ROWS[0]]  # Ĳ has no place in Windows-1252
    utf8 = read_residents_csv(dutch_excel_csv(rows))
    cp1252 = read_residents_csv(dutch_excel_csv(rows, encoding="cp1252"))
    assert cp1252.problems == []
    assert cp1252.source == "CSV, Windows-1252, separated by ';'"
    assert [r.email for r in cp1252.rows] == [r.email for r in utf8.rows] == [
        "r011.özdemir@hospital.example"]
    assert cp1252.rows[0].last_name == "Özdemir"


@pytest.mark.parametrize(("delimiter", "newline"), [(",", "\n"), (";", "\r\n"), ("\t", "\r\n")])
def test_any_separator_and_line_ending_reads_alike(db, delimiter, newline):
    header = delimiter.join(["E-mail", "First name", "Last Name", "Specialty", "Department",
                             "Start date", "FTE"])
    line = delimiter.join(["anna@hospital.example", "Anna", "de Vries", "Surgery", "Surgery",
                           "1-9-2024", '"0,9"' if delimiter == "," else "0,9"])
    (row,) = read_residents_csv((header + newline + line + newline).encode()).rows
    assert (row.start_date, row.fte) == (dt.date(2024, 9, 1), Decimal("0.90"))


@pytest.mark.parametrize(("written", "day"), [
    ("2027-09-27", dt.date(2027, 9, 27)),
    ("27-9-2027", dt.date(2027, 9, 27)),
    ("27-09-2027", dt.date(2027, 9, 27)),
    ("1-10-2027", dt.date(2027, 10, 1)),
])
def test_dates_are_read_as_iso_or_as_dutch_excel_writes_them(written, day):
    assert uploads.parse_date(written) == day


@pytest.mark.parametrize("written", ["09/27/2027", "2027-13-01", "31-2-2027", "morgen"])
def test_other_dates_are_refused(written):
    with pytest.raises(ValueError):
        uploads.parse_date(written)


def test_an_excel_workbook_is_read_with_its_real_dates_and_numbers(db):
    data = workbook([
        ["E-mail", "Voornaam", "Achternaam", "Specialisme", "Afdeling", "Opleidingsjaar", "FTE",
         "Startdatum", "Einddatum"],
        ["r011.özdemir@hospital.example", "Rüya", "Özdemir", "Interne geneeskunde", "Interne", 2,
         0.8, dt.datetime(2027, 9, 1), dt.date(2032, 8, 31)],
        [None] * 9,
        ["B@Hospital.example", "Bas", "Bakker", "Chirurgie", "Chirurgie", None, 1, "1-9-2026", None],
    ])

    parsed = read_residents_csv(data)

    assert parsed.problems == []
    assert parsed.source == "Excel workbook, sheet 'AIOS'"
    first, second = parsed.rows
    assert (first.line, first.start_date, first.end_date, first.fte) == (
        2, dt.date(2027, 9, 1), dt.date(2032, 8, 31), Decimal("0.80"))
    assert (second.line, second.email, second.start_date) == (4, "b@hospital.example",
                                                              dt.date(2026, 9, 1))


def test_a_workbook_with_bad_cells_names_each_line_and_column_once(db):
    data = workbook([
        ["email", "voornaam", "achternaam", "specialisme", "afdeling", "fte", "fte"],
    ])
    problems = read_residents_csv(data).problems
    assert [(p.line, p.column, p.reason) for p in problems] == [
        (1, "fte", "This column appears twice.")]


def test_a_refused_dutch_file_names_lines_and_columns_and_saves_nothing(db, tmp_path):
    rows = [
        "geen-adres;Rüya;Özdemir;Interne geneeskunde;Interne;2;0,8",
        "r2@hospital.example;;Jansen;Chirurgie;Chirurgie;9;1,5",
        "r011.özdemir@hospital.example;Rüya;Özdemir;Interne geneeskunde;Interne;2;0,8",
    ]
    path = tmp_path / "aios.csv"
    path.write_bytes(dutch_excel_csv(rows))

    err = io.StringIO()
    with pytest.raises(CommandError, match="4 problem"):
        call_command("import_residents", str(path), stdout=io.StringIO(), stderr=err)

    problems = check_residents_csv(path.read_bytes()).problems
    assert [(p.line, p.column) for p in problems] == [
        (2, "email"), (3, "first_name"), (3, "training_year"), (3, "fte")]
    assert len(set(problems)) == len(problems)
    assert "line 3, fte" in err.getvalue()
    assert not User.objects.exists()


@pytest.mark.parametrize("address", [
    "r011.özdemir@hospital.example", "ĳsbrand@hospital.example", "anna+iv@hospital.example",
    '"anna de vries"@hospital.example', "zoë@ĳsselmeer.example",
])
def test_addresses_are_accepted_as_the_standard_allows(address):
    validate_email_address(address)


@pytest.mark.parametrize("address", [
    "anna", "anna@", "@hospital.example", "an..na@hospital.example", ".anna@hospital.example",
    "an na@hospital.example", "anna\u200b@hospital.example", "a" * 65 + "@hospital.example",
    "anna@hospital", "anna@-hospital.example",
])
def test_what_is_no_address_is_refused(address):
    with pytest.raises(ValidationError):
        validate_email_address(address)


def test_addresses_are_compared_without_case_or_unicode_form(db):
    decomposed = "r011.O\u0308zdemir@hospital.example"  # Ö as O + combining diaeresis
    (row,) = read_residents_csv(dutch_excel_csv([DUTCH_ROWS[0].replace(
        "r011.Özdemir", decomposed.split("@")[0])])).rows
    assert row.email == "r011.özdemir@hospital.example"


def test_an_imported_international_address_can_be_edited_and_asked_a_password_for(
        as_cora, client, ask_password_reset, mailoutbox):
    residents_import(rows=read_residents_csv(dutch_excel_csv([DUTCH_ROWS[0]])).rows)
    resident = Resident.objects.get()
    page = as_cora.get(reverse("resident_edit", args=[resident.pk])).content.decode()
    assert 'value="r011.özdemir@hospital.example"' in page and 'type="email"' not in page

    response = as_cora.post(reverse("resident_edit", args=[resident.pk]), {
        "email": "R011.Özdemir@hospital.example", "first_name": "Rüya", "last_name": "Özdemir-Bos",
        "language": "nl", "specialty": resident.specialty_id, "department": resident.department_id,
        "training_year": 2, "fte": "0.80", "start_date": resident.start_date.isoformat(),
    })

    assert response.status_code == 302
    resident.user.refresh_from_db()
    assert (resident.user.email, resident.user.last_name) == (
        "r011.özdemir@hospital.example", "Özdemir-Bos")
    ask_password_reset(client, "R011.ÖZDEMIR@hospital.example")
    assert [m.to for m in mailoutbox] == [["r011.özdemir@hospital.example"]]


@pytest.mark.parametrize(("data", "says"), [
    (b"PK\x03\x04 not really a workbook", "cannot be read as an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0 an old workbook", "Excel 97-2003 workbook (.xls)"),
])
def test_a_file_that_is_no_readable_workbook_is_refused_with_what_to_do(db, data, says):
    (problem,) = read_residents_csv(data).problems
    assert problem.line is None and says in problem.reason


def test_excel_unicode_text_is_read_too(db):
    text = "email\tfirst_name\tlast_name\tspecialty\tdepartment\r\nzoë@hospital.example\tZoë\tBos\tX\tY\r\n"
    parsed = read_residents_csv(text.encode("utf-16"))
    assert parsed.source == "CSV, UTF-16, separated by tab"
    assert [r.first_name for r in parsed.rows] == ["Zoë"]

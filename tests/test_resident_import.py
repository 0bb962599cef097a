"""Coordinators import residents from a CSV file: checked as a whole, previewed, then confirmed.
A file with any bad row imports nothing; a good file can be imported again without duplicates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from residents.importers import residents as importers
from residents.importers.residents import Change, read_residents_csv, residents_import
from residents.models import Department, Resident, Specialty, StoredUpload, TableImport, User

from .factories import DepartmentFactory, ResidentFactory, SpecialtyFactory, UserFactory
from .helpers import import_confirm, import_upload, login

# The worker checks and applies each upload in the test (tests.helpers.import_upload).
pytestmark = pytest.mark.usefixtures("celery_eager")

URL = reverse("resident_import")
EXAMPLE_URL = reverse("resident_import_example")
HEADER = ("email,first_name,last_name,specialty,department,training_year,fte,start_date,end_date,"
          "supervisor_emails")


def row(email="anna@hospital.example", first_name="Anna", last_name="de Vries",
        specialty="Internal Medicine", department="Internal Medicine", training_year="2",
        fte="1.00", start_date="2024-09-01", end_date="", supervisor_emails="", sep=","):
    return sep.join([email, first_name, last_name, specialty, department, training_year, fte,
                     start_date, end_date, supervisor_emails])


def csv_text(*rows, header=HEADER):
    return "\n".join([header, *rows]) + "\n"


GOOD = csv_text(
    row(),
    row(email="daan@hospital.example", first_name="Daan", last_name="Jansen", specialty="Surgery",
        department="Surgery", training_year="4", fte="0.90", supervisor_emails="anna@hospital.example"),
)


def upload(client, content, name="residents.csv"):
    data = content.encode() if isinstance(content, str) else content
    return import_upload(client, URL, SimpleUploadedFile(name, data, content_type="text/csv"))


def confirm(client, preview):
    return import_confirm(client, preview)


def import_through_the_page(client, content):
    return confirm(client, upload(client, content))


def counts(preview) -> tuple[int, int, int]:
    """New, updated and unchanged residents of a preview."""
    plan = preview.context["plan"]
    return len(plan["created"]), len(plan["updated"]), len(plan["unchanged"])


def problems_of(response):
    assert "Nothing was imported" in response.content.decode()
    return [(p.line, p.column) for p in response.context["problems"]]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Who may import -------------------------------------------------------------------------

@pytest.mark.parametrize("url", [URL, EXAMPLE_URL])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_anonymous_cannot_post_a_file(client, catalogue):
    response = upload(client, GOOD)
    assert response.status_code == 302
    assert not Resident.objects.exists()


@pytest.mark.parametrize("persona", ["rosa", "ivan"])
def test_residents_and_intervisors_cannot_import(request, catalogue, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.get(EXAMPLE_URL).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert not User.objects.filter(email="anna@hospital.example").exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_it_rejects_other_methods(as_cora, method):
    assert getattr(as_cora, method)(URL).status_code == 405


# --- The upload page ------------------------------------------------------------------------

def test_the_upload_page_documents_the_columns_and_links_the_example_file(as_cora):
    response = as_cora.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for column in importers.COLUMNS:
        assert f"<code>{column}</code>" in page
    assert EXAMPLE_URL in page
    assert "Forgot your password?" in page
    assert 'enctype="multipart/form-data"' in page


def test_the_example_file_can_be_downloaded(as_cora):
    response = as_cora.get(EXAMPLE_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="residents.csv"' in response["Content-Disposition"]
    assert response.content == importers.EXAMPLE_FILE.read_bytes()


def test_the_example_file_imports_cleanly(as_cora):
    for name in ["Internal Medicine", "Surgery", "Paediatrics", "Psychiatry", "Cardiology",
                 "Neurology", "Anaesthesiology", "Obstetrics and Gynaecology", "Emergency Medicine",
                 "Radiology", "Pulmonology", "Orthopaedics"]:
        Specialty.objects.create(name=name)
    for name in ["Internal Medicine", "Surgery", "Children's Hospital", "Psychiatry", "Heart Centre",
                 "Neurosciences", "Anaesthesiology and ICU", "Women's Health", "Emergency Department",
                 "Imaging"]:
        Department.objects.create(name=name)
    rows = len(read_residents_csv(importers.EXAMPLE_FILE.read_bytes()).rows)
    assert rows >= 10

    response = import_through_the_page(as_cora, importers.EXAMPLE_FILE.read_bytes())

    assert response.status_code == 302
    assert messages_of(response) == [f"Residents imported: {rows} created, 0 updated, 0 unchanged."]
    assert Resident.objects.count() == rows
    assert User.objects.get(email="zoe.hendriks@hospital.example").first_name == "Zoë"


# --- A good file ----------------------------------------------------------------------------

def test_a_good_file_shows_a_preview_and_writes_nothing_yet(as_cora, catalogue):
    response = upload(as_cora, GOOD)

    assert response.status_code == 200
    assert counts(response) == (2, 0, 0)
    page = response.content.decode()
    assert "Confirm import" in page
    assert "anna@hospital.example" in page
    assert not User.objects.filter(email="anna@hospital.example").exists()


def test_confirming_the_preview_imports_the_residents(as_cora, catalogue):
    response = import_through_the_page(as_cora, GOOD)

    assert response.status_code == 302
    assert response.url == reverse("resident_list")
    assert messages_of(response) == ["Residents imported: 2 created, 0 updated, 0 unchanged."]
    daan = Resident.objects.get(user__email="daan@hospital.example")
    assert daan.user.role == User.Role.RESIDENT
    assert daan.user.language == "en"
    assert (daan.specialty.name, daan.department.name) == ("Surgery", "Surgery")
    assert (daan.training_year, daan.fte, daan.start_date, daan.end_date) == (
        4, Decimal("0.90"), dt.date(2024, 9, 1), None)
    assert [u.email for u in daan.supervisors.all()] == ["anna@hospital.example"]


def test_new_residents_get_no_usable_password(as_cora, catalogue):
    import_through_the_page(as_cora, GOOD)
    assert not User.objects.get(email="anna@hospital.example").has_usable_password()


def test_an_imported_resident_can_choose_a_password_with_forgot_password(
        client, catalogue, mailoutbox, ask_password_reset):
    residents_import(rows=read_residents_csv(GOOD).rows)
    ask_password_reset(client, "anna@hospital.example")
    assert len(mailoutbox) == 1


def test_importing_the_same_file_twice_creates_no_duplicates(as_cora, catalogue):
    import_through_the_page(as_cora, GOOD)

    preview = upload(as_cora, GOOD)
    assert counts(preview) == (0, 0, 2)
    response = confirm(as_cora, preview)

    assert messages_of(response) == ["Residents imported: 0 created, 0 updated, 2 unchanged."]
    assert Resident.objects.count() == 2
    assert User.objects.filter(email__in=["anna@hospital.example", "daan@hospital.example"]).count() == 2


def test_it_matches_existing_residents_by_email_case_insensitively(as_cora, catalogue, rosa):
    text = csv_text(row(email="ROSA@Hospital.Example", first_name="Rosa", last_name="Resident",
                        training_year="3", fte="0.80", start_date="2024-09-01"))

    preview = upload(as_cora, text)

    (change,) = preview.context["plan"]["updated"]
    changed = {column: (old, new) for column, old, new in change["fields"]}
    assert changed["training_year"] == ("2", "3")
    assert changed["fte"] == ("1.00", "0.80")
    assert "training_year" in preview.content.decode()
    response = confirm(as_cora, preview)
    assert messages_of(response) == ["Residents imported: 0 created, 1 updated, 0 unchanged."]
    rosa.resident.refresh_from_db()
    assert (rosa.resident.training_year, rosa.resident.fte) == (3, Decimal("0.80"))
    assert User.objects.filter(email__iexact="rosa@hospital.example").count() == 1


def test_the_file_replaces_supervisors_and_end_date_but_keeps_the_language(as_cora, catalogue, ivan):
    resident = ResidentFactory(user__email="anna@hospital.example", user__language="nl",
                               end_date=dt.date(2030, 8, 31))
    resident.supervisors.set([ivan])

    import_through_the_page(as_cora, csv_text(row()))

    resident.refresh_from_db()
    assert list(resident.supervisors.all()) == []
    assert resident.end_date is None
    assert resident.user.language == "nl"


def test_the_language_column_is_optional_and_sets_the_language(as_cora, catalogue):
    text = csv_text(row() + ",NL", header=HEADER + ",Language")
    import_through_the_page(as_cora, text)
    assert User.objects.get(email="anna@hospital.example").language == "nl"


def test_supervisors_may_be_existing_users_or_later_rows_of_the_same_file(as_cora, catalogue, ivan):
    staff = UserFactory(email="dr.bakker@hospital.example", role=User.Role.STAFF)
    text = csv_text(
        row(supervisor_emails="dr.bakker@hospital.example | daan@hospital.example IVAN@hospital.example"),
        row(email="daan@hospital.example", first_name="Daan"),
    )
    import_through_the_page(as_cora, text)
    anna = Resident.objects.get(user__email="anna@hospital.example")
    assert set(anna.supervisors.all()) == {staff, ivan, User.objects.get(email="daan@hospital.example")}


# --- Encodings and spreadsheet dialects -----------------------------------------------------

def test_it_accepts_semicolon_separated_excel_exports(as_cora, catalogue):
    # Dutch Excel: ";" between columns, "," as decimal mark, day-month-year dates, \r\n, BOM.
    header = HEADER.replace(",", ";")
    text = csv_text(
        row(email="daan@hospital.example", sep=";"),
        row(fte="0,8", start_date="01-09-2024", end_date="31-8-2030",
            supervisor_emails='"daan@hospital.example;ivo@hospital.example"', sep=";"),
        row(email="ivo@hospital.example", first_name="Ivo", sep=";"),
        header=header,
    ).replace("\n", "\r\n")

    response = import_through_the_page(as_cora, "\ufeff".encode() + text.encode())

    assert response.status_code == 302
    anna = Resident.objects.get(user__email="anna@hospital.example")
    assert (anna.fte, anna.start_date, anna.end_date) == (
        Decimal("0.80"), dt.date(2024, 9, 1), dt.date(2030, 8, 31))
    assert {u.email for u in anna.supervisors.all()} == {"daan@hospital.example", "ivo@hospital.example"}


def test_it_accepts_utf8_with_or_without_a_byte_order_mark(as_cora, catalogue):
    text = csv_text(row(first_name="Zoë"), row(email="bjorn@hospital.example", first_name="Bjørn"))
    assert upload(as_cora, text.encode("utf-8")).status_code == 200
    response = import_through_the_page(as_cora, text.encode("utf-8-sig"))
    assert response.status_code == 302
    assert User.objects.get(email="anna@hospital.example").first_name == "Zoë"


def test_it_reads_a_windows_1252_file_and_says_so_in_the_preview(as_cora, catalogue):
    text = csv_text(row(), row(email="zoe@hospital.example", first_name="Zoë"))

    preview = upload(as_cora, text.encode("cp1252"))

    assert "Windows-1252" in preview.content.decode()
    confirm(as_cora, preview)
    assert User.objects.get(email="zoe@hospital.example").first_name == "Zoë"


def test_a_file_in_no_encoding_it_knows_is_refused_with_its_line(as_cora, catalogue):
    data = csv_text(row()).encode() + b"\x81\x8d\n"  # bytes Windows-1252 leaves undefined

    response = upload(as_cora, data)

    assert problems_of(response) == [(3, "")]
    assert "neither UTF-8 nor Windows-1252" in response.content.decode()
    assert not Resident.objects.exists()


def test_headers_are_matched_case_insensitively_and_trimmed(as_cora, catalogue):
    header = (" Email , First Name,LAST_NAME,Specialty,department,Training_Year,FTE,start_date,end_date,"
              "Supervisor_Emails")
    response = import_through_the_page(as_cora, csv_text(row(), header=header))
    assert response.status_code == 302
    assert Resident.objects.filter(user__email="anna@hospital.example").exists()


def test_blank_lines_and_empty_rows_are_skipped_and_lines_still_counted(catalogue):
    parsed = read_residents_csv(HEADER + "\n\n" + row() + "\n,,,,,,,,,\n"
                                + row(email="b@hospital.example", training_year="9") + "\n")
    assert [(p.line, p.column) for p in parsed.problems] == [(5, "training_year")]


# --- A file with problems imports nothing ---------------------------------------------------

def test_a_file_with_one_bad_row_imports_nothing(as_cora, catalogue):
    text = csv_text(row(), row(email="daan@hospital.example", training_year="12"))

    response = upload(as_cora, text)

    assert problems_of(response) == [(3, "training_year")]
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "The training year is a whole number from 1 to 8." in page
    assert not Resident.objects.exists()
    assert not StoredUpload.objects.exists()  # the file is forgotten with the refusal


def test_it_reports_every_bad_row_with_its_line_number(as_cora, catalogue):
    text = csv_text(
        row(email="not-an-address"),
        row(email="b@hospital.example"),
        row(email="c@hospital.example", fte="1.5", start_date="2024/09/01"),
        row(email="d@hospital.example", training_year="9"),
    )

    response = upload(as_cora, text)

    assert problems_of(response) == [(2, "email"), (4, "fte"), (4, "start_date"), (5, "training_year")]
    assert "not-an-address" in response.content.decode()


@pytest.mark.parametrize(("column", "value"), [
    ("email", "anna.hospital.example"),
    ("first_name", ""),
    ("last_name", "x" * 101),
    ("training_year", "0"),
    ("training_year", "two"),
    ("fte", "0.05"),
    ("fte", "abc"),
    ("fte", "NaN"),
    ("fte", "0.755"),
    ("start_date", "09/01/2024"),
    ("start_date", "2024-02-30"),
    ("end_date", "2020-01-01"),
    ("supervisor_emails", "someone"),
])
def test_it_refuses_a_bad_value(catalogue, column, value):
    parsed = read_residents_csv(csv_text(row(**{column: value})))
    assert [(p.line, p.column) for p in parsed.problems] == [(2, column)]
    assert parsed.rows == []


def test_it_reports_missing_columns_once_and_lists_unknown_ones_as_ignored(as_cora, catalogue):
    header = HEADER.replace("email,", "").replace(",specialty", "")
    text = csv_text(*[",".join(row().split(",")[1:3] + row().split(",")[4:])] * 3, header=header)

    problems = upload(as_cora, text).context["problems"]

    assert [(p.line, p.column) for p in problems] == [(1, "email"), (1, "specialty")]
    assert "specialisme" in problems[1].reason  # the Dutch name is offered too

    preview = upload(as_cora, csv_text(row() + ",0612345678", header=HEADER + ",telefoon"))
    assert preview.context["plan"]["ignored_columns"] == ["telefoon"]


def test_an_unknown_specialty_is_listed_and_created_with_the_import(as_cora, catalogue):
    preview = upload(as_cora, csv_text(row(specialty="Dermatology", department="Skin Clinic"),
                                       row(email="b@hospital.example", specialty="dermatology",
                                           department="Skin clinic")))

    plan = preview.context["plan"]
    assert plan["new_specialties"] == ["Dermatology"]
    assert plan["new_departments"] == ["Skin Clinic"]
    assert "These specialties will be created: Dermatology" in preview.content.decode()
    assert not Specialty.objects.filter(name="Dermatology").exists()

    confirm(as_cora, preview)
    dermatology = Specialty.objects.get(name="Dermatology")
    assert set(dermatology.residents.values_list("user__email", flat=True)) == {
        "anna@hospital.example", "b@hospital.example"}
    assert Department.objects.filter(name="Skin Clinic").count() == 1


def test_specialty_and_department_names_are_matched_case_insensitively(as_cora, catalogue):
    import_through_the_page(as_cora, csv_text(row(specialty="internal medicine", department="SURGERY")))
    anna = Resident.objects.get(user__email="anna@hospital.example")
    assert (anna.specialty.name, anna.department.name) == ("Internal Medicine", "Surgery")


def test_duplicate_emails_in_the_file_name_both_lines(as_cora, catalogue):
    text = csv_text(row(), row(email="daan@hospital.example"), row(email="Anna@hospital.example"))

    problems = upload(as_cora, text).context["problems"]

    assert [(p.line, p.column) for p in problems] == [(2, "email"), (4, "email")]
    assert "also on line 4" in problems[0].reason
    assert "also on line 2" in problems[1].reason


def test_an_address_of_an_intervisor_cannot_be_imported(as_cora, catalogue, ivan):
    response = upload(as_cora, csv_text(row(email="ivan@hospital.example")))

    (problem,) = response.context["problems"]
    assert (problem.line, problem.column) == (2, "email")
    assert "not a resident" in problem.reason
    ivan.refresh_from_db()
    assert ivan.role == User.Role.INTERVISOR
    assert not Resident.objects.filter(user=ivan).exists()


def test_an_unknown_supervisor_is_an_error(as_cora, catalogue):
    response = upload(as_cora, csv_text(row(supervisor_emails="nobody@hospital.example")))
    assert problems_of(response) == [(2, "supervisor_emails")]
    assert "nobody@hospital.example" in response.content.decode()


def test_a_resident_cannot_supervise_themselves(catalogue):
    parsed = read_residents_csv(csv_text(row(supervisor_emails="ANNA@hospital.example")))
    assert [(p.line, p.column, p.reason) for p in parsed.problems] == [
        (2, "supervisor_emails", "A resident cannot supervise themselves.")]


def test_a_supervisor_whose_own_row_is_bad_is_not_reported_twice(catalogue):
    plan = importers.check_residents_csv(csv_text(
        row(supervisor_emails="daan@hospital.example"),
        row(email="daan@hospital.example", training_year="9"),
    ))
    assert [(p.line, p.column) for p in plan.problems] == [(3, "training_year")]


def test_it_asks_for_a_file(as_cora):
    response = as_cora.post(URL, {})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_it_refuses_an_empty_file(as_cora):
    response = upload(as_cora, b"")
    assert response.status_code == 400
    assert "The submitted file is empty." in response.content.decode()


@pytest.mark.parametrize(("content", "message"), [
    (" \n\n", "The file is empty."),
    (HEADER + "\n", "The file has a header but no rows."),
    (HEADER + "\n,,,,,,,,,\n", "The file has a header but no rows."),
])
def test_a_blank_file_or_a_header_alone_is_refused_with_a_clear_message(as_cora, content, message):
    response = upload(as_cora, content)
    assert "Nothing was imported" in response.content.decode()
    assert message in response.content.decode()


def test_it_refuses_a_file_over_two_megabytes(as_cora, catalogue):
    content = GOOD.encode() + b"#" * importers.MAX_BYTES
    response = upload(as_cora, content)
    assert response.status_code == 400
    assert "larger than 2 MB" in response.content.decode()


def test_it_refuses_more_than_5000_residents():
    text = csv_text(*(row(email=f"r{n}@hospital.example") for n in range(importers.MAX_ROWS + 1)))
    parsed = read_residents_csv(text)
    assert [(p.line, p.reason) for p in parsed.problems] == [
        (None, "The file has more than 5,000 residents. Split it into smaller files.")]


def test_a_file_with_a_value_outside_the_header_is_refused(catalogue):
    parsed = read_residents_csv(csv_text(row() + ",extra"))
    assert [(p.line, p.value) for p in parsed.problems] == [(2, "extra")]


# --- The confirmation -----------------------------------------------------------------------

def test_a_confirmation_of_an_import_that_does_not_exist_is_404(as_cora, catalogue):
    assert as_cora.post(reverse("resident_import_detail", args=[999])).status_code == 404
    assert not Resident.objects.exists()


def test_an_import_of_another_kind_is_not_confirmed_here(as_cora, catalogue):
    preview = upload(as_cora, GOOD)
    imp = preview.context["imp"]
    assert as_cora.post(reverse("intervisor_import_detail", args=[imp.pk])).status_code == 404
    assert not Resident.objects.exists()


def test_only_coordinators_see_or_confirm_an_import(as_cora, catalogue, personas):
    imp = upload(as_cora, GOOD).context["imp"]
    url = reverse("resident_import_detail", args=[imp.pk])
    for name in ["rosa", "ivan"]:
        client = login(personas[name])
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    imp.refresh_from_db()
    assert imp.status == TableImport.Status.CHECKED


def test_a_confirmation_cannot_be_replayed(as_cora, catalogue, django_capture_on_commit_callbacks):
    preview = upload(as_cora, GOOD)
    confirm(as_cora, preview)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_cora.post(preview.wsgi_request.path)
    assert "This import was confirmed already." in messages_of(response)
    assert Resident.objects.count() == 2


def test_the_confirmation_checks_the_file_again(as_cora, db):
    SpecialtyFactory(name="Surgery")
    DepartmentFactory(name="Surgery")
    internal_medicine = SpecialtyFactory(name="Internal Medicine")
    DepartmentFactory(name="Internal Medicine")
    preview = upload(as_cora, GOOD)
    internal_medicine.delete()  # removed in the admin while the coordinator read the preview

    response = confirm(as_cora, preview)

    # Now the import would create the specialty: a new preview says so, and nothing is saved.
    assert response.context["outdated"]
    assert response.context["plan"]["new_specialties"] == ["Internal Medicine"]
    assert not Resident.objects.exists()


def test_a_new_preview_is_shown_when_residents_changed_after_the_preview(as_cora, catalogue, rosa):
    text = csv_text(row(email="rosa@hospital.example", training_year="3"), row())
    preview = upload(as_cora, text)
    Resident.objects.filter(user=rosa).update(training_year=3)  # someone edits Rosa meanwhile

    response = confirm(as_cora, preview)

    assert response.status_code == 200
    assert response.context["outdated"]
    assert "Residents changed since you checked the file" in response.content.decode()
    assert not User.objects.filter(email="anna@hospital.example").exists()
    assert confirm(as_cora, response).status_code == 302
    assert User.objects.filter(email="anna@hospital.example").exists()


# --- The service ----------------------------------------------------------------------------

def test_the_service_writes_nothing_when_a_row_is_refused(catalogue, ivan):
    rows = read_residents_csv(csv_text(row(), row(email="ivan@hospital.example"))).rows

    with pytest.raises(importers.ImportRefused) as refused:
        residents_import(rows=rows)

    assert [(p.line, p.column) for p in refused.value.problems] == [(3, "email")]
    assert not User.objects.filter(email="anna@hospital.example").exists()


def test_a_resident_log_in_without_a_profile_gets_one(catalogue):
    user = UserFactory(email="anna@hospital.example", role=User.Role.RESIDENT, first_name="A.")
    summary = residents_import(rows=read_residents_csv(csv_text(row())).rows)
    assert summary == importers.ImportSummary(created=1, updated=0, unchanged=0)
    user.refresh_from_db()
    assert (user.first_name, user.resident.training_year) == ("Anna", 2)


def test_the_plan_says_what_changes(catalogue, rosa):
    current = rosa.resident
    rows = read_residents_csv(csv_text(
        row(),
        row(email="rosa@hospital.example", first_name="Rosa", last_name="Resident",
            specialty=current.specialty.name, department=current.department.name, training_year="3"),
    )).rows

    plan = importers.plan_residents_import(rows=rows)

    assert [c.action for c in plan.changes] == [Change.CREATE, Change.UPDATE]
    assert plan.changes[1].fields == (importers.FieldChange("training_year", "2", "3"),)
    assert not Resident.objects.filter(user__email="anna@hospital.example").exists()


def _many_rows(n):
    return csv_text(*(
        row(email=f"r{i}@hospital.example", supervisor_emails=f"r{(i + 1) % n}@hospital.example")
        for i in range(n)
    ))


def test_reimporting_costs_the_same_queries_however_many_rows(catalogue, django_assert_max_num_queries):
    small, large = read_residents_csv(_many_rows(5)).rows, read_residents_csv(_many_rows(40)).rows
    residents_import(rows=small)
    residents_import(rows=large)

    # specialties, departments, users with their resident, the residents' supervisors, plus the
    # savepoint around the service when run inside the test's transaction.
    with django_assert_max_num_queries(6):
        assert residents_import(rows=large).unchanged == 40


def test_importing_new_residents_costs_a_few_queries_per_row(catalogue, django_assert_max_num_queries):
    rows = read_residents_csv(_many_rows(40)).rows
    # Per new resident: the user, the profile, reading and adding its supervisors.
    with django_assert_max_num_queries(6 + 4 * 40):
        assert residents_import(rows=rows).created == 40

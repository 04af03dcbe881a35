"""How long reading a hostile catalog upload takes (security finding: a 1.5 MB workbook
whose rows each hold one formatted empty cell in column XFD kept a worker busy until
gunicorn killed it).

    .venv/bin/python bench/import_hostile.py [--rows 300000]

Builds, in memory, workbooks with the catalog header and ``--rows`` rows of one
formatted empty cell in column XFD: as written (the sheet declares its used range
A1:XFD<n>), with a ``<dimension>`` that lies (A1:V1), and without one; plus a CSV of
empty lines. Prints each file's size, what ``read_table`` answered and the CPU seconds
it took (nothing is written to a database).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from config import TestingConfig


def workbook(rows: int, dimension: str | None) -> bytes:
    """An XLSX of the catalog header and ``rows`` rows each holding one formatted empty
    cell in column XFD, with the given ``<dimension ref>`` (None: no element)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from marketplace.catalog.exporter import COLUMNS

    book = Workbook()
    sheet = book.active
    sheet.title = "Products"
    sheet.append(list(COLUMNS))
    sheet.cell(row=2, column=16384).font = Font(bold=True)  # a style id for the cells
    base = io.BytesIO()
    book.save(base)
    with zipfile.ZipFile(io.BytesIO(base.getvalue())) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    head, rest = xml.split("<sheetData>", 1)
    header_row = rest.split("</row>", 1)[0] + "</row>"
    style = rest.split('<c r="XFD2" s="', 1)[1].split('"', 1)[0]
    tail = rest.split("</sheetData>", 1)[1]
    start, end = head.split("<dimension ", 1) if "<dimension " in head else (head, "")
    if end:
        end = end.split("/>", 1)[1]
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(f'<row r="{n}"><c r="XFD{n}" s="{style}"/></row>' for n in range(2, rows + 2))
    parts["xl/worksheets/sheet1.xml"] = (
        start + declared + end + "<sheetData>" + header_row + body + "</sheetData>" + tail
    ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    args = parser.parse_args()

    from marketplace import create_app
    from marketplace.catalog.exporter import COLUMNS
    from marketplace.catalog.importer import read_table
    from marketplace.errors import DomainError

    app = create_app(TestingConfig)
    files = {
        "xlsx, used range A1:XFD<n>": workbook(args.rows, f"A1:XFD{args.rows + 1}"),
        "xlsx, used range that lies (A1:V1)": workbook(args.rows, "A1:V1"),
        "xlsx, no <dimension>": workbook(args.rows, None),
        "csv, header and empty lines": (",".join(COLUMNS) + "\n" * (args.rows * 5)).encode(),
    }
    with app.app_context():
        caps = [f"{k}={v}" for k, v in app.config.items() if k.startswith("IMPORT_")]
        print("caps:", ", ".join(caps))
        for name, data in files.items():
            started = time.process_time()
            try:
                table = read_table(data, "catalog.xlsx" if "xlsx" in name else "catalog.csv")
                answer = f"read, {len(table.rows)} product rows"
            except DomainError as exc:
                answer = f"{exc.status_code}: {exc.message}"
            seconds = time.process_time() - started
            print(f"{name}: {len(data) / 1e6:.2f} MB, {seconds:.3f} s CPU -> {answer}")


if __name__ == "__main__":
    main()
